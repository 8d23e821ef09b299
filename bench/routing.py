"""Route lookup speed on the GitHub REST API's route table, side by side with other Python routers.

    python bench/routing.py [--passes 200] [--repeat 5]

The table is the classic router benchmark set (GitHub API v3, 203 routes, as in Julien
Schmidt's go-http-routing-benchmark): static and parameterised paths, several methods on
one path. Each router gets the same routes and looks up every route once per pass (with
sample parameter values); the best of ``--repeat`` runs is reported, in nanoseconds per
lookup, for the static routes, the parameterised ones and all of them.

Every lookup is checked to find its own route (and its parameters) before timing, so a
router that gets a path wrong fails the run instead of looking fast. What is timed is what
a request pays to be routed, without middleware or a handler call:

- Blazeio: the server's own dispatch steps (the exact-path dict, then the trie walk);
- Starlette: ``Router``'s loop over ``route.matches(scope)``, as ``Router.app`` runs it;
- aiohttp: ``await UrlDispatcher.resolve(request)`` (requests made beforehand);
- sanic-routing: ``router.get(path, method)`` after ``finalize()``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import Blazeio as io

# method path, ":name" parameters (transcribed from the benchmark set named above).
GITHUB_API = """
GET /authorizations
GET /authorizations/:id
POST /authorizations
DELETE /authorizations/:id
GET /applications/:client_id/tokens/:access_token
DELETE /applications/:client_id/tokens
DELETE /applications/:client_id/tokens/:access_token
GET /events
GET /repos/:owner/:repo/events
GET /networks/:owner/:repo/events
GET /orgs/:org/events
GET /users/:user/received_events
GET /users/:user/received_events/public
GET /users/:user/events
GET /users/:user/events/public
GET /users/:user/events/orgs/:org
GET /feeds
GET /notifications
GET /repos/:owner/:repo/notifications
PUT /notifications
PUT /repos/:owner/:repo/notifications
GET /notifications/threads/:id
GET /notifications/threads/:id/subscription
PUT /notifications/threads/:id/subscription
DELETE /notifications/threads/:id/subscription
GET /repos/:owner/:repo/stargazers
GET /users/:user/starred
GET /user/starred
GET /user/starred/:owner/:repo
PUT /user/starred/:owner/:repo
DELETE /user/starred/:owner/:repo
GET /repos/:owner/:repo/subscribers
GET /users/:user/subscriptions
GET /user/subscriptions
GET /repos/:owner/:repo/subscription
PUT /repos/:owner/:repo/subscription
DELETE /repos/:owner/:repo/subscription
GET /user/subscriptions/:owner/:repo
PUT /user/subscriptions/:owner/:repo
DELETE /user/subscriptions/:owner/:repo
GET /users/:user/gists
GET /gists
GET /gists/:id
POST /gists
PUT /gists/:id/star
DELETE /gists/:id/star
GET /gists/:id/star
POST /gists/:id/forks
DELETE /gists/:id
GET /repos/:owner/:repo/git/blobs/:sha
POST /repos/:owner/:repo/git/blobs
GET /repos/:owner/:repo/git/commits/:sha
POST /repos/:owner/:repo/git/commits
GET /repos/:owner/:repo/git/refs
POST /repos/:owner/:repo/git/refs
GET /repos/:owner/:repo/git/tags/:sha
POST /repos/:owner/:repo/git/tags
GET /repos/:owner/:repo/git/trees/:sha
POST /repos/:owner/:repo/git/trees
GET /issues
GET /user/issues
GET /orgs/:org/issues
GET /repos/:owner/:repo/issues
GET /repos/:owner/:repo/issues/:number
POST /repos/:owner/:repo/issues
GET /repos/:owner/:repo/assignees
GET /repos/:owner/:repo/assignees/:assignee
GET /repos/:owner/:repo/issues/:number/comments
POST /repos/:owner/:repo/issues/:number/comments
GET /repos/:owner/:repo/issues/:number/events
GET /repos/:owner/:repo/labels
GET /repos/:owner/:repo/labels/:name
POST /repos/:owner/:repo/labels
DELETE /repos/:owner/:repo/labels/:name
GET /repos/:owner/:repo/issues/:number/labels
POST /repos/:owner/:repo/issues/:number/labels
DELETE /repos/:owner/:repo/issues/:number/labels/:name
PUT /repos/:owner/:repo/issues/:number/labels
DELETE /repos/:owner/:repo/issues/:number/labels
GET /repos/:owner/:repo/milestones/:number/labels
GET /repos/:owner/:repo/milestones
GET /repos/:owner/:repo/milestones/:number
POST /repos/:owner/:repo/milestones
DELETE /repos/:owner/:repo/milestones/:number
GET /emojis
GET /gitignore/templates
GET /gitignore/templates/:name
POST /markdown
POST /markdown/raw
GET /meta
GET /rate_limit
GET /users/:user/orgs
GET /user/orgs
GET /orgs/:org
GET /orgs/:org/members
GET /orgs/:org/members/:user
DELETE /orgs/:org/members/:user
GET /orgs/:org/public_members
GET /orgs/:org/public_members/:user
PUT /orgs/:org/public_members/:user
DELETE /orgs/:org/public_members/:user
GET /orgs/:org/teams
GET /teams/:id
POST /orgs/:org/teams
DELETE /teams/:id
GET /teams/:id/members
GET /teams/:id/members/:user
PUT /teams/:id/members/:user
DELETE /teams/:id/members/:user
GET /teams/:id/repos
GET /teams/:id/repos/:owner/:repo
PUT /teams/:id/repos/:owner/:repo
DELETE /teams/:id/repos/:owner/:repo
GET /user/teams
GET /repos/:owner/:repo/pulls
GET /repos/:owner/:repo/pulls/:number
POST /repos/:owner/:repo/pulls
GET /repos/:owner/:repo/pulls/:number/commits
GET /repos/:owner/:repo/pulls/:number/files
GET /repos/:owner/:repo/pulls/:number/merge
PUT /repos/:owner/:repo/pulls/:number/merge
GET /repos/:owner/:repo/pulls/:number/comments
PUT /repos/:owner/:repo/pulls/:number/comments
GET /user/repos
GET /users/:user/repos
GET /orgs/:org/repos
GET /repositories
POST /user/repos
POST /orgs/:org/repos
GET /repos/:owner/:repo
GET /repos/:owner/:repo/contributors
GET /repos/:owner/:repo/languages
GET /repos/:owner/:repo/teams
GET /repos/:owner/:repo/tags
GET /repos/:owner/:repo/branches
GET /repos/:owner/:repo/branches/:branch
DELETE /repos/:owner/:repo
GET /repos/:owner/:repo/collaborators
GET /repos/:owner/:repo/collaborators/:user
PUT /repos/:owner/:repo/collaborators/:user
DELETE /repos/:owner/:repo/collaborators/:user
GET /repos/:owner/:repo/comments
GET /repos/:owner/:repo/commits/:sha/comments
POST /repos/:owner/:repo/commits/:sha/comments
GET /repos/:owner/:repo/comments/:id
DELETE /repos/:owner/:repo/comments/:id
GET /repos/:owner/:repo/commits
GET /repos/:owner/:repo/commits/:sha
GET /repos/:owner/:repo/readme
GET /repos/:owner/:repo/keys
GET /repos/:owner/:repo/keys/:id
POST /repos/:owner/:repo/keys
DELETE /repos/:owner/:repo/keys/:id
GET /repos/:owner/:repo/downloads
GET /repos/:owner/:repo/downloads/:id
DELETE /repos/:owner/:repo/downloads/:id
GET /repos/:owner/:repo/forks
POST /repos/:owner/:repo/forks
GET /repos/:owner/:repo/hooks
GET /repos/:owner/:repo/hooks/:id
POST /repos/:owner/:repo/hooks
POST /repos/:owner/:repo/hooks/:id/tests
DELETE /repos/:owner/:repo/hooks/:id
POST /repos/:owner/:repo/merges
GET /repos/:owner/:repo/releases
GET /repos/:owner/:repo/releases/:id
POST /repos/:owner/:repo/releases
DELETE /repos/:owner/:repo/releases/:id
GET /repos/:owner/:repo/releases/:id/assets
GET /repos/:owner/:repo/stats/contributors
GET /repos/:owner/:repo/stats/commit_activity
GET /repos/:owner/:repo/stats/code_frequency
GET /repos/:owner/:repo/stats/participation
GET /repos/:owner/:repo/stats/punch_card
GET /repos/:owner/:repo/statuses/:ref
POST /repos/:owner/:repo/statuses/:ref
GET /search/repositories
GET /search/code
GET /search/issues
GET /search/users
GET /legacy/issues/search/:owner/:repository/:state/:keyword
GET /legacy/repos/search/:keyword
GET /legacy/user/search/:keyword
GET /legacy/user/email/:email
GET /users/:user
GET /user
GET /users
GET /user/emails
POST /user/emails
DELETE /user/emails
GET /users/:user/followers
GET /user/followers
GET /users/:user/following
GET /user/following
GET /user/following/:user
GET /users/:user/following/:target_user
PUT /user/following/:user
DELETE /user/following/:user
GET /users/:user/keys
GET /user/keys
GET /user/keys/:id
POST /user/keys
DELETE /user/keys/:id
"""

PARAM = re.compile(r":(\w+)")
Route = tuple[str, str]  # (method, ":name" path)


def routes() -> list[Route]:
    table = [tuple(line.split(" ", 1)) for line in GITHUB_API.strip().splitlines()]
    return [(method, path) for method, path in table]


def sample(path: str) -> tuple[str, dict[str, str]]:
    """A request path for a route, and the parameters a router should find in it."""
    params = {name: f"v-{name}" for name in PARAM.findall(path)}
    return PARAM.sub(lambda m: params[m.group(1)], path), params


def handler_for(method: str, path: str) -> Callable[..., Any]:
    async def handler(*_: Any) -> None: ...

    handler.__name__ = f"{method} {path}"
    return handler


# -- the routers: build(routes) -> lookup(method, path) -> (handler name, params) ------------------
def blazeio(table: list[Route]) -> Callable[[str, str], Any]:
    web = io.App("127.0.0.1", 0)
    for method, path in table:
        getattr(web.route, method.lower())(PARAM.sub(r"{\1}", path))(handler_for(method, path))
    exact, patterns = web.routes, web.table

    # The steps of Router.dispatch for a request: exact dict (a MethodDispatch picks by
    # method when it is called), else the trie walk, else the full search.
    def lookup(method: str, path: str) -> Any:
        handler = exact.get(path)
        if handler is not None:
            return handler.endpoint.pick(method).handler, {}
        found = patterns.lookup(path, method) or patterns.resolve(path, method)
        binding, values = found
        return binding.handler, dict(zip(binding.names, values, strict=True))

    return lookup


def starlette(table: list[Route]) -> Callable[[str, str], Any]:
    from starlette.routing import Match, Route, Router

    router = Router(
        [Route(PARAM.sub(r"{\1}", path), handler_for(method, path), methods=[method]) for method, path in table]
    )
    scope_base = {"type": "http", "root_path": ""}

    def lookup(method: str, path: str) -> Any:
        scope = {**scope_base, "path": path, "method": method}
        for route in router.routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                return route.endpoint, child["path_params"]  # type: ignore[attr-defined]
        return None

    return lookup


def aiohttp(table: list[Route], loop: asyncio.AbstractEventLoop) -> Callable[[str, str], Any]:
    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    router = web.UrlDispatcher()
    for method, path in table:
        router.add_route(method, PARAM.sub(r"{\1}", path), handler_for(method, path))
    requests: dict[tuple[str, str], Any] = {}

    async def resolve_all(keys: list[tuple[str, str]]) -> list[Any]:
        out = []
        for key in keys:
            info = await router.resolve(requests[key])
            out.append((info.handler, dict(info)))
        return out

    def prepare(keys: list[tuple[str, str]]) -> None:
        for method, path in keys:
            requests[method, path] = make_mocked_request(method, path, loop=loop)

    def lookup_many(keys: list[tuple[str, str]]) -> list[Any]:
        return loop.run_until_complete(resolve_all(keys))

    lookup_many.prepare = prepare  # type: ignore[attr-defined]
    return lookup_many


def sanic(table: list[Route]) -> Callable[[str, str], Any]:
    from sanic_routing import BaseRouter

    class Router(BaseRouter):  # type: ignore[misc]
        def get(self, path: str, method: str, extra: Any = None) -> Any:
            return self.resolve(path=path, method=method, extra=extra)

    router = Router()
    for method, path in table:
        router.add(PARAM.sub(r"<\1>", path), handler_for(method, path), methods=[method])
    router.finalize()

    def lookup(method: str, path: str) -> Any:
        _, handler, params = router.get(path, method)
        return handler, params

    return lookup


# -- timing ---------------------------------------------------------------------------------------
def run(passes: int, repeat: int) -> None:
    table = routes()
    keys = [(method, sample(path)[0]) for method, path in table]
    expected = {(method, sample(path)[0]): (f"{method} {path}", sample(path)[1]) for method, path in table}
    groups = {
        "static": [k for k, (method, path) in zip(keys, table, strict=True) if ":" not in path],
        "parameterised": [k for k, (method, path) in zip(keys, table, strict=True) if ":" in path],
        "all": keys,
    }
    loop = asyncio.new_event_loop()
    routers: dict[str, Callable[..., Any]] = {"Blazeio": blazeio(table), "Starlette": starlette(table)}
    try:
        routers["aiohttp"] = aiohttp(table, loop)
    except ImportError:
        print("aiohttp not installed: skipped")
    try:
        routers["sanic-routing"] = sanic(table)
    except ImportError:
        print("sanic-routing not installed: skipped")
    print(f"GitHub API: {len(table)} routes ({len(groups['static'])} static, {len(groups['parameterised'])} "
          f"parameterised); best of {repeat} x {passes} passes; ns per lookup")  # fmt: skip
    print(f"{'router':<15}" + "".join(f"{name:>15}" for name in groups))
    try:
        for name, lookup in routers.items():
            many = name == "aiohttp"
            if many:
                lookup.prepare(keys)  # type: ignore[attr-defined]
                found = lookup(keys)
            else:
                found = [lookup(method, path) for method, path in keys]
            for key, (handler, params) in zip(keys, found, strict=True):
                if (handler.__name__, dict(params)) != expected[key]:
                    raise SystemExit(f"{name} routed {key} to {handler.__name__} {dict(params)}")
            row = []
            for subset in groups.values():
                best = float("inf")
                for _ in range(repeat):
                    batch = subset * passes
                    start = time.perf_counter_ns()
                    if many:
                        lookup(batch)
                    else:
                        for method, path in batch:
                            lookup(method, path)
                    best = min(best, (time.perf_counter_ns() - start) / len(batch))
                row.append(best)
            print(f"{name:<15}" + "".join(f"{ns:>15,.0f}" for ns in row))
    finally:
        loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--passes", type=int, default=200, help="lookups of the whole table per timed run")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best counts")
    args = parser.parse_args()
    run(args.passes, args.repeat)


if __name__ == "__main__":
    main()
