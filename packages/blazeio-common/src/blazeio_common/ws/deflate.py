"""permessage-deflate at run time (RFC 7692 §7.2): one compressor, one decompressor.

Sending: each frame's data is compressed and flushed with Z_SYNC_FLUSH, which ends the
output with the empty stored block ``00 00 ff ff``; on the last frame of a message those
four bytes are removed -- "Remove 4 octets (that are 0x00 0x00 0xff 0xff) from the tail end"
(§7.2.1). Receiving: the payloads of a message are inflated as they arrive, and after the
last one the four octets are appended back (§7.2.2).

"no context takeover" for a side means its compressor starts every message with an empty
window, so the peer's decompressor is reset at the start of every message too.

The inflated size is bounded while inflating: ``inflate`` returns at most ``limit`` bytes
and keeps the rest of its input pending (zlib's ``max_length``), so a compression bomb
costs at most the limit before the caller stops it.
"""

from __future__ import annotations

import zlib

from blazeio_common.ws.negotiation import DeflateParameters

__all__ = ["MessageDeflater", "MessageInflater", "deflaters_for"]

_TAIL = b"\x00\x00\xff\xff"


class MessageDeflater:
    """Compresses outgoing messages frame by frame."""

    __slots__ = ("_compressor", "_level", "_mem_level", "_no_context_takeover", "_wbits")

    def __init__(self, window_bits: int, no_context_takeover: bool, level: int = 6, mem_level: int = 8) -> None:
        # zlib refuses a raw window of 8 bits; 9 never reaches past 256 bytes (see negotiation).
        self._wbits = -max(window_bits, 9)
        self._level = level
        self._mem_level = mem_level
        self._no_context_takeover = no_context_takeover
        self._compressor = self._new()

    def _new(self) -> zlib._Compress:
        return zlib.compressobj(self._level, zlib.DEFLATED, self._wbits, self._mem_level)

    def compress(self, data: bytes, final: bool) -> bytes:
        """The payload of one frame of a compressed message; ``final`` for its last frame."""
        compressor = self._compressor
        out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
        if final:
            if out.endswith(_TAIL):
                out = out[:-4]
            if self._no_context_takeover:
                self._compressor = self._new()
        return out


class MessageInflater:
    """Inflates incoming compressed messages with a bound on each call's output."""

    __slots__ = ("_decompressor", "_full", "_no_context_takeover", "_wbits")

    def __init__(self, window_bits: int, no_context_takeover: bool) -> None:
        self._wbits = -window_bits
        self._no_context_takeover = no_context_takeover
        self._decompressor = zlib.decompressobj(self._wbits)
        self._full = False

    def start_message(self) -> None:
        """Called before the first frame of each compressed message."""
        # A stream that ended with a final block (BFINAL) cannot continue: start afresh too.
        if self._no_context_takeover or self._decompressor.eof:
            self._decompressor = zlib.decompressobj(self._wbits)

    def inflate(self, data: bytes, final: bool, limit: int) -> bytes:
        """Inflate one frame's payload (``final``: the message's last); at most ``limit`` bytes out.

        ``limit`` 0 means no limit. Raises ``zlib.error`` on corrupt data.
        """
        if final:
            data += _TAIL
        out = self._decompressor.decompress(data, limit)
        self._full = 0 < limit == len(out)
        return out

    @property
    def pending(self) -> bool:
        """Whether the last call stopped at its limit, so more output may be waiting."""
        return self._full

    def more(self, limit: int) -> bytes:
        """The next output (at most ``limit`` bytes) of input already given to ``inflate``."""
        decompressor = self._decompressor
        out = decompressor.decompress(decompressor.unconsumed_tail, limit)
        self._full = 0 < limit == len(out)
        return out


def deflaters_for(params: DeflateParameters, role: str) -> tuple[MessageDeflater, MessageInflater]:
    """Our compressor and decompressor for ``role`` ("server" or "client")."""
    server = (params.server_max_window_bits, params.server_no_context_takeover)
    client = (params.client_max_window_bits, params.client_no_context_takeover)
    local, remote = (server, client) if role == "server" else (client, server)
    return MessageDeflater(*local, params.level, params.mem_level), MessageInflater(*remote)
