"""Python cost of one request through the server, without sockets (a recording transport).

    python bench/server_path.py [--requests 20000] [--pipelined 1] [--unique-heads | --browser]
        [--handler text|prepare-write|chunked|sse|static]

Feeds a typical keep-alive GET to ``BlazeioProtocol.data_received`` and runs the loop
until the response was written; prints microseconds per request. Uses uvloop when
installed. Not a substitute for wrk (no syscalls), but a stable profile target.
``--unique-heads`` adds an ``X-Request-Id`` that differs on every request, so no head
is ever served from the receiver's head cache (what a client with request ids costs);
``--browser`` sends the head of the suite's browser workload (``browser.lua``: eight fields, a
Cookie that changes on every request).
``--handler`` picks how the 13-byte answer is written: ``text`` (``Deliver.text``, the default),
``prepare-write`` (``prepare`` with Content-Type and Content-Length, then one ``write``), ``chunked``
(a chunked ``prepare``, one ``write``, ``eof``), ``sse`` (an event-stream ``prepare``, one
``send_event``, ``eof``) or ``static`` (a StaticServer's 1 KiB file, its per-request stat included;
``--static`` is the same).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import Blazeio as io
from answers import BROWSER_HEAD  # browser.lua's head: eight fields, a changing Cookie
from blazeio_server.connection import Connection

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


HANDLERS = ("text", "prepare-write", "chunked", "sse", "static")


def add_handler(web: io.App, handler: str) -> None:
    """The route ``/plaintext`` answering "Hello, World!" the way ``handler`` names."""
    if handler == "prepare-write":

        @web.add_route
        async def _plaintext(r: io.BlazeioProtocol) -> None:
            await r.prepare({"Content-Type": "text/plain", "Content-Length": "13"}, 200)
            await r.write(b"Hello, World!")

    elif handler == "chunked":

        @web.add_route
        async def _plaintext(r: io.BlazeioProtocol) -> None:
            await r.prepare({"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}, 200)
            await r.write(b"Hello, World!")
            await r.eof()

    elif handler == "sse":

        @web.add_route
        async def _plaintext(r: io.BlazeioProtocol) -> None:
            await r.prepare({"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}, 200)
            await r.send_event("Hello, World!")
            await r.eof()

    else:

        @web.add_route
        async def _plaintext(r: io.BlazeioProtocol) -> None:
            await io.Deliver.text("Hello, World!")


async def main(
    requests: int, pipelined: int, unique: bool, static_root: str | None, handler: str = "text", browser: bool = False
) -> float:
    web = io.App("127.0.0.1", 0)
    request = REQUEST
    if static_root is not None:
        web.attach(io.StaticServer("/", static_root, 1024 * 1024, "page", "index.html"))
        request = REQUEST.replace(b"/plaintext", b"/1KiB.bin")
    else:
        add_handler(web, handler)

    protocol = Connection(web)
    transport = RecordingTransport()
    protocol.connection_made(transport)
    rounds = requests // pipelined
    if unique or browser:
        head = BROWSER_HEAD if browser else request[:-2] + b"X-Request-Id: %d\r\n\r\n"
        payloads = [b"".join(head % (i * pipelined + j) for j in range(pipelined)) for i in range(rounds + 100)]
    else:
        payloads = [request * pipelined] * (rounds + 100)
    for payload in payloads[rounds:]:
        protocol.data_received(payload)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    # The start-up heap (imports, the warm-up) out of the collector's sight: otherwise whether a
    # full collection over it falls into a run of N or of 2N requests swings an instruction
    # count by tens of thousands per request (bench/instructions.py). Per-request garbage is
    # still collected as usual.
    gc.collect()
    gc.freeze()
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
    ap.add_argument("--browser", action="store_true", help="browser heads that never repeat (browser.lua)")
    ap.add_argument("--static", action="store_true", help="the same as --handler static")
    ap.add_argument("--handler", choices=HANDLERS, default="text")
    args = ap.parse_args()
    root = None
    if args.static or args.handler == "static":
        root = tempfile.mkdtemp()
        Path(root, "1KiB.bin").write_bytes(os.urandom(1024))
    loop = io.ioConf.loop
    run = main(args.requests, args.pipelined, args.unique_heads, root, args.handler, args.browser)
    cost = loop.run_until_complete(run)
    print(f"{cost:.2f} us/request")
