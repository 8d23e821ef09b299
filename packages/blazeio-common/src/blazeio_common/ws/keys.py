"""Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 §4.1, §4.2.2).

The key only proves that the server understood a WebSocket handshake (it is no security
measure), so validation checks its form: base64 that decodes to exactly 16 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable

from blazeio_common.ws.native import compiled

__all__ = ["WEBSOCKET_GUID", "MaskKeys", "PureMaskKeys", "accept_value", "is_valid_key", "make_key"]

# RFC 6455 §1.3: the globally unique identifier every server concatenates with the key.
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def make_key() -> str:
    """A fresh Sec-WebSocket-Key for a client handshake.

    RFC 6455 §4.1: "The nonce MUST be selected randomly for each connection" and is "a
    randomly selected 16-byte value that has been base64-encoded".
    """
    return base64.b64encode(os.urandom(16)).decode("ascii")


def is_valid_key(key: str) -> bool:
    """Whether ``key`` is a well-formed Sec-WebSocket-Key: base64 of exactly 16 bytes.

    RFC 6455 §4.2.1: "A |Sec-WebSocket-Key| header field with a base64-encoded value that,
    when decoded, is 16 bytes in length."
    """
    # 16 bytes always encode to 22 characters and "=="; checked first so that an oversized
    # header value is refused without decoding it.
    if len(key) != 24:
        return False
    try:
        return len(base64.b64decode(key.encode("ascii"), validate=True)) == 16
    except (binascii.Error, UnicodeEncodeError):
        return False


def accept_value(key: str) -> str:
    """The Sec-WebSocket-Accept value that answers ``key`` (RFC 6455 §4.2.2 item 5.4).

    "the base64-encoded SHA-1 of the concatenation of the |Sec-WebSocket-Key| (as a string,
    not base64-decoded) with the string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"".
    """
    digest = hashlib.sha1((key + WEBSOCKET_GUID).encode("ascii"), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


class PureMaskKeys:
    """The masking keys of one client connection: ``keys()`` is a fresh 4-byte key per frame.

    RFC 6455 §5.3: "The masking key needs to be unpredictable; thus, the masking key MUST be
    derived from a strong source of entropy, and the masking key for a given frame MUST NOT
    make it simple for a server or other third party to predict the masking key for a
    subsequent frame." Every key is its own four bytes of ``os.urandom``; they are only
    fetched 64 at a time, for speed: one system call per 64 frames instead of one per frame.
    ``MaskKeys`` is its compiled twin where it was built (``native_frames.pyx``).
    """

    __slots__ = ("_at", "_pool")

    def __init__(self) -> None:
        self._pool = b""
        self._at = 0

    def __call__(self) -> bytes:
        at = self._at
        if at >= len(self._pool):
            self._pool, at = os.urandom(256), 0
        self._at = at + 4
        return self._pool[at : at + 4]


_compiled: Callable[[], Callable[[], bytes]] | None = compiled("MaskKeys")
MaskKeys: Callable[[], Callable[[], bytes]] = PureMaskKeys if _compiled is None else _compiled
