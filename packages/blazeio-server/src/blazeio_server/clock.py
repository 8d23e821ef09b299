"""The ``Date`` header value, formatted once per second (RFC 9110 §6.6.1 IMF-fixdate), and
the start of a response head (status line, Date, Server) built on it."""

from __future__ import annotations

from email.utils import formatdate
from time import time
from typing import TYPE_CHECKING

from blazeio_common.http.bounded import remember
from blazeio_common.http.status import status_line

if TYPE_CHECKING:
    from blazeio_server.settings import ServerSettings

__all__ = ["head_prefix", "http_date"]

_second = 0
_date = b""
# (status, Server header) -> status line + Date + Server for the current second. A server answers
# with a few statuses, so the start of most heads is one lookup. Emptied every second.
_prefixes: dict[tuple[int, str | None], bytes] = {}
_PREFIXES_MAX = 256


def _tick(now: int) -> None:
    global _second, _date
    _second = now
    _date = f"Date: {formatdate(now, usegmt=True)}\r\n".encode("ascii")
    _prefixes.clear()


def http_date() -> bytes:
    """``Date: <IMF-fixdate>\\r\\n`` for the current second."""
    now = int(time())
    if now != _second:
        _tick(now)
    return _date


def head_prefix(status: int, settings: ServerSettings) -> bytes:
    """``status_line(status) + http_date() + settings.server_line``, cached for the current second."""
    now = int(time())
    if now != _second:
        _tick(now)
    key = (status, settings.server_header)  # a plain attribute: the Server line follows from it
    prefix = _prefixes.get(key)
    if prefix is None:
        prefix = status_line(status) + _date + settings.server_line  # raises for an invalid status
        remember(_prefixes, key, prefix, _PREFIXES_MAX)
    return prefix
