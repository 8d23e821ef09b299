"""Blazeio for the HTTP benchmarks: every workload of the suite.

/plaintext, /json (``Deliver``), /prepare (``prepare`` with a Content-Length, then ``write``),
/chunked (``prepare`` chunked, ``write``, ``eof``), /sse (``send_event``), /static/hello.txt
(``StaticServer``), /upload and /download. The suite also runs it with
``BLAZEIO_NO_EXTENSIONS=1`` (the pure-Python build); ``$BENCH_BUILD_FILE``, when set, receives
``Blazeio.__compiled__`` so the suite can tell that the build it asked for is the one running.
"""

import os
import sys

from bodies import CHUNK, DOWNLOAD_SIZE, STATIC_ROUTE, static_root

import Blazeio as io

# The idle-connections workload holds 10,000 keep-alive connections open.
web = io.App(
    "127.0.0.1",
    int(sys.argv[1]) if len(sys.argv) > 1 else 8000,
    keepalive_timeout=120.0,
    max_connections=20_000,
    backlog=4096,
)


@web.add_route
async def _plaintext(r):
    await io.Deliver.text("Hello, World!")


@web.add_route
async def _json(r):
    await io.Deliver.json({"message": "Hello, World!"})


@web.add_route
async def _prepare(r):
    await r.prepare({"Content-Type": "text/plain", "Content-Length": "13"}, 200)
    await r.write(b"Hello, World!")


@web.add_route
async def _chunked(r):
    await r.prepare({"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}, 200)
    await r.write(b"Hello, World!")
    await r.eof()


@web.add_route
async def _sse(r):
    await r.prepare({"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}, 200)
    await r.send_event("Hello, World!")  # data: Hello, World!\n\n
    await r.eof()


@web.add_route
async def _upload(r):
    size = 0
    async for chunk in r.pull():
        size += len(chunk)
    await io.Deliver.text(str(size))


@web.add_route
async def _download(r):
    await r.prepare({"Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked"}, 200)
    for _ in range(DOWNLOAD_SIZE // len(CHUNK)):
        await r.write(CHUNK)
    await r.eof()


if __name__ == "__main__":
    if os.environ.get("BENCH_BUILD_FILE"):
        with open(os.environ["BENCH_BUILD_FILE"], "w") as f:
            f.write(str(io.__compiled__))
    # Files under /static/ (a 1 KiB hello.txt); the routes above are matched first.
    web.attach(io.StaticServer(STATIC_ROUTE, static_root(), 1024 * 1024, "page", "index.html"))
    with web:
        web.runner()
