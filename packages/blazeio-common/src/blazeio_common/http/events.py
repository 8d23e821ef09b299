"""What the receivers return: heads, body data, the end of a message, or a wait state.

Plain ``__slots__`` classes rather than dataclasses: one is built per request on the
server's hot path.
"""

from __future__ import annotations

from enum import Enum
from typing import Self

from blazeio_common.http.headers import Headers

__all__ = [
    "NEED_DATA",
    "PAUSED",
    "ConnectionClosed",
    "Data",
    "EndOfMessage",
    "InformationalResponse",
    "Request",
    "Response",
    "Wait",
]


class Wait(Enum):
    """``NEED_DATA``: feed more bytes. ``PAUSED``: a message is complete; call ``start_next_cycle``."""

    NEED_DATA = "NEED_DATA"
    PAUSED = "PAUSED"


NEED_DATA = Wait.NEED_DATA
PAUSED = Wait.PAUSED


class Request:
    """A parsed request head. ``content_length`` is ``None`` for chunked bodies."""

    __slots__ = ("chunked", "content_length", "expect_continue", "headers", "keep_alive", "method", "target", "version")

    def __init__(
        self,
        method: str,
        target: str,
        version: str,
        headers: Headers,
        keep_alive: bool,
        content_length: int | None,
        chunked: bool,
        expect_continue: bool,
    ) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.keep_alive = keep_alive
        self.content_length = content_length
        self.chunked = chunked
        self.expect_continue = expect_continue

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.target} HTTP/{self.version}>"

    def __copy__(self) -> Request:
        # A shallow copy (the same Headers). Without this, copy.copy() goes through
        # __reduce_ex__ for a slotted class: ten times slower, and a head cache copies each
        # head it stores.
        return Request(
            self.method, self.target, self.version, self.headers, self.keep_alive, self.content_length,
            self.chunked, self.expect_continue,
        )  # fmt: skip


class Response:
    """A parsed final response head. ``content_length`` is ``None`` unless the body is length-framed."""

    __slots__ = ("content_length", "framing", "headers", "keep_alive", "reason", "status_code", "version")

    def __init__(
        self,
        status_code: int,
        reason: str,
        version: str,
        headers: Headers,
        keep_alive: bool,
        framing: str,
        content_length: int | None,
    ) -> None:
        self.status_code = status_code
        self.reason = reason
        self.version = version
        self.headers = headers
        self.keep_alive = keep_alive
        self.framing = framing
        self.content_length = content_length

    def __repr__(self) -> str:
        return f"<Response {self.status_code} {self.reason!r}>"

    def __copy__(self) -> Self:
        # As Request.__copy__; of the same class (an InformationalResponse stays one).
        return type(self)(
            self.status_code, self.reason, self.version, self.headers, self.keep_alive, self.framing,
            self.content_length,
        )  # fmt: skip


class InformationalResponse(Response):
    """A 1xx response; the final response follows (except after 101, which switches protocols)."""

    __slots__ = ()


class Data:
    """A piece of a decoded body; never empty."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"<Data {len(self.data)} bytes>"


class EndOfMessage:
    """The body is complete. ``trailers`` holds a chunked body's trailer fields."""

    __slots__ = ("_trailers",)

    def __init__(self, trailers: Headers | None = None) -> None:
        self._trailers = trailers

    @property
    def trailers(self) -> Headers:
        # Made on first access: almost no message has trailers, and this is the hot path.
        if self._trailers is None:
            self._trailers = Headers()
        return self._trailers

    def __repr__(self) -> str:
        return f"<EndOfMessage trailers={len(self.trailers)}>"


class ConnectionClosed:
    """The peer closed the connection cleanly between messages."""

    __slots__ = ()
