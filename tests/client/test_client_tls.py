"""The client over TLS against raw asyncio peers (a trustme CA): connection reuse, and redirects
that change scheme."""

from __future__ import annotations

import asyncio
import socket

import pytest
from peers import TLS, Handler, raw_server, read_head

import blazeio_client as io
from blazeio_common import ServerDisconnected


def keep_alive(accepted: list[int], body: bytes = b"ok", location: str | None = None) -> Handler:
    """A keep-alive peer counting the connections it accepts; answers each request with
    ``body`` (or, given ``location``, with a 302 there)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)  # after the TLS handshake, for a TLS server
        try:
            while True:
                await read_head(reader)
                if location is not None:
                    writer.write(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode())
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


async def test_https_requests_with_the_default_verified_context_reuse_one_connection(
    tls: TLS, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default context verifies against the system store; SSL_CERT_FILE points it at the
    # test CA (OpenSSL reads it when the context loads its default paths).
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca_file))
    accepted: list[int] = []
    async with raw_server(keep_alive(accepted), tls.server) as url:
        pool = io.Pool()  # closed before the peer stops (it waits for its connections on 3.12+)
        try:
            for _ in range(5):
                assert await (await io.getSession.get(f"{url}/x", pool=pool)).read() == b"ok"
            assert len(accepted) == 1  # one connection, one handshake for all five
            # A context of the program's own is reused by identity: Sessions sharing it share connections.
            for _ in range(3):
                assert await (await io.getSession.get(f"{url}/y", ssl=tls.client, pool=pool)).read() == b"ok"
            assert len(accepted) == 2
        finally:
            pool.close()


async def test_a_redirect_from_https_to_http_is_followed_in_cleartext(
    tls: TLS, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca_file))
    plain: list[int] = []
    secure: list[int] = []
    async with (
        raw_server(keep_alive(plain, b"plain")) as http_url,
        raw_server(keep_alive(secure, location=f"{http_url}/landing"), tls.server) as https_url,
    ):
        pool = io.Pool()
        try:
            for options in ({}, {"ssl": tls.client}):  # the default context, and the program's own
                async with io.getSession.get(f"{https_url}/from", follow_redirects=True, pool=pool, **options) as resp:
                    assert (resp.status_code, await resp.read()) == (200, b"plain")
                    assert str(resp.url) == f"{http_url}/landing"
            # An ssl= context given for an http:// URL is not used: http means cleartext.
            assert await (await io.getSession.get(f"{http_url}/direct", ssl=tls.client, pool=pool)).read() == b"plain"
        finally:
            pool.close()


async def test_a_redirect_to_an_origin_that_refuses_connections_is_a_connect_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with raw_server(keep_alive([], location=f"http://127.0.0.1:{closed_port}/next")) as url:
        pool = io.Pool()
        try:
            with pytest.raises(io.ConnectError, match=f"127.0.0.1:{closed_port}") as caught:
                async with io.getSession.get(url, follow_redirects=True, pool=pool):
                    pass
        finally:
            pool.close()
    assert not isinstance(caught.value, ServerDisconnected)
