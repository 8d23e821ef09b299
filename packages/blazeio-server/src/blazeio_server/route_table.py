"""The route table: exact paths in a dict, parameterised routes in a segment trie.

An exact route costs one dict lookup. A pattern is looked up by walking the trie one
segment at a time, trying at each node, in this order: the literal child (a dict lookup),
the typed parameters (``int``, ``float``, ``uuid``), a ``str`` parameter, then a ``path``
parameter, which takes the rest. That order *is* the precedence, so it does not depend on
the order routes were registered in; two routes of the same shape are a conflict.

The hot lookup (``lookup``) walks greedily and never backtracks; only when that walk took a
branch that had alternatives and then failed -- or found the path for another method -- does
``resolve`` search the whole trie in precedence order (each node at most once). The request
path is split on ``/`` *before* percent-decoding, so ``a%2Fb`` is one segment (``a/b``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, Protocol
from urllib.parse import unquote

from blazeio_server.abort import Abort
from blazeio_server.route_patterns import Converter, RouteError, Template, parse_template
from blazeio_server.types import HandlerRequest

__all__ = ["Binding", "Endpoint", "RouteTable", "Scope"]

Handler = Callable[["HandlerRequest"], Awaitable[Any]]
ANY = "*"
SEARCH: tuple[()] = ()  # lookup(): "the quick walk cannot tell, resolve() must search"


class Scope(Protocol):
    """A route group whose middleware wraps its routes."""

    before: list[Handler]
    after: list[Handler]


def scoped(handler: Handler, scope: Sequence[Scope]) -> Handler:
    """``handler`` inside the before/after middleware of its groups (outermost first; afters in a finally)."""

    async def run(r: HandlerRequest) -> None:
        try:
            for group in scope:
                for before in group.before:
                    await before(r)
            await handler(r)
        finally:
            for group in reversed(scope):
                for after in group.after:
                    await after(r)

    return run


class Binding:
    """One handler of a route for one method (or ``*``), with the groups it belongs to."""

    __slots__ = ("handler", "method", "name", "names", "scope", "target", "template")

    def __init__(self, method: str, template: Template, handler: Handler, scope: tuple[Scope, ...], name: str) -> None:
        self.method = method
        self.template = template
        self.names = template.names
        self.handler = handler
        self.scope = scope
        self.name = name
        self.target = handler
        self.refresh()

    def refresh(self) -> None:
        # Only routes whose groups have middleware pay for the wrapper.
        wrap = any(group.before or group.after for group in self.scope)
        self.target = scoped(self.handler, self.scope) if wrap else self.handler


class Endpoint:
    """The bindings of one route shape by method; other methods get 405 with ``Allow`` (RFC 9110 §15.5.6)."""

    __slots__ = ("bindings", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.bindings: dict[str, Binding] = {}

    def check(self, method: str, path: str) -> None:
        if ANY in self.bindings or (method == ANY and self.bindings):
            if method == ANY:
                raise RouteError(f"duplicate route {path!r} (the same paths as {self.path!r})")
            raise RouteError(f"duplicate route {path!r}: already registered for every method")
        if method in self.bindings:
            raise RouteError(f"duplicate route {method} {path!r} (the same paths as {self.path!r})")

    def pick(self, method: str) -> Binding | None:
        bindings = self.bindings
        binding = bindings.get(method) or bindings.get(ANY)
        if binding is None and method == "HEAD":
            binding = bindings.get("GET")  # HEAD is answered as GET, without the body
        return binding

    def allowed(self) -> set[str]:
        return {*self.bindings, *(("HEAD",) if "GET" in self.bindings else ())}


class Node:
    """A trie node: children by literal segment, by typed parameter, the ``str`` child, a ``path`` end."""

    __slots__ = ("endpoint", "forks", "literals", "param", "rest", "typed")

    def __init__(self) -> None:
        self.literals: dict[str, Node] = {}
        self.typed: list[tuple[Converter, Node]] = []
        self.param: Node | None = None
        self.rest: Endpoint | None = None
        self.endpoint: Endpoint | None = None
        self.forks = False  # more than one way on from here: a failed walk below must search

    def _update_forks(self) -> None:
        kinds = bool(self.literals) + len(self.typed) + (self.param is not None) + (self.rest is not None)
        self.forks = kinds > 1

    def child(self, segment: str | tuple[str, Converter], create: bool) -> Node | None:
        if isinstance(segment, str):
            node = self.literals.get(segment)
            if node is None and create:
                node = self.literals[segment] = Node()
        elif segment[1].name == "str":
            node = self.param
            if node is None and create:
                node = self.param = Node()
        else:
            converter = segment[1]
            node = next((child for known, child in self.typed if known is converter), None)
            if node is None and create:
                node = Node()
                self.typed.append((converter, node))
                self.typed.sort(key=lambda pair: pair[0].rank)
        if create:
            self._update_forks()
        return node

    def end(self, rest: bool, path: str, create: bool) -> Endpoint | None:
        """The endpoint of a route ending here (``rest``: in a ``path`` parameter)."""
        endpoint = self.rest if rest else self.endpoint
        if endpoint is None and create:
            endpoint = Endpoint(path)
            if rest:
                self.rest = endpoint
                self._update_forks()
            else:
                self.endpoint = endpoint
        return endpoint


class MethodDispatch:
    """What the exact-path dict holds for a path with per-method handlers: a plain call, no coroutine."""

    __slots__ = ("endpoint", "fallback")

    def __init__(self, endpoint: Endpoint, fallback: Handler) -> None:
        self.endpoint = endpoint
        self.fallback = fallback

    def __call__(self, r: HandlerRequest) -> Awaitable[Any]:
        binding = self.endpoint.pick(r.method)
        if binding is None:
            return self.fallback(r)  # a pattern may take this method, else 405
        return binding.target(r)


Found = tuple[Binding, list[Any]]


class RouteTable:
    """Every route of a router (and of the groups attached to it), ready to match."""

    def __init__(self, fallback: Handler) -> None:
        self.fallback = fallback  # runs the full resolution (see MethodDispatch)
        self.exact: dict[str, Handler] = {}  # the hot path: path -> what to call
        self.exact_endpoints: dict[str, Endpoint] = {}
        self.endpoints: list[Endpoint] = []
        self.root = Node()
        self.patterns = 0
        self.names: dict[str, dict[str, Template]] = {}

    # -- registration ----------------------------------------------------------------------
    def _endpoint(self, template: Template, create: bool) -> Endpoint | None:
        if template.is_exact:
            endpoint = self.exact_endpoints.get(template.path)
            if endpoint is None and create:
                endpoint = self.exact_endpoints[template.path] = Endpoint(template.path)
            return endpoint
        node: Node | None = self.root
        segments = template.segments
        rest = isinstance(segments[-1], tuple) and segments[-1][1].name == "path"
        for segment in segments[:-1] if rest else segments:
            assert node is not None
            node = node.child(segment, create)
            if node is None:
                return None
        assert node is not None
        return node.end(rest, template.path, create)

    def check(self, method: str, path: str) -> Template:
        """The parsed template; a ``RouteError`` if it is malformed or taken for ``method``."""
        template = parse_template(path)
        endpoint = self._endpoint(template, create=False)
        if endpoint is not None:
            endpoint.check(method, path)
        return template

    def add(self, method: str, path: str, handler: Handler, scope: tuple[Scope, ...], name: str) -> None:
        template = self.check(method, path)
        endpoint = self._endpoint(template, create=True)
        assert endpoint is not None
        if not endpoint.bindings:
            self.endpoints.append(endpoint)
            self.patterns += not template.is_exact
        endpoint.bindings[method] = Binding(method, template, handler, scope, name)
        if template.is_exact:
            self._publish(endpoint)
        self.names.setdefault(name, {})[template.path] = template

    def _publish(self, endpoint: Endpoint) -> None:
        only = endpoint.bindings.get(ANY)
        self.exact[endpoint.path] = only.target if only is not None else MethodDispatch(endpoint, self.fallback)

    def refresh(self) -> None:
        """Re-wrap every route after a group's middleware changed."""
        for endpoint in self.endpoints:
            for binding in endpoint.bindings.values():
                binding.refresh()
            if endpoint.path in self.exact_endpoints:
                self._publish(endpoint)

    def bindings(self) -> Iterator[Binding]:
        for endpoint in self.endpoints:
            yield from endpoint.bindings.values()

    def template(self, name: str) -> Template:
        """The route named ``name`` (for ``url_for``)."""
        templates = self.names.get(name)
        if not templates:
            raise RouteError(f"no route is named {name!r}")
        if len(templates) > 1:
            raise RouteError(
                f"the name {name!r} is ambiguous ({', '.join(templates)}): give each name=... when registering"
            )
        return next(iter(templates.values()))

    # -- matching ---------------------------------------------------------------------------
    def lookup(self, path: str, method: str) -> Found | tuple[()] | None:
        """The quick walk for a path without ``%`` that starts with ``/``.

        ``(binding, values)`` on a match; ``None`` when no route can match; ``SEARCH`` (falsy)
        when only ``resolve`` can tell (a branch with alternatives failed, or another method).
        """
        node = self.root
        values: list[Any] = []
        segments = path[1:].split("/")
        branched = False
        endpoint = None
        for index, segment in enumerate(segments):
            if node.forks:
                branched = True
            child = node.literals.get(segment)
            if child is None:
                for converter, typed in node.typed:
                    try:
                        values.append(converter.convert(segment))
                    except ValueError:
                        continue
                    child = typed
                    break
                else:
                    if segment and node.param is not None:
                        values.append(segment)
                        child = node.param
                if child is None:
                    if node.rest is None:
                        return SEARCH if branched else None
                    values.append("/".join(segments[index:]))
                    endpoint = node.rest
                    break
            node = child
        else:
            endpoint = node.endpoint
        if endpoint is None:
            return SEARCH if branched else None
        binding = endpoint.pick(method)
        if binding is None:
            return SEARCH
        return binding, values

    def resolve(self, path: str, method: str) -> Found | None:
        """The full search: exact, then patterns in precedence order; 405 if only other methods match."""
        segments: list[str] | None = None
        key: str | None = path
        if path.startswith("/"):
            segments = path[1:].split("/")
            if "%" in path:
                try:
                    segments = [unquote(s, errors="strict") if "%" in s else s for s in segments]
                except UnicodeDecodeError:
                    raise Abort("Bad Request: the path is not valid percent-encoded UTF-8", 400) from None
                # An encoded "/" is data inside a segment: it never matches a "/" of a route.
                key = None if any("/" in s for s in segments) else "/" + "/".join(segments)
        allowed: set[str] = set()
        endpoint = self.exact_endpoints.get(key) if key is not None else None
        if endpoint is not None:
            binding = endpoint.pick(method)
            if binding is not None:
                return binding, []
            allowed |= endpoint.allowed()
        if segments is not None and self.patterns:
            for endpoint, values in _candidates(self.root, segments, 0, []):
                binding = endpoint.pick(method)
                if binding is not None:
                    return binding, values
                allowed |= endpoint.allowed()
        if allowed:
            raise Abort("Method Not Allowed", 405, {"Allow": ", ".join(sorted(allowed))})
        return None


def _candidates(node: Node, segments: list[str], index: int, values: list[Any]) -> Iterator[tuple[Endpoint, list[Any]]]:
    """Every route matching ``segments[index:]`` below ``node``, in precedence order."""
    if index == len(segments):
        if node.endpoint is not None:
            yield node.endpoint, values
        return
    segment = segments[index]
    child = node.literals.get(segment)
    if child is not None:
        yield from _candidates(child, segments, index + 1, values)
    for converter, typed in node.typed:
        try:
            value = converter.convert(segment)
        except ValueError:
            continue  # does not convert: simply not this route
        yield from _candidates(typed, segments, index + 1, [*values, value])
    if segment and node.param is not None:
        yield from _candidates(node.param, segments, index + 1, [*values, segment])
    if node.rest is not None:
        yield node.rest, [*values, "/".join(segments[index:])]
