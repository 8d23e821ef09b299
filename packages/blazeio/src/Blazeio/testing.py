"""``io.TestClient``: call an app in-process, with the real client, over a real loopback socket.

    async with io.TestClient(web) as client:
        async with client.get("/users/5") as resp:
            assert resp.status_code == 200 and await resp.json() == {"id": 5}
        resp = await client.post("/users", json={"name": "Ada"})   # read whole

It lives in the meta package because it is the one place allowed to use both the server
(``LiveServer`` starts the app on an ephemeral 127.0.0.1 port in the running loop and shuts
it down gracefully) and the client (each call is an ``io.getSession``-style ``Session`` on a
pool of its own, closed on exit) -- neither package may import the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from blazeio_client import Pool, Session
from blazeio_server import App
from blazeio_server.testing import LiveServer

__all__ = ["TestClient"]


class TestClient:
    """``get/post/put/patch/delete/head/options(path, headers=None, **options)`` against a running app.

    ``options`` are those of ``io.getSession`` (``json=``, ``body=``, ``params=``, ...); they
    and ``headers`` given here apply to every request, per-call ones win.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, app: App, headers: Mapping[str, Any] | None = None, **options: Any) -> None:
        self.app = app
        self.headers = dict(headers or {})
        self.defaults = options
        self.server = LiveServer(app)
        self.pool: Pool | None = None

    @property
    def base_url(self) -> str:
        return self.server.base_url

    async def __aenter__(self) -> TestClient:
        await self.server.__aenter__()
        self.pool = Pool()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.close()
        await self.server.__aexit__(exc_type, exc, tb)

    def request(self, method: str, path: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        """A ``Session`` for ``method path`` (``path`` starts with ``/``); use ``async with`` or ``await``."""
        if self.pool is None:
            raise RuntimeError("use the TestClient inside 'async with io.TestClient(web) as client:'")
        if not path.startswith("/"):
            raise ValueError(f"a TestClient path starts with '/', not {path!r}")
        merged = {**self.headers, **headers} if headers else self.headers
        return Session(self.base_url + path, method, merged or None, **{**self.defaults, "pool": self.pool, **options})

    def get(self, path: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("GET", path, headers, **options)

    def head(self, path: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("HEAD", path, headers, **options)

    def post(self, path: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("POST", path, headers, **options)

    def put(self, path: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("PUT", path, headers, **options)

    def patch(self, path: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("PATCH", path, headers, **options)

    def delete(self, path: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("DELETE", path, headers, **options)

    def options(self, path: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("OPTIONS", path, headers, **options)
