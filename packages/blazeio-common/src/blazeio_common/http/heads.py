"""Parsing request and response heads (RFC 9112 §2-§5), strictly.

Strategy: the receiver cuts one complete head (start line through the empty line) and
checks it for control characters with two C calls on the bytes (``ctl_free``); it is then
decoded as latin-1 (one character per byte) and split with ``str`` methods. No regex runs
on the fast path except for a field name or method not seen before; the slow path that
names the exact fault runs only for bad input.

Rejected with 400: bare CR or LF, obs-fold, whitespace before the colon, a bad name or
CTL in a value, a malformed start line; 431 for too many fields; 505 for HTTP/2+ in a
request line.
"""

from __future__ import annotations

from blazeio_common.errors import ProtocolError
from blazeio_common.http import _abnf
from blazeio_common.http.headers import Headers
from blazeio_common.http.limits import Limits

__all__ = ["ctl_free", "head_fault", "parse_fields", "parse_request_line", "parse_status_line"]

# Every control character except HTAB maps to NUL; CR and LF too, once CRLF pairs are gone.
_CTL_TO_NUL = bytes(0 if (c < 32 and c != 9) or c == 127 else c for c in range(256))
# Validated field names -> lower-case key. Real traffic repeats a few dozen names, so
# most lines cost one dict lookup instead of a regex; bounded so junk names cannot grow it.
_NAMES: dict[str, str] = {}
_NAMES_MAX = 2048
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"})
_VERSIONS = {"HTTP/1.1": "1.1", "HTTP/1.0": "1.0"}


def ctl_free(data: bytes | bytearray) -> bool:
    """True when the only control characters in ``data`` are CRLF pairs and HTAB.

    RFC 9112 §2.2 forbids a bare CR; RFC 9110 §5.5 forbids CR, LF and NUL in values, and
    we reject the other CTLs too. Two C calls, no per-byte Python.
    """
    return b"\0" not in data.replace(b"\r\n", b"").translate(_CTL_TO_NUL)


def head_fault(head: str) -> str:
    """Name what is wrong with a head that failed ``ctl_free`` or field parsing (slow path)."""
    line, _, block = head.partition("\r\n")
    if "\r" in line or "\n" in line:
        return "bare CR or LF in the start line"
    if any(ord(c) < 32 or ord(c) == 127 for c in line):
        return "control character in the start line"
    return _fault(block)


def _fault(block: str) -> str:
    for line in block.split("\r\n"):
        if not line:
            continue
        if "\r" in line or "\n" in line:
            return "bare CR or LF in a header field"
        if line[0] in " \t":
            # RFC 9112 §5.2: obs-fold is rejected with 400 (we do not unfold it).
            return "obsolete line folding (obs-fold) is not allowed"
        name, colon, _ = line.partition(":")
        if not colon:
            return f"header line without a colon: {line[:40]!r}"
        if name != name.rstrip(" \t"):
            # RFC 9112 §5.1: "No whitespace is allowed between the field name and colon."
            return "whitespace between header name and colon"
        if not _abnf.token.fullmatch(name):
            return f"invalid header name {name[:40]!r}"
        if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in line):
            return f"control character in the value of header {name[:40]!r}"
    return "malformed header block"


def parse_fields(block: str, max_count: int) -> Headers:
    """Parse field lines (each ending in CRLF) of a block that passed ``ctl_free``."""
    if not block:
        return Headers._trusted([], {})
    lines = block.split("\r\n")
    lines.pop()  # the block ends with CRLF
    if len(lines) > max_count:
        raise ProtocolError(f"more than {max_count} header fields", 431)
    items: list[tuple[str, str]] = []
    index: dict[str, str] = {}
    names = _NAMES
    for line in lines:
        name, colon, value = line.partition(":")
        key = names.get(name)
        if key is None:
            if not colon or not _abnf.token.fullmatch(name):
                raise ProtocolError(_fault(block), 400)
            key = name.lower()
            if len(names) < _NAMES_MAX:
                names[name] = key
        value = value.strip(" \t")
        items.append((name, value))
        if key in index:
            index[key] = f"{index[key]}, {value}"
        else:
            index[key] = value
    return Headers._trusted(items, index)


def parse_request_line(line: str, limits: Limits) -> tuple[str, str, str]:
    """Return (method, target, version) or raise ``ProtocolError``."""
    if len(line) > limits.max_request_line:
        raise ProtocolError("request line too long", 414)
    parts = line.split(" ")
    if len(parts) == 3:
        method, target, version = parts
        known = _VERSIONS.get(version)
        # The target must be visible ASCII: isprintable() excludes CTLs, DEL and (after
        # split on SP) whitespace; isascii() excludes raw obs-text bytes.
        if (
            known is not None
            and (method in _METHODS or _abnf.token.fullmatch(method))
            and target.isprintable()
            and target.isascii()
            and target
        ):
            return method, target, known
    match = _abnf.request_line.fullmatch(line)
    if match is None:
        if "\r" in line or "\n" in line:
            raise ProtocolError("bare CR or LF in the request line", 400)
        raise ProtocolError(f"malformed request line: {line[:60]!r}", 400)
    method, target, major, minor = match.groups()
    if major != "1":
        raise ProtocolError(f"HTTP version {major}.{minor} not supported", 505)
    # RFC 9110 §2.5: a higher minor version is answered as the highest we speak (1.1).
    return method, target, "1.0" if minor == "0" else "1.1"


def parse_status_line(line: str) -> tuple[str, int, str]:
    """Return (version, status code, reason) or raise ``ProtocolError``."""
    match = _abnf.status_line.fullmatch(line)
    if match is None:
        raise ProtocolError(f"malformed status line: {line[:60]!r}", 400)
    major, minor, code, reason = match.groups()
    if major != "1":
        raise ProtocolError(f"HTTP version {major}.{minor} not supported", 505)
    return f"1.{minor}", int(code), reason or ""
