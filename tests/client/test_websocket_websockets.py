"""``io.getSession.websocket`` against a real, independent server: the ``websockets`` library on
127.0.0.1 (text, binary, large and fragmented messages, compression, pings, every close path,
subprotocols, refusals, TLS, a CONNECT proxy, backpressure, keepalive)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import pytest
from peers import TLS, http_proxy, raw_server

websockets = pytest.importorskip("websockets")  # a test dependency, absent from install slices

from websockets.asyncio.server import ServerConnection, serve  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.frames import Opcode  # noqa: E402

import blazeio_client as io  # noqa: E402
from blazeio_common import ProtocolError, WebSocket, WebSocketClosed, WebSocketHandshakeError  # noqa: E402

TIMEOUT = 10
Handler = Callable[[ServerConnection], Awaitable[None]]


@asynccontextmanager
async def server(handler: Handler, **options: Any) -> AsyncIterator[str]:
    """A websockets server on an ephemeral port; yields ``ws://127.0.0.1:<port>`` (``wss://`` with ``ssl=``)."""
    options.setdefault("ping_interval", None)
    async with serve(handler, "127.0.0.1", 0, **options) as running:
        port = running.sockets[0].getsockname()[1]
        yield f"{'wss' if options.get('ssl') else 'ws'}://127.0.0.1:{port}"


async def echo(connection: ServerConnection) -> None:
    async for message in connection:
        await connection.send(message)


@pytest.mark.parametrize("compress", [True, False])
async def test_text_and_binary_messages_echo_compressed_or_not(compress: bool) -> None:
    async with (
        server(echo) as url,
        io.getSession.websocket(f"{url}/echo", compress=compress, ping_interval=None) as ws,
    ):
        assert isinstance(ws, WebSocket)
        assert (ws.connection.deflate is not None) is compress
        for message in ("hello", "ünïcödé ✓", "", b"\x00\x01\xff", b""):
            await ws.send(message)
            assert await ws.receive() == message
        await ws.send_json({"n": [1, 2]})
        assert await ws.receive_json() == {"n": [1, 2]}


