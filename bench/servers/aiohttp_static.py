"""aiohttp.web's static route for the static-file benchmark: serves argv[2] on port argv[1]."""

import asyncio
import sys

import uvloop
from aiohttp import web

app = web.Application()
app.router.add_static("/", sys.argv[2])

if __name__ == "__main__":
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
