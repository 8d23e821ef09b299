"""The upgrade seam (``r.upgrade``): a handler hands its connection to another protocol after a 101."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

import pytest
from serving import TIMEOUT, exchange, read_until, request, running

import Blazeio as io

UPGRADE = b"GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
HEADERS = {"Upgrade": "echo", "Connection": "Upgrade"}


class Echo(asyncio.Protocol):
    """Echoes every byte; says ``bye`` when the server shuts down."""

    def __init__(self, transport: asyncio.Transport, buffered: bytes) -> None:
        self.transport = transport
        self.lost = asyncio.get_running_loop().create_future()
        self.goodbyes = 0
        if buffered:
            self.data_received(buffered)

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)

    async def shutdown(self) -> None:
        self.goodbyes += 1
        self.transport.write(b"bye\n")


def echo_app(protocols: list[Echo], **settings: object) -> io.App:
    web = io.App(**settings)

    @web.route("/echo")
    async def echo(r: io.BlazeioProtocol) -> None:
        protocols.append(await r.upgrade(Echo, HEADERS, on_shutdown=Echo.shutdown))

    @web.route("/")
    async def index(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("plain")

    return web


async def upgraded(port: int, first: bytes = b"") -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(UPGRADE + first)
    head = await read_until(reader, b"\r\n\r\n")
    return reader, writer, head


async def test_bytes_sent_with_the_request_head_reach_the_new_protocol() -> None:
    protocols: list[Echo] = []
    async with running(echo_app(protocols)) as web:
        reader, writer, head = await upgraded(web.port, b"same send\n")
        assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        assert b"\r\nUpgrade: echo\r\n" in head and b"Connection: close" not in head
        assert await read_until(reader, b"\n") == b"same send\n"
        writer.write(b"later\n")
        assert await read_until(reader, b"\n") == b"later\n"
        writer.close()
        await asyncio.wait_for(protocols[0].lost, TIMEOUT)


async def test_graceful_shutdown_lets_the_protocol_say_goodbye_then_closes() -> None:
    protocols: list[Echo] = []
    web = echo_app(protocols)
    async with running(web):
        reader, writer, _ = await upgraded(web.port, b"hi\n")
        assert await read_until(reader, b"\n") == b"hi\n"
        await asyncio.wait_for(web.exit(), TIMEOUT)
        # the goodbye, then the end of the connection (the server closed it)
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b"bye\n"
        assert protocols[0].goodbyes == 1
        assert protocols[0].lost.done()
        assert not web.connections
        writer.close()


async def test_upgraded_connections_count_toward_max_connections() -> None:
    protocols: list[Echo] = []
    async with running(echo_app(protocols, max_connections=1)) as web:
        reader, writer, _ = await upgraded(web.port, b"x\n")
        assert await read_until(reader, b"\n") == b"x\n"
        assert len(web.connections) == 1
        [refused] = await exchange(web.port, request("GET", "/"))
        assert refused.status == 503
        writer.close()
        await asyncio.wait_for(protocols[0].lost, TIMEOUT)
        assert not web.connections  # the slot is free once the upgraded connection is lost
        [answered] = await exchange(web.port, request("GET", "/"))
        assert answered.status == 200


async def test_header_and_idle_timeouts_do_not_close_an_upgraded_connection() -> None:
    protocols: list[Echo] = []
    async with running(echo_app(protocols, header_timeout=0.01, keepalive_timeout=0.01)) as web:
        reader, writer, _ = await upgraded(web.port, b"partial head? no: GET / HT")
        assert await read_until(reader, b"HT") == b"partial head? no: GET / HT"
        # The App's deadline sweep, an hour later: every HTTP timer would have fired.
        later = asyncio.get_running_loop().time() + 3600
        for connection in list(web.connections):
            connection.check_deadline(later)
        writer.write(b"still here\n")
        assert await read_until(reader, b"\n") == b"still here\n"
        assert not protocols[0].lost.done()
        writer.close()


async def test_a_request_with_a_body_cannot_be_upgraded() -> None:
    protocols: list[Echo] = []
    async with running(echo_app(protocols)) as web:
        body = UPGRADE.replace(b"\r\n\r\n", b"\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
        [reply] = await exchange(web.port, body.replace(b"Connection: Upgrade\r\n", b""))
        assert reply.status == 400
        chunked = UPGRADE.replace(b"\r\n\r\n", b"\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(chunked)
        assert (await read_until(reader, b"\r\n")).startswith(b"HTTP/1.1 400 ")
        writer.close()
        assert protocols == []


async def test_the_upgrade_header_on_a_plain_route_is_ignored() -> None:
    protocols: list[Echo] = []
    async with running(echo_app(protocols)) as web:
        [reply] = await exchange(web.port, request("GET", "/", headers={"Upgrade": "echo"}))
        assert (reply.status, reply.body) == (200, b"plain")


async def test_an_upgraded_request_is_in_the_access_log_as_101(caplog: pytest.LogCaptureFixture) -> None:
    protocols: list[Echo] = []
    with caplog.at_level(logging.INFO, logger="blazeio.access"):
        async with running(echo_app(protocols, access_log=True)) as web:
            reader, writer, _ = await upgraded(web.port, b"x\n")
            assert await read_until(reader, b"\n") == b"x\n"
            writer.close()
            await asyncio.wait_for(protocols[0].lost, TIMEOUT)
    lines = [r.getMessage() for r in caplog.records if r.name == "blazeio.access"]
    assert len(lines) == 1
    assert re.fullmatch(r'127\.0\.0\.1:\d+ "GET /echo HTTP/1\.1" 101 \d+\.\d\dms', lines[0])


class ReportingEcho(Echo):
    """An Echo that reports its own loss (``on_lost``): the seam puts no relay before it."""

    def __init__(self, transport: asyncio.Transport, buffered: bytes) -> None:
        self.on_lost: Callable[[Exception | None], None] | None = None
        self.reported = 0
        super().__init__(transport, buffered)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        on_lost, self.on_lost = self.on_lost, None
        if on_lost is not None:
            self.reported += 1
            on_lost(exc)


async def test_a_protocol_that_reports_its_loss_is_the_transports_own_and_frees_its_slot() -> None:
    protocols: list[ReportingEcho] = []
    handler_ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    web = io.App(max_connections=1)

    @web.route("/echo")
    async def echo(r: io.BlazeioProtocol) -> None:
        protocols.append(await r.upgrade(ReportingEcho, HEADERS))
        try:
            await asyncio.Future()  # the handler stays, as a WebSocket handler does
        except asyncio.CancelledError:
            handler_ended.set_result("cancelled")
            raise

    @web.route("/")
    async def index(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("plain")

    async with running(web):
        reader, writer, _ = await upgraded(web.port, b"x\n")
        assert await read_until(reader, b"\n") == b"x\n"
        protocol = protocols[0]
        assert protocol.transport.get_protocol() is protocol  # no relay in between
        [refused] = await exchange(web.port, request("GET", "/"))
        assert refused.status == 503
        writer.close()
        assert await asyncio.wait_for(handler_ended, TIMEOUT) == "cancelled"  # a disconnect, as for HTTP
        assert protocol.reported == 1
        assert not web.connections
        [answered] = await exchange(web.port, request("GET", "/"))
        assert answered.status == 200
