"""``@web.route.get("/users/{id:int}")`` and its siblings: a handler for one method of a path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

__all__ = ["RouteDecorators"]

F = TypeVar("F", bound=Callable[..., Any])


class _Registrar(Protocol):
    def add_method_route(self, method: str, path: str, handler: Any, *, name: str | None = None) -> None: ...


class RouteDecorators:
    """``.get``, ``.head``, ``.post``, ``.put``, ``.patch``, ``.delete``, ``.options``, ``.any`` (every method).

    ``name="..."`` names the route for ``url_for`` (default: the function's name).
    """

    def __init__(self, router: _Registrar) -> None:
        self._router = router

    def _decorator(self, method: str, path: str, name: str | None) -> Callable[[F], F]:
        def register(func: F) -> F:
            self._router.add_method_route(method, path, func, name=name)
            return func

        return register

    def get(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self._decorator("GET", path, name)

    def head(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self._decorator("HEAD", path, name)

    def post(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self._decorator("POST", path, name)

    def put(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self._decorator("PUT", path, name)

    def patch(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self._decorator("PATCH", path, name)

    def delete(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self._decorator("DELETE", path, name)

    def options(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self._decorator("OPTIONS", path, name)

    def any(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self._decorator("*", path, name)

    all = any

    def __call__(self, path: str, *, name: str | None = None) -> Callable[[F], F]:
        return self._decorator("*", path, name)
