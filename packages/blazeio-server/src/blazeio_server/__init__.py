"""blazeio-server: the asyncio HTTP/1.1 server.

``App`` (lifecycle, routing, middleware), ``Router`` (route groups), ``BlazeioProtocol`` (the
request object ``r``), ``Deliver`` / ``Abort`` / ``Ctypes`` (responses), ``ConnectionTaskShield``, and
the request-body types ``MultipartReader`` / ``MultipartPart`` / ``UploadFile``.
"""

from __future__ import annotations

from blazeio_server.__about__ import __version__
from blazeio_server.app import App, StartupError
from blazeio_server.cors import Cors
from blazeio_server.multipart import MultipartPart, MultipartReader
from blazeio_server.protocol import BlazeioProtocol, ConnectionTaskShield
from blazeio_server.responses import Abort, Ctypes, Deliver, current_request
from blazeio_server.routing import RouteError, Router
from blazeio_server.settings import ServerSettings
from blazeio_server.static import StaticServer
from blazeio_server.uploads import UploadFile

BlazeioServerProtocol = BlazeioProtocol

__all__ = [
    "__version__",
    "Abort",
    "App",
    "BlazeioProtocol",
    "BlazeioServerProtocol",
    "ConnectionTaskShield",
    "Cors",
    "Ctypes",
    "Deliver",
    "MultipartPart",
    "MultipartReader",
    "RouteError",
    "Router",
    "ServerSettings",
    "StartupError",
    "StaticServer",
    "UploadFile",
    "current_request",
]
