"""``io.BlazeioProtocol`` (the request object handlers get as ``r``) and ``ConnectionTaskShield``.

The names the product document uses: ``BlazeioProtocol`` is ``ServerRequest`` (one object per
request, see ``request``); the connection that serves them is ``Connection`` (see ``connection``).
"""

from __future__ import annotations

from types import TracebackType

from blazeio_server.connection import ACCESS_LOG, Connection
from blazeio_server.request import ServerRequest

__all__ = ["ACCESS_LOG", "BlazeioProtocol", "Connection", "ConnectionTaskShield"]

BlazeioProtocol = ServerRequest


class ConnectionTaskShield:
    """``async with io.ConnectionTaskShield(r):`` -- finish work even if the client disconnects."""

    __slots__ = ("_previous", "r")

    def __init__(self, r: BlazeioProtocol) -> None:
        self.r = r
        self._previous = r.cancel_on_disconnect

    async def __aenter__(self) -> BlazeioProtocol:
        self._previous = self.r.cancel_on_disconnect
        self.r.cancel_on_disconnect = False
        return self.r

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.r.cancel_on_disconnect = self._previous
