"""Which build of the head parser runs: the compiled ``native_heads`` or pure Python.

The compiled module is built from ``native_heads.pyx`` when the package is installed with a
C compiler at hand (``hatch_build.py``); the pure-Python parser in ``heads.py`` stays the
reference and the fallback. ``BLAZEIO_NO_EXTENSIONS=1`` (any value but empty or ``0``) selects
the pure-Python build at run time, as ``AIOHTTP_NO_EXTENSIONS`` does for aiohttp.
``COMPILED`` (also ``blazeio_common.__compiled__``) tells which one is running.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from blazeio_common.http.events import Request
from blazeio_common.http.headers import Headers
from blazeio_common.http.limits import Limits

__all__ = [
    "COMPILED", "NO_EXTENSIONS", "ParseRequestHead", "ParseResponseHead", "parse_request_head", "parse_response_head",
]  # fmt: skip

# (buffer, where a CRLF CRLF may start, limits) -> the parsed head, removed from the buffer; or
# None, the buffer untouched: incomplete, or for the pure-Python path to judge.
# With a set of Host values already validated as a fourth argument, a plain request (no body,
# an origin-form target, a Host in the set) comes back finished, as a Request.
ParseRequestHead = Callable[[bytearray, int, Limits, set[str]], Request | tuple[str, str, str, Headers] | None]
ParseResponseHead = Callable[[bytearray, int, Limits], tuple[str, int, str, Headers] | None]

NO_EXTENSIONS = os.environ.get("BLAZEIO_NO_EXTENSIONS", "") not in ("", "0")


def _load() -> tuple[ParseRequestHead, ParseResponseHead] | None:
    if NO_EXTENSIONS:
        return None
    try:
        from blazeio_common.http import native_heads  # noqa: PLC0415 - optional
    except ImportError:  # installed without a compiler: the pure-Python build
        return None
    return native_heads.parse_request_head, native_heads.parse_response_head


_parsers = _load()
parse_request_head: ParseRequestHead | None = _parsers[0] if _parsers else None
parse_response_head: ParseResponseHead | None = _parsers[1] if _parsers else None
COMPILED = _parsers is not None
