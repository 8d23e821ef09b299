"""aiohttp.web: every workload of the suite.

/plaintext and /json (``web.Response``, ``web.json_response``), /prepare (a ``StreamResponse``
with ``content_length``), /chunked and /sse (a ``StreamResponse`` with chunked encoding),
/static/hello.txt (``add_static``), /upload and /download.
"""

import sys

from aiohttp import web
from bodies import CHUNK, DOWNLOAD_SIZE, STATIC_ROUTE, static_root


async def plaintext(request):
    return web.Response(text="Hello, World!")


async def json_(request):
    return web.json_response({"message": "Hello, World!"})


async def prepare(request):
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.content_length = 13
    await response.prepare(request)
    await response.write(b"Hello, World!")
    await response.write_eof()
    return response


async def chunked(request):
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(b"Hello, World!")
    await response.write_eof()
    return response


async def sse(request):
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(b"data: Hello, World!\n\n")
    await response.write_eof()
    return response


async def upload(request):
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
    return web.Response(text=str(size))


async def download(request):
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(DOWNLOAD_SIZE // len(CHUNK)):
        await response.write(CHUNK)
    await response.write_eof()
    return response


app = web.Application()
app.add_routes(
    [
        web.get("/plaintext", plaintext),
        web.get("/json", json_),
        web.get("/prepare", prepare),
        web.get("/chunked", chunked),
        web.get("/sse", sse),
        web.post("/upload", upload),
        web.get("/download", download),
    ]
)

if __name__ == "__main__":
    import asyncio

    import uvloop

    app.router.add_static(STATIC_ROUTE, static_root())
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    web.run_app(
        app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None, keepalive_timeout=120, backlog=4096
    )
