"""Receivers: bytes in, events out, no I/O.

``RequestReceiver`` is the server side, ``ResponseReceiver`` the client side::

    receiver.feed(data)          # whatever the socket gave
    receiver.feed_eof()          # the peer closed
    event = receiver.next_event()  # Request/Response, Data..., EndOfMessage, or a Wait
    receiver.start_next_cycle()  # after EndOfMessage, to read the next message

Invariants: a head is parsed only when complete; a body never yields bytes of the next
message; after ``EndOfMessage`` the receiver is ``PAUSED`` until told to go on, so bytes of
a pipelined next request wait in the buffer, untouched. Limits are checked while the head
is still incomplete, so a hostile peer cannot make the buffer grow past them. A head that a
peer ended with a bare LF is refused as soon as that end is here, never left waiting.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial

from blazeio_common.errors import ProtocolError
from blazeio_common.http import _abnf
from blazeio_common.http.bounded import remember
from blazeio_common.http.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    Request,
    Response,
    Wait,
)
from blazeio_common.http.framing import (
    CHUNKED,
    CONTENT_LENGTH,
    NO_BODY,
    check_transfer_encoding,
    keeps_alive,
    parse_content_length,
    response_framing,
)
from blazeio_common.http.head_cache import HeadCache
from blazeio_common.http.headers import Headers
from blazeio_common.http.heads import head_fault, parse_fields, parse_request_line, parse_status_line, split_head
from blazeio_common.http.limits import DEFAULT_LIMITS, Limits
from blazeio_common.http.native import parse_request_head as native_parse_request_head
from blazeio_common.http.native import parse_response_head as native_parse_response_head
from blazeio_common.http.readers import BodyReader, ChunkedReader, ContentLengthReader, UntilCloseReader

__all__ = ["RequestReceiver", "ResponseReceiver"]

_HEAD, _BODY, _DONE, _SWITCHED = range(4)
# Host values already validated (bounded; emptied when full).
_HOSTS: set[str] = set()
_HOSTS_MAX = 1024
_NO_BODY_READER = ContentLengthReader(0)
# Whole heads already parsed (a ``HeadCache``, owned by the App or the client pool that made
# the receiver): a hit returns exactly what parsing would; any difference in any byte is a
# miss. A connection whose heads keep differing (a request id in every head) stops using the
# cache after ``_HEAD_MISSES_MAX`` misses in a row, so it does not pay for copies no one
# reads -- but looks again at one head in ``_HEAD_RETRY``: a connection's traffic can change
# (a proxy's connection carries many clients' requests).
_HEAD_MISSES_MAX = 8
_HEAD_RETRY = 240
_HEAD_SKIPS_END = _HEAD_MISSES_MAX + _HEAD_RETRY  # 248: within CPython's cached small ints


def _no_body_reader() -> BodyReader:
    return _NO_BODY_READER  # it holds no state: shared by every message without a body


RequestEvent = Request | Data | EndOfMessage | ConnectionClosed | Wait
ResponseEvent = Response | Data | EndOfMessage | ConnectionClosed | Wait


class _HeadEntry:
    """A cached parse: the event (with its own copy of the headers) and how its body is framed.

    Each message with this head gets ``Headers._trusted(entry.items, entry.index)``: shared,
    copied on write, so a program may change an event's headers and the entry never changes.
    """

    __slots__ = ("event", "index", "items", "new_reader", "reader")

    def __init__(self, event: Request | Response, new_reader: Callable[[], BodyReader]) -> None:
        self.items = tuple(event.headers.raw_items())
        self.index = dict(event.headers._lookup())
        # A copy holding the copied headers: the event itself goes to the program, which may
        # keep adding to its headers; the cache must not keep those alive.
        self.event = copy.copy(event)
        self.event.headers = Headers._trusted(self.items, self.index)
        self.new_reader = new_reader  # a fresh body reader for each message with this head
        # ... or, without a body, the one shared reader (it holds no state): no call per message.
        self.reader = _NO_BODY_READER if new_reader is _no_body_reader else None


class _Receiver:
    __slots__ = (
        "_body_seen", "_buf", "_cacheable", "_empty_lines", "_eof", "_head_cache", "_head_misses", "_heads", "_held",
        "_held_size", "_last_entry", "_last_head", "_limits", "_reader", "_scan", "_state",
    )  # fmt: skip
    _kind = ""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, heads: HeadCache | None = None) -> None:
        self._buf = bytearray()
        # Body bytes handed over whole: while a length- or close-framed body is read and the
        # buffer is empty, pieces from the socket are kept as they are and become the next
        # Data event (one piece: no copy at all; several: one join), instead of being copied
        # into the buffer and out again. Only ever non-empty while _buf is empty.
        self._held: list[bytes] = []
        self._held_size = 0
        self._limits = limits
        self._state = _HEAD
        self._reader: BodyReader = _NO_BODY_READER
        self._scan = 0
        self._eof = False
        self._body_seen = 0
        self._empty_lines = 0
        # Without an owner's cache, the receiver keeps its own (a peer repeating its head on
        # this connection still hits); an App or a pool passes the one its receivers share.
        cache = self._head_cache = HeadCache() if heads is None else heads
        self._heads = cache.table(self._kind, limits)
        self._cacheable = HeadCache.CACHEABLE if cache.size else 0  # 0: no head is ever looked up
        self._head_misses = 0
        # The last head served from the cache: a peer repeating it (a client asking the same
        # URL, a server answering alike) is recognised by one comparison, without copying the
        # head out of the buffer to look it up.
        self._last_head = b""
        self._last_entry: _HeadEntry | None = None

    def _head_key(self) -> bytes | None:
        """The complete head at the start of the buffer, as a cache key, when it may be cached."""
        misses = self._head_misses
        if misses >= _HEAD_MISSES_MAX:
            # Past the limit it counts heads skipped; after _HEAD_RETRY of them one head is
            # looked up again, and a miss stops it again.
            if misses < _HEAD_SKIPS_END:
                self._head_misses = misses + 1
                return None
            self._head_misses = _HEAD_MISSES_MAX - 1
        end = self._buf.find(b"\r\n\r\n", self._scan)
        if end < 0 or end >= self._cacheable:
            return None
        return bytes(self._buf[: end + 4])

    def _cached_head(self, key: bytes, size: int) -> _HeadEntry | None:
        """The entry for ``key`` with its ``size`` head bytes consumed and the body reader set."""
        entry = self._heads.get(key)
        if entry is None:
            self._head_misses += 1
            if self._head_misses >= _HEAD_MISSES_MAX:
                self._last_head = b""
            return None
        if size == len(key):  # the key is the head itself (not a head for another method)
            self._last_head = key
            self._last_entry = entry
        return self._use(entry, size)

    def _repeated_head(self) -> _HeadEntry | None:
        """The last cached head again at the start of the buffer, consumed; else ``None``.

        The buffer starting with a whole head means that head is complete there: the key
        ends with its only CRLF CRLF."""
        last = self._last_head
        if last and self._buf.startswith(last):
            entry = self._last_entry
            assert entry is not None
            return self._use(entry, len(last))
        return None

    def _use(self, entry: _HeadEntry, size: int) -> _HeadEntry:
        self._head_misses = 0
        self._scan = 0
        del self._buf[:size]
        reader = entry.reader
        self._reader = reader if reader is not None else entry.new_reader()
        self._state = _BODY
        return entry

    def _remember(self, key: bytes, event: Request | Response) -> None:
        # Called right after the parse, so the reader is still as the head made it.
        reader = self._reader
        new_reader: Callable[[], BodyReader]
        if reader is _NO_BODY_READER:
            new_reader = _no_body_reader
        elif type(reader) is ContentLengthReader:
            new_reader = partial(ContentLengthReader, reader.remaining)
        elif type(reader) is ChunkedReader:
            new_reader = partial(ChunkedReader, self._limits)
        else:
            new_reader = UntilCloseReader
        remember(self._heads, key, _HeadEntry(event, new_reader), self._head_cache.size)

    def feed(self, data: bytes | bytearray | memoryview) -> int:
        """Take bytes from the socket; returns how many are now buffered (``buffered``)."""
        if self._eof and data:
            raise RuntimeError("feed() after feed_eof()")
        reader = self._reader
        if (
            not self._buf
            and type(data) is bytes
            and self._state == _BODY
            and ((type(reader) is ContentLengthReader and reader.remaining) or type(reader) is UntilCloseReader)
        ):
            self._held.append(data)
            self._held_size += len(data)
            return self._held_size  # the buffer is empty while pieces are held
        if self._held:
            self._unhold()
        self._buf += data
        return len(self._buf)

    def _unhold(self) -> None:
        self._buf += self._take_held()

    def _take_held(self) -> bytes:
        held = self._held
        data = held[0] if len(held) == 1 else b"".join(held)
        self._held = []
        self._held_size = 0
        return data

    def feed_eof(self) -> None:
        """The peer closed its side; idempotent."""
        self._eof = True

    @property
    def eof(self) -> bool:
        """True once ``feed_eof`` was called: no more bytes will come."""
        return self._eof

    @property
    def idle(self) -> bool:
        """Nothing buffered and no EOF seen: the connection may carry another message."""
        return not self._buf and not self._held_size and not self._eof

    @property
    def buffered(self) -> int:
        """Bytes received and not yet turned into events."""
        return len(self._buf) + self._held_size

    @property
    def trailing_data(self) -> bytes:
        """Bytes after the message (e.g. the tunnel after 101 Switching Protocols)."""
        return bytes(self._buf) + b"".join(self._held)

    def take_buffered(self) -> bytes:
        """Remove and return every buffered byte, unparsed (for protocols that leave HTTP)."""
        if self._held:
            self._unhold()
        data = bytes(self._buf)
        self._buf.clear()
        return data

    def take_body(self) -> bytes | None:
        """The rest of a Content-Length body in one piece when all of it is buffered; the
        message is then complete, without Data / EndOfMessage events. Otherwise ``None``, and
        events carry the body as before. (The declared length already passed ``max_body_size``
        with the head.)"""
        reader = self._reader
        if self._state != _BODY or type(reader) is not ContentLengthReader or self._held:
            return None
        remaining = reader.remaining
        buf = self._buf
        if len(buf) < remaining:
            return None
        if len(buf) == remaining:  # the usual case: nothing of the next message yet
            data = bytes(buf)
            buf.clear()
        else:
            data = bytes(buf[:remaining])
            del buf[:remaining]
        reader.remaining = 0
        self._body_seen += remaining
        self._state = _DONE
        return data

    def start_next_cycle(self) -> None:
        # A message without a body (the common GET) is complete without its EndOfMessage event.
        if self._state != _DONE and not (self._state == _BODY and self._reader is _NO_BODY_READER):
            raise RuntimeError("start_next_cycle() before the message was complete")
        self._state = _HEAD
        self._reader = _NO_BODY_READER
        self._body_seen = 0
        self._empty_lines = 0

    def _cut_head(self, line_status: int) -> list[str] | None:
        """Cut one complete head from the buffer as its lines (start line first), or check limits."""
        buf = self._buf
        end = buf.find(b"\r\n\r\n", self._scan)
        limits = self._limits
        if end < 0:
            # No CRLF CRLF: only now look for a head a peer ended with a bare LF, which would
            # otherwise wait for a CRLF CRLF that never comes (heads that arrive whole never
            # get here). RFC 9112 §2.2: "a recipient MAY recognize a single LF as a line
            # terminator"; we do not accept it, but we see where such a head ends and refuse it.
            scan = self._scan
            if buf.find(b"\n\n", scan) >= 0 or buf.find(b"\n\r\n", scan) >= 0:
                head = buf[: _bare_lf_end(buf)]
                self._check_head_size(head, line_status)
                raise ProtocolError(head_fault(head), 400)
            # Incomplete: fail as soon as the head is certain to break a limit, so the buffer
            # never grows past the limits.
            self._check_head_size(buf, line_status)
            self._scan = max(0, len(buf) - 3)
            return None
        self._scan = 0
        raw = buf[: end + 4]
        del buf[: end + 4]
        lines = split_head(raw)
        if lines is None:
            # The verdict must not depend on how the bytes arrived: a head that would have been
            # refused for its size while still incomplete gets that status when whole, too --
            # judged on the bytes up to where a bare LF ended it, if one did (as above).
            self._check_head_size(raw[: _bare_lf_end(raw)], line_status)
            raise ProtocolError(head_fault(raw), 400)
        if len(lines[0]) > limits.max_request_line:
            raise ProtocolError("start line too long", line_status)
        if end + 2 - len(lines[0]) > limits.max_header_bytes:
            raise ProtocolError("header block too large", 431)
        del lines[-2:]
        return lines

    def _check_head_size(self, head: bytes | bytearray, line_status: int) -> None:
        """The size limits, judged on the head's bytes so far (all of them, or a beginning)."""
        limits = self._limits
        size = len(head)
        first = head.find(b"\r\n", 0, limits.max_request_line + 2)
        if first < 0:
            if size > limits.max_request_line + 1:
                raise ProtocolError("start line too long", line_status)
        elif size - first - 2 > limits.max_header_bytes:
            raise ProtocolError("header block too large", 431)

    def _held_event(self) -> Data | EndOfMessage | None:
        held = self._take_held()
        reader = self._reader
        if type(reader) is ContentLengthReader:
            remaining = reader.remaining
            if len(held) > remaining:
                self._buf += held[remaining:]  # the next message's first bytes
                held = held[:remaining]
                if not held:
                    return reader.read(self._buf)
            reader.remaining -= len(held)
        return Data(held)

    def _body_event(self) -> Data | EndOfMessage | ConnectionClosed | Wait:
        event = self._held_event() if self._held else self._reader.read(self._buf)
        if event is None:
            if not self._eof:
                return NEED_DATA
            event = self._reader.read_eof()
        if type(event) is Data:
            max_body = self._limits.max_body_size
            if max_body is not None:
                self._body_seen += len(event.data)
                if self._body_seen > max_body:
                    raise ProtocolError("body larger than the configured limit", 413)
            return event
        self._state = _DONE
        return event


