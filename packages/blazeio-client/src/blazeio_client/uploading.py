"""Sending a request body given up front -- and hearing a server that answers before it has it all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from blazeio_client.bodies import Stream, file_stream, iterable_stream, multipart_stream
from blazeio_client.connection import ClientConnection
from blazeio_client.timeouts import Timeout
from blazeio_client.url import encode_pairs
from blazeio_common import ServerDisconnected, dumps
from blazeio_common.http import (
    NEED_DATA,
    ChunkedWriter,
    ConnectionClosed,
    ContentLengthWriter,
    Headers,
    InformationalResponse,
    Response,
)
from blazeio_common.http.receive import ResponseEvent

__all__ = ["BODY_PIECE", "Uploading"]

# A large body given up front goes to the transport in pieces of this size, so that a server
# answering early stops the sending within a piece (and the transport never copies it whole).
BODY_PIECE = 1 << 20


class Uploading:
    """The request-body half of a Session: the body given up front, sent after ``_begin``."""

    timeout: Timeout
    progress: Callable[[int, int | None], Any] | None
    # Per-exchange state, from class-level defaults (see Session).
    _body: bytes | None = None
    _stream: Stream | None = None
    _writer: ChunkedWriter | ContentLengthWriter | None = None
    _request_done = False
    _sent = 0
    _early: ResponseEvent | None = None  # a response event that came while the body was being sent

    @property
    def request_headers(self) -> Headers:
        raise NotImplementedError

    def _live(self) -> ClientConnection:
        raise NotImplementedError

    def _prepare_body(
        self, json: Any, body: Any, form: Mapping[str, Any] | None, multipart: Mapping[str, Any] | None
    ) -> bytes | None:
        headers = self.request_headers
        if multipart is not None:
            self._stream, kind = multipart_stream(multipart)
            headers["Content-Type"] = kind
            return None
        if json is not None:
            headers.setdefault("Content-Type", "application/json")
            return dumps(json, indent=0).encode()
        if form is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            return encode_pairs(form).encode()
        if body is None:
            return None
        if isinstance(body, str):
            return body.encode()
        if isinstance(body, (bytes, bytearray, memoryview)):
            return bytes(body)
        if hasattr(body, "read"):
            self._stream = file_stream(body)
            return None
        if hasattr(body, "__aiter__"):
            self._stream = iterable_stream(body)
            return None
        raise TypeError("body must be bytes, str, a binary file object or an async iterable of bytes")

    async def _send_body(self, connection: ClientConnection) -> None:
        """The rest of the request after ``_begin``: the rest of a large body given up front, or a
        stream given up front (a file, an async iterable, ``multipart=``); else a wait for the
        transport to take what it holds.

        A server may answer before it has read the whole body (a 401, a 413) and often closes
        then. As curl does, a final answer of 300 or more stops the sending; so does a connection
        that closed after any answer (as httpcore does): that answer is the response, and the
        connection, its request unfinished, is never reused.
        """
        write_within = self.timeout.write
        given = self._body is not None or self._stream is not None
        stop = self._answered if given else None
        try:
            if await connection.drain_within(write_within, stop):
                self._abandon(connection)
                return
            body = self._body
            if body is not None and len(body) > BODY_PIECE:
                view = memoryview(body)
                for start in range(BODY_PIECE, len(body), BODY_PIECE):
                    if self._answered():
                        self._abandon(connection)
                        return
                    connection.send(view[start : start + BODY_PIECE])
                    if await connection.drain_within(write_within, stop):
                        self._abandon(connection)
                        return
            elif (stream := self._stream) is not None:
                await self._send_stream(connection, stream)
        except (ServerDisconnected, ConnectionError):
            if not given:
                raise
            await connection.settle(write_within)
            if not self._answered(closing=True):
                raise
            self._abandon(connection)

    async def _send_stream(self, connection: ClientConnection, stream: Stream) -> None:
        writer = self._writer
        assert writer is not None
        write_within = self.timeout.write
        stop = self._answered
        self._sent = 0
        async for chunk in stream.chunks:
            writer.send(chunk, connection.send)
            self._sent += len(chunk)
            if self.progress is not None:
                self.progress(self._sent, stream.length)
            if await connection.drain_within(write_within, stop) or self._answered():
                self._abandon(connection)
                return
        writer.finish(connection.send)
        self._request_done = True
        if await connection.drain_within(write_within, stop):
            self._abandon(connection)

    def _answered(self, closing: bool = False) -> bool:
        """Whether the server has answered while the body is still being sent, in a way that
        ends the upload: a final status of 300 or more -- or any answer, once ``closing``.

        The answer's head is kept for ``_read_head``. An interim 100 (Continue) is skipped: the
        server goes on reading.
        """
        event = self._early
        if event is None:
            connection = self._live()
            event = connection.poll()
            while isinstance(event, InformationalResponse) and event.status_code != 101:
                event = connection.poll()
            if event is NEED_DATA or isinstance(event, ConnectionClosed):
                return False
            self._early = event
        return closing or not (type(event) is Response and event.status_code < 300)

    def _abandon(self, connection: ClientConnection) -> None:
        self._request_done = True  # nothing more is sent (eof() does nothing)
        connection.abandon()
