"""Serialising heads, and body writers that frame data for a ``write`` callback.

A writer never owns a socket: ``send(data, write)`` calls ``write`` with the framed
pieces (several calls rather than one concatenation, so a large body is never copied),
``finish(write)`` ends the body. Writers refuse to break framing: more bytes than the
declared Content-Length, or fewer at the end, raise ``LocalProtocolError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from blazeio_common.errors import LocalProtocolError
from blazeio_common.http import _abnf
from blazeio_common.http.bounded import remember
from blazeio_common.http.headers import HeaderInput, Headers
from blazeio_common.http.status import status_line

__all__ = [
    "BodyWriter",
    "ChunkedWriter",
    "ContentLengthWriter",
    "NoBodyWriter",
    "SMALL_CHUNK",
    "SMALL_CHUNK_FRAME",
    "UntilCloseWriter",
    "Write",
    "serialise_fields",
    "serialise_request_head",
    "serialise_response_head",
]

Write = Callable[[bytes | bytearray | memoryview], Any]

_token = _abnf.token.fullmatch
_value = _abnf.field_value.fullmatch


def _field_pairs(headers: HeaderInput | Headers | None) -> Iterable[tuple[str, Any]]:
    if headers is None:
        return ()
    if isinstance(headers, Headers):
        return headers.raw_items()
    if isinstance(headers, Mapping):
        return headers.items()
    return headers


def serialise_fields(headers: HeaderInput | Headers | None) -> bytes:
    """Field lines, names as given; list values become repeated lines. Validates everything.

    A ``Headers`` object holds only lines validated when they were added (or parsed), so it is
    written as it is.
    """
    if isinstance(headers, Headers):
        return "".join(f"{name}: {value}\r\n" for name, value in headers._items).encode("latin-1")
    lines: list[str] = []
    for name, value in _field_pairs(headers):
        values = value if isinstance(value, (list, tuple)) else (value,)
        for item in values:
            text = item if isinstance(item, str) else str(item)
            if not _token(name) or not _value(text):
                raise LocalProtocolError(f"refusing to send an invalid header: {name!r}: {text!r}")
            lines.append(f"{name}: {text}\r\n")
    return "".join(lines).encode("latin-1")


def serialise_response_head(
    status_code: int, headers: HeaderInput | Headers | None = None, reason: str | None = None
) -> bytes:
    """``HTTP/1.1 <status> <reason>`` + fields + the empty line."""
    return status_line(status_code, reason) + serialise_fields(headers) + b"\r\n"


def serialise_request_head(
    method: str, target: str, headers: HeaderInput | Headers | None = None, version: str = "1.1"
) -> bytes:
    """``<method> <target> HTTP/<version>`` + fields + the empty line."""
    line = _START_LINES.get((method, target, version))
    if line is None:
        if not _token(method):
            raise LocalProtocolError(f"invalid method {method!r}")
        if not target or not _abnf.request_line.fullmatch(f"GET {target} HTTP/1.1"):
            raise LocalProtocolError(f"invalid request target {target!r}")
        line = f"{method} {target} HTTP/{version}\r\n".encode("latin-1")
        remember(_START_LINES, (method, target, version), line, _START_LINES_MAX)
    return line + serialise_fields(headers) + b"\r\n"


# Request lines already validated: a client requests the same few URLs again and again, and
# a dict lookup is cheaper than the regular expression. Bounded; emptied when full.
_START_LINES: dict[tuple[str, str, str], bytes] = {}
_START_LINES_MAX = 1024


# Chunks smaller than this are framed into one bytes object (one write); larger ones are not copied.
SMALL_CHUNK = 4096
# RFC 9112 §7.1: chunk = chunk-size CRLF chunk-data CRLF; ``SMALL_CHUNK_FRAME % (size, data)``.
# Callers that frame a small chunk without ChunkedWriter.send's call use this same template.
SMALL_CHUNK_FRAME = b"%x\r\n%b\r\n"


class ContentLengthWriter:
    """Exactly ``length`` bytes."""

    __slots__ = ("remaining",)

    def __init__(self, length: int) -> None:
        self.remaining = length

    def send(self, data: bytes | bytearray | memoryview, write: Write) -> None:
        size = len(data)
        if not size:
            return
        if size > self.remaining:
            raise LocalProtocolError(f"body exceeds Content-Length by {size - self.remaining} bytes")
        self.remaining -= size
        write(data)

    def finish(self, write: Write) -> None:
        if self.remaining:
            raise LocalProtocolError(f"body ended {self.remaining} bytes short of Content-Length")


class ChunkedWriter:
    """RFC 9112 §7.1 chunked coding; an empty write is a no-op, never the last chunk."""

    __slots__ = ("finished",)

    def __init__(self) -> None:
        self.finished = False

    def send(self, data: bytes | bytearray | memoryview, write: Write) -> None:
        size = len(data)
        if not size:
            return
        if self.finished:
            raise LocalProtocolError("chunked body already finished")
        if size < SMALL_CHUNK:
            # One small write beats three for small pieces (one syscall, one buffer).
            write(SMALL_CHUNK_FRAME % (size, bytes(data)))
        else:
            write(b"%x\r\n" % size)
            write(data)
            write(b"\r\n")

    def finish(self, write: Write, trailers: HeaderInput | Headers | None = None) -> None:
        if self.finished:
            return
        self.finished = True
        write(b"0\r\n" + serialise_fields(trailers) + b"\r\n" if trailers else b"0\r\n\r\n")


class UntilCloseWriter:
    """Raw bytes; the body ends when the connection closes."""

    __slots__ = ()

    def send(self, data: bytes | bytearray | memoryview, write: Write) -> None:
        if len(data):
            write(data)

    def finish(self, write: Write) -> None:
        return None


class NoBodyWriter:
    """A message that carries no content (a response to HEAD, 1xx, 204, 304): writes go nowhere."""

    __slots__ = ()

    def send(self, data: bytes | bytearray | memoryview, write: Write) -> None:
        return None

    def finish(self, write: Write) -> None:
        return None


BodyWriter = ContentLengthWriter | ChunkedWriter | UntilCloseWriter | NoBodyWriter
