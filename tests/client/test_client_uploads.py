"""Uploads against raw asyncio peers: a server that refuses a body before reading it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from peers import Handler, raw_server, read_head, threaded_server

import blazeio_client as io
from blazeio_common import LocalProtocolError

BIG = 60 * 1024 * 1024


def refuse() -> Handler:
    """Reads the request head only, answers 401 with ``Connection: close`` and closes (the
    unread body makes the kernel reset the connection)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await read_head(reader)
            writer.write(b"HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 6\r\n\r\ndenied")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


async def chunks(total: int, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    piece = b"x" * size
    for _ in range(total // size):
        yield piece  # never waits: a generator the event loop does not get a turn in


@pytest.mark.parametrize("serve", [raw_server, threaded_server], ids=["peer-in-this-loop", "peer-in-a-thread"])
async def test_a_large_upload_refused_before_it_is_read_returns_the_server_s_answer(
    serve: Callable[[Handler], AbstractAsyncContextManager[str]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # What curl and httpcore do: a server that answers before the body is all sent is heard,
    # not reported as a lost connection; the sending stops. A peer in another thread answers
    # and resets the connection while the client is sending, as a server process does.
    path = tmp_path / "big.bin"
    path.write_bytes(b"f" * BIG)
    caplog.set_level(logging.DEBUG, logger="asyncio")
    async with serve(refuse()) as url:
        pool = io.Pool()
        try:
            with path.open("rb") as handle:
                bodies = {"bytes": b"b" * BIG, "async iterable": chunks(BIG), "file": handle}
                for kind, body in bodies.items():
                    resp = await io.getSession.put(f"{url}/upload", body=body, pool=pool)
                    assert (resp.status_code, await resp.text()) == (401, "denied"), kind
            assert pool.idle_connections == 0  # the request never ended: its connection is not reused
        finally:
            pool.close()
    sends = [r for r in caplog.records if "socket.send() raised exception" in r.getMessage()]
    assert sends == []


async def test_an_upload_refused_on_a_connection_kept_open_stops_without_waiting_for_the_write_timeout() -> None:
    # The server answers 413 and then reads nothing more, nor closes: the client must not wait
    # for it to take the body (it never will) -- the answer ends the upload.
    answered = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 6\r\n\r\ndenied")
        await writer.drain()
        await answered.wait()
        writer.close()

    async with raw_server(handle) as url:
        pool = io.Pool()
        try:
            for body in (b"b" * BIG, chunks(BIG)):
                resp = await io.getSession.put(url, body=body, pool=pool, timeout=io.Timeout(write=10))
                assert (resp.status_code, await resp.text()) == (413, "denied")
            assert pool.idle_connections == 0  # kept alive by the server, but its request is unfinished
        finally:
            answered.set()
            pool.close()


class Reader:
    """A file-like object that can only be read: its size is unknown, and it cannot seek."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        piece, self.data = self.data[:size], self.data[size:]
        return piece


def parts(body: bytes, content_type: str) -> dict[str, bytes]:
    """The parts of a multipart/form-data body, by name (parsed with the stdlib's email package)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    return {str(part.get_param("name", header="content-disposition")): part.get_payload(decode=True)
            for part in message.iter_parts()}  # fmt: skip


async def test_multipart_of_known_sizes_goes_with_content_length_and_is_sent_again_on_307(tmp_path: Path) -> None:
    # Many servers refuse chunked uploads: when every part's size is known, the length is sent.
    import io as stdlib_io

    from peers import header, read_request

    path = tmp_path / "doc.bin"
    path.write_bytes(bytes(range(256)) * 4000)
    received: list[tuple[bytes, bytes]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head, body = await read_request(reader)
                received.append((head, body))
                if head.startswith(b"POST /first "):
                    writer.write(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n")
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async with raw_server(handle) as url:
        pool = io.Pool()
        try:
            with path.open("rb") as doc:
                fields = {
                    "title": "héllo",
                    "raw": ("raw.bin", b"\x00bytes"),
                    "doc": ("doc.bin", doc),
                    "memory": ("m.txt", stdlib_io.BytesIO(b"in memory"), "text/plain"),
                }
                resp = await io.getSession.post(f"{url}/first", multipart=fields, follow_redirects=True, pool=pool)
                assert (resp.status_code, resp.path) == (200, "/again")
                # A part of unknown size (it can only be read): chunked, and it cannot be sent again.
                unknown = {"title": "x", "stream": ("s.bin", Reader(b"only read"))}
                assert (await io.getSession.post(f"{url}/unknown", multipart=unknown, pool=pool)).status_code == 200
                with pytest.raises(LocalProtocolError, match="307/308"):
                    await io.getSession.post(
                        f"{url}/first", multipart={"s": ("s.bin", Reader(b"x"))}, follow_redirects=True, pool=pool
                    )
                # A file given as the body is sent again too.
                doc.seek(1000)
                resp = await io.getSession.post(f"{url}/first", body=doc, follow_redirects=True, pool=pool)
                assert (resp.status_code, resp.path) == (200, "/again")
        finally:
            pool.close()
    (first, first_body), (again, again_body), (unknown_head, unknown_body) = received[:3]
    expected = {"title": "héllo".encode(), "raw": b"\x00bytes", "doc": path.read_bytes(), "memory": b"in memory"}
    for head, body in ((first, first_body), (again, again_body)):
        assert header(head, "transfer-encoding") is None
        assert header(head, "content-length") == str(len(body))
        assert parts(body, str(header(head, "content-type"))) == expected
    assert again.startswith(b"POST /again ")
    assert header(unknown_head, "transfer-encoding") == "chunked" and header(unknown_head, "content-length") is None
    assert parts(unknown_body, str(header(unknown_head, "content-type"))) == {"title": b"x", "stream": b"only read"}
    assert [body for _, body in received[4:]] == [path.read_bytes()[1000:]] * 2
