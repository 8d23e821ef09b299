"""What ``WebSocketConnection.next_event()`` returns: messages, control frames, the close,
or a protocol violation.

Plain ``__slots__`` classes with ``__eq__`` (tests compare events; one is built per message).
A message event with ``final=True`` ends a message. Without streaming every message arrives
as one event with ``final=True``; with ``stream=True`` a message arrives as pieces of the same
type in order, the last one ``final=True`` (possibly empty).
"""

from __future__ import annotations

__all__ = ["BytesMessage", "CloseReceived", "Event", "Ping", "Pong", "ProtocolViolation", "TextMessage"]


class _Event:
    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r:.60}" for name, value in zip(self.__slots__, self._fields(), strict=True))
        return f"{type(self).__name__}({fields})"


class TextMessage(_Event):
    """A text message, or (streaming) a piece of one: ``data`` is already validated UTF-8."""

    __slots__ = ("data", "final")

    def __init__(self, data: str, final: bool = True) -> None:
        self.data = data
        self.final = final


class BytesMessage(_Event):
    """A binary message, or (streaming) a piece of one."""

    __slots__ = ("data", "final")

    def __init__(self, data: bytes, final: bool = True) -> None:
        self.data = data
        self.final = final


class Ping(_Event):
    """A ping; RFC 6455 §5.5.2: the peer expects a pong with the same ``data`` "as soon as is
    practical" (``connection.pong(event.data)``)."""

    __slots__ = ("data",)

    def __init__(self, data: bytes = b"") -> None:
        self.data = data


class Pong(_Event):
    """A pong: the answer to our ping with the same ``data``, or an unsolicited heartbeat."""

    __slots__ = ("data",)

    def __init__(self, data: bytes = b"") -> None:
        self.data = data


class CloseReceived(_Event):
    """The peer's close frame. ``code`` is 1005 when the frame carried none.

    If we had not sent a close yet, answer with ``connection.close(event.code)`` (it echoes
    the code, and sends no code for 1005); the connection's ``state`` is then ``CLOSED``.
    Nothing after this event is parsed: the peer "MUST NOT send any more data frames".
    """

    __slots__ = ("code", "reason")

    def __init__(self, code: int, reason: str = "") -> None:
        self.code = code
        self.reason = reason


class ProtocolViolation(_Event):
    """The peer broke RFC 6455/7692: write ``data`` (our close frame with ``code``; empty if
    we had already sent one), then close the transport. Nothing more is parsed.

    RFC 6455 §7.1.7: "If _The WebSocket Connection is Established_ prior to the point where
    the endpoint is required to _Fail the WebSocket Connection_, the endpoint SHOULD send a
    Close frame with an appropriate status code (Section 7.4) before proceeding to _Close
    the WebSocket Connection_." ``code`` is 1002 (framing), 1007 (bad UTF-8 or compressed
    data) or 1009 (a size limit).
    """

    __slots__ = ("code", "data", "reason")

    def __init__(self, code: int, reason: str, data: bytes = b"") -> None:
        self.code = code
        self.reason = reason
        self.data = data


Event = TextMessage | BytesMessage | Ping | Pong | CloseReceived | ProtocolViolation
