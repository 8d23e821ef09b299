"""The client's WebSocket handshake against peers written by hand on 127.0.0.1: the request it
sends, what it accepts, what it refuses, and frames that arrive with the 101."""

from __future__ import annotations

import asyncio
import base64
import hashlib

import pytest
from peers import Handler, header, raw_server, read_head

import blazeio_client as io
from blazeio_common import ServerDisconnected, WebSocketClosed, WebSocketHandshakeError
from blazeio_common.ws import DeflateOptions, WebSocketConnection

TIMEOUT = 10
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def switching(heads: list[bytes], after: bytes = b"", accept_value: str | None = None) -> Handler:
    """A server that answers the upgrade with 101 (and ``after`` in the same write), then echoes frames."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        heads.append(head)
        value = accept_value or accept(header(head, "sec-websocket-key") or "")
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: %s\r\n\r\n%s" % (value.encode(), after)
        )
        codec = WebSocketConnection("server")
        try:
            while data := await reader.read(65536):
                codec.receive_data(data)
                for event in codec.events():
                    if type(event).__name__ == "TextMessage":
                        writer.write(codec.send(event.data))  # type: ignore[union-attr]
                    elif type(event).__name__ == "CloseReceived":
                        writer.write(codec.close(event.code))  # type: ignore[union-attr]
                        writer.close()
                        return
        except ConnectionError:
            pass
        writer.close()

    return handle


async def test_the_upgrade_request_carries_host_the_handshake_and_the_programs_headers() -> None:
    heads: list[bytes] = []
    async with raw_server(switching(heads)) as url:
        ws_url = url.replace("http://", "ws://") + "/chat/room?id=7"
        async with io.getSession.websocket(ws_url, {"Origin": "http://app.test"}, protocols=("a", "b")) as ws:
            await ws.send("ping?")
            assert await ws.receive() == "ping?"
    head = heads[0]
    assert head.startswith(b"GET /chat/room?id=7 HTTP/1.1\r\n")
    assert header(head, "host") == url.removeprefix("http://")
    assert header(head, "upgrade") == "websocket"
    assert header(head, "connection") == "Upgrade"
    assert header(head, "sec-websocket-version") == "13"
    assert len(base64.b64decode(header(head, "sec-websocket-key") or "")) == 16
    assert header(head, "sec-websocket-protocol") == "a, b"
    assert (header(head, "sec-websocket-extensions") or "").startswith("permessage-deflate")
    assert header(head, "origin") == "http://app.test"
    assert (header(head, "user-agent") or "").startswith("Blazeio/")
    assert header(head, "accept-encoding") is None


async def test_without_compression_no_extension_is_offered_and_the_user_agent_can_be_removed() -> None:
    heads: list[bytes] = []
    async with (
        raw_server(switching(heads)) as url,
        io.getSession.websocket(url.replace("http", "ws"), {"User-Agent": None}, compress=False),
    ):
        pass
    assert header(heads[0], "sec-websocket-extensions") is None
    assert header(heads[0], "user-agent") is None


async def test_frames_that_arrive_with_the_101_are_the_first_messages() -> None:
    first = WebSocketConnection("server").send("sent with the head")
    async with (
        raw_server(switching([], after=first)) as url,
        io.getSession.websocket(url.replace("http", "ws"), ping_interval=None) as ws,
    ):
        assert await asyncio.wait_for(ws.receive(), TIMEOUT) == "sent with the head"
        await ws.send("then")
        assert await ws.receive() == "then"


async def test_a_101_with_the_wrong_accept_value_is_refused() -> None:
    async with raw_server(switching([], accept_value="d3Jvbmc=")) as url:
        with pytest.raises(WebSocketHandshakeError) as info:
            await io.getSession.websocket(url.replace("http", "ws"))
    assert info.value.status_code == 101
    assert info.value.headers["upgrade"] == "websocket"


async def test_a_426_refusal_carries_its_headers_and_body() -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 7\r\n\r\nversion")
        await writer.drain()
        writer.close()

    async with raw_server(refuse) as url:
        with pytest.raises(WebSocketHandshakeError) as info:
            async with io.getSession.websocket(url.replace("http", "ws")):
                pass
    assert (info.value.status_code, info.value.body) == (426, b"version")
    assert info.value.headers["sec-websocket-version"] == "13"


async def test_a_server_that_hangs_up_during_the_handshake_is_a_disconnect() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.close()

    async with raw_server(hang_up) as url:
        with pytest.raises(ServerDisconnected):
            await io.getSession.websocket(url.replace("http", "ws"))


async def test_a_server_that_never_answers_the_handshake_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        await reader.read()  # until the client gives up
        writer.close()

    async with raw_server(silent) as url:
        with pytest.raises(io.ReadTimeout):
            await io.getSession.websocket(url.replace("http", "ws"), timeout=io.Timeout(read=0.2))


async def test_after_the_close_handshake_sending_raises_websocket_closed() -> None:
    async with raw_server(switching([])) as url:
        ws = await io.getSession.websocket(url.replace("http", "ws"), ping_interval=None)
        await asyncio.wait_for(ws.close(), TIMEOUT)
        assert ws.close_code == 1000
        with pytest.raises(WebSocketClosed):
            await ws.send("late")


async def test_deflate_options_of_the_program_shape_the_offer() -> None:
    heads: list[bytes] = []
    options = DeflateOptions(client_no_context_takeover=True, server_max_window_bits=10)
    async with (
        raw_server(switching(heads)) as url,
        io.getSession.websocket(url.replace("http", "ws"), compress=options),
    ):
        pass
    offer = header(heads[0], "sec-websocket-extensions") or ""
    assert offer.startswith("permessage-deflate")
    assert "client_no_context_takeover" in offer
    assert "server_max_window_bits=10" in offer
