"""``io.getSession``: the client's entry point, as the product document uses it.

async with io.getSession.get(url, headers) as resp: ...
async with io.getSession(url, "POST", headers, json=...) as resp: ...
resp = await io.getSession.get(url)            # the whole response, read
async with io.getSession.websocket("wss://host/path") as ws: ...

The module-level default client: one shared pool, no cookie jar (a response's Set-Cookie is not
kept for later requests; use ``io.Client`` for that). ``auth=`` and ``retries=`` work per request.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from blazeio_client.download import download
from blazeio_client.session import DEFAULT_POOL, Session
from blazeio_client.websocket import WebSocketConnect

__all__ = ["getSession"]


class _GetSession:
    def __call__(
        self, url: str, method: str = "GET", headers: Mapping[str, Any] | None = None, **options: Any
    ) -> Session:
        return Session(url, method, headers, **options)

    def get(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return Session(url, "GET", headers, **options)

    def head(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return Session(url, "HEAD", headers, **options)

    def post(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return Session(url, "POST", headers, **options)

    def put(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return Session(url, "PUT", headers, **options)

    def patch(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return Session(url, "PATCH", headers, **options)

    def delete(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return Session(url, "DELETE", headers, **options)

    def options(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return Session(url, "OPTIONS", headers, **options)

    def websocket(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> WebSocketConnect:
        """A WebSocket connection (``ws://`` or ``wss://``): ``async with io.getSession.websocket(url) as ws``.

        Options: ``protocols``, ``compress``, ``max_message_size``, ``max_queue``,
        ``max_queue_bytes``, ``ping_interval``, ``ping_timeout``, ``close_timeout``,
        ``timeout``, ``ssl``, ``proxy`` (see ``WebSocketConnect`` and ``io.WebSocket``).
        """
        return WebSocketConnect(url, headers, **options)

    async def download(
        self,
        url: str,
        path: str | os.PathLike[str],
        *,
        resume: bool = True,
        progress: Callable[[int, int | None], Any] | None = None,
        **options: Any,
    ) -> str:
        """Download ``url`` to ``path``, resuming a ``path + ".part"`` left by an earlier attempt."""
        return await download(self, url, path, resume=resume, progress=progress, **options)

    @staticmethod
    def close() -> None:
        """Close the default pool's idle connections."""
        DEFAULT_POOL.close()


getSession = _GetSession()
