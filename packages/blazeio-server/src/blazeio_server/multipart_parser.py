"""The ``multipart/form-data`` framing (RFC 7578 over RFC 2046), incremental and without I/O.

Feed it the body as it arrives (``feed``, ``feed_eof``); ``next_event`` returns, in order:
a ``PartHead`` per part, its content as ``bytes`` pieces, ``PART_END``, and after the close
delimiter ``FORM_END``; ``NEED_DATA`` when it needs more bytes. Content is handed out as soon
as it cannot be the start of a delimiter, so only the last few bytes of a piece (fewer than
the delimiter's length) wait for the next one: memory stays bounded for a part of any size.

Limits: the body's total size (413), the part count (413) and a part's header block (400).
Malformed framing is a ``ProtocolError`` (400). Epilogue bytes after the close delimiter are
ignored, as RFC 2046 asks.
"""

from __future__ import annotations

import re
from enum import Enum

from blazeio_common.errors import ProtocolError
from blazeio_common.http import NEED_DATA
from blazeio_common.http.events import Wait

__all__ = ["FORM_END", "PART_END", "MultipartParser", "PartHead", "multipart_boundary"]

_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')
_BOUNDARY = re.compile(r"[ -~]{0,69}[!-~]")  # printable ASCII, not ending in a space


class Mark(Enum):
    """``PART_END``: the current part's content is complete. ``FORM_END``: the close delimiter."""

    PART_END = "PART_END"
    FORM_END = "FORM_END"


PART_END = Mark.PART_END
FORM_END = Mark.FORM_END


class PartHead:
    """One part's header block: ``name``, ``filename`` (``None`` for a plain field), ``content_type``."""

    __slots__ = ("content_type", "filename", "headers", "name")

    def __init__(self, headers: dict[str, str]) -> None:
        # RFC 7578 §4.2: "Each part MUST contain a Content-Disposition header field [...] of
        # "form-data", and a "name" parameter".
        params = _disposition(headers.get("content-disposition", ""))
        name = params.get("name")
        if name is None:
            raise ProtocolError("multipart part without a name", 400)
        self.headers = headers
        self.name = name
        self.filename = params.get("filename")
        # RFC 7578 §4.4: a part's Content-Type "defaults to "text/plain""; a file with no known
        # type is "application/octet-stream".
        default = "text/plain" if self.filename is None else "application/octet-stream"
        self.content_type = headers.get("content-type") or default

    def __repr__(self) -> str:
        return f"<PartHead {self.name!r} filename={self.filename!r} {self.content_type}>"


def multipart_boundary(content_type: str) -> str:
    """The ``boundary`` parameter of a ``multipart/form-data`` Content-Type ("" when absent)."""
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary":
            value = value.strip()
            return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    return ""


def _disposition(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for match in _PARAM.finditer(";" + value.partition(";")[2]):
        key, quoted, token = match.groups()
        params[key.lower()] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else token
    return params


def _parse_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("utf-8", errors="replace").split("\r\n"):
        key, colon, value = line.partition(":")
        key = key.strip()
        if not colon or not key:
            raise ProtocolError("malformed multipart part header", 400)
        headers[key.lower()] = value.strip()
    return headers


_PREAMBLE, _AFTER_DELIMITER, _HEADERS, _BODY, _DONE = range(5)


class MultipartParser:
    """Incremental ``multipart/form-data`` parser: bytes in, ``PartHead`` / bytes / marks out."""

    __slots__ = ("_buf", "_delimiter", "_eof", "_max_header", "_max_parts", "_max_size", "_parts", "_size", "_state")

    def __init__(self, boundary: str, *, max_size: int, max_parts: int, max_part_header: int) -> None:
        # RFC 2046 §5.1.1: "the boundary delimiter MUST NOT appear inside any of the encapsulated
        # parts" and is "no longer in length than 70 characters".
        if not _BOUNDARY.fullmatch(boundary):
            raise ProtocolError("multipart boundary missing, malformed or longer than 70 characters", 400)
        self._delimiter = b"\r\n--" + boundary.encode("ascii")
        # The first delimiter may open the body without a CRLF before it: pretend there was one.
        self._buf = bytearray(b"\r\n")
        self._state = _PREAMBLE
        self._eof = False
        self._size = self._parts = 0
        self._max_size = max_size
        self._max_parts = max_parts
        self._max_header = max_part_header

    def feed(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._max_size:
            raise ProtocolError(f"form body larger than {self._max_size} bytes", 413)
        if self._state != _DONE:
            self._buf += data

    def feed_eof(self) -> None:
        self._eof = True

    def next_event(self) -> PartHead | bytes | Mark | Wait:
        buf = self._buf
        delimiter = self._delimiter
        while True:
            state = self._state
            if state == _BODY:
                at = buf.find(delimiter)
                if at == 0:
                    del buf[: len(delimiter)]
                    self._state = _AFTER_DELIMITER
                    return PART_END
                end = at if at > 0 else _safe_end(buf, delimiter)
                if end:
                    data = bytes(buf[:end])
                    del buf[:end]
                    return data
                return self._need_data()
            if state == _HEADERS:
                if buf[:2] == b"\r\n":  # no header fields at all
                    headers: dict[str, str] = {}
                    del buf[:2]
                else:
                    end = buf.find(b"\r\n\r\n", 0, self._max_header + 4)
                    if end < 0:
                        if len(buf) >= self._max_header + 4:
                            raise ProtocolError("multipart part headers too large", 400)
                        return self._need_data()
                    headers = _parse_headers(bytes(buf[:end]))
                    del buf[: end + 4]
                self._parts += 1
                if self._parts > self._max_parts:
                    raise ProtocolError(f"more than {self._max_parts} form parts", 413)
                head = PartHead(headers)
                self._state = _BODY
                return head
            if state == _AFTER_DELIMITER:
                if buf[:2] == b"--":
                    # The close delimiter: whatever follows is the epilogue, which is ignored.
                    self._state = _DONE
                    buf.clear()
                    return FORM_END
                # RFC 2046 §5.1.1: "transport-padding := *LWSP-char [...] receivers MUST be able
                # to handle padding added by message transports."
                padding, most = 0, min(len(buf), self._max_header + 1)
                while padding < most and buf[padding] in b" \t":
                    padding += 1
                if padding > self._max_header:
                    raise ProtocolError("malformed multipart delimiter line", 400)
                if len(buf) - padding < 2:
                    return self._need_data()
                if buf[padding : padding + 2] != b"\r\n":
                    raise ProtocolError("malformed multipart delimiter line", 400)
                del buf[: padding + 2]
                self._state = _HEADERS
                continue
            if state == _PREAMBLE:
                at = buf.find(delimiter)
                if at < 0:
                    del buf[: max(0, len(buf) - len(delimiter) + 1)]  # the preamble is ignored
                    return self._need_data()
                del buf[: at + len(delimiter)]
                self._state = _AFTER_DELIMITER
                continue
            return FORM_END

    def _need_data(self) -> Wait:
        if self._eof:
            raise ProtocolError("multipart body ended before its close delimiter", 400)
        return NEED_DATA


def _safe_end(buf: bytearray, delimiter: bytes) -> int:
    """How much of ``buf`` (which holds no whole delimiter) cannot be the start of one."""
    size = len(buf)
    at = buf.find(b"\r", max(0, size - len(delimiter) + 1))
    while at >= 0:
        if delimiter.startswith(buf[at:]):
            return at
        at = buf.find(b"\r", at + 1)
    return size
