"""Close frames (RFC 6455 §5.5.1, §7.4): status codes, and the payload both ways.

A received close payload is empty (no code: reported as 1005), or a 2-byte code followed by a
UTF-8 reason. Which codes may appear on the wire is a fixed table: RFC 6455 §7.4.1 defines
1000-1011 (1004 reserved, 1005/1006 never sent), IANA registered 1012-1014, 1015 is for TLS
failures reported locally, 3000-4999 belong to libraries and applications. Everything else
(0-999, 1016-2999, 5000+) "MUST NOT" be used and fails the connection with 1002.
"""

from __future__ import annotations

from blazeio_common.errors import LocalProtocolError

__all__ = [
    "ABNORMAL_CLOSURE",
    "GOING_AWAY",
    "INTERNAL_ERROR",
    "INVALID_DATA",
    "MESSAGE_TOO_BIG",
    "NORMAL_CLOSURE",
    "NO_STATUS_RECEIVED",
    "POLICY_VIOLATION",
    "PROTOCOL_ERROR",
    "build_close_payload",
    "is_sendable_close_code",
]

NORMAL_CLOSURE = 1000
GOING_AWAY = 1001
PROTOCOL_ERROR = 1002
UNSUPPORTED_DATA = 1003
NO_STATUS_RECEIVED = 1005  # reported when a close frame carried no code; never on the wire
ABNORMAL_CLOSURE = 1006  # the connection ended without a close frame; never on the wire
INVALID_DATA = 1007
POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009
MANDATORY_EXTENSION = 1010
INTERNAL_ERROR = 1011

# 1000-1003, 1007-1011 (RFC 6455 §7.4.1) and 1012-1014 (IANA: service restart, try again
# later, bad gateway).
_DEFINED = frozenset((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014))
MAX_REASON_BYTES = 123  # "All control frames MUST have a payload length of 125 bytes or less", 2 for the code


def is_sendable_close_code(code: int) -> bool:
    """Whether ``code`` may appear in a close frame (either direction)."""
    return code in _DEFINED or 3000 <= code <= 4999


def build_close_payload(code: int = NORMAL_CLOSURE, reason: str = "") -> bytes:
    """The payload of a close frame we send. ``code=1005`` sends no code (and no reason).

    Answering a close that carried no code with ``build_close_payload(1005)`` echoes it
    faithfully: 1005 itself "MUST NOT be set as a status code in a Close control frame".
    """
    if code == NO_STATUS_RECEIVED:
        if reason:
            raise LocalProtocolError("a close frame without a code cannot carry a reason")
        return b""
    if not is_sendable_close_code(code):
        raise LocalProtocolError(f"close code {code} may not be sent (use 1000-1003, 1007-1014 or 3000-4999)")
    data = reason.encode("utf-8")
    if len(data) > MAX_REASON_BYTES:
        raise LocalProtocolError(f"a close reason is at most {MAX_REASON_BYTES} bytes of UTF-8, got {len(data)}")
    return code.to_bytes(2, "big") + data
