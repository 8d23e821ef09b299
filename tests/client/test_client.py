"""The client against real peers on 127.0.0.1: our server, the stdlib, scripted raw servers."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from blazeio_common import LocalProtocolError

# These tests use the Blazeio server as a peer: in the client-only install they skip.
io = pytest.importorskip("Blazeio", reason="these tests use the Blazeio server (the meta package) as a peer")

from serving import running  # noqa: E402 - only importable once the server is


def server_app() -> io.App:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _info(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json(
            {"target": r.tail, "host": r.headers.get("host"), "port": r.ip_port, "auth": r.headers.get("authorization")}
        )

    @web.add_route
    async def _echo(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "application/octet-stream", **io.Ctypes.chunked})
        async for chunk in r.pull():
            await r.write(chunk)

    @web.add_route
    async def _count(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(str(len(await r.read_body())))

    @web.add_route
    async def _big(r: io.BlazeioProtocol) -> None:
        await io.Deliver.bytes(b"x" * 200_000)

    @web.add_route
    async def _redirect(r: io.BlazeioProtocol) -> None:
        target = r.params().get("to", "/info")
        raise io.Abort("", int(r.params().get("status", "302")), {"Location": target})

    @web.add_route
    async def _loop(r: io.BlazeioProtocol) -> None:
        raise io.Abort("", 302, {"Location": "/loop"})

    @web.add_route
    async def _method(r: io.BlazeioProtocol) -> None:
        body = await r.read_body()
        await io.Deliver.json({"method": r.method, "body": body.decode()})

    @web.add_route
    async def _file(r: io.BlazeioProtocol) -> None:
        await r.prepare(
            {"Content-Length": 3, "Content-Disposition": "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"}
        )
        await r.write(b"pdf")

    return web


@pytest.fixture
async def tls_server() -> object:
    """The test app over TLS with a throwaway CA: yields (https base URL, a client context trusting it)."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    web = server_app()
    task = asyncio.create_task(web.run("127.0.0.1", 0, ssl=server_context))
    await web
    try:
        yield web.server_address, client_context
    finally:
        await web.exit()
        await task


@pytest.fixture
async def base() -> object:
    async with running(server_app()) as web:
        yield web.server_address


async def test_get_json_with_params_merged_into_the_query(base: str) -> None:
    async with io.getSession.get(f"{base}/info?a=1", params={"b": "x y", "c": ["1", "2"]}) as resp:
        data = await resp.json()
        assert resp.ok() and resp.status_code == 200 and resp.reason_phrase == "OK"
    assert data.target == "/info?a=1&b=x%20y&c=1&c=2"
    assert data.host == base.removeprefix("http://")  # a non-default port is in Host
    assert dict(resp.headers)["content-type"] == "application/json; charset=utf-8"
    assert resp.headers.content_type == resp.content_type


async def test_full_duplex_reads_the_response_while_the_request_still_streams(base: str) -> None:
    async with io.getSession.post(f"{base}/echo", {"Transfer-encoding": "chunked"}) as resp:
        await resp.prepare_http()
        assert resp.status_code == 200
        chunks = resp.pull()
        for word in (b"alpha", b"beta", b"gamma"):
            await resp.write(word)
            # The echo of each piece arrives before we send the next: both directions at once.
            assert await asyncio.wait_for(chunks.__anext__(), 10) == word
        await resp.eof()
        assert [c async for c in chunks] == []


async def test_content_length_upload_is_checked_against_the_declared_length(base: str) -> None:
    async with io.getSession.put(f"{base}/count", {"content-length": 10}) as resp:
        await resp.write(b"01234")
        with pytest.raises(LocalProtocolError):
            await resp.write(b"too many bytes")
        await resp.write(b"56789")
        await resp.prepare_http()
        assert await resp.text() == "10"


async def test_body_json_and_form_options(base: str) -> None:
    assert await (await io.getSession.post(f"{base}/method", body=b"raw")).json() == {"method": "POST", "body": "raw"}
    sent = await io.getSession.post(f"{base}/method", json={"a": 1})
    assert (await sent.json()).body == '{"a":1}'
    form = await io.getSession.post(f"{base}/method", form={"q": "a b&c"})
    assert (await form.json()).body == "q=a%20b%26c"
    empty = await io.getSession.post(f"{base}/method")
    assert (await empty.json()).body == ""


