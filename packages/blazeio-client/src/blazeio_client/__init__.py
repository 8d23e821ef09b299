"""blazeio-client: the asyncio HTTP/1.1 client (getSession, io.Client, pooling, full-duplex streaming).

It depends on blazeio-common only and never imports the server.
"""

from __future__ import annotations

from blazeio_client.__about__ import __version__
from blazeio_client.auth import AuthError, BasicAuth, BearerAuth, DigestAuth
from blazeio_client.client import Client, ClientClosed
from blazeio_client.client_request import ClientRequest
from blazeio_client.connection import ConnectError, ProxyError
from blazeio_client.cookies import Cookie, CookieError, CookieJar
from blazeio_client.download import DownloadError, IncompleteDownload, RangeMismatch
from blazeio_client.get_session import getSession
from blazeio_client.mock_transport import MockResponse, MockTransport
from blazeio_client.pool import Pool
from blazeio_client.retry import Retry
from blazeio_client.rvtools import Rvtools
from blazeio_client.session import Session, TooManyRedirects
from blazeio_client.timeouts import ConnectTimeout, PoolTimeout, ReadTimeout, Timeout, WriteTimeout

__all__ = [
    "__version__",
    "AuthError",
    "BasicAuth",
    "BearerAuth",
    "Client",
    "ClientClosed",
    "ClientRequest",
    "ConnectError",
    "ConnectTimeout",
    "Cookie",
    "CookieError",
    "CookieJar",
    "DigestAuth",
    "DownloadError",
    "IncompleteDownload",
    "MockResponse",
    "MockTransport",
    "Pool",
    "PoolTimeout",
    "ProxyError",
    "RangeMismatch",
    "ReadTimeout",
    "Retry",
    "Rvtools",
    "Session",
    "Timeout",
    "TooManyRedirects",
    "WriteTimeout",
    "getSession",
]
