"""How long is the body? RFC 9112 §6.1-§6.3 for requests and responses.

Choices, stated once:
- A request with both Transfer-Encoding and Content-Length is rejected (400): it is the
  classic smuggling vector and no honest client sends it. In a *response* the RFC rule
  applies: Transfer-Encoding wins and the connection is not reused (§6.3 item 3).
- Transfer-Encoding must be exactly ``chunked`` (case-insensitive). Any other coding is
  answered 501; ``chunked`` applied twice, or not last, is a 400 (§6.3 item 4).
- Transfer-Encoding in an HTTP/1.0 message is treated as faulty framing (400) (§6.1).
- Content-Length is ``1*DIGIT``; a list of identical values is accepted as one value,
  anything else (``+5``, ``0x5``, ``1_0``, ``5, 6``) is a 400 (RFC 9110 §8.6).
"""

from __future__ import annotations

from blazeio_common.errors import ProtocolError
from blazeio_common.http import _abnf
from blazeio_common.http.headers import Headers

__all__ = [
    "CHUNKED",
    "CONTENT_LENGTH",
    "NO_BODY",
    "UNTIL_CLOSE",
    "check_transfer_encoding",
    "keeps_alive",
    "parse_content_length",
    "response_framing",
]

CONTENT_LENGTH = "content-length"
CHUNKED = "chunked"
UNTIL_CLOSE = "until-close"
NO_BODY = "no-body"

_MAX_LENGTH_DIGITS = 19  # fits in a signed 64-bit integer; anything longer is nonsense


def parse_content_length(value: str) -> int:
    """Parse a Content-Length value (possibly a list of identical values)."""
    if value.isdigit() and value.isascii() and len(value) <= _MAX_LENGTH_DIGITS:
        return int(value)
    values = {item.strip(" \t") for item in value.split(",")}
    if len(values) != 1:
        raise ProtocolError(f"conflicting Content-Length values: {value[:60]!r}", 400)
    (single,) = values
    if not _abnf.content_length.fullmatch(single) or len(single) > _MAX_LENGTH_DIGITS:
        raise ProtocolError(f"invalid Content-Length: {value[:60]!r}", 400)
    return int(single)


def check_transfer_encoding(value: str, *, request: bool) -> bool:
    """Return True when the message is chunked; raise for codings we cannot frame.

    Returns False only for a response whose final coding is not chunked (read until close).
    """
    codings = [item.strip(" \t").lower() for item in value.split(",")]
    if codings == ["chunked"]:
        return True
    if "chunked" in codings[:-1]:
        raise ProtocolError("chunked must be the final transfer coding, applied once", 400)
    if codings[-1] == "chunked":
        # e.g. "gzip, chunked": framing is clear but we do not implement the other coding.
        raise ProtocolError(f"unsupported transfer coding: {value[:60]!r}", 501)
    if request:
        # RFC 9112 §6.3: a request whose final coding is not chunked has no reliable length.
        if all(_abnf.token.fullmatch(c) for c in codings):
            raise ProtocolError(f"unsupported transfer coding: {value[:60]!r}", 501)
        raise ProtocolError(f"malformed Transfer-Encoding: {value[:60]!r}", 400)
    return False


def response_framing(
    status_code: int, headers: Headers, version: str, request_method: str
) -> tuple[str, int | None, bool]:
    """Return (framing, content length, must close) for a response (RFC 9112 §6.3)."""
    if request_method == "HEAD" or status_code < 200 or status_code in (204, 304):
        return NO_BODY, None, False
    if request_method == "CONNECT" and 200 <= status_code < 300:
        return NO_BODY, None, False
    index = headers._lookup()
    te = index.get("transfer-encoding")
    if te is not None:
        if version == "1.0":
            raise ProtocolError("Transfer-Encoding in an HTTP/1.0 response", 400)
        chunked = check_transfer_encoding(te, request=False)
        # TE overrides CL; a message that had both must not be followed on this connection.
        must_close = "content-length" in index or not chunked
        return (CHUNKED if chunked else UNTIL_CLOSE), None, must_close
    cl = index.get("content-length")
    if cl is not None:
        return CONTENT_LENGTH, parse_content_length(cl), False
    return UNTIL_CLOSE, None, True


def keeps_alive(connection: str | None, version: str) -> bool:
    """Persistence (RFC 9112 §9.3): HTTP/1.1 unless "close"; HTTP/1.0 only with "keep-alive"."""
    if connection is None:
        return version == "1.1"
    tokens = {item.strip(" \t") for item in connection.lower().split(",")}
    return "close" not in tokens and (version == "1.1" or "keep-alive" in tokens)
