"""Routes and middleware: ``web.attach(Class)``, ``@web.add_route``, and dispatch.

Names map to paths as in the product document: ``_api_ip`` -> ``/api/ip``, ``__dot__`` ->
``.``, and a ``route="/x"`` default parameter overrides the name. Paths are matched exactly
after percent-decoding (``/a%20b`` is ``/a b``); ``/x`` and ``/x/`` are different routes.

Methods are case-sensitive (RFC 9110 §9.1): one the App does not implement (``get``, ``FOO``)
is refused before any of this, 501, or 405 with ``Allow`` where the path has routes by method.

Order: every ``before_middleware`` (attach order), then the route -- or, when no route
matches, the ``handle_all_middleware`` chain, which stops at the first handler that
prepared a response -- then every ``after_middleware`` in a ``finally``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from blazeio_server.responses import Abort

if TYPE_CHECKING:
    from blazeio_server.protocol import BlazeioProtocol

__all__ = ["Router", "route_name"]

Handler = Callable[["BlazeioProtocol"], Awaitable[Any]]
F = TypeVar("F", bound=Callable[..., Any])

MIDDLEWARE = ("before_middleware", "after_middleware", "handle_all_middleware")


def route_name(name: str) -> str:
    """``_api_ip`` -> ``/api/ip``; ``_robots__dot__txt`` -> ``/robots.txt``."""
    return name.replace("__dot__", ".").replace("_", "/")


def _route_default(func: Callable[..., Any]) -> str | None:
    try:
        parameter = inspect.signature(func).parameters.get("route")
    except (TypeError, ValueError):
        return None
    if parameter is not None and isinstance(parameter.default, str):
        return parameter.default
    return None


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# method = token (RFC 9110 §9.1, §5.6.2)
_METHOD = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
# The methods every App implements: RFC 9110 §9.3's and PATCH (RFC 5789). RFC 9110 §9.1: "The
# method token is case-sensitive", so ``get`` is not GET: it is a method no one implements.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"})


def check_method(method: str) -> str:
    """``method`` if it is a method token (RFC 9110 §9.1), else ``ValueError``."""
    if not isinstance(method, str) or not _METHOD.fullmatch(method):
        raise ValueError(f"{method!r} is not a valid HTTP method (a token, RFC 9110 §9.1)")
    return method


class MethodRoutes:
    """The handlers of one path by method; other methods get 405 with ``Allow`` (RFC 9110 §15.5.6)."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    def add(self, method: str, handler: Handler, path: str) -> None:
        if method in self.handlers:
            raise ValueError(f"duplicate route {method} {path!r}")
        self.handlers[method] = handler

    def not_allowed(self) -> Abort:
        """405 with the methods this path has: RFC 9110 §15.5.6 "MUST generate an Allow header field"."""
        allowed = sorted({*self.handlers, *(("HEAD",) if "GET" in self.handlers else ())} - {"*"})
        return Abort("Method Not Allowed", 405, {"Allow": ", ".join(allowed)})

    async def __call__(self, r: BlazeioProtocol) -> None:
        handler = self.handlers.get(r.method) or self.handlers.get("*")
        if handler is None and r.method == "HEAD":
            handler = self.handlers.get("GET")  # HEAD is answered as GET, without the body
        if handler is None:
            raise self.not_allowed()
        await handler(r)


class RouteDecorators:
    """``@web.route.get("/x")``, ``.post``, ``.put``, ``.patch``, ``.delete``, ``.head``, ``.options``, ``.any``."""

    def __init__(self, router: Router) -> None:
        self._router = router

    def _decorator(self, method: str, path: str) -> Callable[[F], F]:
        def register(func: F) -> F:
            self._router.add_method_route(method, path, func)
            return func

        return register

    def get(self, path: str) -> Callable[[F], F]:
        return self._decorator("GET", path)

    def head(self, path: str) -> Callable[[F], F]:
        return self._decorator("HEAD", path)

    def post(self, path: str) -> Callable[[F], F]:
        return self._decorator("POST", path)

    def put(self, path: str) -> Callable[[F], F]:
        return self._decorator("PUT", path)

    def patch(self, path: str) -> Callable[[F], F]:
        return self._decorator("PATCH", path)

    def delete(self, path: str) -> Callable[[F], F]:
        return self._decorator("DELETE", path)

    def options(self, path: str) -> Callable[[F], F]:
        return self._decorator("OPTIONS", path)

    def any(self, path: str) -> Callable[[F], F]:
        return self._decorator("*", path)

    all = any

    def __call__(self, path: str) -> Callable[[F], F]:
        return self._decorator("*", path)