def _bare_lf_end(head: bytes | bytearray) -> int:
    """Where a head ends for a peer that ends lines in a bare LF: after its first ``LF LF`` or
    ``LF CR LF`` (in a head whose lines all end in CRLF, the one in the final CRLF CRLF)."""
    ends = [i + size for i, size in ((head.find(b"\n\n"), 2), (head.find(b"\n\r\n"), 3)) if i >= 0]
    return min(ends, default=len(head))


class RequestReceiver(_Receiver):
    """Server side: parses requests (RFC 9112 §3, §6)."""

    __slots__ = ()
    _kind = "request"

    def next_event(self) -> RequestEvent:
        state = self._state
        if state == _BODY:
            return self._body_event()
        if state == _DONE:
            return PAUSED
        buf = self._buf
        if not buf:
            return ConnectionClosed() if self._eof else NEED_DATA
        if buf[0] == 13:  # CR: maybe empty lines before the request line (no slice per request)
            self._skip_empty_lines()
        entry = self._repeated_head() if self._last_head else None
        key = None
        if entry is None and (key := self._head_key()) is not None:
            entry = self._cached_head(key, len(key))
        if entry is not None:
            r = entry.event
            assert type(r) is Request
            return Request(
                r.method, r.target, r.version, Headers._trusted(entry.items, entry.index), r.keep_alive,
                r.content_length, r.chunked, r.expect_continue,
            )  # fmt: skip
        # The compiled parser (native.py) takes a complete, plainly valid head; anything else
        # (incomplete, a limit, a fault, a rare form) it leaves to the pure-Python path below.
        native = native_parse_request_head
        if native is not None and (parsed := native(buf, self._scan, self._limits, _HOSTS)) is not None:
            self._scan = 0
            if isinstance(parsed, tuple):
                request = self._request(*parsed)
            else:  # a plain request, checked and built by the compiled parser: no body
                self._reader = _NO_BODY_READER
                self._state = _BODY
                request = parsed
        else:
            head = self._cut_head(414)
            if head is None:
                if self._eof:
                    if not buf:
                        return ConnectionClosed()
                    raise ProtocolError("connection closed inside a request head", 400)
                return NEED_DATA
            method, target, version = parse_request_line(head[0], self._limits)
            del head[0]
            request = self._request(method, target, version, parse_fields(head, self._limits.max_header_count))
        if key is not None:
            self._remember(key, request)
        return request

    def _skip_empty_lines(self) -> None:
        # RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request-line.
        buf = self._buf
        while buf[:2] == b"\r\n":
            self._empty_lines += 1
            if self._empty_lines > self._limits.max_empty_lines:
                raise ProtocolError("too many empty lines before the request line", 400)
            del buf[:2]

    def _request(self, method: str, target: str, version: str, headers: Headers) -> Request:
        index = headers._lookup()
        if target[0] != "/" or method == "CONNECT":
            _check_target(method, target)
        host = index.get("host")
        if host is None:
            if version == "1.1":
                # RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request without Host.
                raise ProtocolError("missing Host header", 400)
        elif host not in _HOSTS:
            # ... and to more than one Host field line (joined with ", "), or an invalid value.
            if not _abnf.host_value.fullmatch(host):
                raise ProtocolError("invalid or repeated Host header", 400)
            if len(_HOSTS) >= _HOSTS_MAX:
                _HOSTS.clear()
            _HOSTS.add(host)
        te = index.get("transfer-encoding")
        cl = index.get("content-length")
        chunked = False
        length: int | None
        if te is not None:
            if cl is not None:
                raise ProtocolError("both Transfer-Encoding and Content-Length", 400)
            if version == "1.0":
                raise ProtocolError("Transfer-Encoding in an HTTP/1.0 request", 400)
            chunked = check_transfer_encoding(te, request=True)
            length = None
            self._reader = ChunkedReader(self._limits)
        elif cl is not None:
            length = parse_content_length(cl)
            max_body = self._limits.max_body_size
            if max_body is not None and length > max_body:
                raise ProtocolError("body larger than the configured limit", 413)
            self._reader = ContentLengthReader(length) if length else _NO_BODY_READER
        else:
            length = 0
            self._reader = _NO_BODY_READER
        connection = index.get("connection")
        if connection is None:
            keep_alive = version == "1.1"
        elif connection == "keep-alive" or connection == "close":  # noqa: PLR1714 - the common exact values
            keep_alive = connection == "keep-alive"
        else:
            keep_alive = keeps_alive(connection, version)
        expect = index.get("expect")
        expect_continue = expect is not None and version == "1.1" and expect.lower() == "100-continue"
        self._state = _BODY
        return Request(method, target, version, headers, keep_alive, length, chunked, expect_continue)


