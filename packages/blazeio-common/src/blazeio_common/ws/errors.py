"""The WebSocket codec's one exception: a handshake that cannot complete.

Protocol violations on an open connection are not exceptions: they arrive as a
``ProtocolViolation`` event carrying the close code and the close frame to send (see
``events``). Misuse of our own side (sending after close, a control payload over 125
bytes, a close code that may not be sent) raises ``LocalProtocolError``.
"""

from __future__ import annotations

from collections.abc import Iterable

from blazeio_common.errors import ProtocolError

__all__ = ["HandshakeError"]


class HandshakeError(ProtocolError):
    """An opening handshake that cannot complete.

    Server side (``validate_upgrade``): ``status_code`` is the answer to send (400, or 426
    for a request that is no WebSocket upgrade or speaks another version) and ``headers``
    the fields that go with it. Client side (``ClientHandshake.validate``): ``status_code``
    is the status of the response that was refused, ``headers`` is empty.
    """

    def __init__(self, message: str, status_code: int = 400, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message, status_code)
        self.headers: tuple[tuple[str, str], ...] = tuple(headers)
