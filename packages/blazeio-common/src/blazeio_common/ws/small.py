"""The one-read message, for speed: a read that is exactly one small whole frame.

Most reads of chat and RPC traffic are one message in one frame. ``read_message(data,
mask_bit, limit)`` returns its message (``bytes`` for binary, ``str`` for text) when ``data``
is exactly one unfragmented (FIN), uncompressed (no RSV bit) binary or text frame, with a 7-
or 16-bit length of at most ``limit``, masked as this side requires ("a server MUST close the
connection upon receiving a frame that is not masked", "A client MUST close a connection if
it detects a masked frame", RFC 6455 §5.1), text that is valid UTF-8 (§8.1). Anything else is
``None`` and left to the general path (``receive.MessageReader``), which also names every
fault; so this only has to be right about what it accepts.

``pure_read_message`` is the reference; ``read_message`` is the compiled twin
(``native_frames.pyx``: one C call, no slices) where it was built, unless
``BLAZEIO_NO_EXTENSIONS=1`` (``ws.native``).
"""

from __future__ import annotations

from typing import Protocol

from blazeio_common.ws.mask import mask
from blazeio_common.ws.native import compiled

__all__ = ["ReadMessage", "pure_read_message", "read_message"]


def pure_read_message(data: bytes, mask_bit: int, limit: int) -> str | bytes | None:
    """The message when ``data`` is exactly one small whole frame (see the module docstring),
    masked when ``mask_bit`` is 0x80 and not when it is 0; else ``None``."""
    n = len(data)
    first = data[0] if n >= 2 else 0
    if first not in (0x81, 0x82):
        return None
    # A masking bit other than the one this side requires puts the length outside 0..126.
    length, head = data[1] - mask_bit, 6 if mask_bit else 2
    if length >= 126:
        if length != 126 or n < head + 2:
            return None  # a 64-bit length, or the wrong masking bit
        length, head = (data[2] << 8) | data[3], head + 2  # a 16-bit length (minimal or not)
    if length < 0 or length > limit or n != head + length:
        return None
    payload = mask(data[head:], data[head - 4 : head]) if mask_bit else data[head:]
    if first == 0x82:
        return payload
    try:
        return payload.decode()
    except UnicodeDecodeError:
        return None  # the general path fails the connection with 1007


class ReadMessage(Protocol):
    """``pure_read_message``'s signature, which the compiled one shares."""

    def __call__(self, data: bytes, mask_bit: int, limit: int, /) -> str | bytes | None: ...


_compiled: ReadMessage | None = compiled("read_message")
read_message: ReadMessage = pure_read_message if _compiled is None else _compiled
