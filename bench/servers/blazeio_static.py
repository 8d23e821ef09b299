"""Blazeio StaticServer for the static-file benchmark: serves argv[2] on port argv[1]."""

import sys

import Blazeio as io

web = io.App("127.0.0.1", int(sys.argv[1]))
web.attach(io.StaticServer("/", sys.argv[2], 1024 * 1024, "page", "index.html", cache_control="public, max-age=60"))

if __name__ == "__main__":
    with web:
        web.runner()
