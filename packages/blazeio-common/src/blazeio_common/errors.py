"""The one exception tree of Blazeio.

::

    BlazeioException (Exception)
    ├── Err                        a user-facing error with a message (the seed's ``io.Err``)
    ├── ProtocolError (ValueError) the peer broke HTTP; ``status_code`` is what a server answers
    │   ├── IncompleteBody         the connection ended before the body did (never silent truncation)
    │   └── DecompressionError     a bad or oversized compressed body
    ├── LocalProtocolError (ValueError)  *we* were asked to send something that breaks HTTP
    ├── ClientDisconnected (ConnectionError)
    ├── ServerDisconnected (ConnectionError)
    ├── Protocoltimeout (TimeoutError)
    ├── ServerGotInTrouble, ClientGotInTrouble
    ├── CloseConnection, Eof       control flow inside the server
    ├── Missingdependency (ImportError)
    └── ModuleError

Each also subclasses the matching builtin so that generic ``except ValueError`` /
``except ConnectionError`` / ``except TimeoutError`` clauses keep working.
"""

from __future__ import annotations

__all__ = [
    "BlazeioException",
    "ClientDisconnected",
    "ClientGotInTrouble",
    "CloseConnection",
    "DecompressionError",
    "Eof",
    "Err",
    "IncompleteBody",
    "LocalProtocolError",
    "Missingdependency",
    "ModuleError",
    "ProtocolError",
    "Protocoltimeout",
    "ServerDisconnected",
    "ServerGotInTrouble",
]


class BlazeioException(Exception):
    """Base of every exception Blazeio raises on purpose."""

    def __init__(self, message: str = "", *args: object) -> None:
        super().__init__(message, *args)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Err(BlazeioException):
    """A plain error with a message, for application code (``raise io.Err("...")``)."""


class ProtocolError(BlazeioException, ValueError):
    """The peer sent bytes that are not valid HTTP/1.1.

    ``status_code`` is the status a server answers with before closing (400, 413, 414,
    431, 501, 505); a client treats every ``ProtocolError`` as a broken response.
    """

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


class IncompleteBody(ProtocolError):
    """The connection closed before the declared end of a body."""


class DecompressionError(ProtocolError):
    """A compressed body was corrupt, or inflated past the configured cap."""


class LocalProtocolError(BlazeioException, ValueError):
    """Our own side tried to send something that would break HTTP (e.g. too many body bytes)."""


class ClientDisconnected(BlazeioException, ConnectionError):
    """The client went away while the server was reading or writing."""


class ServerDisconnected(BlazeioException, ConnectionError):
    """The server closed the connection while the client was reading or writing."""


class Protocoltimeout(BlazeioException, TimeoutError):
    """A read, write, connect or pool budget ran out."""


class ServerGotInTrouble(BlazeioException):
    """An unexpected server-side failure."""


class ClientGotInTrouble(BlazeioException):
    """An unexpected client-side failure."""


class CloseConnection(BlazeioException):
    """Control flow: finish the current response and close the connection."""


class Eof(BlazeioException):
    """Control flow: the response is complete; nothing more may be written."""


class Missingdependency(BlazeioException, ImportError):
    """An optional dependency needed by this feature is not installed."""


class ModuleError(BlazeioException):
    """A Blazeio module was used in a way it does not support."""
