"""Robyn (a Rust runtime, Python handlers; one process, one worker): every workload of the suite.

Handlers are plain functions (Robyn calls a sync handler directly, an async one through its
event loop) and not ``const`` routes: a const route's answer is computed once and then served
from Rust, which would measure a cache, not a handler. /prepare answers a ``Response`` with
explicit headers; /chunked, /sse and /download stream a generator (``StreamingResponse``,
``SSEResponse``); /static is ``serve_directory`` (actix-files). /upload: Robyn hands a handler
the whole body at once (it has no streaming request-body API), so it buffers the 256 MiB before
the handler runs; the payload cap is raised for that with ``ROBYN_MAX_PAYLOAD_SIZE``.
"""

import os
import sys

from bodies import CHUNK, DOWNLOAD_SIZE, STATIC_ROUTE, static_root
from robyn import Config, Headers, Response, Robyn, SSEMessage, SSEResponse, StreamingResponse

config = Config()
config.processes = 1
config.workers = 1
config.log_level = "WARN"  # anything else is Robyn's verbose mode
config.disable_openapi = True
app = Robyn(__file__, config=config)


@app.get("/plaintext")
def plaintext():
    return "Hello, World!"


@app.get("/json")
def json_():
    return {"message": "Hello, World!"}


@app.get("/prepare")
def prepare():
    return Response(200, {"Content-Type": "text/plain", "Content-Length": "13"}, body=b"Hello, World!")


@app.get("/chunked")
def chunked():
    return StreamingResponse(iter([b"Hello, World!"]), 200, Headers({"Content-Type": "text/plain"}), "text/plain")


@app.get("/sse")
def sse():
    return SSEResponse(iter([SSEMessage("Hello, World!")]))


@app.post("/upload")
def upload(request):
    return str(len(request.body))


@app.get("/download")
def download():
    chunks = (CHUNK for _ in range(DOWNLOAD_SIZE // len(CHUNK)))
    headers = Headers({"Content-Type": "application/octet-stream"})
    return StreamingResponse(chunks, 200, headers, "application/octet-stream")


if __name__ == "__main__":
    os.environ.setdefault("ROBYN_MAX_PAYLOAD_SIZE", str(DOWNLOAD_SIZE + (1 << 20)))
    app.serve_directory(STATIC_ROUTE, static_root())
    app.start(host="127.0.0.1", port=int(sys.argv[1]), _check_port=False, keep_alive_timeout=120)
