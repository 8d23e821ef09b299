"""The Blazeio demo: a small app that shows the framework working.

    hatch run demo            # http://127.0.0.1:8000  (PORT=... to change)

Try:
    curl http://127.0.0.1:8000/hello
    curl http://127.0.0.1:8000/api/info
    curl -N http://127.0.0.1:8000/stream
    curl -N http://127.0.0.1:8000/events
    curl -T big.file http://127.0.0.1:8000/echo -o copy   # full duplex: streamed back while uploading
"""

import os

import Blazeio as io

web = io.App("127.0.0.1", int(os.environ.get("PORT", "8000")), with_keepalive=1)

PAGE = """<!doctype html>
<title>Blazeio demo</title>
<h1>Blazeio is running</h1>
<ul>
  <li><a href="/hello">/hello</a> - plain text</li>
  <li><a href="/api/info">/api/info</a> - JSON about your request</li>
  <li><a href="/stream">/stream</a> - a chunked stream</li>
  <li><a href="/events">/events</a> - server-sent events</li>
  <li>POST/PUT <code>/echo</code> - your body streamed back while it uploads</li>
</ul>
"""


@web.attach
class Demo:
    def __init__(app):
        ...

    async def before_middleware(app, r):
        r.store = {"started": io.perf_timing()}

    async def after_middleware(app, r):
        await io.plog.cyan(f"{r.method} {r.tail}", f"{r.status} in {r.store['started']().elapsed * 1000:.2f} ms")

    async def _(app, r, route="/"):
        await io.Deliver.html(PAGE)

    async def _hello(app, r):
        await io.Deliver.text("Hello from Blazeio!\n")

    async def _api_info(app, r):
        await io.Deliver.json(
            {"method": r.method, "path": r.path, "client": f"{r.ip_host}:{r.ip_port}", "headers": dict(r.headers)}
        )

    async def _stream(app, r):
        await r.prepare({"Content-Type": "text/plain; charset=utf-8", **io.Ctypes.chunked}, 200)
        for i in range(1, 6):
            await r.write(f"line {i}\n".encode())
            await io.sleep(0.2)

    async def _events(app, r):
        await r.prepare({"Content-Type": io.Ctypes.eventstream, "Cache-Control": "no-cache"}, 200)
        for i in range(1, 6):
            await r.write({"tick": i})
            await io.sleep(0.5)

    async def _echo(app, r):
        # Full duplex: each piece of the request body is written back as it arrives.
        await r.prepare({"Content-Type": r.headers.get("Content-Type", "application/octet-stream"), **io.Ctypes.chunked})
        async for chunk in r.pull():
            await r.write(chunk)


if __name__ == "__main__":
    with web:
        web.runner()
