"""``WebSocketConnection``: one side of an open WebSocket, without I/O (RFC 6455 §5-7).

::

    conn = WebSocketConnection("server", deflate=accepted.deflate)
    conn.receive_data(data)              # whatever the socket gave
    for event in conn.events():          # TextMessage, BytesMessage, Ping, Pong,
        ...                              # CloseReceived, ProtocolViolation
    message = conn.receive_message(data) # the same, with a fast path for a read that is
                                         # exactly one small message: str/bytes, or None
    transport.write(conn.send_text("hi"))  # every send returns the bytes to write

States: ``OPEN``; ``LOCAL_CLOSING`` once we sent a close (we keep reading until the peer's
close); ``REMOTE_CLOSING`` once the peer's close arrived and ours is not sent yet (we may
finish a message, then must answer it); ``CLOSED`` when both closes crossed or the
connection failed. RFC 6455 §5.5.1: after sending a close an endpoint "MUST NOT send any more
data frames", so sends raise ``LocalProtocolError`` in ``LOCAL_CLOSING`` and ``CLOSED``;
``close()`` there returns ``b""`` (it is idempotent). Who closes the TCP connection is the
caller's business: the server first, at ``CLOSED`` (§7.1.1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import Enum
from typing import Literal

from blazeio_common.errors import LocalProtocolError
from blazeio_common.ws.close import NORMAL_CLOSURE, build_close_payload
from blazeio_common.ws.deflate import MessageDeflater, deflaters_for
from blazeio_common.ws.events import CloseReceived, Event, ProtocolViolation
from blazeio_common.ws.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONTINUATION,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    SMALL_HEADS,
    build_frame,
    frame_parts,
    masked_frame,
    message_frame,
)
from blazeio_common.ws.keys import MaskKeys
from blazeio_common.ws.negotiation import DeflateParameters
from blazeio_common.ws.receive import MessageReader

__all__ = ["DEFAULT_MAX_MESSAGE_SIZE", "State", "WebSocketConnection"]

DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024


class State(Enum):
    """Where the close handshake stands."""

    OPEN = "OPEN"
    LOCAL_CLOSING = "LOCAL_CLOSING"
    REMOTE_CLOSING = "REMOTE_CLOSING"
    CLOSED = "CLOSED"


# Module globals for the per-message checks (a global lookup is cheaper than an Enum attribute).
_LOCAL_CLOSING = State.LOCAL_CLOSING
_CLOSED = State.CLOSED
_UNMASKED_HEADS = SMALL_HEADS[0]


class WebSocketConnection:
    """One endpoint of a WebSocket connection: ``role`` is ``"server"`` or ``"client"``.

    - ``deflate``: the agreed permessage-deflate parameters (``Accepted.deflate``), or
      ``None`` when the extension was not negotiated (then RSV1 is a protocol error).
    - ``max_message_size``: the largest message, in bytes after inflating (1 MiB; ``None``
      for no limit); a larger one fails the connection with 1009.
    - ``max_frame_size``: the largest frame payload on the wire (``None``: only the message
      limit applies).
    - ``stream``: deliver messages as pieces as they arrive (``final=True`` on the last)
      instead of whole; a streamed message is never held in memory, so with ``stream=True``
      ``max_message_size=None`` is safe.
    - ``mask_key``: where a client's masking keys come from (``MaskKeys()``: a fresh key of
      ``os.urandom`` per frame; tests pass a fixed one).
    """

    __slots__ = (
        "_deflater",
        "_mask_key",
        "_reader",
        "_sending",
        "_sending_compressed",
        "deflate",
        "receive_message",
        "role",
        "state",
    )

    def __init__(
        self,
        role: Literal["server", "client"],
        *,
        deflate: DeflateParameters | None = None,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        max_frame_size: int | None = None,
        stream: bool = False,
        mask_key: Callable[[], bytes] | None = None,
    ) -> None:
        if role not in ("server", "client"):
            raise ValueError(f"role must be 'server' or 'client', not {role!r}")
        self.role = role
        self.deflate = deflate
        self.state = State.OPEN
        deflater, inflater = deflaters_for(deflate, role) if deflate is not None else (None, None)
        self._deflater: MessageDeflater | None = deflater
        self._reader = MessageReader(role == "server", inflater, max_message_size, max_frame_size, stream)
        # ``receive_message(data)``: ``receive_data(data)`` with a fast path -- when ``data`` is
        # exactly one whole small message (one unfragmented, uncompressed frame) and nothing is
        # buffered, that message (``str`` or ``bytes``) is returned, as its event would carry it,
        # and ``next_event()`` has nothing more; else ``None`` and the events come as usual.
        # The reader's own method, bound once, for speed: it runs for nearly every read.
        self.receive_message: Callable[[bytes | bytearray | memoryview], str | bytes | None] = self._reader.take_message
        # A client masks every frame, with a fresh key from the OS's entropy by default.
        self._mask_key: Callable[[], bytes] | None = None
        if role == "client":
            self._mask_key = mask_key if mask_key is not None else MaskKeys()
        self._sending = 0  # the opcode of a fragmented message being sent, else 0
        self._sending_compressed = False

    # -- receiving --------------------------------------------------------------------
    def receive_data(self, data: bytes | bytearray | memoryview) -> None:
        """Bytes from the peer; ignored once nothing more can be received."""
        self._reader.feed(data)

    def next_event(self) -> Event | None:
        """The next event, or ``None`` until more data arrives (and after the close or a violation)."""
        event = self._reader.next_event()
        if event is None:
            return None
        kind = type(event)
        if kind is CloseReceived:
            self.state = State.CLOSED if self.state is State.LOCAL_CLOSING else State.REMOTE_CLOSING
        elif kind is ProtocolViolation:
            assert isinstance(event, ProtocolViolation)
            if self.state is not State.LOCAL_CLOSING:
                event.data = self._frame(OP_CLOSE, build_close_payload(event.code, event.reason[:120]))
            self.state = State.CLOSED
        return event

    def events(self) -> Iterator[Event]:
        """Every event the data received so far completes."""
        while (event := self.next_event()) is not None:
            yield event

    # -- sending ----------------------------------------------------------------------
    def _frame(self, opcode: int, payload: bytes, fin: bool = True, rsv1: bool = False) -> bytes:
        make_key = self._mask_key
        return build_frame(opcode, payload, fin=fin, rsv1=rsv1, mask_key=None if make_key is None else make_key())

    def _check_open(self) -> None:
        if self.state is State.LOCAL_CLOSING or self.state is State.CLOSED:
            raise LocalProtocolError("the WebSocket is closing: nothing may be sent after a close frame")

    def send(self, data: str | bytes, final: bool = True) -> bytes:
        """A message (``str`` as text, ``bytes`` as binary), or with ``final=False`` one
        fragment of a message that later calls continue; the type must stay the same."""
        if final and not self._sending and self._deflater is None:
            # For speed: a whole uncompressed message (the common case) in this one call.
            state = self.state
            if state is _LOCAL_CLOSING or state is _CLOSED:
                raise LocalProtocolError("the WebSocket is closing: nothing may be sent after a close frame")
            if isinstance(data, str):
                opcode, payload = OP_TEXT, data.encode()
            else:  # bytes, or a bytes-like object a caller passed anyway
                opcode, payload = OP_BINARY, data if type(data) is bytes else bytes(data)
            make_key = self._mask_key
            if make_key is None:
                if len(payload) < 126:
                    return _UNMASKED_HEADS[opcode][len(payload)] + payload
                return message_frame(opcode, payload, None)
            return masked_frame(opcode, payload, make_key())
        head, payload = self.send_parts(data, final)
        return head + payload

    def send_parts(self, data: str | bytes, final: bool = True) -> tuple[bytes, bytes]:
        """``send`` as two pieces: the frame's header and its payload, to be written in that
        order (two writes: a large payload is not copied to join its header)."""
        state = self.state
        if state is _LOCAL_CLOSING or state is _CLOSED:
            raise LocalProtocolError("the WebSocket is closing: nothing may be sent after a close frame")
        if isinstance(data, str):
            opcode, payload = OP_TEXT, data.encode("utf-8")
        else:
            opcode, payload = OP_BINARY, bytes(data)
        make_key = self._mask_key
        if final and not self._sending and self._deflater is None:
            # For speed: a whole uncompressed message (the common case) skips the bookkeeping below.
            return frame_parts(opcode, payload, mask_key=None if make_key is None else make_key())
        first = not self._sending
        if not first and opcode != self._sending:
            raise LocalProtocolError("a fragmented message keeps the type it started with")
        deflater = self._deflater
        if first:
            self._sending_compressed = deflater is not None
        if self._sending_compressed:
            assert deflater is not None
            payload = deflater.compress(payload, final)
        self._sending = 0 if final else opcode
        # RFC 7692 §6.1: RSV1 marks a compressed message on its first frame only.
        return frame_parts(
            opcode if first else OP_CONTINUATION,
            payload,
            fin=final,
            rsv1=first and self._sending_compressed,
            mask_key=None if make_key is None else make_key(),
        )

    def send_text(self, text: str) -> bytes:
        """One text message."""
        return self.send(text)

    def send_bytes(self, data: bytes) -> bytes:
        """One binary message."""
        return self.send(bytes(data))

    def ping(self, data: bytes = b"") -> bytes:
        """A ping (at most 125 bytes of ``data``); the peer answers with a pong of the same data."""
        return self._control(OP_PING, data)

    def pong(self, data: bytes = b"") -> bytes:
        """A pong: the answer to a ``Ping`` event (with its ``data``), or a heartbeat."""
        return self._control(OP_PONG, data)

    def _control(self, opcode: int, data: bytes) -> bytes:
        self._check_open()
        if len(data) > 125:
            raise LocalProtocolError("a ping or pong carries at most 125 bytes")
        return self._frame(opcode, bytes(data))

    def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> bytes:
        """Our close frame; ``b""`` if we already sent one. ``code=1005`` sends no code.

        Answering a ``CloseReceived`` with ``close(event.code)`` completes the handshake: RFC
        6455 §5.5.1 "the endpoint typically echos the status code it received".
        """
        if self.state is State.LOCAL_CLOSING or self.state is State.CLOSED:
            return b""
        payload = build_close_payload(code, reason)
        self.state = State.CLOSED if self.state is State.REMOTE_CLOSING else State.LOCAL_CLOSING
        self._sending = 0
        return self._frame(OP_CLOSE, payload)
