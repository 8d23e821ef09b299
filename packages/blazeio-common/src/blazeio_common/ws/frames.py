"""Frame layout (RFC 6455 §5.2): opcodes and the serialiser for outgoing frames.

Parsing lives with the connection state (``receive``), because whether a frame is valid
depends on what came before it.

::

    byte 0: FIN RSV1 RSV2 RSV3 opcode(4)      byte 1: MASK length(7)
    length 126: a 16-bit length follows;      length 127: a 64-bit length follows
    then the 4-byte masking key if MASK, then the payload
"""

from __future__ import annotations

import struct

from blazeio_common.ws.mask import mask

__all__ = [
    "CONTROL_OPCODES",
    "DATA_OPCODES",
    "OP_BINARY",
    "OP_CLOSE",
    "OP_CONTINUATION",
    "OP_PING",
    "OP_PONG",
    "OP_TEXT",
    "build_frame",
]

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA
DATA_OPCODES = frozenset((OP_CONTINUATION, OP_TEXT, OP_BINARY))
CONTROL_OPCODES = frozenset((OP_CLOSE, OP_PING, OP_PONG))

_HEAD16 = struct.Struct("!BBH")
_HEAD64 = struct.Struct("!BBQ")


def build_frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False, mask_key: bytes | None = None
) -> bytes:
    """One frame's bytes. ``mask_key`` (4 bytes) masks the payload, as a client must.

    Lengths use the minimal encoding: "the minimal number of bytes MUST be used to encode
    the length" (RFC 6455 §5.2).
    """
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    masked = 0x80 if mask_key is not None else 0
    n = len(payload)
    if n < 126:
        head = bytes((first, masked | n))
    elif n < 0x10000:
        head = _HEAD16.pack(first, masked | 126, n)
    else:
        head = _HEAD64.pack(first, masked | 127, n)
    if mask_key is None:
        return head + payload
    return head + mask_key + mask(payload, mask_key)
