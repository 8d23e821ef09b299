"""The receiving half of a connection: bytes in, events out (RFC 6455 §5, §7; RFC 7692 §6).

Strategy: a frame header is read once it is complete; a data frame's payload is taken as
it arrives -- unmasked at its offset, inflated, checked as UTF-8 -- so a violation is found
at the byte that causes it (an invalid UTF-8 sequence fails mid-frame, not at the end of the
message) and nothing waits for a whole frame. Control frames (at most 125 bytes) are taken
whole. Without streaming the pieces of a message are joined into one event; with streaming
each piece is an event of its own, and compressed input is inflated ``STREAM_PIECE`` bytes
at a time, so no message, however large or compressible, is held in memory.

Invariants: after a ``CloseReceived`` or a ``ProtocolViolation`` nothing more is parsed;
every limit is checked before the bytes it limits are kept (a frame length against the
limits as soon as the header is read; inflated output by zlib's ``max_length``).
"""

from __future__ import annotations

import codecs
import zlib

from blazeio_common.ws.close import INVALID_DATA, MESSAGE_TOO_BIG, NO_STATUS_RECEIVED, PROTOCOL_ERROR
from blazeio_common.ws.close import is_sendable_close_code as _sendable
from blazeio_common.ws.deflate import MessageInflater
from blazeio_common.ws.events import BytesMessage, CloseReceived, Event, Ping, Pong, ProtocolViolation, TextMessage
from blazeio_common.ws.frames import OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT
from blazeio_common.ws.mask import mask
from blazeio_common.ws.small import read_message

__all__ = ["STREAM_PIECE", "MessageReader"]

STREAM_PIECE = 64 * 1024  # the most inflated bytes one streamed piece carries
_Utf8Decoder = codecs.getincrementaldecoder("utf-8")


def _violation(code: int, reason: str) -> ProtocolViolation:
    return ProtocolViolation(code, reason)


def _surrogate_pending(decoder: codecs.IncrementalDecoder) -> bool:
    """Whether the decoder holds ``ED A0..BF``: the start of a UTF-16 surrogate, never valid.

    CPython's decoder reports every other impossible prefix at once but waits for a third
    byte here; RFC 6455 §8.1 wants the failure now (Autobahn 6.4 "fail fast").
    """
    pending = decoder.getstate()[0]
    return len(pending) >= 2 and pending[0] == 0xED and pending[1] >= 0xA0