async def test_keep_alive_connections_are_pooled_and_reused(base: str) -> None:
    ports = []
    for _ in range(3):
        async with io.getSession.get(f"{base}/info") as resp:
            ports.append((await resp.json()).port)
    assert len(set(ports)) == 1


async def test_a_response_not_read_to_the_end_is_not_reused(base: str) -> None:
    async with io.getSession.get(f"{base}/info") as first:
        port = (await first.json()).port
    async with io.getSession.get(f"{base}/big") as resp:  # reuses that connection, leaves the body unread
        assert resp.status_code == 200
    async with io.getSession.get(f"{base}/info") as second:
        assert (await second.json()).port != port  # so it was closed, not pooled


async def test_redirects_followed_303_becomes_get_and_loops_are_capped(base: str) -> None:
    async with io.getSession.get(f"{base}/redirect?to=/info%3Fz%3D1", follow_redirects=True) as resp:
        assert (await resp.json()).target == "/info?z=1"
        assert resp.path == "/info?z=1"
    async with io.getSession.post(f"{base}/redirect?status=303&to=/method", body=b"x", follow_redirects=True) as resp:
        assert await resp.json() == {"method": "GET", "body": ""}
    async with io.getSession.post(f"{base}/redirect?status=307&to=/method", body=b"kept", follow_redirects=True) as r:
        assert await r.json() == {"method": "POST", "body": "kept"}
    with pytest.raises(io.TooManyRedirects):
        async with io.getSession.get(f"{base}/loop", follow_redirects=True, max_redirects=5):
            pass
    async with io.getSession.get(f"{base}/loop") as resp:
        assert (resp.status_code, resp.headers.location) == (302, "/loop")


async def test_credentials_are_dropped_when_a_redirect_changes_origin(base: str) -> None:
    async with running(server_app()) as other:
        target = f"{other.server_address}/info"
        url = f"{base}/redirect?to={io.url_encode(target)}"
        async with io.getSession.get(url, {"Authorization": "Bearer secret"}, follow_redirects=True) as resp:
            assert (await resp.json()).auth is None
        async with io.getSession.get(
            f"{base}/redirect?to=/info", {"Authorization": "Bearer same"}, follow_redirects=True
        ) as r:
            assert (await r.json()).auth == "Bearer same"


async def test_head_with_redirects_and_filename(base: str) -> None:
    async with io.getSession.head(f"{base}/redirect?to=/file", io.Rvtools.headers, follow_redirects=True) as file:
        assert file.ok() and file.content_length == 3
        assert file.get_filename() == "résumé.pdf"
        assert await file.text() == ""


async def test_pool_timeout_when_every_connection_is_busy(base: str) -> None:
    pool = io.Pool(max_per_origin=1)
    async with io.getSession.get(f"{base}/big", pool=pool):
        with pytest.raises(io.PoolTimeout):
            async with io.getSession.get(f"{base}/info", pool=pool, timeout=io.Timeout(pool=0.2)):
                pass
    pool.close()


async def test_header_injection_is_refused_before_sending(base: str) -> None:
    with pytest.raises(LocalProtocolError):
        async with io.getSession.get(f"{base}/info", {"X-Evil": "a\r\nInjected: 1"}):
            pass


async def test_https_on_any_port_is_tls_and_verified(tls_server: tuple[str, ssl.SSLContext]) -> None:
    url, client_context = tls_server
    assert url.startswith("https://127.0.0.1:")  # not port 443: https means TLS on any port
    async with io.getSession.get(f"{url}/info", ssl=client_context) as resp:
        assert resp.status_code == 200
    with pytest.raises(ssl.SSLCertVerificationError):
        async with io.getSession.get(f"{url}/info"):  # system trust store: refused
            pass


