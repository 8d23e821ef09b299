"""The product document's first example (OOP + FP + StaticServer), unchanged below this docstring.

The document's text lost its indentation; every statement and comment is kept as written.
Run it from this folder (it serves ./static): ``python app_oop_fp.py`` listens on 0.0.0.0:8000;
``BLAZEIO_HOST`` / ``BLAZEIO_PORT`` change where.
"""

import Blazeio as io
web = io.App("0.0.0.0", 8000, with_keepalive = 1)
web.attach(io.StaticServer("/", io.path.join(io.getcwd(), "static"), 1024*100, "page", "index.html"))
# OOP IMPLEMENTATION
@web.attach
class Server:
    def __init__(app):
        ...
    async def before_middleware(app, r):
        r.store = {"json_data": await r.body_or_params()}
    # /
    async def _redirect(app, r):
        # Redirect users to the IP endpoint
        raise io.Abort("", 302, io.ddict(location = "/api/ip"))
    # handle undefined endpoints and serve static files
    async def handle_all_middleware(app, r):
        raise io.Abort("Not Found", 404)
    # /api/ip/
    async def _api_ip(app, r):
        data = {
            "ip": str(r.ip_host) + str(r.ip_port)
        }
        await io.Deliver.json(data)
# FP Implementation
@web.add_route
async def this_function_name_wont_be_used_as_the_route_if_overriden_in_the_route_param(r, route="/fp"):
    # Send a text response
    await io.Deliver.text("Hello from some functional endpoint")
if __name__ == "__main__":
    with web:
        web.runner()