@pytest.mark.parametrize("size", [1 << 20, 16 << 20], ids=["1MiB", "16MiB"])
@pytest.mark.parametrize("compress", [True, False])
async def test_large_messages_travel_whole(size: int, compress: bool) -> None:
    payload = os.urandom(size)
    async with (
        server(echo, max_size=32 << 20) as url,
        io.getSession.websocket(url, compress=compress, max_message_size=32 << 20, ping_interval=None) as ws,
    ):
        await ws.send(payload)
        assert await asyncio.wait_for(ws.receive(), 60) == payload
        text = "é" * (size // 2)
        await ws.send(text)
        assert await asyncio.wait_for(ws.receive(), 60) == text


async def test_a_message_over_max_message_size_closes_with_1009() -> None:
    async def big(connection: ServerConnection) -> None:
        await connection.send(b"x" * 2000)
        await connection.wait_closed()

    async with server(big) as url, io.getSession.websocket(url, max_message_size=1000, ping_interval=None) as ws:
        with pytest.raises(WebSocketClosed) as info:
            await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert info.value.code == 1009


async def test_an_async_iterable_goes_out_as_fragments_as_it_is_produced() -> None:
    async def pieces_back(connection: ServerConnection) -> None:
        fragments = []
        async for fragment in connection.recv_streaming():
            fragments.append(fragment)
            await connection.send(f"got {len(fragments)}")
        await connection.send(repr(fragments))

    async with server(pieces_back) as url, io.getSession.websocket(url, ping_interval=None) as ws:

        async def produce() -> AsyncIterator[str]:
            for piece in ("ab", "cd", "ef"):
                yield piece
                # The server has this piece before the next one exists.
                assert await ws.receive() == f"got {('ab', 'cd', 'ef').index(piece) + 1}"

        await asyncio.wait_for(ws.send(produce()), TIMEOUT)
        # The three pieces, then the empty final frame.
        assert await ws.receive() == "got 4"
        assert await ws.receive() == repr(["ab", "cd", "ef", ""])


async def test_ping_returns_when_the_pong_arrives_and_the_server_pings_are_answered() -> None:
    async def pinger(connection: ServerConnection) -> None:
        pong = await connection.ping(b"server ping")
        await asyncio.wait_for(pong, TIMEOUT)
        await connection.send("your pong arrived")
        await connection.wait_closed()

    async with server(pinger) as url, io.getSession.websocket(url, ping_interval=None) as ws:
        assert await asyncio.wait_for(ws.ping(b"client ping"), TIMEOUT) >= 0
        assert await asyncio.wait_for(ws.receive(), TIMEOUT) == "your pong arrived"


async def test_the_client_closes_with_a_code_and_reason() -> None:
    seen: asyncio.Future[tuple[int | None, str | None]] = asyncio.get_running_loop().create_future()

    async def wait(connection: ServerConnection) -> None:
        try:
            await connection.recv()
        except ConnectionClosed as exc:
            seen.set_result((exc.rcvd.code if exc.rcvd else None, exc.rcvd.reason if exc.rcvd else None))

    async with server(wait) as url:
        ws = await io.getSession.websocket(url, ping_interval=None)
        await asyncio.wait_for(ws.close(4000, "client done"), TIMEOUT)
        assert await asyncio.wait_for(seen, TIMEOUT) == (4000, "client done")
        assert (ws.close_code, ws.close_reason) == (4000, "client done")  # the server echoed it
        assert ws.closed


async def test_a_server_close_with_a_code_and_reason_raises_it_after_the_messages_before_it() -> None:
    async def closer(connection: ServerConnection) -> None:
        await connection.send("before")
        await connection.close(4001, "server done")

    async with server(closer) as url, io.getSession.websocket(url, ping_interval=None) as ws:
        with pytest.raises(WebSocketClosed) as info:
            async for message in ws:
                assert message == "before"
        assert (info.value.code, info.value.reason) == (4001, "server done")
        await asyncio.wait_for(ws.wait_closed(), TIMEOUT)


async def test_a_normal_server_close_ends_iteration() -> None:
    async def two(connection: ServerConnection) -> None:
        await connection.send("a")
        await connection.send(b"b")  # the handler returns: websockets closes with 1000

    async with server(two) as url, io.getSession.websocket(url, ping_interval=None) as ws:
        assert [message async for message in ws] == ["a", b"b"]
        assert ws.close_code == 1000


async def test_a_dropped_tcp_connection_is_1006() -> None:
    async def drop(connection: ServerConnection) -> None:
        await connection.send("bye")
        connection.transport.abort()

    async with server(drop) as url, io.getSession.websocket(url, ping_interval=None) as ws:
        assert await ws.receive() == "bye"
        with pytest.raises(WebSocketClosed) as info:
            await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert info.value.code == 1006
        with pytest.raises(WebSocketClosed):
            await ws.send("too late")


async def test_a_protocol_violation_closes_with_1002_and_the_server_hears_it() -> None:
    heard: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()

    async def violate(connection: ServerConnection) -> None:
        connection.transport.write(b"\x83\x00")  # opcode 3 is reserved (RFC 6455 §5.2)
        await connection.wait_closed()
        heard.set_result(connection.close_code)

    async with server(violate) as url, io.getSession.websocket(url, ping_interval=None) as ws:
        with pytest.raises(WebSocketClosed) as info:
            await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert info.value.code == 1002
        assert await asyncio.wait_for(heard, TIMEOUT) == 1002


async def test_a_subprotocol_is_negotiated() -> None:
    async def which(connection: ServerConnection) -> None:
        await connection.send(str(connection.subprotocol))

    async with server(which, subprotocols=["chat.v2", "chat.v1"]) as url:
        async with io.getSession.websocket(url, protocols=("chat.v1", "other"), ping_interval=None) as ws:
            assert ws.subprotocol == "chat.v1"
            assert await ws.receive() == "chat.v1"
        # websockets refuses a client that offers none of its subprotocols.
        with pytest.raises(WebSocketHandshakeError) as info:
            await io.getSession.websocket(url, protocols=("other",), ping_interval=None)
        assert info.value.status_code == 400
    async with server(which) as url, io.getSession.websocket(url, protocols=("chat",), ping_interval=None) as ws:
        assert ws.subprotocol is None  # the server chose none
        assert await ws.receive() == "None"


async def test_a_refused_handshake_raises_with_the_status_headers_and_body() -> None:
    def refuse(connection: ServerConnection, request: Any) -> Any:
        response = connection.respond(HTTPStatus.FORBIDDEN, "no entry\n")
        response.headers["X-Why"] = "token"
        return response

    async with server(echo, process_request=refuse) as url:
        with pytest.raises(WebSocketHandshakeError) as info:
            async with io.getSession.websocket(url, ping_interval=None):
                pass
    error = info.value
    assert isinstance(error, ProtocolError)
    assert error.status_code == 403
    assert error.headers["x-why"] == "token"
    assert error.body == b"no entry\n"


async def test_headers_of_the_program_are_sent_with_the_handshake() -> None:
    async def show(connection: ServerConnection) -> None:
        assert connection.request is not None
        headers = connection.request.headers
        await connection.send(
            json.dumps({"token": headers["X-Token"], "ua": headers["User-Agent"], "host": headers["Host"]})
        )

    async with server(show) as url, io.getSession.websocket(url, {"X-Token": "t1"}, ping_interval=None) as ws:
        seen = await ws.receive_json()
    assert seen["token"] == "t1"
    assert seen["ua"].startswith("Blazeio/")
    assert seen["host"] == url.removeprefix("ws://")  # a non-default port is in Host


async def test_wss_verifies_the_server_with_the_default_context(tls: TLS) -> None:
    async with server(echo, ssl=tls.server) as url:
        with pytest.raises(ssl.SSLCertVerificationError):  # the test CA is not trusted
            await io.getSession.websocket(url, ping_interval=None)
        async with io.getSession.websocket(url, ssl=tls.client, ping_interval=None) as ws:
            await ws.send("over tls")
            assert await ws.receive() == "over tls"


async def test_a_websocket_goes_through_an_http_proxy_tunnel_with_proxy_credentials() -> None:
    log: list[bytes] = []
    credentials = "Basic " + base64.b64encode(b"user:pa ss").decode()
    async with (
        server(echo) as url,
        raw_server(http_proxy(log, require_auth=credentials.lower())) as proxy_url,
    ):
        proxy = proxy_url.replace("http://", "http://user:pa%20ss@")
        async with io.getSession.websocket(f"{url}/room?x=1", proxy=proxy, ping_interval=None) as ws:
            await ws.send("via proxy")
            assert await ws.receive() == "via proxy"
    assert [head.split(b"\r\n")[0] for head in log] == [f"CONNECT {url.removeprefix('ws://')} HTTP/1.1".encode()]


async def test_a_websocket_goes_through_a_socks5h_proxy_with_credentials() -> None:
    pytest.importorskip("pproxy")
    from test_socks5_pproxy import pproxy

    with pproxy("socks5://127.0.0.1:0#user:secret") as proxy_port:
        async with server(echo) as url:
            proxy = f"socks5h://user:secret@127.0.0.1:{proxy_port}"
            async with io.getSession.websocket(f"{url}/room", proxy=proxy, ping_interval=None) as ws:
                await ws.send("via socks")
                assert await ws.receive() == "via socks"
            with pytest.raises(io.ProxyError):
                await io.getSession.websocket(f"{url}/room", proxy=proxy.replace("secret", "wrong"))


async def test_a_slow_reader_stops_reading_the_socket_and_loses_nothing() -> None:
    count = 100

    async def flood(connection: ServerConnection) -> None:
        for i in range(count):
            await connection.send(b"%d " % i + b"x" * 65536)
        await connection.wait_closed()

    paused: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    original = WebSocket.data_received

    def observe(self: WebSocket, data: bytes) -> None:
        original(self, data)
        if not self.transport.is_reading() and not paused.done():
            paused.set_result(None)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WebSocket, "data_received", observe)
        async with server(flood) as url, io.getSession.websocket(url, max_queue=4, ping_interval=None) as ws:
            await asyncio.wait_for(paused, TIMEOUT)  # four unread messages: reading stopped
            received = [await ws.receive()]
            assert not ws.transport.is_reading()  # it resumes below a quarter of the limit only
            received += [await asyncio.wait_for(ws.receive(), TIMEOUT) for _ in range(count - 1)]
            assert [int(message.split(b" ")[0]) for message in received] == list(range(count))
            assert ws.transport.is_reading()


