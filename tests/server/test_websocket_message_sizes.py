"""Messages of every size class cross a real connection intact and in order, one at a time and
many back to back (so reads hold one whole message, several, or part of one), between Blazeio's
server and Blazeio's client and with the ``websockets`` library as the independent peer.

The sizes sit at the edges of the length encodings (125/126, 65535/65536) and of the paths the
speed work added: a read that is exactly one small message, whole small frames in the buffer,
and large messages written as header + payload."""

from __future__ import annotations

import asyncio
import os

import pytest
from serving import TIMEOUT, running

websockets = pytest.importorskip("websockets")  # a test dependency, absent from install slices

from websockets.asyncio.client import connect  # noqa: E402

import Blazeio as io  # noqa: E402

SIZES = [0, 1, 31, 125, 126, 127, 4096, 65535, 65536, 65537, 300_001]


def messages() -> list[str | bytes]:
    out: list[str | bytes] = []
    for size in SIZES:
        out.append(os.urandom(size))
        out.append(("ü" * size)[: max(size // 2, 0)] + "a" * (size % 2))  # 2-byte characters and ASCII
    return out


def echo_app() -> io.App:
    web = io.App("127.0.0.1", 0)

    @web.route("/echo")
    async def echo(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(compress=False, max_message_size=None, ping_interval=None)
        async for message in ws:
            await ws.send(message)

    return web


def url(web: io.App) -> str:
    return f"ws://127.0.0.1:{web.port}/echo"


async def test_blazeio_client_and_server_echo_every_size_one_at_a_time_and_back_to_back() -> None:
    sent = messages()
    options = {"compress": False, "max_message_size": None, "ping_interval": None}
    async with running(echo_app()) as web, io.getSession.websocket(url(web), **options) as ws:  # type: ignore[arg-type]
        for message in sent:
            await ws.send(message)
            assert await asyncio.wait_for(ws.receive(), TIMEOUT) == message
        for message in sent:  # all out before any comes back
            await ws.send(message)
        got = [await asyncio.wait_for(ws.receive(), TIMEOUT) for _ in sent]
        assert got == sent
        small = [os.urandom(n % 130) for n in range(500)]
        for message in small:
            await ws.send(message)
        assert [await asyncio.wait_for(ws.receive(), TIMEOUT) for _ in small] == small


async def test_the_websockets_library_gets_every_size_back_from_the_server() -> None:
    sent = messages()
    async with running(echo_app()) as web, connect(url(web), compression=None, max_size=None) as client:
        for message in sent:
            await client.send(message)
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == message
        for message in sent:
            await client.send(message)
        assert [await asyncio.wait_for(client.recv(), TIMEOUT) for _ in sent] == sent


async def test_a_text_message_that_is_not_utf_8_closes_with_1007_even_when_small() -> None:
    async with running(echo_app()) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(
            b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        key = b"\x01\x02\x03\x04"

        def frame(payload: bytes) -> bytes:
            return bytes((0x81, 0x80 | len(payload))) + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))

        writer.write(frame(b"fine"))
        assert await asyncio.wait_for(reader.readexactly(6), TIMEOUT) == b"\x81\x04fine"
        writer.write(frame(b"bad \xff"))  # one read, one small frame: the server's fast path
        close = await asyncio.wait_for(reader.read(), TIMEOUT)  # the close frame, then the end
        assert close[:2] == b"\x88" + bytes((len(close) - 2,)) and close[2:4] == (1007).to_bytes(2, "big")
        writer.close()
