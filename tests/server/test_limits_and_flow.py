"""Limits, timeouts, backpressure and disconnects -- against real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import time

import psutil
from serving import TIMEOUT, exchange, parse, running, until

import Blazeio as io
from blazeio_common.http import Limits


def hello_app(**settings: object) -> io.App:
    web = io.App("127.0.0.1", 0, **settings)  # type: ignore[arg-type]

    @web.add_route
    async def _hello(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("hello")

    return web


async def test_oversized_heads_are_answered_414_431_and_closed() -> None:
    limits = Limits(max_request_line=100, max_header_bytes=200, max_header_count=5)
    async with running(hello_app(limits=limits)) as web:
        (line,) = await exchange(web.port, b"GET /" + b"a" * 200 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        (block,) = await exchange(web.port, b"GET /hello HTTP/1.1\r\nHost: t\r\nX: " + b"v" * 300 + b"\r\n\r\n")
        (count,) = await exchange(
            web.port, b"GET /hello HTTP/1.1\r\nHost: t\r\n" + b"".join(b"X%d: v\r\n" % i for i in range(6)) + b"\r\n"
        )
    assert [(r.status, r.keep_alive) for r in (line, block, count)] == [(414, False), (431, False), (431, False)]


async def test_a_slowloris_client_is_cut_off_by_the_header_timeout() -> None:
    async with running(hello_app(header_timeout=1.0)) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        started = time.monotonic()
        writer.write(b"GET /hello HTTP/1.1\r\nHost: t\r\nX-Drip: ")
        while not reader.at_eof():
            try:
                writer.write(b"a")  # one byte at a time: never completes the head
                await writer.drain()
            except ConnectionError:
                break
            try:
                data = await asyncio.wait_for(reader.read(4096), 0.25)
            except TimeoutError:
                continue
            if data:
                assert data.startswith(b"HTTP/1.1 408 Request Timeout")
            break
        elapsed = time.monotonic() - started
        writer.close()
    assert 1.0 <= elapsed < 3.0


def test_default_header_timeout_cuts_a_dripping_client_within_ten_seconds() -> None:
    from blazeio_server.app import _SWEEP_INTERVAL

    settings = io.ServerSettings()
    assert settings.header_timeout + _SWEEP_INTERVAL <= 10.0


async def test_idle_keep_alive_connections_are_closed() -> None:
    async with running(hello_app(keepalive_timeout=0.5)) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        started = time.monotonic()
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)  # EOF once idle too long
        elapsed = time.monotonic() - started
        writer.close()
    assert parse(raw)[0].body == b"hello"
    assert 0.5 <= elapsed < 3.0


async def test_connections_over_the_limit_get_503() -> None:
    async with running(hello_app(max_connections=1)) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        assert (await asyncio.wait_for(reader.readuntil(b"hello"), TIMEOUT)).startswith(b"HTTP/1.1 200")
        (second,) = await exchange(web.port, b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        writer.close()
    assert second.status == 503


async def test_a_client_that_reads_nothing_does_not_grow_server_memory() -> None:
    """Backpressure: the handler is held at the transport's high watermark while the client sleeps."""
    web = io.App("127.0.0.1", 0)
    chunk = b"x" * (256 * 1024)
    progress = {"written": 0}

    @web.add_route
    async def _flood(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "application/octet-stream", "Content-Length": 1 << 30}, 200)
        while progress["written"] < 1 << 30:
            await r.write(chunk)
            progress["written"] += len(chunk)

    process = psutil.Process()
    async with running(web):
        _reader, writer = await asyncio.open_connection("127.0.0.1", web.port, limit=1024)
        writer.transport.pause_reading()  # the client reads nothing
        before = process.memory_info().rss
        writer.write(b"GET /flood HTTP/1.1\r\nHost: t\r\n\r\n")
        await until(lambda: any(c.write_paused for c in web.connections))
        # Once stalled, the handler makes no more progress however long we wait for it.
        at_stall = progress["written"]
        for _ in range(50):
            await asyncio.sleep(0)
        grown = process.memory_info().rss - before
        writer.close()
    assert progress["written"] == at_stall or progress["written"] - at_stall <= len(chunk) * 4
    assert progress["written"] < 64 << 20  # the kernel's socket buffers, not the 1 GiB
    assert grown < 32 << 20


async def test_a_disconnect_cancels_the_handler_and_frees_the_connection() -> None:
    web = io.App("127.0.0.1", 0)
    started = asyncio.Event()
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    @web.add_route
    async def _wait(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 200)
        started.set()
        try:
            await asyncio.Event().wait()  # a handler waiting on something that never comes
        except asyncio.CancelledError:
            outcome.set_result("cancelled")
            raise

    async with running(web):
        _reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET /wait HTTP/1.1\r\nHost: t\r\n\r\n")
        await asyncio.wait_for(started.wait(), TIMEOUT)
        writer.close()
        assert await asyncio.wait_for(outcome, TIMEOUT) == "cancelled"
        await until(lambda: not web.connections)


async def test_a_shielded_handler_finishes_its_work_after_the_client_left() -> None:
    web = io.App("127.0.0.1", 0)
    started = asyncio.Event()
    release = asyncio.Event()
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    @web.add_route
    async def _shielded(r: io.BlazeioProtocol) -> None:
        async with io.ConnectionTaskShield(r):
            started.set()
            await release.wait()
            done.set_result("finished")
        with contextlib.suppress(io.ClientDisconnected):
            await r.write(b"too late")

    async with running(web):
        _reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET /shielded HTTP/1.1\r\nHost: t\r\n\r\n")
        await asyncio.wait_for(started.wait(), TIMEOUT)
        writer.close()
        await writer.wait_closed()
        await until(lambda: not web.connections or any(c.gone for c in web.connections))
        release.set()
        assert await asyncio.wait_for(done, TIMEOUT) == "finished"


async def test_writes_after_a_disconnect_raise_client_disconnected() -> None:
    web = io.App("127.0.0.1", 0)
    started = asyncio.Event()
    result: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

    @web.add_route
    async def _writer(r: io.BlazeioProtocol) -> None:
        async with io.ConnectionTaskShield(r):
            await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 200)
            started.set()
            await until(lambda: r.gone)
            try:
                await r.write(b"x")
            except io.ClientDisconnected as exc:
                result.set_result(exc)

    async with running(web):
        _reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET /writer HTTP/1.1\r\nHost: t\r\n\r\n")
        await asyncio.wait_for(started.wait(), TIMEOUT)
        writer.close()
        assert isinstance(await asyncio.wait_for(result, TIMEOUT), ConnectionError)


async def test_a_client_that_stalls_mid_body_gets_408() -> None:
    web = io.App("127.0.0.1", 0, body_timeout=0.3)

    @web.add_route
    async def _upload(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(str(len(await r.read_body())))

    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        started = time.monotonic()
        writer.write(b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhalf!")  # 5 of 10 bytes
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)  # answered, then closed
        elapsed = time.monotonic() - started
        writer.close()
    (reply,) = parse(raw)
    assert (reply.status, reply.keep_alive) == (408, False)
    assert 0.3 <= elapsed < 3.0