async def test_keepalive_drops_a_server_that_stops_answering_pings() -> None:
    done = asyncio.get_running_loop().create_future()

    async def deaf(connection: ServerConnection) -> None:
        connection.transport.pause_reading()  # alive, but it hears no more pings
        await done
        connection.transport.abort()  # it would not notice the client leave either

    async with server(deaf) as url:
        try:
            ws = await io.getSession.websocket(url, ping_interval=0.05, ping_timeout=0.2)
            with pytest.raises(WebSocketClosed) as info:
                await asyncio.wait_for(ws.receive(), TIMEOUT)
            assert (info.value.code, info.value.reason) == (1011, "keepalive ping timeout")
            await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
        finally:
            done.set_result(None)


class CountingPings(ServerConnection):
    """websockets' server connection, counting the pings it receives (and answers)."""

    pings = 0
    three_pings: asyncio.Future[None] | None = None

    def process_event(self, event: Any) -> None:
        super().process_event(event)
        if getattr(event, "opcode", None) is Opcode.PING:
            CountingPings.pings += 1
            if CountingPings.pings == 3 and CountingPings.three_pings is not None:
                CountingPings.three_pings.set_result(None)


async def test_keepalive_keeps_an_answering_server_open() -> None:
    CountingPings.pings = 0
    CountingPings.three_pings = asyncio.get_running_loop().create_future()
    async with (
        server(echo, create_connection=CountingPings) as url,
        io.getSession.websocket(url, ping_interval=0.01, ping_timeout=0.5) as ws,
    ):
        await asyncio.wait_for(CountingPings.three_pings, TIMEOUT)  # three keepalive pings, answered
        assert ws.close_code is None
        await ws.send("still open")
        assert await ws.receive() == "still open"


async def test_a_url_that_is_not_a_websocket_url_is_refused_before_connecting() -> None:
    with pytest.raises(ValueError, match="ws:// or wss://"):
        io.getSession.websocket("ftp://127.0.0.1/")
