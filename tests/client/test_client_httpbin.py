"""io.Client against httpbin under a real WSGI server on 127.0.0.1: two origins, plain and TLS.

Cookies across redirects, Basic and Digest auth, hooks, and http <-> https redirects that must not
carry credentials (or a request's own cookies) to the other origin.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from peers import TLS, make_tls

import blazeio_client as io

httpbin = pytest.importorskip("httpbin")
serving = pytest.importorskip("werkzeug.serving")


@dataclass(frozen=True)
class Origins:
    plain: str
    secure: str
    tls: TLS


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Origins]:
    pytest.importorskip("trustme")  # not in the client-only install slice
    tls = make_tls(tmp_path_factory.mktemp("tls"))
    servers = [
        serving.make_server("127.0.0.1", 0, httpbin.app, threaded=True),
        serving.make_server("127.0.0.1", 0, httpbin.app, threaded=True, ssl_context=tls.server),
    ]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    yield Origins(f"http://127.0.0.1:{servers[0].server_port}", f"https://127.0.0.1:{servers[1].server_port}", tls)
    for server in servers:
        server.shutdown()
    for thread in threads:
        thread.join()


@pytest.mark.parametrize("secure", [False, True])
async def test_cookies_set_by_httpbins_redirect_are_sent_to_the_next_hop_and_kept(
    origins: Origins, secure: bool
) -> None:
    base = origins.secure if secure else origins.plain
    async with io.Client(base, ssl=origins.tls.client, follow_redirects=True) as client:
        resp = await client.get("/cookies/set", params={"flavour": "oat", "n": "2"})
        assert resp.status_code == 200 and len(resp.redirects) == 1
        assert await resp.json() == {"cookies": {"flavour": "oat", "n": "2"}}
        assert client.cookies["flavour"] == "oat"
        resp = await client.get("/cookies/delete", params={"n": ""})
        assert await resp.json() == {"cookies": {"flavour": "oat"}}  # the server's delete emptied the jar's n
        assert "n" not in client.cookies


async def test_basic_auth_logs_in_to_httpbin_and_a_wrong_password_gets_its_401(origins: Origins) -> None:
    async with io.Client(origins.plain, auth=("alice", "s3cret")) as client:
        ok = await client.get("/basic-auth/alice/s3cret")
        assert (ok.status_code, await ok.json()) == (200, {"authenticated": True, "user": "alice"})
        refused = await client.get("/basic-auth/alice/other")
        assert refused.status_code == 401


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
async def test_digest_auth_logs_in_to_httpbin_over_http_and_https(origins: Origins, algorithm: str) -> None:
    answered: list[int] = []
    hooks = {"response": [lambda resp: answered.append(resp.status_code)]}
    for base in (origins.plain, origins.secure):
        async with io.Client(
            base, auth=io.DigestAuth("alice", "pw"), ssl=origins.tls.client, event_hooks=hooks
        ) as client:
            resp = await client.get(f"/digest-auth/auth/alice/pw/{algorithm}")
            assert (resp.status_code, await resp.json()) == (200, {"authenticated": True, "user": "alice"})
    assert answered == [401, 200, 401, 200]  # the challenge, then the answer; on each origin


async def test_digest_with_a_wrong_password_returns_the_401_after_one_answer(origins: Origins) -> None:
    answered: list[int] = []
    hooks = {"response": [lambda resp: answered.append(resp.status_code)]}
    async with io.Client(origins.plain, auth=io.DigestAuth("alice", "wrong"), event_hooks=hooks) as client:
        resp = await client.get("/digest-auth/auth/alice/right/MD5")
    assert resp.status_code == 401
    assert answered == [401, 401]


@pytest.mark.parametrize("direction", ["http->https", "https->http"])
async def test_a_redirect_to_the_other_origin_carries_no_credentials_and_no_own_cookies(
    origins: Origins, direction: str
) -> None:
    start, other = (origins.plain, origins.secure) if direction == "http->https" else (origins.secure, origins.plain)
    async with io.Client(start, ssl=origins.tls.client, follow_redirects=True, auth=("u", "p")) as client:
        resp = await client.get(
            "/redirect-to", params={"url": f"{other}/headers"}, cookies={"mine": "1"}, headers={"X-Keep": "yes"}
        )
        landed = (await resp.json())["headers"]
        assert str(resp.url).startswith(other)
        assert "Authorization" not in landed
        assert "Cookie" not in landed
        assert landed["X-Keep"] == "yes"
        # On its own origin the same request carries both.
        home = (await (await client.get("/headers", cookies={"mine": "1"})).json())["headers"]
        assert home["Authorization"] == "Basic dTpw" and home["Cookie"] == "mine=1"


async def test_a_secure_cookie_from_https_is_not_sent_over_http(origins: Origins) -> None:
    async with io.Client(ssl=origins.tls.client) as client:
        await (await client.get(f"{origins.secure}/response-headers", params={"Set-Cookie": "s=1; Secure"})).read()
        await (await client.get(f"{origins.secure}/response-headers", params={"Set-Cookie": "p=2"})).read()
        over_tls = await (await client.get(f"{origins.secure}/cookies")).json()
        in_clear = await (await client.get(f"{origins.plain}/cookies")).json()
    assert over_tls == {"cookies": {"s": "1", "p": "2"}}
    assert in_clear == {"cookies": {"p": "2"}}  # RFC 6265: cookies are per host, Secure ones https only


async def test_response_hooks_see_each_redirect_hop_of_httpbin(origins: Origins) -> None:
    hops: list[tuple[int, str]] = []

    async def record(resp: io.Session) -> None:
        hops.append((resp.status_code, resp.path))

    async with io.Client(origins.plain, follow_redirects=True, event_hooks={"response": [record]}) as client:
        resp = await client.get("/redirect/2")
        assert resp.status_code == 200
    assert [status for status, _ in hops] == [302, 302, 200]
    assert hops[0][1] == "/redirect/2" and hops[-1][1] == "/get"
