"""Backpressure on the client's connection, both ways, over real sockets: a download the caller
does not read stops the socket, an upload waits for a server that reads slowly, and an upload to
a server that stops reading (or goes away) ends in an error instead of hanging."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from peers import raw_server, read_head, read_request

import blazeio_client as io
from blazeio_client.connection import ClientConnection

TIMEOUT = 10
PIECE = 256 * 1024
BIG = 64 * 1024 * 1024


def pattern(size: int) -> bytes:
    """Bytes whose order shows: a piece lost, repeated or moved changes them."""
    return hashlib.shake_256(b"flow").digest(64 * 1024) * (size // (64 * 1024))


@pytest.fixture
def connections() -> Iterator[list[ClientConnection]]:
    """The client connections made during the test, in order."""
    made: list[ClientConnection] = []
    original = ClientConnection.connection_made

    def record(self: ClientConnection, transport: asyncio.BaseTransport) -> None:
        original(self, transport)
        made.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientConnection, "connection_made", record)
        yield made


async def test_a_download_the_caller_does_not_read_stops_the_socket_and_arrives_whole() -> None:
    body = pattern(32 * 1024 * 1024)

    async def send_big(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        try:
            for start in range(0, len(body), PIECE):
                writer.write(body[start : start + PIECE])
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    paused: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    original = ClientConnection.data_received

    def observe(self: ClientConnection, data: bytes) -> None:
        original(self, data)
        if not self.transport.is_reading() and not paused.done():
            paused.set_result(self.receiver.buffered)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientConnection, "data_received", observe)
        async with raw_server(send_big) as url, io.getSession.get(url) as resp:
            # The caller reads nothing yet: the client stops reading the socket with about a
            # mebibyte buffered (one read more at most), not the whole body.
            buffered = await asyncio.wait_for(paused, TIMEOUT)
            assert buffered <= 2 * 1024 * 1024
            # Reading resumes as the caller reads, and nothing is lost or moved.
            assert await asyncio.wait_for(resp.read(), TIMEOUT) == body


async def digest_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads one whole request and answers with its body's length and SHA-256."""
    try:
        _, received = await read_request(reader)
        answer = b"%d %s" % (len(received), hashlib.sha256(received).hexdigest().encode())
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def expected_answer(size: int) -> str:
    return f"{size} {hashlib.sha256(pattern(size)).hexdigest()}"


async def pieces_of(data: bytes, note: Callable[[], None] | None = None) -> AsyncIterator[bytes]:
    """``data`` in pieces that are ready at once: taking one never waits."""
    for start in range(0, len(data), PIECE):
        if note is not None:
            note()
        yield data[start : start + PIECE]


async def upload(url: str, how: str, body: AsyncIterator[bytes], budgets: io.Timeout | None = None) -> str:
    """POST ``body`` (``BIG`` bytes) as an async iterable body or by ``write()`` calls, with the
    client's timeout ``budgets``; the answer.

    One task from start to end (the caller wraps it in one ``wait_for``): between the pieces
    nothing gives the loop a turn but the client's own waits.
    """
    if how == "async iterable body":
        resp = await io.getSession.post(url, body=body, timeout=budgets)
        return await resp.text()
    async with io.getSession.post(url, {"Content-Length": str(BIG)}, timeout=budgets) as resp:
        async for piece in body:
            await resp.write(piece)
        return await resp.text()


@pytest.mark.parametrize("how", ["async iterable body", "write() calls"])
async def test_an_upload_waits_for_the_server_to_take_it_instead_of_buffering_it(
    how: str, connections: list[ClientConnection]
) -> None:
    # The body's pieces are ready at once and never wait: only the client's wait for the
    # transport (its drain) lets the server, in this same loop, read. Without that wait every
    # piece would pile up in the transport's buffer.
    data = pattern(BIG)
    largest = 0

    def note_buffer() -> None:
        nonlocal largest
        largest = max(largest, connections[-1].transport.get_write_buffer_size())

    async with raw_server(digest_request) as url:
        answer = await asyncio.wait_for(upload(url, how, pieces_of(data, note_buffer)), TIMEOUT)
    assert answer == expected_answer(BIG)
    assert largest <= 2 * 1024 * 1024  # a few pieces at most, never the 64 MiB


@pytest.mark.parametrize("how", ["async iterable body", "write() calls"])
async def test_an_upload_to_a_server_that_stops_reading_ends_in_a_write_timeout(how: str) -> None:
    release = asyncio.get_running_loop().create_future()

    async def stop_reading(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.transport.pause_reading()  # alive, but it takes no more bytes
        await release
        writer.transport.abort()

    try:
        async with raw_server(stop_reading) as url:
            with pytest.raises(io.WriteTimeout):
                await asyncio.wait_for(upload(url, how, pieces_of(pattern(BIG)), io.Timeout(write=0.3)), TIMEOUT)
    finally:
        release.set_result(None)


@pytest.mark.parametrize("how", ["async iterable body", "write() calls"])
async def test_a_server_that_drops_the_connection_during_a_paused_upload_is_reported_at_once(how: str) -> None:
    # POST: not retried on a new connection, so the loss reaches the caller.
    paused: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    original = ClientConnection.pause_writing

    def observe(self: ClientConnection) -> None:
        original(self)
        if not paused.done():
            paused.set_result(None)

    async def drop_when_paused(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.transport.pause_reading()
        await paused  # the client's transport is full: it waits for a drain
        writer.transport.abort()

    long_write_timeout = io.Timeout(write=60)  # the loss, not the write timeout, must end the wait
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ClientConnection, "pause_writing", observe)
        async with raw_server(drop_when_paused) as url:
            with pytest.raises(ConnectionError):
                await asyncio.wait_for(upload(url, how, pieces_of(pattern(BIG)), long_write_timeout), TIMEOUT)
