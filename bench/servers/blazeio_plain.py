"""Blazeio for the HTTP benchmarks: /plaintext, /json, /upload, /download."""

import sys

import Blazeio as io

CHUNK = b"x" * (256 * 1024)
DOWNLOAD_SIZE = 256 << 20

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
    with web:
        web.runner()
