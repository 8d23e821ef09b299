"""The response side of a connection: ``prepare``, ``write``, ``eof``, backpressure.

The write mode follows the headers given to ``prepare``: ``Transfer-Encoding: chunked``,
``Content-Length``, ``text/event-stream`` (SSE framing, chunked on HTTP/1.1), or raw bytes
until the connection closes. A HEAD request, 1xx, 204 and 304 never carry a body.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Mapping
from typing import Any, BinaryIO

from blazeio_common import ClientDisconnected, LocalProtocolError, dumps
from blazeio_common.http import (
    ChunkedWriter,
    ContentLengthWriter,
    UntilCloseWriter,
    get_encoder,
    serialise_fields,
    status_line,
)
from blazeio_common.http.codecs import Encoder
from blazeio_common.http.framing import CHUNKED, CONTENT_LENGTH, NO_BODY
from blazeio_common.http.send_framing import send_framing
from blazeio_common.http.writers import SMALL_CHUNK, SMALL_CHUNK_FRAME, BodyWriter, NoBodyWriter
from blazeio_server.awaitables import DONE
from blazeio_server.clock import head_prefix, http_date
from blazeio_server.compression import choose_encoding, compressible, vary_on_accept_encoding
from blazeio_server.reading import BodyReading
from blazeio_server.response_heads import EMPTY as EMPTY_SHAPE
from blazeio_server.response_heads import negotiated_fields, negotiated_lines
from blazeio_server.response_lines import ResponseLines, content_type_line, length_line
from blazeio_server.types import Fields
from blazeio_server.zerocopy import MIN_THREAD_READ, SendfileJob

__all__ = ["ResponseLines", "ResponseWriting"]  # ResponseLines: re-exported from response_lines

_Fields = Fields

_CLOSE = b"Connection: close\r\n"
_CHUNKED = b"Transfer-Encoding: chunked\r\n"
_new_writer = object.__new__
_LAST_CHUNK = b"0\r\n\r\n"  # RFC 9112 §7.1: last-chunk, no trailer, the final CRLF
_NO_BODY = NoBodyWriter()  # holds no state: one for every response without content
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"  # sent with a 2xx head (see prepare)
_KEEP_ALIVE = b"Connection: keep-alive\r\n"
# Body pieces at least this large are handed to the transport as they are rather than joined
# with a held head (joining copies; for a large body the copy costs more than a second write).
_NO_COPY = 16 * 1024
_SSE_FIELDS = (b"data:", b"event:", b"id:", b"retry:", b":")
# RFC 6265 §4.1.1: cookie-name is a token; cookie-octet excludes CTLs, whitespace, DQUOTE, comma, semicolon, backslash.
_COOKIE_NAME = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
_COOKIE_VALUE = re.compile(r'"?[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"?')


def _sse_frame(data: Any) -> bytes:
    """One SSE event: each line as ``data: ...`` unless already in SSE syntax, then a blank line."""
    if isinstance(data, (dict, list)):
        data = dumps(data, indent=0)
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if raw.startswith(_SSE_FIELDS):
        return raw if raw.endswith(b"\n\n") else raw.rstrip(b"\n") + b"\n\n"
    # HTML §9.2.6: a line ends at CRLF, LF or CR -- a lone CR must not start a field of its own.
    lines = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return b"".join(b"data: " + line + b"\n" for line in lines) + b"\n"


def _lines(text: str) -> list[str]:
    # HTML §9.2.6: "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED
    # (CRLF) character pair, a single U+000A LINE FEED (LF) character, or a single U+000D
    # CARRIAGE RETURN (CR) character": a lone CR in data must not start a field of its own.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise LocalProtocolError("SSE event names and ids are single lines")
    return value


async def _one_shot(coding: str, data: bytes) -> bytes:
    def run() -> bytes:
        encoder = get_encoder(coding)
        return encoder.encode(data) + encoder.finish()

    return run() if len(data) < 64 * 1024 else await asyncio.to_thread(run)


def _header(headers: Mapping[str, Any], name: str, default: str | None) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return default


class ResponseWriting(BodyReading):
    """Everything that writes to the client (the layer above ``BodyReading``)."""

    __slots__ = (
        "_encoder",
        "_sse",
        "_staged",
        "_writer",
        "complete",
        "method",
        "status",
        "version",
    )

    method: str
    version: str
    status: int
    complete: bool  # True once the response is complete (its end written, or given up)
    _writer: BodyWriter | None
    _sse: bool
    _staged: list[tuple[str, str]] | None
    _encoder: Encoder | None

    def set_cookie(
        self,
        name: str,
        value: str,
        *,
        max_age: int | None = None,
        expires: str | None = None,
        path: str = "/",
        domain: str | None = None,
        secure: bool = True,
        http_only: bool = True,
        same_site: str | None = "Lax",
    ) -> None:
        """Stage a ``Set-Cookie`` (RFC 6265) for the response head; safe defaults (Secure, HttpOnly, Lax)."""
        if not _COOKIE_NAME.fullmatch(name) or not _COOKIE_VALUE.fullmatch(value):
            raise LocalProtocolError(f"invalid cookie {name!r}={value!r}")
        parts = [f"{name}={value}", f"Path={path}"]
        if max_age is not None:
            parts.append(f"Max-Age={int(max_age)}")
        if expires is not None:
            parts.append(f"Expires={expires}")
        if domain is not None:
            parts.append(f"Domain={domain}")
        if secure:
            parts.append("Secure")
        if http_only:
            parts.append("HttpOnly")
        if same_site is not None:
            if same_site.capitalize() not in ("Strict", "Lax", "None"):
                raise LocalProtocolError(f"SameSite must be Strict, Lax or None, not {same_site!r}")
            parts.append(f"SameSite={same_site.capitalize()}")
        self.add_header("Set-Cookie", "; ".join(parts))

    def add_header(self, name: str, value: str) -> None:
        """Stage a header line for the response head (before ``prepare``); validated when sent."""
        if self._prepared:
            raise LocalProtocolError("the response head was already sent")
        if self._staged is None:
            self._staged = []
        self._staged.append((name, value))

    def _connection_header(self) -> bytes:
        if self.keep_alive:
            return _KEEP_ALIVE if self.version == "1.0" else b""
        return _CLOSE

    def _common_head(self, status: int, reason: str | None) -> bytes:
        if reason is None:
            return head_prefix(status, self.settings)
        return status_line(status, reason) + http_date() + self.settings.server_line

    async def prepare(
        self,
        headers: Mapping[str, Any] | None = None,
        status: int = 200,
        reason: str | None = None,
        encode: bool = True,
    ) -> None:
        """Send the response head now; the write mode follows from the headers.

        A ``Content-Encoding`` (gzip, deflate, br) on a streamed body (no Content-Length) makes
        the writes be compressed for you, with one compressor; with a Content-Length, or with
        ``encode=False``, the body is taken as already encoded.
        """
        if self._prepared:
            raise LocalProtocolError("the response head was already sent")
        if self.conn.closed:
            raise ClientDisconnected("the client went away")
        # The framing facts and validated lines of this header mapping, usually from the App's memo.
        if headers:
            try:
                key: tuple[tuple[str, Any], ...] | None = tuple(headers.items())
                shape = self.conn.head_shapes.get(key)  # type: ignore[arg-type]
            except TypeError:  # an unhashable value (a list of lines): never memoised
                key = shape = None
            if shape is None:
                shape = self.conn.head_shapes.learn(key, headers)
        else:
            shape = EMPTY_SHAPE
        content_length, chunked, sse, coding, negotiable, lines, shape_fields, framing, variants = shape
        added = b""
        rechunked = False  # an encoder's chunked framing, which the shape's framing does not know
        negotiated = negotiable and self.settings.compress
        if negotiated:
            # Streaming compression: one compressor for the whole response (never per write).
            accepted = self.headers.get("accept-encoding")
            coding = choose_encoding(accepted) if accepted else None
            # The lines with Vary: the memo hit read here, a call fewer (negotiated_lines fills it).
            lines = variants.get(coding) or negotiated_lines(shape, coding)
        if (
            coding in ("gzip", "br", "deflate")
            and encode
            and content_length is None
            and not (self.method == "HEAD" or status < 200 or status in (204, 304))  # a body is sent
        ):
            self._encoder = get_encoder(coding)
            if not chunked and self.version == "1.1":
                added = _CHUNKED
                chunked = rechunked = True
        if sse and content_length is None and not chunked and self.version == "1.1":
            added = _CHUNKED
            chunked = True
        # The framing, as blazeio_common.http decides it for any message we send: remembered
        # with the header shape for the common response (a call less), else asked now.
        if framing is None or rechunked or status != 200 or self.method == "HEAD" or self.version != "1.1":
            framing = send_framing(content_length, chunked, self.version, self.method, status)
        writer: BodyWriter
        # The writers are made without their __init__ frames (a Python call of every response).
        if framing is CONTENT_LENGTH:
            writer = _new_writer(ContentLengthWriter)
            writer.remaining = content_length  # type: ignore[assignment]  # set for this framing
        elif framing is CHUNKED:
            writer = _new_writer(ChunkedWriter)
            writer.finished = False
        elif framing is NO_BODY:
            writer = _NO_BODY
        else:
            if chunked:
                # HTTP/1.0: no chunked framing on the wire, and no Transfer-Encoding line either.
                fields = negotiated_fields(shape_fields, coding) if negotiated else shape_fields
                lines = serialise_fields({k: v for k, v in fields.items() if k.lower() != "transfer-encoding"})
                added = b""
            self.keep_alive = False  # RFC 9112 §6.3: the body ends when the connection closes
            writer = UntilCloseWriter()
        if self._staged:
            lines = serialise_fields(self._staged) + lines
        start = head_prefix(status, self.settings) if reason is None else self._common_head(status, reason)
        if not self.keep_alive or self.version == "1.0":
            start += self._connection_header()
        head = b"".join((start, lines, added, b"\r\n"))  # one allocation, not three
        if self._expect_continue and not self._continue_sent and 200 <= status < 300 and not self.body_complete:
            # RFC 9110 §10.1.1: the server sends "an immediate response with a final status
            # code" or "an immediate 100 (Continue) response to encourage the client to send the
            # request content". A 2xx head before the body was read says the body is wanted (the
            # handler reads it next, or it is drained), and no 100 can follow a final head: it
            # goes first. Other statuses go alone: the body is never asked for, then we close.
            self._continue_sent = True
            head = _CONTINUE + head
        self._prepared = True
        self.status = status
        self._writer = writer
        self._sse = sse
        # The head waits for the body written in this same turn of the loop, so a head and a
        # body leave in one transport write; it leaves alone at the end of the turn if the
        # handler awaits something else first (and a complete body, eof, a drain, sendfile and
        # closing flush it before they go on).
        conn = self.conn
        conn.hold_head(head)
        if conn.write_paused:
            await conn.drain()

    async def respond(self, status: int, headers: _Fields, body: bytes, content_type: str | None = None) -> None:
        """A whole response in one write: head with Content-Length, then the body.

        ``headers`` may be field lines already serialised by ``serialise_fields`` (a hot path
        that answers the same head repeatedly keeps them as bytes).
        """
        await self.send_whole(status, headers, body, content_type)

    @property
    def prepared(self) -> bool:
        """True once the response head was written (or is held to leave with the body)."""
        return self._prepared

    def drain(self) -> Awaitable[None]:
        """Wait until the transport takes more (what is held, such as a head, is sent first)."""
        conn = self.conn
        return conn.drain() if conn.write_paused or conn.held is not None else DONE

    def respond_now(self, status: int, headers: _Fields, body: bytes, content_type: str | None = None) -> None:
        """``send_whole`` where nothing waits for the drain (the connection closes next)."""
        pending = self.send_whole(status, headers, body, content_type)
        if pending is not DONE:
            pending.close()  # type: ignore[attr-defined]  # the drain coroutine, never started

    def send_whole(
        self, status: int, headers: _Fields, body: bytes, content_type: str | None = None
    ) -> Awaitable[None]:
        """``respond`` for hot paths (``Deliver``, ``StaticServer``): the whole response, handed
        to the transport now, in one write.

        A plain method: what it returns is the drain when the transport is paused, else an
        awaitable already complete (so a response costs no coroutine of its own).
        """
        if self._prepared:
            raise LocalProtocolError("the response head was already sent")
        conn = self.conn  # read several times below: one attribute lookup
        if conn.closed:
            raise ClientDisconnected("the client went away")
        settings = self.settings
        if isinstance(headers, bytes):
            extra = headers
        elif (
            settings.compress
            and len(body) >= settings.compress_min_size
            and status == 200
            and compressible(content_type if not headers else _header(headers, "content-type", content_type))
            and not (headers and _header(headers, "content-encoding", None))
        ):
            # RFC 9110 §12.5.5: "An origin server SHOULD send a Vary header field when its algorithm
            # for selecting a representation varies based on aspects of the request message" -- on
            # the identity answers too, so a cache keys every answer of this resource alike.
            coding = choose_encoding(self.headers.get("accept-encoding"))
            headers = dict(headers) if headers else {}
            if coding is not None:
                encoder = get_encoder(coding)
                body = encoder.encode(body) + encoder.finish()
                headers["Content-Encoding"] = coding
            vary_on_accept_encoding(headers)
            extra = _field_bytes(headers, content_type)
        elif headers:
            extra = _field_bytes(headers, content_type)
        else:
            extra = b""
            if content_type is not None:  # the lookup inline: the miss path alone is a call
                types = conn.content_types
                extra = types.get(content_type) or content_type_line(types, content_type)
        # The head (status, Date, Server, Connection, Content-Length, fields) and the body in one
        # write; inline, not a helper, as a call is some 500 instructions of a small response.
        if self._staged:
            extra = serialise_fields(self._staged) + extra
        connection = b"" if self.keep_alive and self.version == "1.1" else self._connection_header()
        # RFC 9110 §8.6: no Content-Length in 1xx and 204; HEAD and 304 state it but send no body.
        length = b""
        if status >= 200 and status != 204:
            lengths = conn.length_lines
            length = lengths.get(len(body)) or length_line(lengths, len(body))
        prefix = head_prefix(status, settings)
        self._prepared = self.complete = True
        self.status = status
        if self.method == "HEAD" or not body or status in (204, 304):
            conn.write(b"".join((prefix, connection, length, extra, b"\r\n")))
        else:
            conn.write(b"".join((prefix, connection, length, extra, b"\r\n", body)))
        return conn.drain() if conn.write_paused else DONE

    async def write(self, data: Any) -> None:
        """Write body bytes (or, for SSE, an event); zero-length writes do nothing."""
        if not self._prepared:
            await self.prepare({"Transfer-Encoding": "chunked"} if self.version == "1.1" else None)
        if self._sse:
            data = _sse_frame(data)
        elif not data:
            return
        conn = self.conn  # read often below: one attribute lookup
        if conn.closed:
            raise ClientDisconnected("the client went away")
        if self.complete:
            raise LocalProtocolError("the response is already complete")
        writer = self._writer
        assert writer is not None
        cork = conn.held
        if type(writer) is ContentLengthWriter and type(data) is bytes and len(data) == writer.remaining:
            # The whole declared body (no encoder: a Content-Length body is taken as encoded).
            # The response is complete with it: a later write is refused, eof() has nothing left
            # to do, and what is held (the head) leaves with it in one write -- the common
            # prepare() + write() answered without the writer's and the cork's calls.
            writer.remaining = 0
            self.complete = True
            if cork is not None and conn.head_held and len(data) < _NO_COPY:
                cork.append(data)
                conn.flush()
            else:
                conn.write(data)
                if conn.head_held:
                    conn.flush()
        elif (
            type(writer) is ChunkedWriter
            and type(data) is bytes
            and 0 < len(data) < SMALL_CHUNK
            and self._encoder is None
        ):  # (not complete, checked above: the writer is not finished)
            # A small chunk, framed here as ChunkedWriter.send frames it (one write), without
            # its call: one of the dozen Python calls of a small chunked answer.
            conn.write(SMALL_CHUNK_FRAME % (len(data), data))
        else:
            encoder = self._encoder
            if encoder is not None:
                data = encoder.encode(bytes(data))
                if self._sse:
                    data += encoder.flush()  # each event must reach the browser now
            if conn.head_held and len(data) >= _NO_COPY:
                conn.flush()  # a large piece is not copied into the held head: the head goes first
            writer.send(data, conn.write)
            if type(writer) is ContentLengthWriter and not writer.remaining:
                self.complete = True  # complete, as above
                if conn.head_held:
                    conn.flush()
        if conn.write_paused:
            await conn.drain()

    async def sendfile(self, handle: BinaryIO, offset: int, count: int, chunk_size: int = 100 * 1024) -> None:
        """Send ``count`` bytes of an open file from ``offset`` as (part of) the body.

        Zero copy on plain TCP with a Content-Length body: ``loop.sendfile`` on the stdlib
        loop, ``os.sendfile`` from a worker thread on uvloop (which has no ``loop.sendfile``);
        otherwise (TLS, chunked, compressed, or every zero-copy thread busy) the file is read
        ``chunk_size`` (at least ``MIN_THREAD_READ``) at a time in a thread and written with
        backpressure.
        """
        writer = self._writer
        if (
            isinstance(writer, ContentLengthWriter)
            and self._encoder is None
            and count <= writer.remaining
            and not self.conn.closed
        ):
            loop = asyncio.get_running_loop()
            self.conn.flush()  # loop.sendfile starts after the transport's buffer: ours must be in it
            sent: int | None
            try:
                sent = await loop.sendfile(self.conn.transport, handle, offset, count, fallback=False)
            except (NotImplementedError, RuntimeError, AttributeError, TypeError):
                sent = await self._sendfile_in_thread(handle, offset, count)  # uvloop has none
            if sent is not None:
                writer.remaining -= sent
                return
        handle.seek(offset)
        remaining = count
        step = max(chunk_size, MIN_THREAD_READ)
        while remaining:
            data = await asyncio.to_thread(handle.read, min(step, remaining))
            if not data:
                break  # the file shrank: a short Content-Length body closes the connection
            remaining -= len(data)
            await self.write(data)

    async def _sendfile_in_thread(self, handle: BinaryIO, offset: int, count: int) -> int | None:
        """``os.sendfile`` from a worker thread on plain TCP; ``None`` where it cannot be used."""
        transport = self.conn.transport
        sock = transport.get_extra_info("socket")
        if sock is None or transport.get_extra_info("sslcontext") is not None:
            return None
        try:
            job = SendfileJob(sock.fileno(), handle.fileno())
        except (AttributeError, OSError, ValueError):
            return None  # no real file (BytesIO) or no descriptor
        try:
            # The file's bytes must follow everything already written (the head): wait until
            # the transport's own buffer is empty, by making 0 its low watermark for a moment.
            if transport.get_write_buffer_size():
                high, low = transport.get_write_buffer_limits()
                transport.set_write_buffer_limits(1, 0)
                try:
                    await self.conn.drain()
                finally:
                    transport.set_write_buffer_limits(high, low)
            return await self.conn.sendfile_pool.try_run(job, offset, count)
        except ConnectionError as exc:
            raise ClientDisconnected(f"the client went away: {exc}") from exc
        finally:
            job.abandon()

    async def gzip(self, data: bytes) -> bytes:
        """One complete gzip member of ``data`` (the document's ``r.gzip``); large inputs in a thread."""
        return await _one_shot("gzip", data)

    async def br(self, data: bytes) -> bytes:
        """``data`` brotli-compressed in one go (the document's ``r.br``); large inputs in a thread."""
        return await _one_shot("br", data)

    async def write_chunked(self, data: Any) -> None:
        """``write`` for a response prepared with ``Transfer-Encoding: chunked``."""
        if self._prepared and not isinstance(self._writer, ChunkedWriter) and self.method != "HEAD":
            raise LocalProtocolError("write_chunked() on a response that is not chunked")
        await self.write(data)

    async def write_event_stream(self, data: Any) -> None:
        await self.write(data)

    async def send_event(
        self, data: Any = None, *, event: str | None = None, id: str | None = None, retry: int | None = None
    ) -> None:
        """One server-sent event (HTML living standard §9.2): multi-line data, event name, id, retry."""
        if (
            event is None
            and id is None
            and retry is None
            and type(data) is str
            and "\n" not in data
            and "\r" not in data
        ):
            frame = b"data: %b\n\n" % data.encode()  # the common event: one line of text
        else:
            lines: list[str] = []
            if event is not None:
                lines.append(f"event: {_one_line(event)}")
            if id is not None:
                lines.append(f"id: {_one_line(id)}")
            if retry is not None:
                lines.append(f"retry: {int(retry)}")
            if data is not None:
                text = dumps(data, indent=0) if isinstance(data, (dict, list)) else str(data)
                lines.extend(f"data: {line}" for line in _lines(text))
            frame = ("\n".join(lines) + "\n\n").encode()
        writer = self._writer
        conn = self.conn
        if type(writer) is not ChunkedWriter or self._encoder is not None or conn.closed or self.complete:
            await self.write(frame)  # not yet prepared, compressed, HTTP/1.0, or an error to raise
            return
        # A chunked response on HTTP/1.1 with no encoder (an event stream, or any chunked body:
        # write() would send the frame as it is too): the event is framed already.
        if len(frame) < SMALL_CHUNK:  # not complete, checked above: the writer is not finished
            conn.write(SMALL_CHUNK_FRAME % (len(frame), frame))  # framed as in write()
        else:
            writer.send(frame, conn.write)
        if conn.write_paused:
            await conn.drain()

    async def eof(self, data: Any = None) -> None:
        """Finish the response (the last chunk for chunked). Idempotent; a no-op before ``prepare``."""
        if self.complete or not self._prepared:
            return
        if data:
            await self.write(data)
        self.complete = True
        writer = self._writer
        assert writer is not None
        encoder = self._encoder
        conn = self.conn
        if conn.head_held and type(writer) is ChunkedWriter and encoder is None:  # not complete: not finished
            # A chunked answer that is complete in the turn of its prepare(): head, chunks and
            # the last chunk leave in one write (ChunkedWriter.finish's bytes, without its call).
            writer.finished = True
            conn.held.append(_LAST_CHUNK)  # type: ignore[union-attr]  # head_held: a list is held
            conn.flush()
            if conn.write_paused and not conn.closed:
                await conn.drain()
            return
        if encoder is not None:
            self._encoder = None
            tail = encoder.finish()
            if tail and not self.conn.closed:
                writer.send(tail, self.conn.write)
        try:
            writer.finish(self.conn.write)
        finally:
            if type(writer) is UntilCloseWriter:
                self.keep_alive = False
            if self.conn.head_held:
                self.conn.flush()  # the response is complete: head, body and end leave in one write
        if self.conn.write_paused and not self.conn.closed:
            await self.conn.drain()

    write_chunked_eof = eof


def _field_bytes(headers: Mapping[str, Any], content_type: str | None) -> bytes:
    """A whole response's header mapping as field lines: framing and Date are the server's own."""
    fields = {
        name: value
        for name, value in headers.items()
        if name.lower() not in ("content-length", "transfer-encoding", "connection", "date")
    }
    if content_type is not None and not any(k.lower() == "content-type" for k in fields):
        fields["Content-Type"] = content_type
    return serialise_fields(fields)
