"""The exceptions of an open WebSocket (``io.WebSocket``) and of a refused client handshake.

::

    ProtocolError (ValueError)
    └── WebSocketHandshakeError         the server did not switch to WebSocket (status, headers, body)
    ConnectionError
    └── WebSocketClosed                 the WebSocket is closed: ``code`` and ``reason`` say how

``WebSocketClosed.code`` is the code of the peer's close frame (1005 when it carried none);
the code we sent when *we* failed the connection (1002/1007/1009 for a protocol violation,
1011 for a keepalive timeout); 1006 when the connection ended without a close frame.
"""

from __future__ import annotations

from blazeio_common.errors import BlazeioException, ProtocolError
from blazeio_common.http.headers import Headers

__all__ = ["WebSocketClosed", "WebSocketHandshakeError"]


class WebSocketClosed(BlazeioException, ConnectionError):
    """The WebSocket is closed; nothing more can be received or sent."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"WebSocket closed with {code}" + (f": {reason}" if reason else ""))
        self.code = code
        self.reason = reason


class WebSocketHandshakeError(ProtocolError):
    """The server refused the WebSocket handshake, or answered it wrongly.

    ``status_code``, ``headers`` and ``body`` are the server's response (``body`` holds at
    most the first MiB; it is empty for a 101 that failed validation).
    """

    def __init__(self, message: str, status_code: int, headers: Headers | None = None, body: bytes = b"") -> None:
        super().__init__(message, status_code)
        self.headers = headers if headers is not None else Headers()
        self.body = body