async def test_file_iterable_and_multipart_bodies_stream(base: str, tmp_path: object) -> None:
    import hashlib
    import os
    from pathlib import Path

    payload = os.urandom(700_000)
    path = Path(str(tmp_path)) / "upload.bin"
    path.write_bytes(payload)
    seen: list[tuple[int, int | None]] = []
    with path.open("rb") as handle:
        resp = await io.getSession.put(f"{base}/count", body=handle, progress=lambda n, total: seen.append((n, total)))
    assert await resp.text() == str(len(payload))
    uploads = [n for n, total in seen if total == len(payload)]  # then one call for the 6-byte answer
    assert uploads[-1] == len(payload) and uploads == sorted(uploads) and len(uploads) > 1

    async def pieces() -> object:
        for piece in (b"async ", "iterable ", b"body"):
            yield piece

    assert await (await io.getSession.post(f"{base}/count", body=pieces())).text() == str(len(b"async iterable body"))

    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _form(r: io.BlazeioProtocol) -> None:
        form = await r.form_data()
        data = await form.doc.read()
        await io.Deliver.json({"title": form.title, "name": form.doc.filename, "sha": hashlib.sha256(data).hexdigest()})

    async with running(web):
        with path.open("rb") as handle:
            resp = await io.getSession.post(
                f"{web.server_address}/form", multipart={"title": "héllo", "doc": ("résumé.bin", handle)}
            )
    assert await resp.json() == {"title": "héllo", "name": "résumé.bin", "sha": hashlib.sha256(payload).hexdigest()}


async def test_200_concurrent_requests_share_the_pool(base: str) -> None:
    import asyncio

    pool = io.Pool(max_per_origin=50)

    async def one(i: int) -> str:
        async with io.getSession.get(f"{base}/info?i={i}", pool=pool) as resp:
            return str((await resp.json()).target)

    targets = await asyncio.gather(*(one(i) for i in range(200)))
    assert targets == [f"/info?i={i}" for i in range(200)]
    assert pool.idle_connections <= 50
    pool.close()


async def test_small_writes_held_for_a_burst_keep_their_bytes_and_order(base: str) -> None:
    # Concurrent requests in one turn of the loop have their small writes held and sent
    # together; a caller reusing its buffer right after write() must not change what is sent.
    async def upload(i: int) -> bytes:
        buffer = bytearray(8)
        async with io.getSession.post(f"{base}/echo", {"Content-Length": "400"}) as resp:
            for piece in range(50):
                buffer[:] = b"%03d:%04d" % (i, piece)
                await resp.write(buffer)
            await resp.eof()
            return await resp.read()

    bodies = await asyncio.gather(*(upload(i) for i in range(20)))
    assert bodies == [b"".join(b"%03d:%04d" % (i, piece) for piece in range(50)) for i in range(20)]


async def test_large_bodies_sent_in_a_burst_arrive_whole_after_their_heads(base: str) -> None:
    # Bodies of 64 KiB and more are written after the head without joining them; in a burst
    # the heads are held, and each must still precede its body on the wire.
    async def put(i: int) -> bytes:
        body = bytes([i]) * (200_000 + i)
        async with io.getSession.post(f"{base}/echo", body=body) as resp:
            return await resp.read()

    echoed = await asyncio.gather(*(put(i) for i in range(8)))
    assert echoed == [bytes([i]) * (200_000 + i) for i in range(8)]


async def test_requests_through_an_http_proxy_plain_and_tunnelled(
    base: str, tls_server: tuple[str, ssl.SSLContext]
) -> None:
    import base64

    from peers import http_proxy, raw_server

    seen: list[bytes] = []
    credentials = "Basic " + base64.b64encode(b"user:p@ss").decode()
    async with raw_server(http_proxy(seen, require_auth=credentials.lower())) as proxy_url:
        proxy = proxy_url.replace("http://", "http://user:p%40ss@")
        pool = io.Pool()
        async with io.getSession.get(f"{base}/info", proxy=proxy, pool=pool) as resp:
            assert resp.status_code == 200, (resp.status_code, seen)
            assert (await resp.json()).target == "/info"
        assert seen[-1].startswith(f"GET {base}/info HTTP/1.1".encode())

        tls_url, client_context = tls_server
        async with io.getSession.get(f"{tls_url}/info", proxy=proxy, ssl=client_context, pool=pool) as r:
            assert r.status_code == 200 and (await r.json()).target == "/info"
        assert seen[-1].startswith(f"CONNECT {tls_url.removeprefix('https://')} HTTP/1.1".encode())
        pool.close()
        with pytest.raises(io.ProxyError):
            async with io.getSession.get(f"{base}/info".replace("http://", "https://"), proxy=proxy_url):
                pass
