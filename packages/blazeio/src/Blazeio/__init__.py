"""``import Blazeio as io``: the whole Blazeio API in one flat namespace (re-exports only).

Besides Blazeio's own names this re-exports the stdlib names the product document uses
through ``io.`` (``io.gather``, ``io.path``, ``io.environ``, ``io.token_urlsafe``, ...).
``io.INBOUND_CHUNK_SIZE = n`` and ``io.OUTBOUND_CHUNK_SIZE = n`` set ``io.ioConf``'s values.
"""

from __future__ import annotations

import sys
import types
from asyncio import CancelledError, Event, Lock, Queue, TimeoutError, current_task, gather, sleep, to_thread, wait_for
from base64 import b64decode, b64encode, urlsafe_b64decode, urlsafe_b64encode
from collections import deque
from os import environ, getcwd, path
from secrets import token_urlsafe
from time import perf_counter
from typing import Any

from Blazeio.__about__ import __version__
from Blazeio.testing import TestClient
from blazeio_client import *
from blazeio_common import *
from blazeio_common import __compiled__, ioConf
from blazeio_server import *

__stdlib__ = [
    "CancelledError",
    "Event",
    "Lock",
    "Queue",
    "TimeoutError",
    "b64decode",
    "b64encode",
    "current_task",
    "deque",
    "environ",
    "gather",
    "getcwd",
    "path",
    "perf_counter",
    "sleep",
    "to_thread",
    "token_urlsafe",
    "urlsafe_b64decode",
    "urlsafe_b64encode",
    "wait_for",
]
_FORWARDED = frozenset({"INBOUND_CHUNK_SIZE", "OUTBOUND_CHUNK_SIZE"})


class _Facade(types.ModuleType):
    # The seed writes ``io.INBOUND_CHUNK_SIZE = ...``; upstream silently ignored it.
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FORWARDED:
            setattr(ioConf, name, value)
        else:
            super().__setattr__(name, value)

    def __getattr__(self, name: str) -> Any:
        if name in _FORWARDED:
            return getattr(ioConf, name)
        raise AttributeError(f"module 'Blazeio' has no attribute {name!r}")


sys.modules[__name__].__class__ = _Facade
