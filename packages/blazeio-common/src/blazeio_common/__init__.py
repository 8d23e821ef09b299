"""blazeio-common: what the server, the client and the extras share.

The public names keep the product document's spelling (``ddict``, ``plog``,
``SharpEvent``, ``Ehandler``, ``ioConf``, ...). The HTTP core is ``blazeio_common.http``.
"""

from __future__ import annotations

from blazeio_common.__about__ import __version__
from blazeio_common.args import Unone, Utype, set_from_args
from blazeio_common.ddict import ddict
from blazeio_common.ehandler import Ehandler
from blazeio_common.errors import (
    BlazeioException,
    ClientDisconnected,
    ClientGotInTrouble,
    CloseConnection,
    DecompressionError,
    Eof,
    Err,
    IncompleteBody,
    LocalProtocolError,
    Missingdependency,
    ModuleError,
    ProtocolError,
    Protocoltimeout,
    ServerDisconnected,
    ServerGotInTrouble,
)
from blazeio_common.http.headers import Headers
from blazeio_common.http.native import COMPILED as __compiled__
from blazeio_common.ioconf import create_task, ioConf
from blazeio_common.jsonutil import JSONDecodeError, anydumps, dumps, loads
from blazeio_common.plog import Plog, plog
from blazeio_common.sharp_event import SharpEvent
from blazeio_common.timing import perf_timing
from blazeio_common.urlcodec import Request, parse_query, url_decode, url_encode
from blazeio_common.websocket import WebSocket
from blazeio_common.websocket_errors import WebSocketClosed, WebSocketHandshakeError

__all__ = [
    "__version__",
    # True when the compiled request-head parser runs (False: the pure-Python build)
    "__compiled__",
    # utilities
    "ddict",
    "plog",
    "Plog",
    "SharpEvent",
    "Ehandler",
    "perf_timing",
    "set_from_args",
    "Utype",
    "Unone",
    "dumps",
    "loads",
    "anydumps",
    "JSONDecodeError",
    "ioConf",
    "create_task",
    "Headers",
    "url_encode",
    "url_decode",
    "parse_query",
    "Request",
    "WebSocket",
    # the exception tree
    "BlazeioException",
    "Err",
    "ProtocolError",
    "IncompleteBody",
    "DecompressionError",
    "LocalProtocolError",
    "ClientDisconnected",
    "ServerDisconnected",
    "Protocoltimeout",
    "ServerGotInTrouble",
    "ClientGotInTrouble",
    "CloseConnection",
    "Eof",
    "Missingdependency",
    "ModuleError",
    "WebSocketClosed",
    "WebSocketHandshakeError",
]
