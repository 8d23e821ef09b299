"""``io.WebSocket`` over a real TCP connection on 127.0.0.1: a server-role WebSocket on one end,
a client-role one (or a raw socket peer) on the other, no handshake (both ends know their role).
The close handshake in detail, backpressure, pings, failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from blazeio_common import WebSocket, WebSocketClosed
from blazeio_common.ws import Ping, WebSocketConnection

TIMEOUT = 10


class Observed(WebSocket):
    """A WebSocket whose ``paused`` future is done once it has stopped reading its socket."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.transport.is_reading() and not self.paused.done():
            self.paused.set_result(None)

    @property
    def paused(self) -> asyncio.Future[None]:
        future: asyncio.Future[None] | None = getattr(self, "_paused_future", None)
        if future is None:
            future = self._paused_future = self.loop.create_future()
        return future


class _Accept(asyncio.Protocol):
    """Hands each accepted transport to a server-role WebSocket (as the server's upgrade seam will)."""

    def __init__(self, made: asyncio.Future[Observed], options: dict[str, Any]) -> None:
        self.made = made
        self.options = options

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.made.set_result(Observed(transport, "server", **self.options))


@asynccontextmanager
async def pair(
    server_options: dict[str, Any] | None = None, **client_options: Any
) -> AsyncIterator[tuple[Observed, WebSocket]]:
    """A connected (server, client) pair of WebSockets over 127.0.0.1."""
    loop = asyncio.get_running_loop()
    made: asyncio.Future[Observed] = loop.create_future()
    options = {"ping_interval": None, **(server_options or {})}
    listener = await loop.create_server(lambda: _Accept(made, options), "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
        client = WebSocket(transport, "client", **{"ping_interval": None, **client_options})
        server = await asyncio.wait_for(made, TIMEOUT)
        try:
            yield server, client
        finally:
            server.abort()
            client.abort()
            await asyncio.wait_for(asyncio.gather(server.wait_closed(), client.wait_closed()), TIMEOUT)
    finally:
        listener.close()
        await listener.wait_closed()


class _Raw(asyncio.Protocol):
    """A raw peer: records what it receives, can write anything."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.more = asyncio.get_running_loop().create_future()
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received += data
        if not self.more.done():
            self.more.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)

    async def wait_for(self, condition: Callable[[bytes], bool]) -> None:
        while not condition(bytes(self.received)):
            self.more = asyncio.get_running_loop().create_future()
            await asyncio.wait_for(asyncio.wait([self.more, self.lost], return_when="FIRST_COMPLETED"), TIMEOUT)
            if self.lost.done() and not condition(bytes(self.received)):
                raise AssertionError(f"the connection ended with {bytes(self.received)!r}")


@asynccontextmanager
async def raw_peer(role: str, raw_class: type[_Raw] = _Raw, **options: Any) -> AsyncIterator[tuple[WebSocket, _Raw]]:
    """A WebSocket of ``role`` facing a raw socket peer that speaks the other role by hand."""
    loop = asyncio.get_running_loop()
    made: asyncio.Future[Observed] = loop.create_future()
    raw_made: asyncio.Future[_Raw] = loop.create_future()
    opts = {"ping_interval": None, **options}

    def accept() -> asyncio.Protocol:
        if role == "server":
            return _Accept(made, opts)
        raw = raw_class()
        raw_made.set_result(raw)
        return raw

    listener = await loop.create_server(accept, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        if role == "server":
            _, raw = await loop.create_connection(raw_class, "127.0.0.1", port)
            ws = await asyncio.wait_for(made, TIMEOUT)
        else:
            transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", port)
            ws = WebSocket(transport, "client", **opts)
            raw = await asyncio.wait_for(raw_made, TIMEOUT)
        try:
            yield ws, raw
        finally:
            ws.abort()
            raw.transport.abort()
            await asyncio.wait_for(ws.wait_closed(), TIMEOUT)
    finally:
        listener.close()
        await listener.wait_closed()


def as_peer(role: str) -> WebSocketConnection:
    """The codec of the other side, to write and read a raw peer's frames."""
    return WebSocketConnection("client" if role == "server" else "server")


async def test_messages_travel_both_ways_as_str_bytes_and_json() -> None:
    async with pair() as (server, client):
        await client.send("héllo")
        await client.send(b"\x00\xff")
        await client.send(bytearray(b"ba"))
        await client.send_json({"a": [1, 2]})
        assert await server.receive() == "héllo"
        assert await server.receive() == b"\x00\xff"
        assert await server.receive() == b"ba"
        assert await server.receive_json() == {"a": [1, 2]}
        await server.send(json.dumps({"b": 1}).encode())
        assert await client.receive_json() == {"b": 1}


async def test_a_normal_close_ends_iteration_on_both_sides_and_the_server_ends_tcp_first() -> None:
    async with pair() as (server, client):
        await client.send("last")

        async def serve() -> list[str | bytes]:
            return [message async for message in server]

        reader = asyncio.create_task(serve())
        await asyncio.wait_for(client.close(), TIMEOUT)
        assert await asyncio.wait_for(reader, TIMEOUT) == ["last"]
        assert (client.close_code, server.close_code) == (1000, 1000)
        assert client.closed and server.closed
        with pytest.raises(WebSocketClosed) as info:
            await client.send("after")
        assert info.value.code == 1000


async def test_a_close_with_a_code_and_reason_reaches_the_peer_after_the_messages_before_it() -> None:
    async with pair() as (server, client):
        await server.send("one")
        await server.send("two")
        closing = asyncio.create_task(server.close(4000, "bye now"))
        assert await client.receive() == "one"
        assert await client.receive() == "two"
        with pytest.raises(WebSocketClosed) as info:
            await client.receive()
        assert (info.value.code, info.value.reason) == (4000, "bye now")
        assert (client.close_code, client.close_reason) == (4000, "bye now")
        await asyncio.wait_for(closing, TIMEOUT)
        with pytest.raises(WebSocketClosed) as iterating:
            async for _ in client:  # not a normal close: iteration raises
                pass
        assert iterating.value.code == 4000


async def test_going_away_closes_with_1001_and_the_peer_iteration_ends() -> None:
    async with pair() as (server, client):
        ended = server.going_away("restarting")
        assert [message async for message in client] == []
        assert (client.close_code, client.close_reason) == (1001, "restarting")
        await asyncio.wait_for(ended, TIMEOUT)
        assert server.close_code == 1001


async def test_a_peer_that_never_answers_the_close_is_dropped_after_close_timeout() -> None:
    async with raw_peer("client", close_timeout=0.2) as (ws, raw):
        await asyncio.wait_for(ws.close(), TIMEOUT)  # returns: the timeout ended it
        assert ws.close_code == 1006
        peer = as_peer("client")
        peer.receive_data(bytes(raw.received))
        assert [type(event).__name__ for event in peer.events()] == ["CloseReceived"]


async def test_the_connection_lost_without_a_close_frame_is_1006() -> None:
    async with raw_peer("client") as (ws, raw):
        raw.transport.write(as_peer("client").send("hi"))
        assert await ws.receive() == "hi"
        raw.transport.abort()
        with pytest.raises(WebSocketClosed) as info:
            await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert info.value.code == 1006
        with pytest.raises(WebSocketClosed):
            await ws.send("into the void")


async def test_a_protocol_violation_sends_1002_and_closes_the_transport() -> None:
    async with raw_peer("server") as (ws, raw):
        # RFC 6455 §5.1: "a server MUST close the connection upon receiving a frame that is not masked".
        raw.transport.write(b"\x81\x02hi")
        with pytest.raises(WebSocketClosed) as info:
            await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert info.value.code == 1002
        await asyncio.wait_for(raw.lost, TIMEOUT)  # the server closed the connection
        assert bytes(raw.received[:4]) == b"\x88" + bytes([len(raw.received) - 2]) + (1002).to_bytes(2, "big")


async def test_bytes_buffered_before_the_takeover_are_the_first_frames() -> None:
    loop = asyncio.get_running_loop()
    raw_made: asyncio.Future[_Raw] = loop.create_future()

    def accept() -> _Raw:
        raw = _Raw()
        raw_made.set_result(raw)
        return raw

    listener = await loop.create_server(accept, "127.0.0.1", 0)
    try:
        transport, _ = await loop.create_connection(asyncio.Protocol, "127.0.0.1", listener.sockets[0].getsockname()[1])
        raw = await raw_made
        peer = as_peer("client")
        # The frame before arrives with the head; the one after on the socket, once we own it.
        ws = WebSocket(transport, "client", buffered=peer.send("first"), ping_interval=None)
        raw.transport.write(peer.send("second"))
        assert [await ws.receive(), await ws.receive()] == ["first", "second"]
        ws.abort()
        await ws.wait_closed()
    finally:
        listener.close()
        await listener.wait_closed()


async def test_pings_are_answered_and_ping_returns_on_the_matching_pong() -> None:
    async with pair() as (server, client):
        latencies = await asyncio.wait_for(asyncio.gather(client.ping(b"a"), client.ping(), server.ping(b"z")), TIMEOUT)
        assert all(latency >= 0 for latency in latencies)


async def test_a_ping_waiting_when_the_connection_drops_raises() -> None:
    async with raw_peer("client") as (ws, raw):
        pinging = asyncio.create_task(ws.ping(b"x"))
        await raw.wait_for(lambda data: len(data) >= 7)  # the masked ping arrived
        raw.transport.abort()
        with pytest.raises(WebSocketClosed) as info:
            await asyncio.wait_for(pinging, TIMEOUT)
        assert info.value.code == 1006


async def test_an_async_iterable_is_sent_as_one_fragmented_message_while_it_is_produced() -> None:
    async with pair() as (server, client):

        async def pieces() -> AsyncIterator[str]:
            yield "ab"
            # The first piece is on the wire before the next one exists: the peer answers it.
            assert await client.receive() == "got ab?"
            yield "cd"

        async def serve() -> None:
            await server.send("got ab?")

        sender = asyncio.create_task(client.send(pieces()))
        await serve()
        await asyncio.wait_for(sender, TIMEOUT)
        await client.send("next")
        assert await server.receive() == "abcd"
        assert await server.receive() == "next"


async def test_an_iterable_that_fails_half_way_closes_the_connection_with_1011() -> None:
    async with pair() as (server, client):

        async def pieces() -> AsyncIterator[bytes]:
            yield b"half"
            raise RuntimeError("producer broke")

        with pytest.raises(RuntimeError, match="producer broke"):
            await client.send(pieces())
        with pytest.raises(WebSocketClosed) as info:
            await asyncio.wait_for(server.receive(), TIMEOUT)
        assert info.value.code == 1011


async def test_leaving_async_with_on_an_exception_closes_with_1011() -> None:
    async with pair() as (server, client):
        with pytest.raises(KeyError):
            async with client:
                raise KeyError("bug")
        with pytest.raises(WebSocketClosed) as info:
            await asyncio.wait_for(server.receive(), TIMEOUT)
        assert info.value.code == 1011
        assert client.closed


async def test_send_returns_only_once_the_transport_is_below_its_watermark() -> None:
    async with pair(server_options={"max_message_size": None}) as (server, client):
        big = b"x" * (16 << 20)
        await asyncio.wait_for(client.send(big), TIMEOUT)
        # Without waiting for the drain most of the 16 MiB would still be buffered in the transport.
        assert client.transport.get_write_buffer_size() <= client.transport.get_write_buffer_limits()[1]
        assert await server.receive() == big


async def test_a_slow_reader_pauses_reading_and_resumes_when_it_catches_up() -> None:
    async with pair(server_options={"max_queue": 4}) as (server, client):
        count = 100

        async def produce() -> None:
            for i in range(count):
                await client.send(b"%d " % i + b"x" * 65536)

        producer = asyncio.create_task(produce())
        # The server reads nothing: once 4 messages wait, it stops reading the socket.
        await asyncio.wait_for(server.paused, TIMEOUT)
        received = [await server.receive()]
        assert not server.transport.is_reading()  # it resumes below a quarter of the limit only
        received += [await asyncio.wait_for(server.receive(), TIMEOUT) for _ in range(count - 1)]
        assert [int(message.split(b" ")[0]) for message in received] == list(range(count))
        await asyncio.wait_for(producer, TIMEOUT)
        assert server.transport.is_reading()


async def test_keepalive_closes_a_connection_whose_peer_stopped_answering() -> None:
    async with raw_peer("client", ping_interval=0.05, ping_timeout=0.1) as (ws, raw):
        with pytest.raises(WebSocketClosed) as info:
            await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert (info.value.code, info.value.reason) == (1011, "keepalive ping timeout")
        await asyncio.wait_for(raw.lost, TIMEOUT)
        peer = as_peer("client")
        peer.receive_data(bytes(raw.received))
        assert [type(event).__name__ for event in peer.events()] == ["Ping", "CloseReceived"]


class _Ponger(_Raw):
    """A server peer written by hand that answers pings and counts them."""

    def __init__(self) -> None:
        super().__init__()
        self.codec = WebSocketConnection("server")
        self.pings = 0
        self.three_pings = asyncio.get_running_loop().create_future()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.codec.receive_data(data)
        for event in self.codec.events():
            if isinstance(event, Ping):
                self.transport.write(self.codec.pong(event.data))
                self.pings += 1
                if self.pings == 3:
                    self.three_pings.set_result(None)


async def test_keepalive_pings_keep_an_answering_peer_open() -> None:
    async with raw_peer("client", _Ponger, ping_interval=0.01, ping_timeout=0.05) as (ws, raw):
        assert isinstance(raw, _Ponger)
        await asyncio.wait_for(raw.three_pings, TIMEOUT)  # three keepalive pings, each answered
        assert ws.close_code is None
        raw.transport.write(raw.codec.send("still here"))
        assert await ws.receive() == "still here"


async def test_a_message_sent_during_a_fragmented_one_waits_for_it_to_end() -> None:
    async with raw_peer("client") as (ws, raw):
        gate = asyncio.get_running_loop().create_future()

        async def pieces() -> AsyncIterator[str]:
            yield "ab"
            await gate
            yield "cd"

        sender = asyncio.create_task(ws.send(pieces()))
        await raw.wait_for(lambda data: len(data) >= 8)  # the first fragment is on the wire
        meanwhile = asyncio.create_task(ws.send("meanwhile"))
        gate.set_result(None)
        await asyncio.wait_for(asyncio.gather(sender, meanwhile), TIMEOUT)
        peer = as_peer("client")
        await raw.wait_for(lambda data: len(data) >= 8 + 8 + 6 + 15)
        peer.receive_data(bytes(raw.received))
        assert [event.data for event in peer.events()] == ["abcd", "meanwhile"]  # type: ignore[union-attr]


async def test_a_close_without_a_code_is_answered_without_one_and_ends_iteration() -> None:
    async with raw_peer("server") as (ws, raw):
        peer = as_peer("server")
        raw.transport.write(peer.send("hi") + peer.close(1005))
        assert [message async for message in ws] == ["hi"]
        assert ws.close_code == 1005
        await asyncio.wait_for(raw.lost, TIMEOUT)  # the server ends TCP after the handshake
        answer = WebSocketConnection("client")
        answer.receive_data(bytes(raw.received))
        assert [(event.code, event.reason) for event in answer.events()] == [(1005, "")]  # type: ignore[union-attr]
