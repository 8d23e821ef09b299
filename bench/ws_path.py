"""Python cost of WebSocket messages without sockets (transports that record or answer writes).

    python bench/ws_path.py [--requests 2000] [--path echo-server|echo-client|large-server|large-client]

- ``echo-server``: a 32-byte binary message, masked as a client sends it, fed to a Blazeio
  server connection upgraded by ``r.websocket()`` (the route of ``bench/websocket.py``:
  ``async for message in ws: await ws.send(message)``); the loop runs until the echo was
  written. ``--requests`` round trips.
- ``echo-client``: ``await ws.send(small); await ws.receive()`` on a client ``io.WebSocket``
  whose transport answers each write with the server's unmasked echo on the next turn.
- ``large-server``: the same route echoing 64 MiB binary messages: the masked frame arrives
  in 256 KiB reads, the echo leaves as it is written. ``--requests`` is in MiB (a multiple
  of 64).
- ``large-client``: a client sends a 64 MiB binary message and receives the server's 64 MiB
  answer in 256 KiB reads.

Compression is off, as in ``bench/websocket.py``. Prints microseconds per round trip (per MiB
for the large paths). Uses uvloop when installed. Not a substitute for ``bench/websocket.py``
(no syscalls), but a stable profile target, and the WebSocket paths ``bench/instructions.py``
counts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from collections.abc import Iterable

import Blazeio as io
from blazeio_common.websocket import WebSocket
from blazeio_common.ws import mask
from blazeio_server.connection import Connection

SMALL = b"x" * 32
BIG = 64 << 20
READ = 256 << 10  # what one data_received carries for a large message (asyncio's read size)
KEY = b"\x12\x34\x56\x78"
OPTIONS = {"compress": False, "max_message_size": None, "ping_interval": None, "max_queue": 64}
HANDSHAKE = (
    b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


def frame(payload: bytes, masked: bool) -> bytes:
    """A binary frame carrying ``payload``, masked with ``KEY`` as a client's."""
    n = len(payload)
    bit = 0x80 if masked else 0
    if n < 126:
        head = bytes((0x82, bit | n))
    elif n < 0x10000:
        head = bytes((0x82, bit | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x82, bit | 127)) + n.to_bytes(8, "big")
    return head + KEY + mask(payload, KEY) if masked else head + payload


def pieces(data: bytes) -> list[bytes]:
    return [data[i : i + READ] for i in range(0, len(data), READ)]


class Transport(asyncio.Transport):
    """Records how many bytes were written; a protocol may take it over (``set_protocol``)."""

    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.closed = False
        self.protocol: asyncio.BaseProtocol | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)

    def writelines(self, lines: Iterable[bytes | bytearray | memoryview]) -> None:
        for line in lines:
            self.write(line)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self.protocol is not None
        return self.protocol

    def get_extra_info(self, name: str, default: object = None) -> object:
        return ("127.0.0.1", 5555) if name == "peername" else default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (16384, 65536)

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_reading(self) -> bool:
        return True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class Answering(Transport):
    """A client's transport: once ``expect`` bytes were written, the server's answer arrives."""

    def __init__(self, expect: int, answer: list[bytes]) -> None:
        super().__init__()
        self.expect = expect
        self.answer = answer
        self.loop = asyncio.get_running_loop()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)
        if self.written >= self.expect:
            self.written -= self.expect
            self.loop.call_soon(self.feed)

    def feed(self) -> None:
        protocol = self.protocol
        assert isinstance(protocol, asyncio.Protocol)
        for piece in self.answer:
            protocol.data_received(piece)


def settle() -> None:
    # The start-up heap (imports, the warm-up) out of the collector's sight, as in server_path.py:
    # a full collection over it falling into a run of N or of 2N swings an instruction count.
    gc.collect()
    gc.freeze()


async def server(count: int, large: bool) -> float:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _echo(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(**OPTIONS)  # type: ignore[arg-type]
        async for message in ws:
            await ws.send(message)

    connection = Connection(web)
    transport = Transport()
    transport.set_protocol(connection)
    connection.connection_made(transport)
    connection.data_received(HANDSHAKE)
    while transport.written == 0:  # noqa: ASYNC110 - spinning the loop is the point here
        await asyncio.sleep(0)
    payload = b"y" * BIG if large else SMALL
    reads = pieces(frame(payload, masked=True))
    answer = len(frame(payload, masked=False))
    messages = count // 64 if large else count

    async def rounds(n: int) -> None:
        protocol = transport.get_protocol()
        assert isinstance(protocol, asyncio.Protocol)
        for _ in range(n):
            target = transport.written + answer
            for read in reads:
                protocol.data_received(read)
            while transport.written < target:  # noqa: ASYNC110
                await asyncio.sleep(0)

    await rounds(1 if large else 100)
    settle()
    start = time.perf_counter()
    await rounds(messages)
    elapsed = time.perf_counter() - start
    transport.get_protocol().connection_lost(None)
    return elapsed / count * 1e6


async def client(count: int, large: bool) -> float:
    payload = b"y" * BIG if large else SMALL
    transport = Answering(len(frame(payload, masked=True)), pieces(frame(payload, masked=False)))
    ws = WebSocket(transport, "client", max_message_size=None, ping_interval=None, max_queue=64)
    messages = count // 64 if large else count

    async def rounds(n: int) -> None:
        for _ in range(n):
            await ws.send(payload)
            await ws.receive()

    await rounds(1 if large else 100)
    settle()
    start = time.perf_counter()
    await rounds(messages)
    elapsed = time.perf_counter() - start
    ws.connection_lost(None)
    return elapsed / count * 1e6


PATHS = {
    "echo-server": lambda n: server(n, large=False),
    "echo-client": lambda n: client(n, large=False),
    "large-server": lambda n: server(n, large=True),
    "large-client": lambda n: client(n, large=True),
}

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000, help="round trips, or MiB for the large paths")
    ap.add_argument("--path", choices=PATHS, default="echo-server")
    args = ap.parse_args()
    cost = io.ioConf.loop.run_until_complete(PATHS[args.path](args.requests))
    unit = "MiB" if args.path.startswith("large") else "round trip"
    print(f"{cost:.2f} us/{unit}")
