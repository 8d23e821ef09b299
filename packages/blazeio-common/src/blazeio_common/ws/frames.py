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
from typing import Protocol

from blazeio_common.ws.mask import mask
from blazeio_common.ws.native import compiled

__all__ = [
    "CONTROL_OPCODES",
    "SMALL_HEADS",
    "DATA_OPCODES",
    "OP_BINARY",
    "OP_CLOSE",
    "OP_CONTINUATION",
    "OP_PING",
    "OP_PONG",
    "OP_TEXT",
    "build_frame",
    "frame_parts",
    "masked_frame",
    "message_frame",
    "pure_masked_frame",
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
# For speed: the two header bytes of every whole (FIN), uncompressed text or binary frame of
# up to 125 bytes, built once; most messages are that small. [masked][opcode][length].
SMALL_HEADS = [
    [[bytes((0x80 | opcode, masked | n)) for n in range(126)] if opcode else [] for opcode in range(3)]
    for masked in (0, 0x80)
]


def _head(first: int, masked: int, n: int) -> bytes:
    # "the minimal number of bytes MUST be used to encode the length" (RFC 6455 §5.2).
    if n < 126:
        return bytes((first, masked | n))
    if n < 0x10000:
        return _HEAD16.pack(first, masked | 126, n)
    return _HEAD64.pack(first, masked | 127, n)


def frame_parts(
    opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False, mask_key: bytes | None = None
) -> tuple[bytes, bytes]:
    """One frame as its header (with the masking key, if any) and its payload (masked with it).

    Written as two pieces (two writes) a large payload is never copied to
    join its header. ``mask_key`` (4 bytes) masks the payload, as a client must.
    """
    head = _head((0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode, 0 if mask_key is None else 0x80, len(payload))
    if mask_key is None:
        return head, payload
    return head + mask_key, mask(payload, mask_key)


def build_frame(
    opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False, mask_key: bytes | None = None
) -> bytes:
    """One frame's bytes (``frame_parts`` joined)."""
    head, body = frame_parts(opcode, payload, fin=fin, rsv1=rsv1, mask_key=mask_key)
    return head + body


def pure_masked_frame(opcode: int, payload: bytes, key: bytes) -> bytes:
    """``build_frame`` for a whole uncompressed message masked with ``key``, as a client sends it."""
    n = len(payload)
    head = SMALL_HEADS[1][opcode][n] if n < 126 and 0 < opcode < 3 else _head(0x80 | opcode, 0x80, n)
    return b"".join((head, key, mask(payload, key)))


class MaskedFrame(Protocol):
    """``pure_masked_frame``'s signature, which the compiled one shares."""

    def __call__(self, opcode: int, payload: bytes, key: bytes, /) -> bytes: ...


# The compiled twin (native_frames.pyx) writes header, key and masked payload in one C call.
_compiled: MaskedFrame | None = compiled("masked_frame")
masked_frame: MaskedFrame = pure_masked_frame if _compiled is None else _compiled


def message_frame(opcode: int, payload: bytes, mask_key: bytes | None) -> bytes:
    """``build_frame`` for a whole uncompressed ``OP_TEXT`` or ``OP_BINARY`` message, for speed:
    a small one's header comes from a table, a masked one is ``masked_frame``."""
    if mask_key is not None:
        return masked_frame(opcode, payload, mask_key)
    if len(payload) < 126:
        return SMALL_HEADS[0][opcode][len(payload)] + payload
    head, body = frame_parts(opcode, payload)
    return head + body
