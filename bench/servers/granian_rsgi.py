"""granian with a raw RSGI app (one worker): every workload of the suite.

/prepare answers with ``response_bytes`` and explicit headers (RSGI has no head-then-body call
with a known length); /chunked and /sse stream with ``response_stream`` (chunked: no length);
/static/hello.txt comes from granian's own static-file mount (served in Rust, before the app).
"""

import json
import sys
from pathlib import Path

from bodies import CHUNK, DOWNLOAD_SIZE, STATIC_ROUTE, static_root
from granian.constants import Interfaces, Loops
from granian.server import Server


async def app(scope, proto):
    path = scope.path
    if path == "/json":
        body = json.dumps({"message": "Hello, World!"}, separators=(",", ":")).encode()
        proto.response_bytes(200, [("content-type", "application/json")], body)
    elif path == "/prepare":
        proto.response_bytes(200, [("content-type", "text/plain"), ("content-length", "13")], b"Hello, World!")
    elif path == "/chunked":
        transport = proto.response_stream(200, [("content-type", "text/plain")])
        await transport.send_bytes(b"Hello, World!")
    elif path == "/sse":
        transport = proto.response_stream(200, [("content-type", "text/event-stream"), ("cache-control", "no-cache")])
        await transport.send_bytes(b"data: Hello, World!\n\n")
    elif path == "/upload":
        size = 0
        async for chunk in proto:
            size += len(chunk)
        proto.response_str(200, [("content-type", "text/plain")], str(size))
    elif path == "/download":
        transport = proto.response_stream(200, [("content-type", "application/octet-stream")])
        for _ in range(DOWNLOAD_SIZE // len(CHUNK)):
            await transport.send_bytes(CHUNK)
    else:
        proto.response_bytes(200, [("content-type", "text/plain; charset=utf-8")], b"Hello, World!")


if __name__ == "__main__":
    Server(
        "granian_rsgi:app",
        address="127.0.0.1",
        port=int(sys.argv[1]),
        interface=Interfaces.RSGI,
        workers=1,
        runtime_threads=1,
        loop=Loops.uvloop,
        log_enabled=False,
        backlog=4096,
        static_path_route=[STATIC_ROUTE],
        static_path_mount=[Path(static_root())],
    ).serve()
