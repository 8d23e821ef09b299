"""The ``Date`` header value, formatted once per second (RFC 9110 §6.6.1 IMF-fixdate)."""

from __future__ import annotations

from email.utils import formatdate
from time import time

__all__ = ["http_date"]

_cache: list[object] = [0, b""]


def http_date() -> bytes:
    """``Date: <IMF-fixdate>\\r\\n`` for the current second."""
    now = int(time())
    if now != _cache[0]:
        _cache[0] = now
        _cache[1] = f"Date: {formatdate(now, usegmt=True)}\r\n".encode("ascii")
    value = _cache[1]
    assert isinstance(value, bytes)
    return value
