"""Interop with the stdlib over 127.0.0.1: our heads/framing against http.server and http.client."""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from blazeio_common.http import (
    NEED_DATA,
    PAUSED,
    ChunkedWriter,
    ConnectionClosed,
    ContentLengthWriter,
    Data,
    EndOfMessage,
    Request,
    RequestReceiver,
    Response,
    ResponseReceiver,
    serialise_request_head,
    serialise_response_head,
)

TIMEOUT = 10


class StdlibHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"alpha", b"beta", b"gamma"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end")
            self.close_connection = True
        else:
            body = f"path={self.path} host={self.headers['Host']}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "12345")
        self.end_headers()

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[::-1])


@pytest.fixture
def stdlib_server() -> Iterator[tuple[str, int]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StdlibHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[0], server.server_address[1]  # type: ignore[return-value]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def exchange(sock: socket.socket, receiver: ResponseReceiver) -> tuple[Response, bytes]:
    """Read one whole response from the socket through our receiver."""
    response: Response | None = None
    body = bytearray()
    while True:
        event = receiver.next_event()
        if event is NEED_DATA:
            data = sock.recv(65536)
            if data:
                receiver.feed(data)
            else:
                receiver.feed_eof()
        elif isinstance(event, Response):
            response = event
        elif isinstance(event, Data):
            body += event.data
        elif isinstance(event, EndOfMessage):
            assert response is not None
            return response, bytes(body)
        else:
            raise AssertionError(event)


def test_our_client_side_talks_keep_alive_to_http_server(stdlib_server: tuple[str, int]) -> None:
    host, port = stdlib_server
    with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
        receiver = ResponseReceiver("GET")
        authority = f"{host}:{port}"
        sock.sendall(serialise_request_head("GET", "/a?b=1", {"Host": authority}))
        response, body = exchange(sock, receiver)
        assert response.status_code == 200
        assert response.keep_alive
        assert body == f"path=/a?b=1 host={authority}".encode()

        receiver.start_next_cycle("GET")
        sock.sendall(serialise_request_head("GET", "/chunked", {"Host": authority}))
        response, body = exchange(sock, receiver)
        assert response.framing == "chunked"
        assert body == b"alphabetagamma"

        receiver.start_next_cycle("HEAD")
        sock.sendall(serialise_request_head("HEAD", "/", {"Host": authority}))
        response, body = exchange(sock, receiver)
        assert response.headers["content-length"] == "12345"
        assert body == b""

        receiver.start_next_cycle("POST")
        out: list[bytes] = [serialise_request_head("POST", "/echo", {"Host": authority, "Content-Length": 6})]
        writer = ContentLengthWriter(6)
        writer.send(b"abcdef", out.append)
        writer.finish(out.append)
        sock.sendall(b"".join(out))
        response, body = exchange(sock, receiver)
        assert (response.status_code, body) == (201, b"fedcba")

        receiver.start_next_cycle("GET")
        sock.sendall(serialise_request_head("GET", "/close", {"Host": authority}))
        response, body = exchange(sock, receiver)
        assert not response.keep_alive
        assert body == b"until the end"


def serve_with_our_core(listener: socket.socket, seen: list[Request], bodies: list[bytes]) -> None:
    """A tiny blocking server on our sans-IO core: echoes bodies, answers GETs chunked."""
    conn, _ = listener.accept()
    with conn:
        conn.settimeout(TIMEOUT)
        receiver = RequestReceiver()
        request: Request | None = None
        body = bytearray()
        while True:
            event = receiver.next_event()
            if event is NEED_DATA:
                data = conn.recv(65536)
                if data:
                    receiver.feed(data)
                else:
                    receiver.feed_eof()
            elif isinstance(event, ConnectionClosed):
                return
            elif isinstance(event, Request):
                request, body = event, bytearray()
                seen.append(event)
            elif isinstance(event, Data):
                body += event.data
            elif isinstance(event, EndOfMessage):
                assert request is not None
                bodies.append(bytes(body))
                out: list[bytes] = []
                if request.method == "GET":
                    out.append(serialise_response_head(200, {"Transfer-Encoding": "chunked", "X-Path": request.target}))
                    writer = ChunkedWriter()
                    for piece in (b"one,", b"two,", b"three"):
                        writer.send(piece, out.append)
                    writer.finish(out.append)
                else:
                    out.append(serialise_response_head(200, {"Content-Length": len(body)}))
                    out.append(bytes(body))
                conn.sendall(b"".join(out))
                if not request.keep_alive:
                    return
            elif event is PAUSED:
                receiver.start_next_cycle()


def test_http_client_talks_to_our_server_side() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[Request] = []
    bodies: list[bytes] = []
    thread = threading.Thread(target=serve_with_our_core, args=(listener, seen, bodies), daemon=True)
    thread.start()
    try:
        client = http.client.HTTPConnection("127.0.0.1", listener.getsockname()[1], timeout=TIMEOUT)
        client.request("GET", "/first?x=%20y", headers={"X-Test": "1"})
        response = client.getresponse()
        assert response.status == 200
        assert response.getheader("X-Path") == "/first?x=%20y"
        assert response.read() == b"one,two,three"

        chunks = [b"stream", b"ed ", b"upload"]
        client.request("POST", "/up", body=iter(chunks), encode_chunked=True)
        response = client.getresponse()
        assert response.read() == b"streamed upload"

        client.request("PUT", "/put", body=b"x" * 100_000)
        response = client.getresponse()
        assert response.read() == b"x" * 100_000
        client.close()
    finally:
        thread.join(TIMEOUT)
        listener.close()
    assert [r.method for r in seen] == ["GET", "POST", "PUT"]
    assert seen[1].chunked and seen[1].content_length is None
    assert seen[0].headers["x-test"] == "1"
    assert bodies == [b"", b"streamed upload", b"x" * 100_000]