def _check_target(method: str, target: str) -> None:
    """RFC 9112 §3.2: the four request-target forms, each only where it is allowed."""
    first = target[0]
    if method == "CONNECT":
        if first == "/" or "/" in target or ":" not in target:
            raise ProtocolError("CONNECT needs an authority-form target (host:port)", 400)
    elif first == "/":
        return
    elif target == "*":
        if method != "OPTIONS":
            raise ProtocolError("asterisk-form target is only allowed with OPTIONS", 400)
    elif "://" not in target:
        raise ProtocolError(f"invalid request target {target[:60]!r}", 400)


class ResponseReceiver(_Receiver):
    """Client side: parses responses to a request made with ``request_method``."""

    __slots__ = ("request_method",)
    _kind = "response"

    def __init__(
        self, request_method: str = "GET", limits: Limits = DEFAULT_LIMITS, heads: HeadCache | None = None
    ) -> None:
        super().__init__(limits, heads)
        self.request_method = request_method

    def start_next_cycle(self, request_method: str | None = None) -> None:
        super().start_next_cycle()
        if request_method is not None:
            self.request_method = request_method

    def next_event(self) -> ResponseEvent:
        state = self._state
        if state == _BODY:
            return self._body_event()
        if state in (_DONE, _SWITCHED):
            return PAUSED
        buf = self._buf
        if not buf:
            return ConnectionClosed() if self._eof else NEED_DATA
        method = self.request_method
        entry = self._repeated_head() if self._last_head and method == "GET" else None
        key = None
        if entry is None and (raw := self._head_key()) is not None:
            # The framing depends on the request's method (HEAD, CONNECT), so it is in the key;
            # a head always ends in CRLF CRLF, so no two keys can collide.
            key = raw if method == "GET" else raw + method.encode()
            entry = self._cached_head(key, len(raw))
        if entry is not None:
            r = entry.event
            assert type(r) is Response
            return Response(
                r.status_code, r.reason, r.version, Headers._trusted(entry.items, entry.index), r.keep_alive,
                r.framing, r.content_length,
            )  # fmt: skip
        # The compiled parser, as for requests (native.py).
        native = native_parse_response_head
        if native is not None and (parsed := native(buf, self._scan, self._limits)) is not None:
            self._scan = 0
            response = self._response(*parsed)
        else:
            head = self._cut_head(400)
            if head is None:
                if self._eof:
                    if not buf:
                        return ConnectionClosed()
                    raise ProtocolError("connection closed inside a response head", 400)
                return NEED_DATA
            version, status_code, reason = parse_status_line(head[0])
            del head[0]
            response = self._response(version, status_code, reason, parse_fields(head, self._limits.max_header_count))
        if key is not None and type(response) is Response and self._state == _BODY:
            self._remember(key, response)  # final responses only: 1xx and tunnels are rare
        return response

    def _response(self, version: str, status_code: int, reason: str, headers: Headers) -> Response:
        if status_code < 200:
            if status_code == 101:
                self._state = _SWITCHED
            return InformationalResponse(status_code, reason, version, headers, True, NO_BODY, None)
        framing, length, must_close = response_framing(status_code, headers, version, self.request_method)
        if framing == CONTENT_LENGTH:
            assert length is not None
            max_body = self._limits.max_body_size
            if max_body is not None and length > max_body:
                raise ProtocolError("body larger than the configured limit", 413)
            self._reader = ContentLengthReader(length)
        elif framing == CHUNKED:
            self._reader = ChunkedReader(self._limits)
        elif framing == NO_BODY:
            self._reader = _NO_BODY_READER
        else:
            self._reader = UntilCloseReader()
        keep_alive = not must_close and keeps_alive(headers.get("connection"), version)
        if self.request_method == "CONNECT" and 200 <= status_code < 300:
            self._state = _SWITCHED
        else:
            self._state = _BODY
        return Response(status_code, reason, version, headers, keep_alive, framing, length)
