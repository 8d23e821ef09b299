"""socketify.py (uWebSockets' C++ core, Python handlers; one process, one thread): every workload.

Handlers are synchronous, as socketify's own benchmarks write them (uWS corks the answer), but
for /download, which is async: it streams with ``send_chunk``, socketify's one streaming call
with backpressure, which frames the body with a Content-Length of the total size (uWS's
``tryEnd``) rather than chunked. /prepare sets status and headers explicitly and ends with the
body (uWS writes the Content-Length); /chunked and /sse ``write`` the body (uWS frames writes
chunked) and ``end``; /static/hello.txt is ``app.static`` (a Python helper that opens and reads
the file per request, in an async task); /upload counts the body in ``on_data`` callbacks as
it arrives.
"""

import sys

from bodies import CHUNK, DOWNLOAD_SIZE, STATIC_ROUTE, static_root
from socketify import App


def plaintext(res, req):
    res.write_header("Content-Type", "text/plain").end("Hello, World!")


def json_(res, req):
    res.end({"message": "Hello, World!"})  # a dict: JSON with its Content-Type


def prepare(res, req):
    res.write_status(200).write_header("Content-Type", "text/plain").end(b"Hello, World!")


def chunked(res, req):
    res.write_status(200).write_header("Content-Type", "text/plain")
    res.write(b"Hello, World!")
    res.end(b"")


def sse(res, req):
    res.write_status(200).write_header("Content-Type", "text/event-stream").write_header("Cache-Control", "no-cache")
    res.write(b"data: Hello, World!\n\n")
    res.end(b"")


def upload(res, req):
    size = 0

    def on_data(res, chunk, is_last):
        nonlocal size
        if chunk:
            size += len(chunk)
        if is_last:
            res.cork_end(str(size))

    res.on_aborted(lambda res: None)  # uWS needs an abort handler on a response that outlives its handler
    res.on_data(on_data)


async def download(res, req):
    res.write_status(200).write_header("Content-Type", "application/octet-stream")
    for _ in range(DOWNLOAD_SIZE // len(CHUNK)):
        ok, done = await res.send_chunk(CHUNK, DOWNLOAD_SIZE)
        if not ok or done:
            return


if __name__ == "__main__":
    port = int(sys.argv[1])
    app = App()
    app.get("/plaintext", plaintext)
    app.get("/json", json_)
    app.get("/prepare", prepare)
    app.get("/chunked", chunked)
    app.get("/sse", sse)
    app.post("/upload", upload)
    app.get("/download", download)
    app.static(STATIC_ROUTE, static_root())
    app.listen(port, lambda config: None)
    app.run()
