"""The SOCKS5 codec over real sockets, through a real SOCKS5 server (pproxy), to a local http.server."""

from __future__ import annotations

import asyncio
import http.server
import re
import select
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from blazeio_client.socks5 import Socks5Handshake, SocksAuthError, SocksError

pytest.importorskip("pproxy")

# pproxy's main() installs uvloop's loop policy when it can import uvloop and then calls
# asyncio.get_event_loop(), which that policy refuses outside a running loop: start it without.
LAUNCH = (
    "import asyncio, sys\n"
    "sys.modules['uvloop'] = None\n"
    "asyncio.set_event_loop(asyncio.new_event_loop())\n"
    "from pproxy.server import main\n"
    "main()\n"
)


@contextmanager
def pproxy(listen: str) -> Iterator[int]:
    """A pproxy SOCKS5 server on an ephemeral port of 127.0.0.1; yields the port."""
    # --auth 0: authenticate every connection (pproxy otherwise trusts an address that did once).
    process = subprocess.Popen(
        [sys.executable, "-u", "-c", LAUNCH, "-l", listen, "--auth", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    drain = threading.Thread(target=process.stdout.read, daemon=True)
    try:
        seen: list[str] = []
        port = None
        while port is None:
            ready, _, _ = select.select([process.stdout], [], [], 30)
            line = process.stdout.readline() if ready else ""
            if not line:
                pytest.fail(f"pproxy did not start: {''.join(seen)}")
            seen.append(line)
            match = re.search(r"Serving on \S+ 127\.0\.0\.1:(\d+)", line)
            port = int(match[1]) if match else None
        # Keep draining its output so that it can never block on a full pipe.
        drain.start()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        if drain.is_alive():
            drain.join(timeout=30)  # the pipe is at its end once the process is gone
        process.stdout.close()


class Hello(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = f"hello {self.path} via {self.headers['Host']}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def origin_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


async def fetch_through(proxy_port: int, host: str, port: int, **credentials: str) -> bytes:
    """Open a tunnel with the codec over an asyncio socket, then GET /hello through it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", proxy_port)
    try:
        handshake = Socks5Handshake(host, port, **credentials)
        writer.write(handshake.greeting())
        while not handshake.done:
            data = await asyncio.wait_for(reader.read(4096), 30)
            if not data:
                handshake.eof()
            reply = handshake.receive(data)
            if reply:
                writer.write(reply)
        writer.write(f"GET /hello HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        rest = await asyncio.wait_for(reader.read(), 30)
        return handshake.leftover + rest
    finally:
        writer.close()


def body_of(response: bytes) -> bytes:
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200") or head.startswith(b"HTTP/1.1 200"), head
    return body


async def test_socks5h_sends_the_name_and_the_proxy_resolves_it(origin_port: int) -> None:
    with pproxy("socks5://127.0.0.1:0") as proxy_port:
        response = await fetch_through(proxy_port, "localhost", origin_port)
    assert body_of(response) == f"hello /hello via localhost:{origin_port}".encode()


async def test_socks5_sends_an_address_the_client_resolved(origin_port: int) -> None:
    with pproxy("socks5://127.0.0.1:0") as proxy_port:
        response = await fetch_through(proxy_port, "127.0.0.1", origin_port)
    assert body_of(response) == f"hello /hello via 127.0.0.1:{origin_port}".encode()


async def test_a_proxy_that_wants_a_password_gets_it(origin_port: int) -> None:
    with pproxy("socks5://127.0.0.1:0#alice:s3cret") as proxy_port:
        response = await fetch_through(proxy_port, "127.0.0.1", origin_port, username="alice", password="s3cret")
        assert body_of(response) == f"hello /hello via 127.0.0.1:{origin_port}".encode()
        with pytest.raises(SocksAuthError):
            await fetch_through(proxy_port, "127.0.0.1", origin_port, username="alice", password="wrong")
        with pytest.raises(SocksError):  # offering no credentials at all
            await fetch_through(proxy_port, "127.0.0.1", origin_port)
