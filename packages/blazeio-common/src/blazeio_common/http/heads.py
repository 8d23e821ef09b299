"""Parsing request and response heads (RFC 9112 §2-§5), strictly.

Strategy: the receiver cuts one complete head (start line through the empty line) and
checks and splits it with C calls (``split_head``): latin-1 decoding (one character per
byte), a split on CRLF, and a translate that deletes control characters (only the CRLFs
may go). No regex runs on the fast path except for a field line not seen twice before
or an unusual method; the slow path that names the exact fault runs only for bad input.

Rejected with 400: bare CR or LF, obs-fold, whitespace before the colon, a bad name or
CTL in a value, a malformed start line; 431 for too many fields; 505 for HTTP/2+ in a
request line.
"""

from __future__ import annotations

from blazeio_common.errors import ProtocolError
from blazeio_common.http import _abnf
from blazeio_common.http.bounded import remember
from blazeio_common.http.headers import Headers
from blazeio_common.http.limits import Limits

__all__ = ["head_fault", "split_head", "parse_fields", "parse_request_line", "parse_status_line"]

# Every byte a head may hold only as part of a CRLF pair, or not at all: the CTLs but HTAB.
_CTL_BUT_HTAB = bytes(c for c in range(256) if (c < 32 and c != 9) or c == 127)
# Validated field lines -> ((name, value), lower-case name, value). Clients repeat most of
# their lines on every request (Host, User-Agent, Accept-*), so a line seen before costs
# one dict lookup instead of a partition, a strip and a name check. Bounded in entries
# and line length, and emptied when full, so junk lines cannot grow it. A line enters it
# on its second sighting: until then it is only a string in _SEEN, which the garbage
# collector does not track, so lines that never repeat (request ids, timestamps) neither
# push out the lines that do nor leave tuples behind for the collector to walk.
_LINES: dict[str, tuple[tuple[str, str], str, str]] = {}
_LINES_MAX = 4096
_SEEN: set[str] = set()
_SEEN_MAX = 4096
_LINE_CACHEABLE = 256
# Valid field names -> their lower case. A line that is new (a request id, a cookie) almost
# always has a name seen before, so its name costs a lookup instead of a regex match.
_NAMES: dict[str, str] = {}
_NAMES_MAX = 1024
# Valid request lines -> (method, target, version): a client asks the same few URLs while
# other lines of its heads change (request ids, cookies). Bounded like _LINES.
_REQUEST_LINES: dict[str, tuple[str, str, str]] = {}
_REQUEST_LINES_MAX = 4096
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"})
_VERSIONS = {"HTTP/1.1": "1.1", "HTTP/1.0": "1.0"}


def split_head(raw: bytes | bytearray) -> list[str] | None:
    """Split a head (ending in an empty line) into lines; ``None`` if it holds a stray CTL.

    The last two items are the empty strings after the final CRLFs. RFC 9112 §2.2 forbids
    a bare CR; RFC 9110 §5.5 forbids CR, LF and NUL in values, and we reject the other CTLs
    too. All C calls: the split consumes two bytes per CRLF, so the head is clean exactly
    when deleting every CTL but HTAB removes those bytes and no others.
    """
    text = raw.decode("latin-1")
    lines = text.split("\r\n")
    if len(raw) - len(raw.translate(None, _CTL_BUT_HTAB)) != 2 * (len(lines) - 1):
        return None
    return lines


def head_fault(raw: bytes | bytearray, *, start_line: bool = True) -> str:
    """Name what is wrong with a head that failed ``split_head`` (slow path)."""
    lines = raw.decode("latin-1").split("\r\n")
    if start_line:
        line = lines.pop(0)
        if "\r" in line or "\n" in line:
            return "bare CR or LF in the start line"
        if any(ord(c) < 32 or ord(c) == 127 for c in line):
            return "control character in the start line"
    return _fault(lines)


def _fault(lines: list[str]) -> str:
    for line in lines:
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


def _parse_line(line: str, lines: list[str]) -> tuple[tuple[str, str], str, str]:
    name, colon, value = line.partition(":")
    lower = _NAMES.get(name) if colon else None  # "Host" alone is a valid name, not a line
    if lower is None:
        if not colon or not _abnf.token.fullmatch(name):
            raise ProtocolError(_fault(lines), 400)
        lower = remember(_NAMES, name, name.lower(), _NAMES_MAX)
    value = value.strip(" \t")
    parsed = ((name, value), lower, value)
    if len(line) <= _LINE_CACHEABLE:
        if line in _SEEN:
            remember(_LINES, line, parsed, _LINES_MAX)
        else:
            if len(_SEEN) >= _SEEN_MAX:
                _SEEN.clear()
            _SEEN.add(line)
    return parsed


def parse_fields(lines: list[str], max_count: int) -> Headers:
    """Parse field lines (from ``split_head``, CRLFs removed) into ``Headers``."""
    if len(lines) > max_count:
        raise ProtocolError(f"more than {max_count} header fields", 431)
    items: list[tuple[str, str]] = []
    index: dict[str, str] = {}
    append = items.append
    cached = _LINES.get
    for line in lines:
        parsed = cached(line) or _parse_line(line, lines)
        append(parsed[0])
        key = parsed[1]
        if key in index:
            index[key] = f"{index[key]}, {parsed[2]}"
        else:
            index[key] = parsed[2]
    return Headers._trusted(items, index)


def parse_request_line(line: str, limits: Limits) -> tuple[str, str, str]:
    """Return (method, target, version) or raise ``ProtocolError``."""
    if len(line) > limits.max_request_line:
        raise ProtocolError("request line too long", 414)
    parsed = _REQUEST_LINES.get(line)
    if parsed is None:
        parsed = _parse_request_line(line)
        if len(line) <= _LINE_CACHEABLE:
            remember(_REQUEST_LINES, line, parsed, _REQUEST_LINES_MAX)
    return parsed


def _parse_request_line(line: str) -> tuple[str, str, str]:
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
    version = _VERSIONS.get(line[:8])
    code = line[9:12]
    if version is not None and line[8:9] == " " and len(code) == 3 and code.isdigit() and code.isascii():
        # Fast path; CTLs were already excluded by split_head, so any reason text is valid.
        if len(line) == 12:
            return version, int(code), ""
        if line[12] == " ":
            return version, int(code), line[13:]
    match = _abnf.status_line.fullmatch(line)
    if match is None:
        raise ProtocolError(f"malformed status line: {line[:60]!r}", 400)
    major, minor, code, reason = match.groups()
    if major != "1":
        raise ProtocolError(f"HTTP version {major}.{minor} not supported", 505)
    return f"1.{minor}", int(code), reason or ""
