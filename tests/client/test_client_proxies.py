"""Requests through SOCKS5 proxies (a real one: pproxy) and proxies from the environment (trust_env)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from peers import TLS, Handler, http_proxy, raw_server, read_head

import blazeio_client as io
from blazeio_client import proxy_connect
from blazeio_client.socks5 import Socks5Handshake, SocksAuthError

ENV_NAMES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def hello() -> Handler:
    """A keep-alive origin answering with its request line and Host; counts its connections."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await read_head(reader)
                line, _, rest = head.partition(b"\r\n")
                host = next(x for x in rest.split(b"\r\n") if x.lower().startswith(b"host:"))
                body = line + b" " + host
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


@pytest.fixture
async def origin() -> AsyncIterator[str]:
    async with raw_server(hello()) as url:
        yield url


@pytest.fixture
def targets(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The (host, port) each SOCKS5 handshake asked the proxy for."""
    seen: list[tuple[str, int]] = []

    class Recording(Socks5Handshake):
        __slots__ = ()

        def greeting(self) -> bytes:
            seen.append(self.target)
            return super().greeting()

    monkeypatch.setattr(proxy_connect, "Socks5Handshake", Recording)
    return seen


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def socks() -> Iterator[object]:
    pytest.importorskip("pproxy")
    from test_socks5_pproxy import pproxy

    return pproxy  # type: ignore[no-any-return]


async def test_http_and_https_through_a_socks5h_proxy_send_the_name_to_the_proxy(
    socks: object, origin: str, targets: list[tuple[str, int]], tls: TLS
) -> None:
    port = int(origin.rsplit(":", 1)[1])
    with socks("socks5://127.0.0.1:0") as proxy_port:  # type: ignore[operator]
        pool = io.Pool()
        try:
            url = f"http://localhost:{port}/a?b=1"
            resp = await io.getSession.get(url, proxy=f"socks5h://127.0.0.1:{proxy_port}", pool=pool)
            assert await resp.text() == f"GET /a?b=1 HTTP/1.1 Host: localhost:{port}"  # origin form, not absolute
            async with raw_server(hello(), tls=tls.server) as secure:
                resp = await io.getSession.get(
                    f"{secure}/s", proxy=f"socks5h://127.0.0.1:{proxy_port}", ssl=tls.client, pool=pool
                )
                assert await resp.text() == f"GET /s HTTP/1.1 Host: {secure.removeprefix('https://')}"
        finally:
            pool.close()
    assert targets[0] == ("localhost", port)


async def test_socks5_resolves_the_name_itself_and_sends_the_address(
    socks: object, origin: str, targets: list[tuple[str, int]]
) -> None:
    port = int(origin.rsplit(":", 1)[1])
    with socks("socks5://127.0.0.1:0") as proxy_port:  # type: ignore[operator]
        resp = await io.getSession.get(f"http://localhost:{port}/x", proxy=f"socks5://127.0.0.1:{proxy_port}")
        assert await resp.text() == f"GET /x HTTP/1.1 Host: localhost:{port}"
    assert targets[0][1] == port and targets[0][0] in ("127.0.0.1", "::1")


async def test_https_through_a_socks5_proxy_with_a_password(
    socks: object, targets: list[tuple[str, int]], tls: TLS
) -> None:
    async with raw_server(hello(), tls=tls.server) as secure:
        with socks("socks5://127.0.0.1:0#alice:s3cret") as proxy_port:  # type: ignore[operator]
            pool = io.Pool()
            try:
                proxy = f"socks5://alice:s3cret@127.0.0.1:{proxy_port}"
                for path in ("/one", "/two"):
                    resp = await io.getSession.get(f"{secure}{path}", proxy=proxy, ssl=tls.client, pool=pool)
                    assert await resp.text() == f"GET {path} HTTP/1.1 Host: {secure.removeprefix('https://')}"
                assert len(targets) == 1  # the tunnel, TLS over it, is kept alive and reused
                with pytest.raises(SocksAuthError):
                    await io.getSession.get(
                        f"{secure}/x", proxy=proxy.replace("s3cret", "wrong"), ssl=tls.client, pool=pool
                    )
                with pytest.raises(io.ProxyError):
                    await io.getSession.get(f"{secure}/x", proxy=proxy.replace("alice:s3cret@", ""), ssl=tls.client)
            finally:
                pool.close()


async def test_pooled_connections_are_kept_apart_by_proxy(
    socks: object, origin: str, targets: list[tuple[str, int]]
) -> None:
    with socks("socks5://127.0.0.1:0") as proxy_port:  # type: ignore[operator]
        pool = io.Pool()
        try:
            for proxy in (None, f"socks5://127.0.0.1:{proxy_port}", None, f"socks5://127.0.0.1:{proxy_port}"):
                await io.getSession.get(f"{origin}/k", proxy=proxy, pool=pool, trust_env=False)
            assert pool.idle_connections == 2 and len(targets) == 1  # one direct, one tunnel, each reused
        finally:
            pool.close()


async def test_the_environment_s_socks_proxy_is_used_unless_no_proxy_or_trust_env_false(
    socks: object, origin: str, targets: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socks("socks5://127.0.0.1:0#alice:s3cret") as proxy_port:  # type: ignore[operator]
        monkeypatch.setenv("ALL_PROXY", f"socks5h://alice:s3cret@127.0.0.1:{proxy_port}")
        pool = io.Pool()
        try:
            assert (await io.getSession.get(f"{origin}/e", pool=pool)).status_code == 200
            assert len(targets) == 1
            monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
            pool.reload_proxy_env()
            assert (await io.getSession.get(f"{origin}/n", pool=pool)).status_code == 200
            assert len(targets) == 1 and pool.idle_connections == 2  # the tunnel, and a direct connection
        finally:
            pool.close()


async def test_proxy_variables_choose_the_proxy_per_scheme_and_no_proxy_bypasses_it(
    origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bytes] = []
    async with raw_server(http_proxy(seen)) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("HTTPS_PROXY", f"socks5://127.0.0.1:{closed_port()}")
        pool = io.Pool()
        try:
            resp = await io.getSession.get(f"{origin}/via", pool=pool)
            assert await resp.text() == f"GET {origin}/via HTTP/1.1 Host: {origin.removeprefix('http://')}"
            assert len(seen) == 1  # through the http proxy, in absolute form
            resp = await io.getSession.get(f"{origin}/direct", pool=pool, trust_env=False)
            assert await resp.text() == f"GET /direct HTTP/1.1 Host: {origin.removeprefix('http://')}"
            with pytest.raises(io.ConnectError):  # https:// goes to HTTPS_PROXY, which is not there
                await io.getSession.get(origin.replace("http://", "https://") + "/s", pool=pool)
            monkeypatch.setenv("no_proxy", "127.0.0.1")
            resp = await io.getSession.get(f"{origin}/via", pool=pool)
            assert (await resp.text()).startswith(f"GET {origin}/via ")  # read once, when the pool was first used
            pool.reload_proxy_env()
            resp = await io.getSession.get(f"{origin}/bypass", pool=pool)
            assert await resp.text() == f"GET /bypass HTTP/1.1 Host: {origin.removeprefix('http://')}"
            assert len(seen) == 1
        finally:
            pool.close()


async def test_an_unusable_proxy_setting_is_an_error_not_a_direct_connection(
    origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALL_PROXY", "ftp://127.0.0.1:21")
    pool = io.Pool()
    with pytest.raises(ValueError, match="unsupported proxy scheme"):
        await io.getSession.get(f"{origin}/x", pool=pool)
    with pytest.raises(ValueError, match="unsupported proxy scheme"):
        await io.getSession.get(f"{origin}/x", proxy="socks4://127.0.0.1:1080")


async def test_a_redirect_to_an_origin_in_no_proxy_leaves_the_proxy(
    origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bytes] = []
    moved = f"HTTP/1.1 302 Found\r\nLocation: {origin}/landed\r\nContent-Length: 0\r\n\r\n".encode()

    async def redirect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(moved)
        await writer.drain()
        writer.close()

    async with raw_server(http_proxy(seen)) as proxy_url, raw_server(redirect) as start:
        monkeypatch.setenv("http_proxy", proxy_url)
        monkeypatch.setenv("no_proxy", origin.removeprefix("http://"))  # 127.0.0.1:<its port> only
        pool = io.Pool()
        try:
            resp = await io.getSession.get(f"{start}/go", pool=pool, follow_redirects=True)
            assert await resp.text() == f"GET /landed HTTP/1.1 Host: {origin.removeprefix('http://')}"  # direct
        finally:
            pool.close()
    assert [head.split(b"\r\n")[0] for head in seen] == [f"GET {start}/go HTTP/1.1".encode()]  # the first hop
