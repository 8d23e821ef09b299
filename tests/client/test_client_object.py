"""io.Client: defaults, base_url, its own pool, the cookie jar, hooks and auth -- over real sockets
(raw peers on 127.0.0.1) and through a MockTransport (the network replaced by a function)."""

from __future__ import annotations

import asyncio
import gzip
import io as io_module
from collections.abc import AsyncIterator

import pytest
from peers import canned, echo_request, http_proxy, raw_server, read_request

import blazeio_client as io
from blazeio_common import LocalProtocolError


def lines_of(echoed: bytes) -> list[str]:
    """The header lines of a request head echoed back by ``echo_request``."""
    return echoed.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")


# -- the client object -------------------------------------------------------------------------
async def test_client_joins_relative_urls_onto_base_url_and_sends_its_default_headers() -> None:
    async with raw_server(echo_request()) as url, io.Client(f"{url}/api/v1", headers={"X-Team": "a"}) as client:
        first = lines_of(await (await client.get("/users", params={"page": 2})).read())
        second = lines_of(await (await client.get("items", {"x-team": "b"})).read())
        third = lines_of(await (await client.get("items", {"X-Team": None})).read())
    assert first[0] == "GET /api/v1/users?page=2 HTTP/1.1"
    assert "X-Team: a" in first
    assert second[0] == "GET /api/v1/items HTTP/1.1"
    assert "x-team: b" in second and "X-Team: a" not in second  # the request's own header wins
    assert not any(line.lower().startswith("x-team") for line in third)  # None removes it


async def test_client_has_its_own_pool_which_async_with_closes() -> None:
    async with raw_server(echo_request()) as url:
        async with io.Client() as client:
            for _ in range(3):
                await (await client.get(url)).read()
            assert client.pool.idle_connections == 1  # one keep-alive connection, reused
            assert client.pool is not io.Client().pool
        assert client.pool.idle_connections == 0
        with pytest.raises(io.ClientClosed):
            client.get(url)


async def test_client_verbs_are_full_duplex_and_awaitable_as_getsessions_are() -> None:
    async with raw_server(echo_request()) as url, io.Client(url) as client:
        async with client.post("/up", {"Transfer-Encoding": "chunked"}) as resp:
            await resp.write(b"hello ")
            await resp.eof(b"world")
            echoed = await resp.read()
        assert echoed.endswith(b"hello world")
        task = asyncio.create_task(client.put("/t", body=b"x"))
        put, delete = await asyncio.gather(task, client("/d", "DELETE"))
        assert lines_of(await put.read())[0] == "PUT /t HTTP/1.1"
        assert lines_of(await delete.read())[0] == "DELETE /d HTTP/1.1"
        assert lines_of(await (await client.request("PATCH", "/p", json={})).read())[0] == "PATCH /p HTTP/1.1"


# -- cookies -----------------------------------------------------------------------------------
def cookie_site(request: io.ClientRequest) -> io.MockResponse:
    if request.path == "/login":
        return io.MockResponse(302, {"Location": "/me", "Set-Cookie": "sid=abc; Path=/; HttpOnly"})
    return io.MockResponse(200, json={"host": request.headers.get("host"), "cookie": request.headers.get("cookie")})


async def test_a_cookie_set_by_a_redirect_is_sent_on_the_next_hop_and_kept_in_the_jar() -> None:
    async with io.Client(transport=io.MockTransport(cookie_site), follow_redirects=True) as client:
        resp = await client.get("http://shop.test/login")
        assert await resp.json() == {"host": "shop.test", "cookie": "sid=abc"}
        assert client.cookies["sid"] == "abc"
        again = await (await client.get("http://shop.test/me")).json()
        other = await (await client.get("http://elsewhere.test/me")).json()
    assert again["cookie"] == "sid=abc"
    assert other["cookie"] is None  # a host-only cookie stays with its host


async def test_client_cookies_are_writable_and_merged_with_a_requests_own_cookies() -> None:
    async with io.Client(transport=io.MockTransport(cookie_site), cookies={"theme": "dark"}) as client:
        client.cookies.set("lang", "en", "shop.test")
        data = await (await client.get("http://shop.test/me", cookies={"ab": "1"})).json()
        client.cookies = io.CookieJar()
        empty = await (await client.get("http://shop.test/me")).json()
    assert sorted(data["cookie"].split("; ")) == ["ab=1", "lang=en", "theme=dark"]
    assert empty["cookie"] is None


async def test_getsession_keeps_no_cookies_between_requests() -> None:
    set_cookie = b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=1\r\nContent-Length: 0\r\n\r\n"
    async with raw_server(canned(set_cookie)) as setter, raw_server(echo_request()) as url:
        await (await io.getSession.get(setter)).read()
        echoed = await (await io.getSession.get(url)).read()
    assert not any(line.lower().startswith("cookie") for line in lines_of(echoed))


