"""Routes, route groups and middleware: ``web.attach(...)``, ``@web.add_route``, ``url_for``, dispatch.

Names map to paths as in the product document: ``_api_ip`` -> ``/api/ip``, ``__dot__`` ->
``.``, and a ``route="/x"`` default parameter overrides the name. A path may hold parameters,
``/users/{id:int}`` (see ``route_patterns``), whose converted values are ``r.path_params``.
Paths are matched after percent-decoding (``/a%20b`` is ``/a b``), segment by segment;
``/x`` and ``/x/`` are different routes.

Methods are case-sensitive (RFC 9110 §9.1): one the App does not implement (``get``, ``FOO``)
is refused before any of this, 501, or 405 with ``Allow`` where the path has routes by method.

Order: every ``before_middleware`` (attach order), then the route -- or, when no route
matches, the ``handle_all_middleware`` chain, which stops at the first handler that
prepared a response -- then every ``after_middleware`` in a ``finally``.

Groups: ``io.Router(prefix="/api")`` has the same registration API; ``web.attach(router)``
adds its routes under the prefix (routers nest). A group's before/after middleware wrap its
own routes only, inside the app's; its ``handle_all_middleware`` answers unmatched paths
under its prefix (the innermost such group), before the app's own chain.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from blazeio_server.abort import Abort
from blazeio_server.route_decorators import RouteDecorators
from blazeio_server.route_patterns import RouteError
from blazeio_server.route_table import ANY, RouteTable, Scope, scoped
from blazeio_server.types import HandlerRequest

__all__ = ["RouteError", "Router", "route_name"]

Handler = Callable[["HandlerRequest"], Awaitable[Any]]
F = TypeVar("F", bound=Callable[..., Any])
# (method, path as this router sees it, handler, groups around it, name)
RouteSpec = tuple[str, str, Handler, tuple[Scope, ...], str]
GroupSpec = tuple[str, tuple["Router", ...]]  # (prefix as this router sees it, groups down to it)

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


def _prefix(prefix: str) -> str:
    if prefix in ("", "/"):
        return ""
    if not prefix.startswith("/") or "{" in prefix:
        raise RouteError(f"a router prefix is a literal path starting with '/', not {prefix!r}")
    return prefix.rstrip("/")


class Router:
    """A route table with its own middleware: the base of ``App``, and ``io.Router(prefix=...)`` for groups.

    ``name`` (optional) qualifies its route names in the app: ``url_for("v1.list_users")``.
    """

    def __init__(self, prefix: str = "", *, name: str | None = None) -> None:
        self.prefix = _prefix(prefix)
        self.name = name
        self.route = RouteDecorators(self)
        self.table = RouteTable(self._dispatch_full)
        self.routes = self.table.exact  # path -> handler: the exact-match hot path
        # Methods requests may use; any other is refused before routing (see ``dispatch``).
        self.methods: set[str] = set(KNOWN_METHODS)
        self.before: list[Handler] = []
        self.after: list[Handler] = []
        self.handle_all: list[Handler] = []
        self.attached: list[object] = []
        self.parent: Router | None = None
        self.groups: list[GroupSpec] = []  # every group below, innermost (longest prefix) first
        self.group_fallbacks = False  # some group below has a handle_all_middleware

    # -- registration --------------------------------------------------------------------
    def _scope(self) -> tuple[Router, ...]:
        """The groups whose middleware this router adds around its routes (an App runs its own)."""
        return (self,)

    def _middleware(self, name: str, handler: Handler) -> bool:
        chains = {"before_middleware": self.before, "after_middleware": self.after}
        for kind in MIDDLEWARE:
            if name.endswith(kind):
                chains.get(kind, self.handle_all).append(handler)
                for router in self._lineage():
                    if kind == "handle_all_middleware":
                        router.group_fallbacks |= router is not self
                    else:
                        router.table.refresh()  # routes already added get wrapped now
                return True
        return False

    def _lift(
        self, child: Router, routes: list[RouteSpec], groups: list[GroupSpec]
    ) -> tuple[list[RouteSpec], list[GroupSpec]]:
        """Routes and groups of ``child`` as this router sees them."""
        scope, prefix = self._scope(), self.prefix
        qualify = (lambda name: f"{child.name}.{name}") if child.name else (lambda name: name)
        return (
            [
                (method, prefix + path, handler, scope + inner, qualify(name))
                for method, path, handler, inner, name in routes
            ],
            [(prefix + path, scope + inner) for path, inner in groups],
        )

    def _add(self, routes: list[RouteSpec], groups: list[GroupSpec] | None = None) -> None:
        """Add here and to every router above; all are checked before any table changes."""
        levels: list[tuple[Router, list[RouteSpec], list[GroupSpec]]] = [(self, routes, groups or [])]
        while (parent := levels[-1][0].parent) is not None:
            levels.append((parent, *parent._lift(levels[-1][0], levels[-1][1], levels[-1][2])))
        for router, specs, _ in levels:
            for method, path, *_ in specs:
                router.table.check(method, path)
        for router, specs, found in levels:
            for spec in specs:
                router.table.add(*spec)
            router.groups = sorted([*router.groups, *found], key=lambda group: -len(group[0]))

    def _route(self, method: str, path: str, handler: Handler, name: str | None) -> None:
        if not path.startswith("/"):
            raise RouteError(f"route {path!r} of {name} must start with '/'")
        label = name or str(getattr(handler, "__name__", type(handler).__name__))
        self._add([(method, self.prefix + path, handler, self._scope(), label)])

    def _lineage(self) -> Iterator[Router]:
        """This router, then each router it is attached to, up to the app."""
        router: Router | None = self
        while router is not None:
            yield router
            router = router.parent

    def _mount(self, router: Router) -> None:
        if any(ancestor is router for ancestor in self._lineage()):
            raise RouteError("a router cannot be attached inside itself")
        if router.parent is not None:
            raise RouteError(f"router {router.prefix or '/'!r} is already attached")
        if router._scope() == ():
            raise RouteError("an App cannot be attached to another; use io.Router for a group")
        routes = [(b.method, b.template.path, b.handler, b.scope, b.name) for b in router.table.bindings()]
        groups = [(router.prefix, (router,)), *router.groups]
        lifted = self._lift(router, routes, groups)
        self._add(*lifted)
        router.parent = self
        fallbacks = bool(router.handle_all or router.group_fallbacks)
        for ancestor in self._lineage():
            ancestor.methods |= router.methods  # the group's own methods are implemented by the App too
            ancestor.group_fallbacks |= fallbacks

    def attach(self, obj: Any) -> Any:
        """Register a router, or an object's (or a class's fresh instance's) routes and middleware; returns ``obj``."""
        if inspect.isclass(obj) and issubclass(obj, Router):
            obj = obj()
        if isinstance(obj, Router):
            self._mount(obj)
            self.attached.append(obj)
            return obj
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
            path = _route_default(method) or route_name(name)
            if not path.startswith("/"):
                raise RouteError(f"route {path!r} of {owner}.{name} must start with '/'")
            self._route(ANY, path, method, name)
        return obj

    def add_method_route(self, method: str, path: str, handler: Handler, *, name: str | None = None) -> None:
        """``handler`` for ``method`` (``*``: every method) on ``path``; a method beyond the
        standard ones (WebDAV's ``PROPFIND``) is implemented from then on."""
        if method != ANY:
            check_method(method)
        self._route(method, path, handler, name)
        if method != ANY:
            for router in self._lineage():  # the App refuses methods it does not know before routing
                router.methods.add(method)

    def add_route(self, func: F | str | None = None, route: str | None = None, *, name: str | None = None) -> Any:
        """``@web.add_route`` (path from the name or a ``route=`` default), ``@web.add_route("/x")``
        or ``web.add_route(f, "/x")``; ``name="..."`` names it for ``url_for``."""
        if isinstance(func, str):  # @web.add_route("/x"), as other frameworks spell it
            if route is not None:
                raise TypeError("add_route() got the path twice")
            func, route = None, func
        if func is None:
            return lambda f: self.add_route(f, route, name=name)
        if not callable(func):
            raise TypeError(f"add_route() needs a handler function, got {type(func).__name__}")
        label = func.__name__
        if route is None and self._middleware(label, func):
            return func
        self._route(ANY, route or _route_default(func) or route_name(label), func, name or label)
        return func

    def url_for(self, name: str, /, **params: Any) -> str:
        """The path of the route named ``name`` with ``params`` filled in (converted back, percent-encoded).

        A name is the handler's function or method name unless ``name=`` was given; an unknown
        name, a missing or extra parameter, or a value its converter refuses is a ``RouteError``.
        """
        path = self.table.template(name).render(params)
        for router in self._lineage():
            if router is not self:
                path = router.prefix + path
        return path

    # -- dispatch -------------------------------------------------------------------------
    def dispatch(self, r: HandlerRequest) -> Awaitable[Any]:
        """Run the middleware chains and the route (or the handle-all chain) for ``r``.

        A plain def returning what to await: without before/after middleware (the hot path)
        that is the route's own awaitable -- or a lone handle-all's, such as a StaticServer's
        -- so no coroutine stands between the server and the handler. An exact path costs
        one dict lookup; a pattern the quick trie walk.
        """
        if r.method not in self.methods:
            raise self._unknown_method(r.path, r.method)
        path = r.path
        if not (self.before or self.after or "%" in path):
            handler = self.routes.get(path)
            if handler is not None:
                return handler(r)
            table = self.table
            found = table.lookup(path, r.method) if table.patterns and path[:1] == "/" else None
            if found:
                binding, values = found
                r.path_params = dict(zip(binding.names, values, strict=True))
                return binding.target(r)
            if found is None and len(self.handle_all) == 1 and not self.group_fallbacks:
                return self.handle_all[0](r)
        return self._dispatch_full(r)

    def _unknown_method(self, path: str, method: str) -> Abort:
        """RFC 9110 §9.1: "An origin server that receives a request method that is unrecognized
        or not implemented SHOULD respond with the 501 (Not Implemented) status code." Where
        the path has routes by method, 405 lists them instead (RFC 9110 §15.5.6)."""
        try:
            self.table.resolve(path, method)
        except Abort as exc:  # 405 with Allow (or 400 for a path that is not UTF-8)
            return exc
        return Abort("Not Implemented", 501)

    async def _dispatch_full(self, r: HandlerRequest) -> None:
        try:
            for before in self.before:
                await before(r)
            found = self.table.resolve(r.path, r.method)
            if found is not None:
                binding, values = found
                if values:
                    r.path_params = dict(zip(binding.names, values, strict=True))
                await binding.target(r)
            else:
                await self._no_route(r)
        finally:
            for after in self.after:
                await after(r)

    async def _no_route(self, r: HandlerRequest) -> None:
        path = r.path
        for prefix, scope in self.groups:
            group = scope[-1]
            if group.handle_all and path.startswith(prefix) and path[len(prefix) : len(prefix) + 1] in ("", "/"):
                await scoped(group._handle_all_chain, scope)(r)
                if r.prepared:
                    return
                break  # only the innermost group's chain; then the app's own
        if not self.handle_all:
            raise Abort("Not Found", 404)
        await self._handle_all_chain(r)

    async def _handle_all_chain(self, r: HandlerRequest) -> None:
        for handle in self.handle_all:
            await handle(r)
            if r.prepared:
                break