class MessageReader:
    """Parses one direction of a connection. ``masked``: frames must be masked (we are the server)."""

    __slots__ = (
        "_buf",
        "_compressed",
        "_decoder",
        "_done",
        "_drain_final",
        "_draining",
        "_fin",
        "_head",
        "_in_frame",
        "_inflater",
        "_key",
        "_mask_bit",
        "_masked",
        "_max_frame",
        "_max_message",
        "_message",
        "_offset",
        "_opcode",
        "_parts",
        "_pending",
        "_remaining",
        "_size",
        "_small",
        "_stream",
    )

    def __init__(
        self,
        masked: bool,
        inflater: MessageInflater | None,
        max_message_size: int | None,
        max_frame_size: int | None,
        stream: bool,
    ) -> None:
        self._buf = bytearray()
        self._masked = masked
        self._inflater = inflater
        self._max_message = max_message_size
        self._max_frame = max_frame_size
        self._stream = stream
        # The largest frame the fast paths (take_message, next_event) take: within every limit.
        self._small = min([0xFFFF, *(limit for limit in (max_message_size, max_frame_size) if limit is not None)])
        self._mask_bit = 0x80 if masked else 0
        self._head = 6 if masked else 2  # a frame header with a 7-bit length, the masking key included
        self._done = False
        # the frame being read
        self._in_frame = False
        self._fin = True
        self._opcode = 0
        self._key: bytes | None = None
        self._remaining = 0
        self._offset = 0
        # the message being read: _message is 0 between messages, else OP_TEXT / OP_BINARY
        self._message = 0
        self._compressed = False
        self._size = 0
        self._parts: list[bytes] | list[str] = []
        self._decoder: codecs.IncrementalDecoder | None = None
        self._draining = False
        self._drain_final = False
        # An event made from a read's payload before it reached the buffer (take_message).
        self._pending: Event | None = None

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        if not self._done:
            self._buf += data

    def take_message(self, data: bytes | bytearray | memoryview) -> str | bytes | None:
        """``feed(data)``, with a fast path: when nothing is buffered and ``data`` is exactly one
        whole message -- a single unfragmented, uncompressed text or binary frame of at most
        64 KiB within the limits -- its message (``str`` or ``bytes``) is returned and nothing
        is kept. Otherwise ``None``, and ``next_event()`` has what the bytes complete.

        For speed (most reads of chat and RPC traffic are one small message): no buffer copy,
        no event object. The checks are those of the general path; anything else (a control
        frame, a fault, invalid UTF-8) is left to it.
        """
        if self._buf or self._in_frame or self._message or self._done or self._pending or type(data) is not bytes:
            if (
                self._in_frame
                and not self._buf
                and self._opcode < OP_CLOSE
                and not self._done
                and not self._draining
                and self._pending is None
            ):
                self._payload_from(data)
            else:
                self.feed(data)
            return None
        message = read_message(data, self._mask_bit, self._small)
        if message is None:
            self._buf += data
        return message

    def _payload_from(self, data: bytes | bytearray | memoryview) -> None:
        """A read that continues the current data frame's payload, nothing buffered before it:
        the payload is taken from ``data`` itself, for speed -- a large message is then copied
        once (unmasking or joining) instead of once more into the buffer -- the rest buffered.
        What the payload completes is ``_pending``, the first thing ``next_event`` returns."""
        n = min(len(data), self._remaining)
        key = self._key
        if n == len(data):
            chunk = bytes(data) if key is None else mask(data, key, self._offset)
        else:
            with memoryview(data) as view:
                chunk = view[:n].tobytes() if key is None else mask(view[:n], key, self._offset)
        self._remaining -= n
        self._offset += n
        event = self._data(chunk)
        if event is not None and type(event) is ProtocolViolation:
            self._pending = self._fail(event)
            return
        self._pending = event
        if n < len(data):
            self._buf += memoryview(data)[n:]

    def next_event(self) -> Event | None:
        """The next event, or ``None`` when more bytes are needed (or after the end)."""
        pending = self._pending
        if pending is not None:
            self._pending = None
            return pending
        if self._done:
            return None
        buf = self._buf
        if not self._in_frame and not self._message and len(buf) >= 2:
            # Fast path, for speed: a whole unfragmented, uncompressed text or binary frame of
            # at most 64 KiB at the front of the buffer (most chat and RPC traffic) becomes
            # its event here, without the general machinery below. Same checks, same result.
            first = buf[0]
            if first in (0x81, 0x82):
                length, head = buf[1] - self._mask_bit, self._head
                if length >= 126:
                    if length == 126 and len(buf) >= head + 2:
                        length, head = (buf[2] << 8) | buf[3], head + 2
                    else:
                        length = -1
                end = head + length
                if 0 <= length <= self._small and len(buf) >= end:
                    payload = mask(buf[head:end], bytes(buf[head - 4 : head])) if self._masked else bytes(buf[head:end])
                    del buf[:end]
                    if first == 0x82:
                        return BytesMessage(payload)
                    try:
                        return TextMessage(payload.decode("utf-8"))
                    except UnicodeDecodeError:
                        return self._fail(_violation(INVALID_DATA, "invalid UTF-8 in a text message"))
        while True:
            if self._draining:
                event = self._drain()
            elif not self._in_frame:
                started = self._read_header()
                if started is not True:
                    return None if started is False else self._fail(started)
                continue
            elif self._opcode >= OP_CLOSE:
                if len(self._buf) < self._remaining:
                    return None
                event = self._control(self._take(self._remaining))
            elif self._remaining and not self._buf:
                return None
            else:
                event = self._data(self._take(min(len(self._buf), self._remaining)))
            if event is not None:
                if type(event) is ProtocolViolation:
                    return self._fail(event)
                return event

    def _fail(self, violation: ProtocolViolation) -> ProtocolViolation:
        self._done = True
        self._buf.clear()
        return violation

    def _read_header(self) -> ProtocolViolation | bool:
        """Read a frame header: ``True`` when a frame starts, ``False`` until its bytes are in."""
        buf = self._buf
        if len(buf) < 2:
            return False
        first, second = buf[0], buf[1]
        fin, opcode, length = first & 0x80, first & 0x0F, second & 0x7F
        # Faults visible in the first two bytes are reported before waiting for the rest.
        if opcode >= OP_CLOSE:
            if opcode > OP_PONG:
                return _violation(PROTOCOL_ERROR, f"unknown opcode {opcode}")
            if first & 0x70:
                # RFC 7692 §6.1: RSV1 is about messages; "An endpoint MUST NOT set the "Per-
                # Message Compressed" bit of control frames".
                return _violation(PROTOCOL_ERROR, "reserved bits set on a control frame")
            if not fin:
                return _violation(PROTOCOL_ERROR, "control frames MUST NOT be fragmented")
            if length > 125:
                return _violation(PROTOCOL_ERROR, "control frames MUST have a payload length of 125 bytes or less")
        else:
            if opcode > OP_BINARY:
                return _violation(PROTOCOL_ERROR, f"unknown opcode {opcode}")
            # RFC 6455 §5.2: "If a nonzero value is received and none of the negotiated
            # extensions defines the meaning of such a nonzero value, the receiving endpoint
            # MUST _Fail the WebSocket Connection_."
            if first & 0x30:
                return _violation(PROTOCOL_ERROR, "RSV2/RSV3 set without an extension that defines them")
            if first & 0x40 and (self._inflater is None or opcode == OP_CONTINUATION):
                return _violation(PROTOCOL_ERROR, "RSV1 set without permessage-deflate, or on a continuation")
            if opcode == OP_CONTINUATION and not self._message:
                return _violation(PROTOCOL_ERROR, "a continuation frame with no message to continue")
            if opcode != OP_CONTINUATION and self._message:
                return _violation(PROTOCOL_ERROR, "a new data frame before the fragmented message ended")
        # RFC 6455 §5.1: "a server MUST close the connection upon receiving a frame that is
        # not masked" and "A client MUST close a connection if it detects a masked frame".
        masked = second & 0x80
        if bool(masked) is not self._masked:
            return _violation(
                PROTOCOL_ERROR, "a masked frame from the server" if masked else "an unmasked client frame"
            )
        size = (2, 4, 10)[(length >= 126) + (length == 127)] + (4 if masked else 0)
        if len(buf) < size:
            return False
        if length == 126:
            length = int.from_bytes(buf[2:4], "big")
        elif length == 127:
            # Non-minimal encodings are accepted (as most peers do); the top bit is not:
            # "the most significant bit MUST be 0".
            length = int.from_bytes(buf[2:10], "big")
            if length >> 63:
                return _violation(PROTOCOL_ERROR, "a 64-bit payload length with the most significant bit set")
        self._key = bytes(buf[size - 4 : size]) if masked else None
        del buf[:size]
        if opcode < OP_CLOSE:
            fault = self._start_data_frame(opcode, bool(first & 0x40), length)
            if fault is not None:
                return fault
        self._in_frame, self._fin, self._opcode = True, bool(fin), opcode
        self._remaining, self._offset = length, 0
        return True

    def _start_data_frame(self, opcode: int, compressed: bool, length: int) -> ProtocolViolation | None:
        if self._max_frame is not None and length > self._max_frame:
            return _violation(MESSAGE_TOO_BIG, f"a frame of {length} bytes is over the limit of {self._max_frame}")
        if opcode != OP_CONTINUATION:
            self._message, self._compressed, self._size = opcode, compressed, 0
            if compressed:
                assert self._inflater is not None
                self._inflater.start_message()
        if not self._compressed:
            self._size += length
            if self._max_message is not None and self._size > self._max_message:
                return _violation(MESSAGE_TOO_BIG, f"a message over the limit of {self._max_message} bytes")
        return None

    def _take(self, n: int) -> bytes:
        """The next ``n`` payload bytes of the current frame, unmasked."""
        buf, key = self._buf, self._key
        with memoryview(buf) as view:
            chunk = view[:n].tobytes() if key is None else mask(view[:n], key, self._offset)
        del buf[:n]
        self._remaining -= n
        self._offset += n
        return chunk

    def _control(self, payload: bytes) -> Event:
        self._in_frame = False
        if self._opcode == OP_PING:
            return Ping(payload)
        if self._opcode == OP_PONG:
            return Pong(payload)
        self._done = True
        if not payload:
            return CloseReceived(NO_STATUS_RECEIVED)
        # RFC 6455 §5.5.1: "If there is a body, the first two bytes of the body MUST be a
        # 2-byte unsigned integer".
        if len(payload) == 1:
            return _violation(PROTOCOL_ERROR, "a close payload of one byte")
        code = int.from_bytes(payload[:2], "big")
        if not _sendable(code):
            return _violation(PROTOCOL_ERROR, f"invalid close code {code}")
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            return _violation(INVALID_DATA, "a close reason that is not UTF-8")
        return CloseReceived(code, reason)

    def _limit(self) -> int:
        """zlib's ``max_length`` for the next inflate: one byte past the budget detects overflow."""
        if self._max_message is None:
            return STREAM_PIECE if self._stream else 0
        budget = self._max_message - self._size + 1
        return min(budget, STREAM_PIECE) if self._stream else budget

    def _data(self, chunk: bytes) -> Event | None:
        final = not self._remaining and self._fin
        if not self._remaining:
            self._in_frame = False
        if not self._compressed:
            return self._piece(chunk, final)
        assert self._inflater is not None
        try:
            data = self._inflater.inflate(chunk, final, self._limit())
        except zlib.error:
            return _violation(INVALID_DATA, "corrupt compressed data")
        if self._inflater.pending and self._stream:
            self._draining, self._drain_final = True, final
            final = False
        return self._count(data) or self._piece(data, final)

    def _drain(self) -> Event | None:
        inflater = self._inflater
        assert inflater is not None
        try:
            data = inflater.more(self._limit())
        except zlib.error:
            return _violation(INVALID_DATA, "corrupt compressed data")
        final = False
        if not inflater.pending:
            self._draining = False
            final = self._drain_final
        return self._count(data) or self._piece(data, final)

    def _count(self, data: bytes) -> ProtocolViolation | None:
        self._size += len(data)
        if self._max_message is not None and self._size > self._max_message:
            return _violation(MESSAGE_TOO_BIG, f"a message that inflates past the limit of {self._max_message} bytes")
        return None

    def _piece(self, data: bytes, final: bool) -> Event | None:
        """Turn the next bytes of the message into an event (streaming, or at its end), or keep them."""
        event: Event | None = None
        if self._message == OP_TEXT:
            decoder = self._decoder
            try:
                if decoder is None and final:
                    text = data.decode("utf-8")  # the whole message at once: the common case
                else:
                    if decoder is None:
                        decoder = self._decoder = _Utf8Decoder()
                    text = decoder.decode(data, final)
                    if not final and _surrogate_pending(decoder):
                        raise UnicodeDecodeError("utf-8", data, 0, 1, "surrogate")
            except UnicodeDecodeError:
                return _violation(INVALID_DATA, "invalid UTF-8 in a text message")
            if self._stream:
                if text or final:
                    event = TextMessage(text, final)
            else:
                parts: list[str] = self._parts  # type: ignore[assignment]
                if final:
                    event = TextMessage("".join((*parts, text)) if parts else text)
                elif text:
                    parts.append(text)
        elif self._stream:
            if data or final:
                event = BytesMessage(data, final)
        else:
            chunks: list[bytes] = self._parts  # type: ignore[assignment]
            if final:
                event = BytesMessage(b"".join((*chunks, data)) if chunks else data)
            elif data:
                chunks.append(data)
        if final:
            self._message, self._parts, self._decoder = 0, [], None
        return event
