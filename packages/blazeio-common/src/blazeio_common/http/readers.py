"""Body readers: one small object per framing, chosen from a table.

``read(buf)`` consumes from the receive buffer and returns ``Data`` (never empty),
``EndOfMessage``, or ``None`` for "need more bytes". ``read_eof()`` is called when the
peer closed: it ends an until-close body and raises ``IncompleteBody`` for a body that
declared a length and did not reach it -- a truncated body is never reported as complete.
"""

from __future__ import annotations

from blazeio_common.errors import IncompleteBody, ProtocolError
from blazeio_common.http import _abnf
from blazeio_common.http.events import Data, EndOfMessage
from blazeio_common.http.heads import head_fault, parse_fields, split_head
from blazeio_common.http.limits import Limits

__all__ = ["BodyReader", "ChunkedReader", "ContentLengthReader", "UntilCloseReader"]

_MAX_CHUNK_HEX = 16  # a 64-bit size; longer hex strings are rejected before int()


def _take(buf: bytearray, count: int) -> bytes:
    if count >= len(buf):
        data = bytes(buf)
        buf.clear()
    else:
        data = bytes(buf[:count])
        del buf[:count]
    return data


class ContentLengthReader:
    """Exactly ``length`` bytes; the next message's bytes are never returned as body."""

    __slots__ = ("remaining",)

    def __init__(self, length: int) -> None:
        self.remaining = length

    def read(self, buf: bytearray) -> Data | EndOfMessage | None:
        if not self.remaining:
            return EndOfMessage()
        if not buf:
            return None
        data = _take(buf, self.remaining)
        self.remaining -= len(data)
        return Data(data)

    def read_eof(self) -> EndOfMessage:
        if self.remaining:
            raise IncompleteBody(f"connection closed with {self.remaining} body bytes still expected")
        return EndOfMessage()


class UntilCloseReader:
    """Everything until the peer closes (responses only)."""

    __slots__ = ()

    def read(self, buf: bytearray) -> Data | EndOfMessage | None:
        return Data(_take(buf, len(buf))) if buf else None

    def read_eof(self) -> EndOfMessage:
        return EndOfMessage()


_SIZE, _DATA, _DATA_CRLF, _TRAILER, _DONE = range(5)


class ChunkedReader:
    """RFC 9112 §7.1 chunked coding with extensions (parsed and ignored) and trailers.

    Chunk data is passed on as it arrives, so a huge chunk never sits in memory whole.
    """

    __slots__ = ("_limits", "_remaining", "_scan", "_state")

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._state = _SIZE
        self._remaining = 0
        self._scan = 0

    def read(self, buf: bytearray) -> Data | EndOfMessage | None:
        while True:
            state = self._state
            if state == _DATA:
                if not buf:
                    return None
                data = _take(buf, self._remaining)
                self._remaining -= len(data)
                if not self._remaining:
                    self._state = _DATA_CRLF
                return Data(data)
            if state == _SIZE:
                if not self._read_size_line(buf):
                    return None
            elif state == _DATA_CRLF:
                if len(buf) < 2:
                    return None
                # chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF: the CRLF is checked.
                if buf[0] != 13 or buf[1] != 10:
                    raise ProtocolError("chunk data not followed by CRLF", 400)
                del buf[:2]
                self._state = _SIZE
            elif state == _TRAILER:
                return self._read_trailers(buf)
            else:
                return EndOfMessage()

    def _read_size_line(self, buf: bytearray) -> bool:
        end = buf.find(b"\r\n")
        limit = self._limits.max_chunk_line
        if end < 0:
            if len(buf) > limit:
                raise ProtocolError("chunk-size line too long", 400)
            return False
        if end > limit:
            raise ProtocolError("chunk-size line too long", 400)
        line = buf[:end].decode("latin-1")
        del buf[: end + 2]
        match = _abnf.chunk_line.fullmatch(line)
        if match is None:
            raise ProtocolError(f"malformed chunk-size line: {line[:40]!r}", 400)
        digits = match.group(1)
        if len(digits.lstrip("0")) > _MAX_CHUNK_HEX:
            raise ProtocolError("chunk size too large", 400)
        size = int(digits, 16)
        if size:
            self._remaining = size
            self._state = _DATA
        else:
            self._state = _TRAILER
        return True

    def _read_trailers(self, buf: bytearray) -> EndOfMessage | None:
        if len(buf) < 2:
            return None
        if buf[0] == 13 and buf[1] == 10:
            del buf[:2]
            self._state = _DONE
            return EndOfMessage()
        end = buf.find(b"\r\n\r\n", self._scan)
        limit = self._limits.max_trailer_bytes
        if end < 0:
            if len(buf) > limit:
                raise ProtocolError("trailer section too large", 431)
            self._scan = max(0, len(buf) - 3)
            return None
        if end + 2 > limit:
            raise ProtocolError("trailer section too large", 431)
        raw = buf[: end + 4]
        del buf[: end + 4]
        lines = split_head(raw)
        if lines is None:
            raise ProtocolError(head_fault(raw, start_line=False), 400)
        del lines[-2:]
        trailers = parse_fields(lines, self._limits.max_trailer_count)
        self._state = _DONE
        return EndOfMessage(trailers)

    def read_eof(self) -> EndOfMessage:
        if self._state != _DONE:
            raise IncompleteBody("connection closed before the last chunk")
        return EndOfMessage()


BodyReader = ContentLengthReader | ChunkedReader | UntilCloseReader