class Router:
    """Route table and middleware chains of an ``App``."""

    def __init__(self) -> None:
        self.route = RouteDecorators(self)
        self.routes: dict[str, Handler] = {}
        # Methods requests may use; any other is refused before routing (see ``dispatch``).
        self.methods: set[str] = set(KNOWN_METHODS)
        self.before: list[Handler] = []
        self.after: list[Handler] = []
        self.handle_all: list[Handler] = []
        self.attached: list[object] = []

    def _middleware(self, name: str, handler: Handler) -> bool:
        chains = {"before_middleware": self.before, "after_middleware": self.after}
        for kind in MIDDLEWARE:
            if name.endswith(kind):
                chains.get(kind, self.handle_all).append(handler)
                return True
        return False

    def _register(self, path: str, handler: Handler, owner: str) -> None:
        if not path.startswith("/"):
            raise ValueError(f"route {path!r} of {owner} must start with '/'")
        if path in self.routes:
            raise ValueError(f"duplicate route {path!r} (from {owner})")
        self.routes[path] = handler

    def attach(self, obj: Any) -> Any:
        """Register an object's (or a class's fresh instance's) routes and middleware; returns ``obj``."""
        instance = obj() if inspect.isclass(obj) else obj
        self.attached.append(instance)
        owner = type(instance).__name__
        for name in sorted(dir(instance)):
            if name.startswith("__") or not (name.startswith("_") or name.endswith("_middleware")):
                continue
            method = getattr(instance, name, None)
            if not callable(method):
                continue
            if self._middleware(name, method):
                continue
            try:
                parameters = inspect.signature(method).parameters
            except (TypeError, ValueError):
                continue
            if "r" not in parameters:
                continue  # as upstream: a route method takes the request as ``r``
            self._register(_route_default(method) or route_name(name), method, f"{owner}.{name}")
        return obj

    def add_method_route(self, method: str, path: str, handler: Handler) -> None:
        """``handler`` for ``method`` requests to ``path`` (``"*"``: every method); a method
        beyond the standard ones (WebDAV's ``PROPFIND``) is implemented from then on."""
        if method != "*":
            check_method(method)
        existing = self.routes.get(path)
        if existing is None:
            existing = MethodRoutes()
            self._register(path, existing, f"{method} {path}")
        if not isinstance(existing, MethodRoutes):
            raise ValueError(f"duplicate route {path!r}: already registered for every method")
        existing.add(method, handler, path)
        if method != "*":
            self.methods.add(method)

    def add_route(self, func: F | str | None = None, route: str | None = None) -> Any:
        """``@web.add_route`` (path from the name or a ``route=`` default), ``@web.add_route("/x")``
        or ``web.add_route(f, "/x")``."""
        if isinstance(func, str):  # @web.add_route("/x"), as other frameworks spell it
            if route is not None:
                raise TypeError("add_route() got the path twice")
            func, route = None, func
        if func is None:
            return lambda f: self.add_route(f, route)
        if not callable(func):
            raise TypeError(f"add_route() needs a handler function, got {type(func).__name__}")
        name = func.__name__
        if route is None and self._middleware(name, func):
            return func
        self._register(route or _route_default(func) or route_name(name), func, name)
        return func

    def dispatch(self, r: BlazeioProtocol) -> Awaitable[Any]:
        """Run the middleware chains and the route (or the handle-all chain) for ``r``.

        A plain def returning what to await: without before/after middleware (the hot path)
        that is the route's own awaitable -- or a lone handle-all's, such as a StaticServer's
        -- so no coroutine stands between the server and the handler.
        """
        if r.method not in self.methods:
            raise self._unknown_method(r.path)
        path = r.path
        if not (self.before or self.after or "%" in path):
            handler = self.routes.get(path)
            if handler is None and len(self.handle_all) == 1:
                handler = self.handle_all[0]
            if handler is not None:
                return handler(r)
        return self._dispatch_full(r)

    def _unknown_method(self, path: str) -> Abort:
        """RFC 9110 §9.1: "An origin server that receives a request method that is unrecognized
        or not implemented SHOULD respond with the 501 (Not Implemented) status code." Where
        the path has routes by method, 405 lists them instead (RFC 9110 §15.5.6)."""
        try:
            routes = self.routes.get(unquote(path, errors="strict") if "%" in path else path)
        except UnicodeDecodeError:
            routes = None
        if isinstance(routes, MethodRoutes) and "*" not in routes.handlers:
            return routes.not_allowed()
        return Abort("Not Implemented", 501)

    async def _dispatch_full(self, r: BlazeioProtocol) -> None:
        try:
            for before in self.before:
                await before(r)
            path = r.path
            if "%" in path:
                try:
                    path = unquote(path, errors="strict")
                except UnicodeDecodeError:
                    raise Abort("Bad Request: the path is not valid percent-encoded UTF-8", 400) from None
            handler = self.routes.get(path)
            if handler is not None:
                await handler(r)
            elif self.handle_all:
                for handle in self.handle_all:
                    await handle(r)
                    if r._prepared:
                        break
            else:
                raise Abort("Not Found", 404)
        finally:
            for after in self.after:
                await after(r)