# -- hooks -------------------------------------------------------------------------------------
async def test_event_hooks_sync_and_async_see_every_hop_and_may_add_headers() -> None:
    seen: list[str] = []

    def sign(request: io.ClientRequest) -> None:
        request.headers["X-Signature"] = f"sig:{request.method}:{request.path}"

    async def log_response(resp: io.Session) -> None:
        seen.append(f"{resp.status_code} {resp.path}")

    def site(request: io.ClientRequest) -> io.MockResponse:
        if request.path == "/old":
            return io.MockResponse(301, {"Location": "/new"})
        return io.MockResponse(200, body=request.headers.get("x-signature", ""))

    hooks = {"request": [sign], "response": [log_response]}
    async with io.Client(transport=io.MockTransport(site), event_hooks=hooks, follow_redirects=True) as client:
        assert await (await client.get("http://a.test/old")).text() == "sig:GET:/new"
    assert seen == ["301 /old", "200 /new"]
    with pytest.raises(LocalProtocolError):
        io.Client(event_hooks={"responses": []})


# -- auth --------------------------------------------------------------------------------------
async def test_auth_on_getsession_and_on_a_client_sends_basic_or_bearer_credentials() -> None:
    async with raw_server(echo_request()) as url:
        basic = lines_of(await (await io.getSession.get(url, auth=("aladdin", "open sesame"))).read())
        async with io.Client(url, auth=io.BearerAuth("t0ken")) as client:
            bearer = lines_of(await (await client.get("/")).read())
            override = lines_of(await (await client.get("/", auth=io.BasicAuth("u", "p"))).read())
    assert "Authorization: Basic YWxhZGRpbjpvcGVuIHNlc2FtZQ==" in basic
    assert "Authorization: Bearer t0ken" in bearer
    assert "Authorization: Basic dTpw" in override


async def test_credentials_and_own_cookies_never_follow_a_redirect_to_another_origin() -> None:
    def site(request: io.ClientRequest) -> io.MockResponse:
        if request.url.startswith("http://a.test/"):
            return io.MockResponse(302, {"Location": "http://b.test/landing"})
        return io.MockResponse(
            200, json={"auth": request.headers.get("authorization"), "cookie": request.headers.get("cookie")}
        )

    async with io.Client(transport=io.MockTransport(site), follow_redirects=True, auth=("u", "p")) as client:
        landed = await (await client.get("http://a.test/go", cookies={"mine": "1"})).json()
    assert landed == {"auth": None, "cookie": None}


def digest_site(request: io.ClientRequest) -> io.MockResponse:
    challenge = 'Digest realm="r", nonce="n1", qop="auth", algorithm=SHA-256'
    if not request.headers.get("authorization", "").startswith("Digest "):
        return io.MockResponse(401, {"WWW-Authenticate": challenge}, "who?")
    return io.MockResponse(200, body=request.body)


async def test_digest_answers_the_challenge_once_resending_a_body_that_can_be_sent_again() -> None:
    async with io.Client(transport=io.MockTransport(digest_site), auth=io.DigestAuth("u", "p")) as client:
        resp = await client.post("http://a.test/x", json={"n": 1})
        assert resp.status_code == 200
        assert await resp.json() == {"n": 1}
    answered: list[int] = []
    hooks = {"response": [lambda resp: answered.append(resp.status_code)]}
    upload = io_module.BytesIO(b"a file's bytes")
    upload.seek(2)
    async with io.Client(
        transport=io.MockTransport(digest_site), auth=io.DigestAuth("u", "p"), event_hooks=hooks
    ) as client:
        resp = await client.put("http://a.test/f", body=upload)  # a seekable file goes again from where it was
        assert (resp.status_code, await resp.read()) == (200, b"file's bytes")
    assert answered == [401, 200]


async def test_digest_returns_the_401_when_the_body_cannot_be_sent_again() -> None:
    async def once() -> AsyncIterator[bytes]:
        yield b"only once"

    async with io.Client(transport=io.MockTransport(digest_site), auth=io.DigestAuth("u", "p")) as client:
        resp = await client.post("http://a.test/x", body=once())
        assert resp.status_code == 401
        assert await resp.text() == "who?"


# -- MockTransport -----------------------------------------------------------------------------
async def test_mock_transport_responses_read_like_real_ones() -> None:
    compressed = gzip.compress(b'{"a": [1, 2]}')

    async def handler(request: io.ClientRequest) -> io.MockResponse:
        if request.path == "/gz":
            return io.MockResponse(200, {"Content-Encoding": "gzip", "Content-Type": "application/json"}, compressed)
        return io.MockResponse(201, {"X-Seen": request.method}, f"{request.json()['q']}-{request.params['p']}")

    async with io.Client("http://api.test", transport=io.MockTransport(handler)) as client:
        resp = await client.post("/echo", params={"p": "1"}, json={"q": "z"})
        assert (resp.status_code, resp.headers.x_seen, await resp.text()) == (201, "POST", "z-1")
        assert await (await client.get("/gz")).json() == {"a": [1, 2]}
        async with client.get("/gz") as streamed:
            assert b"".join([chunk async for chunk in streamed]) == b'{"a": [1, 2]}'
        head = await client.head("/gz")
        assert head.headers.content_length == str(len(compressed)) and await head.read() == b""


