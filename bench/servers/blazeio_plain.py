"""Blazeio hello-world for the HTTP benchmarks: /plaintext and /json."""

import sys

import Blazeio as io

web = io.App("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 8000)


@web.add_route
async def _plaintext(r):
    await io.Deliver.text("Hello, World!")


@web.add_route
async def _json(r):
    await io.Deliver.json({"message": "Hello, World!"})


if __name__ == "__main__":
    with web:
        web.runner()
