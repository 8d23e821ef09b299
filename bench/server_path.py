"""Python cost of one request through the server, without sockets (a recording transport).

    python bench/server_path.py [--requests 20000] [--pipelined 1] [--unique-heads] [--static]

Feeds a typical keep-alive GET to ``BlazeioProtocol.data_received`` and runs the loop
until the response was written; prints microseconds per request. Uses uvloop when
installed. Not a substitute for wrk (no syscalls), but a stable profile target.
``--unique-heads`` adds an ``X-Request-Id`` that differs on every request, so no head
is ever served from the receiver's head cache (what a client with request ids costs).
``--static`` asks a StaticServer for a 1 KiB file instead (its per-request stat included).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import Blazeio as io

REQUEST = (
    b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n"
    b"Accept: */*\r\nConnection: keep-alive\r\n\r\n"
)


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = 0
        self.closed = False

    # Counts responses, not writes: pipelined responses leave together in one write.
    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data).count(b"HTTP/1.1 200 ")

    def writelines(self, lines: Iterable[bytes]) -> None:
        self.written += b"".join(lines).count(b"HTTP/1.1 200 ")

    def get_extra_info(self, name: str, default: object = None) -> object:
        return ("127.0.0.1", 5555) if name == "peername" else default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def main(requests: int, pipelined: int, unique: bool, static_root: str | None) -> float:
    web = io.App("127.0.0.1", 0)
    request = REQUEST
    if static_root is not None:
        web.attach(io.StaticServer("/", static_root, 1024 * 1024, "page", "index.html"))
        request = REQUEST.replace(b"/plaintext", b"/1KiB.bin")
    else:

        @web.add_route
        async def _plaintext(r: io.BlazeioProtocol) -> None:
            await io.Deliver.text("Hello, World!")

    protocol = io.BlazeioProtocol(web)
    transport = RecordingTransport()
    protocol.connection_made(transport)
    rounds = requests // pipelined
    if unique:
        head = request[:-2] + b"X-Request-Id: %d\r\n\r\n"
        payloads = [b"".join(head % (i * pipelined + j) for j in range(pipelined)) for i in range(rounds + 100)]
    else:
        payloads = [request * pipelined] * (rounds + 100)
    for payload in payloads[rounds:]:
        protocol.data_received(payload)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    start = time.perf_counter()
    target = transport.written
    for payload in payloads[:rounds]:
        protocol.data_received(payload)
        target += pipelined
        while transport.written < target:  # noqa: ASYNC110 - spinning the loop is the point here
            await asyncio.sleep(0)
    elapsed = time.perf_counter() - start
    protocol.connection_lost(None)
    return elapsed / (rounds * pipelined) * 1e6


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--pipelined", type=int, default=1)
    ap.add_argument("--unique-heads", action="store_true")
    ap.add_argument("--static", action="store_true")
    args = ap.parse_args()
    root = None
    if args.static:
        root = tempfile.mkdtemp()
        Path(root, "1KiB.bin").write_bytes(os.urandom(1024))
    loop = io.ioConf.loop
    cost = loop.run_until_complete(main(args.requests, args.pipelined, args.unique_heads, root))
    print(f"{cost:.2f} us/request")