async def test_a_mock_handlers_exception_reaches_the_caller() -> None:
    def broken(request: io.ClientRequest) -> io.MockResponse:
        raise KeyError("no route")

    async def broken_later(request: io.ClientRequest) -> io.MockResponse:
        raise KeyError("no route later")

    for handler in (broken, broken_later):
        async with io.Client(transport=io.MockTransport(handler)) as client:
            with pytest.raises(KeyError):
                await client.get("http://api.test/")


async def test_a_raw_peer_sees_the_request_a_mock_handler_sees() -> None:
    # The same request through a socket and through the mock: one HTTP/1.1 rendering of it.
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _head, body = await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    seen: list[bytes] = []

    def handler(request: io.ClientRequest) -> io.MockResponse:
        seen.append(request.body)
        return io.MockResponse(200, body=request.body)

    async with raw_server(handle) as url, io.Client() as real:
        wire = await (await real.post(url, form={"a": ["1", "2"]})).read()
    async with io.Client(transport=io.MockTransport(handler)) as mocked:
        assert await (await mocked.post("http://x.test/", form={"a": ["1", "2"]})).read() == wire == seen[0]


async def test_a_relative_url_with_a_url_in_its_query_still_goes_under_base_url() -> None:
    def handler(request: io.ClientRequest) -> io.MockResponse:
        return io.MockResponse(200, body=request.url)

    async with io.Client("http://api.test/v2/", transport=io.MockTransport(handler)) as client:
        assert await (await client.get("go?to=http://x.test/")).text() == "http://api.test/v2/go?to=http://x.test/"
        assert await (await client.get("http://other.test/y")).text() == "http://other.test/y"


async def test_a_response_hook_may_read_a_redirect_hops_body_without_changing_the_final_body() -> None:
    bodies: list[bytes] = []

    async def peek(resp: io.Session) -> None:
        bodies.append(await resp.read())

    def site(request: io.ClientRequest) -> io.MockResponse:
        if request.path == "/a":
            return io.MockResponse(302, {"Location": "/b"}, "moved")
        return io.MockResponse(200, body="final")

    hooks = {"response": [peek]}
    async with io.Client(transport=io.MockTransport(site), event_hooks=hooks, follow_redirects=True) as client:
        assert await (await client.get("http://a.test/a")).text() == "final"
    assert bodies == [b"moved", b"final"]


async def test_client_proxy_timeout_and_redirect_limit_apply_to_its_requests() -> None:
    log: list[bytes] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers; returns when the client goes away
        writer.close()

    async with raw_server(echo_request()) as origin, raw_server(http_proxy(log)) as proxy:
        async with io.Client(proxy=proxy) as client:
            assert (await client.get(f"{origin}/via")).status_code == 200
        assert log[0].startswith(f"GET {origin}/via HTTP/1.1".encode())
    async with raw_server(silent) as url, io.Client(timeout=io.Timeout(read=0.2)) as client:
        with pytest.raises(io.ReadTimeout):
            async with asyncio.timeout(10):  # the client's 0.2 s, not the default 60 s
                await client.get(url)

    hops: list[str] = []

    def loop(request: io.ClientRequest) -> io.MockResponse:
        hops.append(request.path)
        return io.MockResponse(302, {"Location": "/again"})

    async with io.Client(transport=io.MockTransport(loop), follow_redirects=True, max_redirects=3) as client:
        with pytest.raises(io.TooManyRedirects):
            await client.get("http://a.test/")
    assert hops == ["/", "/again", "/again", "/again"]


async def test_a_cookie_deleted_by_a_redirect_is_not_sent_on_the_next_hop() -> None:
    def site(request: io.ClientRequest) -> io.MockResponse:
        if request.path == "/logout":
            return io.MockResponse(303, {"Location": "/me", "Set-Cookie": "sid=; Max-Age=0; Path=/"})
        return io.MockResponse(200, body=request.headers.get("cookie", "-"))

    async with io.Client(transport=io.MockTransport(site), follow_redirects=True) as client:
        client.cookies.set("sid", "abc", "shop.test")
        assert await (await client.get("http://shop.test/me")).text() == "sid=abc"
        assert await (await client.get("http://shop.test/logout")).text() == "-"
        assert "sid" not in client.cookies
