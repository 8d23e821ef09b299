"""``Abort``, and the request found through a ``ContextVar`` (the bottom of the server's modules).

``io.Deliver.json(data)`` and ``raise io.Abort(...)`` find the current request through
``current_request``, so they work from any task the handler starts (tasks copy the context);
the connection sets it to each request before its handler runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from blazeio_common import BlazeioException, ModuleError
from blazeio_server.types import HandlerRequest

__all__ = ["Abort", "current_request", "request_or_current"]

current_request: ContextVar[HandlerRequest] = ContextVar("blazeio_current_request")

_TEXT = "text/plain; charset=utf-8"


class Abort(BlazeioException):
    """Raise to answer at once: ``raise io.Abort("Not Found", 404, {"X": "y"})``.

    Raised after the response head was sent, it closes the connection instead of
    writing a second head.
    """

    def __init__(
        self, message: str = "Something went wrong", status: int = 403, headers: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers) if headers else {}

    async def text(self, r: HandlerRequest | None = None) -> None:
        """Send this abort as the response of ``r`` (or the current request)."""
        await request_or_current(r).respond(self.status, self.headers, self.message.encode(), _TEXT)


def request_or_current(r: HandlerRequest | None) -> HandlerRequest:
    if r is not None:
        return r
    try:
        return current_request.get()
    except LookupError:
        raise ModuleError("no current request: call this from a handler, or pass r") from None
