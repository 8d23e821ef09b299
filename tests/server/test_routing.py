"""Path parameters, precedence, 405s, route groups and url_for -- over real sockets."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from serving import Reply, exchange, request, running

import Blazeio as io

Handler = Callable[[io.BlazeioProtocol], Any]


async def show_params(r: io.BlazeioProtocol) -> None:
    """Answers the route's name and its params with their types."""
    params = {k: [type(v).__name__, str(v)] for k, v in r.path_params.items()}
    await io.Deliver.json({"route": r.store["route"] if r.store else None, "params": params})


def answering(label: str) -> Handler:
    async def handler(r: io.BlazeioProtocol) -> None:
        params = {k: [type(v).__name__, str(v)] for k, v in r.path_params.items()}
        await io.Deliver.json({"route": label, "params": params})

    handler.__name__ = label
    return handler


async def get(web: io.App, path: str, method: str = "GET") -> Reply:
    (reply,) = await exchange(web.port, request(method, path), methods=[method])
    return reply


async def routed(web: io.App, path: str, method: str = "GET") -> tuple[int, Any]:
    reply = await get(web, path, method)
    if reply.headers.get("content-type", "").startswith("application/json"):
        return reply.status, io.loads(reply.body)
    return reply.status, reply.body


async def test_parameters_work_in_every_way_a_route_is_registered() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route("/a/{id:int}")
    async def by_decorator_argument(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json(r.path_params)

    @web.add_route
    async def by_default(r: io.BlazeioProtocol, route: str = "/b/{price:float}") -> None:
        await io.Deliver.json(r.path_params)

    class Api:
        async def _item(self, r: io.BlazeioProtocol, route: str = "/c/{key:uuid}") -> None:
            await io.Deliver.json(
                {"key": str(r.path_params["key"]), "is_uuid": isinstance(r.path_params["key"], uuid.UUID)}
            )

    web.attach(Api)

    @web.route.get("/d/{name}/{rest:path}")
    async def by_method_decorator(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json(r.path_params)

    key = "0f8e1c2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    async with running(web):
        assert await routed(web, "/a/42") == (200, {"id": 42})
        assert await routed(web, "/b/2.5") == (200, {"price": 2.5})
        assert await routed(web, f"/c/{key}") == (200, {"key": key, "is_uuid": True})
        assert await routed(web, "/d/x%20y/deep/er/file.txt") == (200, {"name": "x y", "rest": "deep/er/file.txt"})
        assert await routed(web, "/d/x/") == (200, {"name": "x", "rest": ""})


async def test_an_encoded_slash_stays_inside_its_segment() -> None:
    web = io.App("127.0.0.1", 0)
    web.add_route(answering("one"), "/files/{name}")
    web.add_route(answering("two"), "/files/{folder}/{name}")
    web.add_route(answering("exact"), "/exact/a/b")

    async with running(web):
        one = await routed(web, "/files/a%2Fb")
        two = await routed(web, "/files/a/b")
        exact_encoded = await routed(web, "/exact/a%2Fb")
        exact = await routed(web, "/exact/a/b")
        bad_utf8 = await routed(web, "/files/%FF")
    assert one == (200, {"route": "one", "params": {"name": ["str", "a/b"]}})
    assert two == (200, {"route": "two", "params": {"folder": ["str", "a"], "name": ["str", "b"]}})
    assert exact_encoded[0] == 404  # %2F is data, never the "/" of a route
    assert exact == (200, {"route": "exact", "params": {}})
    assert bad_utf8[0] == 400


async def test_a_value_that_does_not_convert_is_no_match_not_an_error() -> None:
    web = io.App("127.0.0.1", 0)
    web.add_route(answering("by_id"), "/users/{id:int}")
    web.add_route(answering("price"), "/prices/{value:float}")
    web.add_route(answering("thing"), "/things/{key:uuid}")
    async with running(web):
        for path in ("/users/abc", "/users/-1", "/users/1.5", "/users/%20%37", "/users/" + "9" * 5000,
                     "/prices/nan", "/prices/1e5", "/things/not-a-uuid", "/users/"):  # fmt: skip
            status, _ = await routed(web, path)
            assert status == 404, path

    # With another candidate, that one answers; with none, the handle-all chain does.
    web = io.App("127.0.0.1", 0)
    web.add_route(answering("by_id"), "/users/{id:int}")
    web.add_route(answering("by_name"), "/users/{name}/profile")

    @web.add_route
    async def handle_all_middleware(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(f"fallback {r.path}", status=404)

    async with running(web):
        assert await routed(web, "/users/ada/profile") == (
            200, {"route": "by_name", "params": {"name": ["str", "ada"]}},
        )  # fmt: skip
        assert await routed(web, "/users/ada") == (404, b"fallback /users/ada")


PRECEDENCE = [
    ("exact", "/users/me"),
    ("literal_segment", "/users/{id:int}/me"),
    ("typed", "/users/{id:int}"),
    ("float", "/users/{id:float}"),
    ("string", "/users/{name}"),
    ("string_deeper", "/users/{name}/{tab}"),
    ("rest", "/users/{rest:path}"),
]


@pytest.mark.parametrize("order", ["as_listed", "reversed"])
async def test_precedence_does_not_depend_on_registration_order(order: str) -> None:
    web = io.App("127.0.0.1", 0)
    for label, path in PRECEDENCE if order == "as_listed" else PRECEDENCE[::-1]:
        web.add_route(answering(label), path)

    @web.add_route
    async def handle_all_middleware(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"route": "fallback"}, status=404)

    expected = {
        "/users/me": "exact",  # an exact route beats every pattern
        "/users/5/me": "literal_segment",  # a literal segment beats a parameter
        "/users/5": "typed",  # int beats float beats str
        "/users/5.5": "float",
        "/users/ada": "string",
        "/users/ada/posts": "string_deeper",  # path comes last
        "/users/ada/posts/1": "rest",
        "/users/5/x": "string_deeper",  # the int branch fails below: the search goes on
    }
    async with running(web):
        for path, label in expected.items():
            status, body = await routed(web, path)
            assert (status, body["route"]) == (200, label), path
        assert await routed(web, "/elsewhere") == (404, {"route": "fallback"})


async def test_routes_that_match_the_same_paths_are_rejected_when_registered() -> None:
    web = io.App("127.0.0.1", 0)
    web.add_route(answering("first"), "/u/{id:int}")
    with pytest.raises(io.RouteError, match=r"duplicate route '/u/\{other:int\}'"):
        web.add_route(answering("second"), "/u/{other:int}")
    web.add_route(answering("name"), "/u/{name}")
    with pytest.raises(io.RouteError, match="duplicate"):
        web.add_route(answering("same_as_str"), "/u/{name:str}")
    web.route.get("/v/{id}")(answering("get"))
    web.route.post("/v/{key}")(answering("post"))  # another method: not a conflict
    with pytest.raises(io.RouteError, match="duplicate route GET"):
        web.route.get("/v/{x}")(answering("again"))
    with pytest.raises(ValueError, match="already registered for every method"):
        web.route.get("/u/{n}")(answering("get_on_any"))
    for bad in ("/u/{id:bogus}", "/u/x{id}", "/u/{rest:path}/more", "/u/{a}/{a}", "no-slash/{a}"):
        with pytest.raises(io.RouteError):
            web.add_route(answering("bad"), bad)


async def test_a_pattern_for_another_method_is_405_with_allow() -> None:
    web = io.App("127.0.0.1", 0)
    web.route.get("/items/{id:int}")(answering("read"))
    web.route.delete("/items/{id:int}")(answering("remove"))
    web.route.get("/items/new")(answering("form"))
    web.route.post("/items/{name}")(answering("create_named"))

    async with running(web):
        put = await get(web, "/items/5", "PUT")
        head = await get(web, "/items/5", "HEAD")
        post_on_exact = await routed(web, "/items/new", "POST")
        put_on_exact = await get(web, "/items/new", "PUT")
        missing = await get(web, "/items/5/x", "PUT")
    assert (put.status, put.headers["allow"]) == (405, "DELETE, GET, HEAD, POST")
    assert (head.status, head.body) == (200, b"")
    # The exact /items/new has no POST, but the pattern /items/{name} has: it answers.
    assert post_on_exact == (200, {"route": "create_named", "params": {"name": ["str", "new"]}})
    assert (put_on_exact.status, put_on_exact.headers["allow"]) == (405, "GET, HEAD, POST")
    assert missing.status == 404


async def test_unknown_methods_on_pattern_routes_are_405_and_a_groups_own_method_is_served() -> None:
    web = io.App("127.0.0.1", 0)
    web.route.get("/items/{id:int}")(answering("read"))
    dav = io.Router(prefix="/dav")
    dav.add_method_route("PROPFIND", "/{name}", answering("propfind"))
    web.attach(dav)

    async with running(web):
        lower = await get(web, "/items/5", "get")
        unknown = await get(web, "/nowhere", "FOO")
        propfind = await routed(web, "/dav/x", "PROPFIND")
    # RFC 9110 §9.1: methods are case-sensitive; the pattern has GET only, so 405 lists it.
    assert (lower.status, lower.headers["allow"]) == (405, "GET, HEAD")
    assert unknown.status == 501
    # A method registered on a group is implemented by the App it is attached to.
    assert propfind == (200, {"route": "propfind", "params": {"name": ["str", "x"]}})


async def test_path_params_are_empty_for_exact_routes_and_do_not_leak_across_requests() -> None:
    web = io.App("127.0.0.1", 0)
    web.add_route(answering("pattern"), "/p/{id:int}")
    web.add_route(answering("exact"), "/exact")
    async with running(web):
        replies = await exchange(
            web.port,
            b"GET /p/7 HTTP/1.1\r\nHost: t\r\n\r\nGET /exact HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        )
    assert [io.loads(r.body)["params"] for r in replies] == [{"id": ["int", "7"]}, {}]


async def test_static_files_and_cors_keep_working_beside_patterns(tmp_path: Any) -> None:
    (tmp_path / "page").mkdir()
    (tmp_path / "app.js").write_text("js")
    web = io.App("127.0.0.1", 0)
    web.attach(io.StaticServer("/", str(tmp_path), 1024, "page", "index.html"))
    web.add_route(answering("user"), "/users/{id:int}")
    async with running(web):
        static = await get(web, "/app.js")
        user = await routed(web, "/users/3")
        missing = await get(web, "/users/x")
    assert (static.status, static.body) == (200, b"js")
    assert user[0] == 200
    assert missing.status == 404

    web = io.App("127.0.0.1", 0)
    api = io.Router("/api")
    api.attach(io.Cors(allow_origins=["https://app.example"]))
    api.add_route(answering("user"), "/users/{id:int}")
    web.add_route(answering("home"), "/")
    web.attach(api)
    async with running(web):
        (cors,) = await exchange(web.port, request("GET", "/api/users/1", headers={"Origin": "https://app.example"}))
        (home,) = await exchange(web.port, request("GET", "/", headers={"Origin": "https://app.example"}))
    assert cors.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in home.headers  # the group's middleware only


async def test_a_group_has_a_prefix_and_middleware_of_its_own() -> None:
    calls: list[str] = []
    web = io.App("127.0.0.1", 0)
    api = io.Router(prefix="/api/v1")

    class Audit:
        async def before_middleware(self, r: io.BlazeioProtocol) -> None:
            calls.append(f"before {r.path}")

        async def after_middleware(self, r: io.BlazeioProtocol) -> None:
            calls.append(f"after {r.path}")

        async def handle_all_middleware(self, r: io.BlazeioProtocol) -> None:
            await io.Deliver.json({"error": "no such API"}, status=404)

    @api.route.get("/users/{id:int}")
    async def user(r: io.BlazeioProtocol) -> None:
        calls.append("user")
        await io.Deliver.json(r.path_params)

    @api.add_route
    async def _status(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("ok")

    web.attach(api)
    api.attach(Audit)  # middleware attached later still wraps the routes already there

    @web.add_route
    async def _home(r: io.BlazeioProtocol) -> None:
        calls.append("home")
        await io.Deliver.text("home")

    @web.add_route
    async def handle_all_middleware(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("app fallback", status=404)

    async with running(web):
        assert await routed(web, "/api/v1/users/9") == (200, {"id": 9})
        assert await routed(web, "/api/v1/status") == (200, b"ok")
        assert await routed(web, "/home") == (200, b"home")
        assert await routed(web, "/api/v1/nothing") == (404, {"error": "no such API"})
        assert await routed(web, "/api/v2/users/9") == (404, b"app fallback")  # outside the prefix
        assert await routed(web, "/api/v1x") == (404, b"app fallback")
        assert await routed(web, "/users/9") == (404, b"app fallback")
    assert calls == [
        "before /api/v1/users/9", "user", "after /api/v1/users/9",
        "before /api/v1/status", "after /api/v1/status",
        "home",
        "before /api/v1/nothing", "after /api/v1/nothing",
    ]  # fmt: skip


async def test_routers_nest_and_their_middleware_runs_outside_in() -> None:
    calls: list[str] = []

    def tracer(label: str) -> object:
        class Trace:
            async def before_middleware(self, r: io.BlazeioProtocol) -> None:
                calls.append(f"{label} before")

            async def after_middleware(self, r: io.BlazeioProtocol) -> None:
                calls.append(f"{label} after")

        return Trace()

    web = io.App("127.0.0.1", 0)
    outer = io.Router("/api/")
    inner = io.Router("/v2", name="v2")
    web.attach(tracer("app"))
    outer.attach(tracer("outer"))
    inner.attach(tracer("inner"))

    @inner.route.get("/things/{id:int}")
    async def thing(r: io.BlazeioProtocol) -> None:
        calls.append("handler")
        await io.Deliver.json(r.path_params)

    outer.attach(inner)
    web.attach(outer)

    @inner.route.get("/late")  # registered after attaching: still reaches the app
    async def late(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("late")

    with pytest.raises(io.RouteError, match="already attached"):
        web.attach(inner)
    with pytest.raises(io.RouteError, match="inside itself"):
        inner.attach(outer)
    with pytest.raises(io.RouteError, match="duplicate"):
        outer.route.get("/v2/things/{n:int}")(thing)  # conflicts with the nested route

    async with running(web):
        assert await routed(web, "/api/v2/things/4") == (200, {"id": 4})
        assert await routed(web, "/api/v2/late") == (200, b"late")
    assert calls[:7] == [
        "app before",
        "outer before",
        "inner before",
        "handler",
        "inner after",
        "outer after",
        "app after",
    ]
    assert web.url_for("v2.thing", id=4) == "/api/v2/things/4"
    assert inner.url_for("thing", id=4) == "/api/v2/things/4"


async def test_url_for_builds_paths_that_route_back_to_the_same_values() -> None:
    web = io.App("127.0.0.1", 0)
    web.add_route(answering("user"), "/users/{id:int}")
    web.add_route(answering("file"), "/files/{folder}/{rest:path}")
    web.route.get("/prices/{value:float}", name="price")(answering("ignored_name"))
    web.add_route(answering("thing"), "/things/{key:uuid}", name="thing")
    web.add_route(answering("plain"), "/plain page")
    key = uuid.uuid4()

    paths = {
        web.url_for("user", id=12): {"id": ["int", "12"]},
        web.url_for("file", folder="a/b c", rest="x y/z.txt"): {
            "folder": ["str", "a/b c"], "rest": ["str", "x y/z.txt"],
        },
        web.url_for("price", value=0.00001): {"value": ["float", "1e-05"]},
        web.url_for("thing", key=key): {"key": ["UUID", str(key)]},
        web.url_for("plain"): {},
    }  # fmt: skip
    assert list(paths)[:2] == ["/users/12", "/files/a%2Fb%20c/x%20y/z.txt"]
    async with running(web):
        for path, params in paths.items():
            status, body = await routed(web, path)
            assert (status, body["params"]) == (200, params), path


def test_url_for_errors_are_clear() -> None:
    web = io.App("127.0.0.1", 0)
    web.add_route(answering("user"), "/users/{id:int}")
    web.add_route(answering("twin"), "/a/{x}")
    web.add_route(answering("twin"), "/b/{x}")
    with pytest.raises(io.RouteError, match="no route is named 'nobody'"):
        web.url_for("nobody")
    with pytest.raises(io.RouteError, match="missing id"):
        web.url_for("user")
    with pytest.raises(io.RouteError, match="unexpected extra"):
        web.url_for("user", id=1, extra=2)
    with pytest.raises(io.RouteError, match="does not fit"):
        web.url_for("user", id="abc")
    with pytest.raises(io.RouteError, match="does not fit"):
        web.url_for("user", id=-1)
    with pytest.raises(io.RouteError, match="ambiguous"):
        web.url_for("twin", x="1")
