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
