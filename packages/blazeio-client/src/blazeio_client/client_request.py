"""``ClientRequest``: a request as event hooks and a ``MockTransport`` handler see it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from blazeio_common import ddict, loads, parse_query
from blazeio_common.http import Headers

__all__ = ["ClientRequest"]


class ClientRequest:
    """``method``, ``url`` (absolute), ``headers`` and ``body`` (bytes) of one request.

    A ``request`` hook gets the live headers of the request about to be sent: what it changes
    there is sent. ``body`` is the body given up front (empty for one that streams).
    """

    __slots__ = ("body", "headers", "method", "url")

    def __init__(self, method: str, url: str, headers: Headers, body: bytes = b"") -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body

    @property
    def path(self) -> str:
        """The URL's path, without the query."""
        return urlsplit(self.url).path or "/"

    @property
    def params(self) -> dict[str, Any]:
        """The query's parameters (a repeated name gives a list)."""
        return parse_query(urlsplit(self.url).query)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        data = loads(self.body)
        return ddict(data) if isinstance(data, dict) else data

    def __repr__(self) -> str:
        return f"<ClientRequest {self.method} {self.url}>"
