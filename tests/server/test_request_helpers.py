"""Request helpers over real sockets: query, JSON, text, forms (urlencoded and multipart), cookies,
r.store attributes, method routes with 405, and the client address behind trusted proxies."""

from __future__ import annotations

import asyncio
import hashlib
import os

import pytest
from serving import TIMEOUT, exchange, request, running

import Blazeio as io


def helpers_app(**settings: object) -> io.App:
    web = io.App("127.0.0.1", 0, **settings)  # type: ignore[arg-type]

    @web.add_route
    async def _params(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json(r.params())

    @web.add_route
    async def _json(r: io.BlazeioProtocol) -> None:
        data = await r.get_json()
        await io.Deliver.json({"type": type(data).__name__, "data": data})

    @web.add_route
    async def _text(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(await r.text())

    @web.add_route
    async def _bop(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json(await r.body_or_params())

    @web.add_route
    async def _form(r: io.BlazeioProtocol) -> None:
        form = await r.form_data()
        out = {}
        for key, value in form.items():
            if isinstance(value, io.UploadFile):
                data = await value.read()
                out[key] = {
                    "filename": value.filename,
                    "size": value.size,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "on_disk": value.on_disk,
                }
                value.close()
            else:
                out[key] = value
        await io.Deliver.json(out)

    @web.add_route
    async def _cookies(r: io.BlazeioProtocol) -> None:
        r.set_cookie("session", "abc123", max_age=60, same_site="Strict")
        r.set_cookie("theme", "dark", secure=False, http_only=False, same_site=None)
        await io.Deliver.json(r.cookies())

    @web.add_route
    async def _ip(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(r.ip_host)

    class WithStore:
        async def before_middleware(self, r: io.BlazeioProtocol) -> None:
            r.store = {"json_data": {"seen": r.path}}

        async def _store(self, r: io.BlazeioProtocol) -> None:
            await io.Deliver.json(r.json_data)

    web.attach(WithStore)
    return web


async def ask(web: io.App, *args: object, **kwargs: object) -> tuple[int, object, io.Headers]:
    (reply,) = await exchange(web.port, request(*args, **kwargs))  # type: ignore[arg-type]
    body = io.loads(reply.body) if reply.headers.get("content-type", "").startswith("application/json") else reply.body
    return reply.status, body, reply.headers


async def test_params_decode_plus_repeats_and_bad_escapes_without_crashing() -> None:
    async with running(helpers_app()) as web:
        long_value = "x" * 5000
        status, data, _ = await ask(web, "GET", f"/params?a=1&b=x+y%21&a=2&flag&bad=%FF%zz&long={long_value}")
    assert status == 200
    assert data == {"a": ["1", "2"], "b": "x y!", "flag": "", "bad": "\ufffd%zz", "long": long_value}


async def test_get_json_object_array_and_errors() -> None:
    async with running(helpers_app(max_body_size=100)) as web:
        assert (await ask(web, "POST", "/json", b'{"a": [1, "\\u00e9"]}'))[1] == {
            "type": "ddict",
            "data": {"a": [1, "é"]},
        }
        assert (await ask(web, "POST", "/json", b"[1,2]"))[1] == {"type": "list", "data": [1, 2]}
        assert (await ask(web, "POST", "/json", b"{not json"))[0] == 400
        assert (await ask(web, "POST", "/json", b""))[0] == 400
        assert (await ask(web, "POST", "/json", b"[" + b"1," * 100 + b"1]"))[0] == 413


async def test_text_honours_the_declared_charset() -> None:
    async with running(helpers_app()) as web:
        body = "héllo".encode("latin-1")
        status, data, _ = await ask(web, "POST", "/text", body, {"Content-Type": "text/plain; charset=latin-1"})
        assert (status, data) == (200, "héllo".encode())
        assert (await ask(web, "POST", "/text", b"\xff\xfe", {"Content-Type": "text/plain"}))[0] == 400


async def test_body_or_params_picks_query_json_or_form() -> None:
    async with running(helpers_app()) as web:
        assert (await ask(web, "GET", "/bop?x=1"))[1] == {"x": "1"}
        assert (await ask(web, "POST", "/bop?x=1"))[1] == {"x": "1"}  # empty body: the query
        assert (await ask(web, "POST", "/bop", b'{"y": 2}', {"Content-Type": "application/json"}))[1] == {"y": 2}
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        assert (await ask(web, "POST", "/bop", b"z=a+b&z=c", form))[1] == {"z": ["a b", "c"]}
        assert (await ask(web, "POST", "/bop", b"plain words"))[0] == 400


def multipart(boundary: str, parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = []
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        kind = "Content-Type: application/octet-stream\r\n" if filename else ""
        out.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n".encode() + data + b"\r\n")
    return b"".join(out) + f"--{boundary}--\r\n".encode()


async def test_multipart_fields_and_files_with_big_files_spooled_to_disk() -> None:
    big = os.urandom(300_000)
    small = b"tiny file"
    boundary = "----blazeio-test-boundary"
    body = b"preamble is ignored\r\n" + multipart(
        boundary,
        [("title", None, "héllo".encode()), ("big", "big.bin", big), ("small", "s.txt", small), ("tag", None, b"a"),
         ("tag", None, b"b")],
    )  # fmt: skip
    headers = {"Content-Type": f'multipart/form-data; boundary="{boundary}"'}
    async with running(helpers_app(spool_threshold=100_000)) as web:
        status, data, _ = await ask(web, "POST", "/form", body, headers)
    assert status == 200
    assert data == {
        "title": "héllo",
        "big": {"filename": "big.bin", "size": len(big), "sha256": hashlib.sha256(big).hexdigest(), "on_disk": True},
        "small": {"filename": "s.txt", "size": 9, "sha256": hashlib.sha256(small).hexdigest(), "on_disk": False},
        "tag": ["a", "b"],
    }


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nno close delimiter', 400),
        (b"--b\r\nNo-Colon-Here\r\n\r\nx\r\n--b--\r\n", 400),
        (b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n", 400),
        (b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n' + b"v" * 3000 + b"\r\n--b--\r\n", 413),
    ],
    ids=["unterminated", "bad-part-header", "part-without-name", "too-large"],
)
async def test_malformed_or_oversized_multipart_is_a_clear_4xx(body: bytes, status: int) -> None:
    headers = {"Content-Type": "multipart/form-data; boundary=b"}
    async with running(helpers_app(max_form_size=2000)) as web:
        assert (await ask(web, "POST", "/form", body, headers))[0] == status


async def test_form_data_needs_a_form_content_type() -> None:
    async with running(helpers_app()) as web:
        assert (await ask(web, "POST", "/form", b"{}", {"Content-Type": "application/json"}))[0] == 415


@pytest.mark.peer("curl")
async def test_curl_multipart_upload_is_parsed(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "upload.bin"
    payload = os.urandom(200_000)
    path.write_bytes(payload)
    async with running(helpers_app(spool_threshold=50_000)) as web:
        proc = await asyncio.create_subprocess_exec(
            "curl", "-s", "-F", "note=from curl", "-F", f"file=@{path}", f"{web.server_address}/form",
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    data = io.loads(out)
    assert data["note"] == "from curl"
    assert data["file"]["sha256"] == hashlib.sha256(payload).hexdigest()
    assert data["file"]["on_disk"] is True


async def test_cookies_are_read_and_set_with_safe_attributes() -> None:
    async with running(helpers_app()) as web:
        (reply,) = await exchange(web.port, request("GET", "/cookies", headers={"Cookie": 'a=1; b="two"; a=3'}))
    assert io.loads(reply.body) == {"a": "1", "b": "two"}
    assert reply.headers.getlist("set-cookie") == [
        "session=abc123; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Strict",
        "theme=dark; Path=/",
    ]


async def test_an_invalid_cookie_value_is_refused() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _cookie(r: io.BlazeioProtocol) -> None:
        refused = []
        for args, kwargs in ((("x", "a;b"), {}), (("x", "ok"), {"same_site": "Sometimes"})):
            try:
                r.set_cookie(*args, **kwargs)
            except io.LocalProtocolError:
                refused.append(args[1])
        await io.Deliver.json({"refused": refused})

    async with running(web):
        (reply,) = await exchange(web.port, request("GET", "/cookie"))
    assert io.loads(reply.body) == {"refused": ["a;b", "ok"]}
    assert not reply.headers.getlist("set-cookie")


async def test_store_keys_read_as_attributes() -> None:
    async with running(helpers_app()) as web:
        assert (await ask(web, "GET", "/store"))[1] == {"seen": "/store"}


async def test_store_keys_never_hide_the_request_and_never_outlive_it() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _first(r: io.BlazeioProtocol) -> None:
        r.store = {"eof": 1, "prepare": 2, "json_data": 3, "headers": 4}
        body = io.dumps([r.store["eof"], r.store["prepare"], r.json_data, r.headers["host"]]).encode()
        await r.prepare({"Content-Type": "application/json", "Content-Length": len(body)}, 200)
        await r.write(body)
        await r.eof()

    @web.add_route
    async def _second(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"json_data": hasattr(r, "json_data"), "store": r.store})

    async with running(web):
        first = request("GET", "/first").replace(b"Connection: close\r\n", b"")
        replies = await exchange(web.port, first + request("GET", "/second"))
    assert [(reply.status, io.loads(reply.body)) for reply in replies] == [
        (200, [1, 2, 3, "t"]),
        (200, {"json_data": False, "store": None}),
    ]


async def test_method_routes_answer_405_with_allow_and_head_uses_get() -> None:
    web = io.App("127.0.0.1", 0)

    @web.route.get("/item")
    async def read(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("read")

    @web.route.post("/item")
    async def write(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("written")

    @web.route.delete("/item")
    async def remove(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("removed")

    async with running(web):
        assert (await ask(web, "GET", "/item"))[1] == b"read"
        assert (await ask(web, "POST", "/item", b"x"))[1] == b"written"
        assert (await ask(web, "DELETE", "/item"))[1] == b"removed"
        (head,) = await exchange(web.port, request("HEAD", "/item"), methods=["HEAD"])
        status, _, headers = await ask(web, "PUT", "/item", b"x")
    assert (head.status, head.body, head.headers["content-length"]) == (200, b"", "4")
    assert (status, headers["allow"]) == (405, "DELETE, GET, HEAD, POST")
    with pytest.raises(ValueError, match="duplicate route GET"):
        web.route.get("/item")(read)


async def test_forwarded_headers_are_trusted_only_from_trusted_proxies() -> None:
    spoof = {"X-Forwarded-For": "203.0.113.9"}
    async with running(helpers_app()) as web:
        assert (await ask(web, "GET", "/ip", headers=spoof))[1] == b"127.0.0.1"
    async with running(helpers_app(trusted_proxies=frozenset({"127.0.0.0/8"}))) as web:
        chain = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9, 127.0.0.5"}
        assert (await ask(web, "GET", "/ip", headers=chain))[1] == b"203.0.113.9"
        rfc7239 = {"Forwarded": 'for="[2001:db8::7]:4711";proto=https, for=127.0.0.9'}
        assert (await ask(web, "GET", "/ip", headers=rfc7239))[1] == b"2001:db8::7"
        assert (await ask(web, "GET", "/ip"))[1] == b"127.0.0.1"


def test_request_url_encode_and_decode_follow_rfc_3986() -> None:
    assert io.Request.url_encode("a b/c~é") == "a%20b%2Fc~%C3%A9"
    assert io.Request.url_decode("a%20b%2Fc~%C3%A9") == "a b/c~é"
    assert io.Request.url_decode("%FF%zz") == "\ufffd%zz"


async def test_the_request_object_has_no_getattr_hook() -> None:
    # A __getattr__ anywhere in r's class makes CPython route every attribute access on r
    # through a slow hook (measured: +3-5 us per request). r.store attributes work without one.
    assert not any("__getattr__" in vars(cls) for cls in io.BlazeioProtocol.__mro__)
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _store(r: io.BlazeioProtocol) -> None:
        r.store = {"json_data": 1, "method": "shadowed?"}
        seen = [r.json_data, r.store["method"], r.method]
        r.store["eof"] = 2  # added to the dict later: still never hides the request's own eof()
        seen += [r.store["eof"], callable(r.eof)]
        r.store = None
        seen.append(hasattr(r, "json_data"))
        await io.Deliver.json(seen)

    async with running(web):
        (reply,) = await exchange(web.port, request("GET", "/store"))
    assert io.loads(reply.body) == [1, "shadowed?", "GET", 2, True, False]


async def test_an_attribute_a_handler_sets_on_r_does_not_reach_the_next_request() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _first(r: io.BlazeioProtocol) -> None:
        r.user = "alice"  # type: ignore[attr-defined]
        await io.Deliver.text("set")

    @web.add_route
    async def _second(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"user": getattr(r, "user", None)})

    async with running(web):
        first = request("GET", "/first").replace(b"Connection: close\r\n", b"")
        replies = await exchange(web.port, first + request("GET", "/second"))
    assert [reply.body for reply in replies] == [b"set", b'{"user":null}']
