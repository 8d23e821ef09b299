"""Content negotiation and caching over 127.0.0.1 (RFC 9110 §12.5.3, §15.4.5, §8.8.3): Vary on every
answer of a negotiated resource, one validator per representation, ranges of the identity bytes, and
a representation that never depends on what the server has in memory."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import brotli
import pytest
from serving import Reply, exchange, request, running

import Blazeio as io

TEXT = "Blazeio negotiates. " * 200
CSS = ("h1{color:red}\n" * 300).encode()  # compressible, well over compress_min_size


def dynamic_app(**settings: object) -> io.App:
    web = io.App("127.0.0.1", 0, **settings)  # type: ignore[arg-type]

    @web.add_route
    async def _text(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(TEXT)

    @web.add_route
    async def _origin(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(TEXT, headers={"Vary": "Origin"})

    @web.add_route
    async def _png(r: io.BlazeioProtocol) -> None:
        await io.Deliver.image_png(b"\x89PNG" + b"\x00" * 4000)

    @web.add_route
    async def _stream(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 200)
        await r.write(TEXT.encode())

    return web


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "a.css").write_bytes(CSS)
    (tmp_path / "big.css").write_bytes(CSS * 40)  # larger than the memory cache takes: sent as it is read
    (tmp_path / "app.js").write_text("console.log('identity');" * 100)
    (tmp_path / "app.js.gz").write_bytes(gzip.compress(b"console.log('gz');"))
    return tmp_path


def static_app(root: Path, **settings: object) -> io.App:
    web = io.App("127.0.0.1", 0, **settings)  # type: ignore[arg-type]
    web.attach(io.StaticServer("/", str(root), 1024, "page", "index.html", cache_entry_max=64 * 1024))
    return web


async def ask(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    (reply,) = await exchange(port, request(method, path, headers=headers), [method])
    return reply


def decoded(reply: Reply) -> bytes:
    coding = reply.headers.get("content-encoding")
    if coding == "gzip":
        return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(reply.body)  # one member, like a browser
    if coding == "br":
        return bytes(brotli.decompress(reply.body))
    assert coding is None
    return reply.body


async def test_every_answer_of_a_negotiated_response_varies_on_accept_encoding() -> None:
    async with running(dynamic_app(compress=True)) as web:
        identity = await ask(web.port, "/text")
        gzipped = await ask(web.port, "/text", {"Accept-Encoding": "gzip"})
        refused = await ask(web.port, "/text", {"Accept-Encoding": "identity"})
        head = await ask(web.port, "/text", method="HEAD")
        stream = await ask(web.port, "/stream")
        origin = await ask(web.port, "/origin")
        png = await ask(web.port, "/png", {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in identity.headers and identity.body == TEXT.encode()
    assert gzipped.headers["content-encoding"] == "gzip"
    for reply in (identity, gzipped, refused, head, stream):
        assert reply.headers.getlist("vary") == ["Accept-Encoding"]
    assert origin.headers.getlist("vary") == ["Origin, Accept-Encoding"]  # the handler's Vary is kept
    assert "vary" not in png.headers  # an image is never compressed: nothing is negotiated
    async with running(dynamic_app()) as web:
        off = await ask(web.port, "/text", {"Accept-Encoding": "gzip"})
    assert "vary" not in off.headers and "content-encoding" not in off.headers


@pytest.mark.parametrize("path", ["/a.css", "/big.css"])
async def test_the_first_answer_after_start_up_is_already_compressed(root: Path, path: str) -> None:
    async with running(static_app(root, compress=True)) as web:
        first = await ask(web.port, path, {"Accept-Encoding": "gzip"})
        second = await ask(web.port, path, {"Accept-Encoding": "gzip"})
        plain = await ask(web.port, path)
    for reply in (first, second):
        assert (reply.status, reply.headers["content-encoding"]) == (200, "gzip")
        assert reply.headers["vary"] == "Accept-Encoding"
        assert decoded(reply) == (root / path[1:]).read_bytes()
    assert first.headers["etag"] == second.headers["etag"]
    assert (plain.headers.get("content-encoding"), plain.headers["vary"]) == (None, "Accept-Encoding")


async def test_each_representation_of_a_file_has_its_own_etag(root: Path) -> None:
    async with running(static_app(root, compress=True)) as web:
        br = await ask(web.port, "/a.css", {"Accept-Encoding": "br, gzip"})
        gz = await ask(web.port, "/a.css", {"Accept-Encoding": "gzip"})
        plain = await ask(web.port, "/a.css")
        head = await ask(web.port, "/a.css", {"Accept-Encoding": "gzip"}, method="HEAD")
    etag = plain.headers["etag"]
    assert br.headers["etag"] == etag[:-1] + '-br"'
    assert gz.headers["etag"] == etag[:-1] + '-gzip"'
    assert [decoded(reply) for reply in (br, gz, plain)] == [CSS] * 3
    # Ranges are of the identity bytes: only the identity answer offers them.
    assert plain.headers["accept-ranges"] == "bytes"
    assert "accept-ranges" not in br.headers and "accept-ranges" not in gz.headers
    assert head.headers["etag"] == gz.headers["etag"]
    assert head.headers["content-length"] == gz.headers["content-length"] and head.body == b""


@pytest.mark.parametrize("path", ["/a.css", "/app.js"])
async def test_a_range_request_is_answered_from_the_identity_bytes(root: Path, path: str) -> None:
    identity = (root / path[1:]).read_bytes()
    async with running(static_app(root, compress=True)) as web:
        plain = await ask(web.port, path)
        ranged = await ask(web.port, path, {"Accept-Encoding": "gzip", "Range": "bytes=2-11"})
        resumed = await ask(
            web.port, path, {"Accept-Encoding": "gzip", "Range": "bytes=2-11", "If-Range": plain.headers["etag"]}
        )
    for reply in (ranged, resumed):
        assert (reply.status, reply.body) == (206, identity[2:12])
        assert "content-encoding" not in reply.headers
        assert reply.headers["content-range"] == f"bytes 2-11/{len(identity)}"
        assert (reply.headers["etag"], reply.headers["vary"]) == (plain.headers["etag"], "Accept-Encoding")


@pytest.mark.parametrize("path", ["/a.css", "/big.css", "/app.js"])
async def test_a_304_carries_the_validator_and_vary_its_200_would(root: Path, path: str) -> None:
    async with running(static_app(root, compress=True)) as web:
        for accept in ({}, {"Accept-Encoding": "gzip"}):
            full = await ask(web.port, path, accept)
            again = await ask(web.port, path, {**accept, "If-None-Match": full.headers["etag"]})
            assert (full.status, again.status, again.body) == (200, 304, b"")
            for name in ("etag", "vary", "cache-control", "last-modified"):
                assert again.headers[name] == full.headers[name], name
            assert "content-encoding" not in again.headers and "content-length" not in again.headers


async def test_if_none_match_is_compared_with_the_representation_selected_now(root: Path) -> None:
    # RFC 9110 §13.1.2: a 304 says a stored response "matches the selected representation". A
    # client holding only the gzip answer that now asks for identity gets identity, not a 304
    # that would let it reuse a body it no longer accepts; listing both tags gets the 304.
    async with running(static_app(root, compress=True)) as web:
        gz = await ask(web.port, "/a.css", {"Accept-Encoding": "gzip"})
        plain = await ask(web.port, "/a.css")
        switched = await ask(web.port, "/a.css", {"If-None-Match": gz.headers["etag"]})
        both = await ask(
            web.port,
            "/a.css",
            {"Accept-Encoding": "gzip", "If-None-Match": f"{plain.headers['etag']}, {gz.headers['etag']}"},
        )
    assert (switched.status, switched.body, switched.headers["etag"]) == (200, CSS, plain.headers["etag"])
    assert (both.status, both.headers["etag"]) == (304, gz.headers["etag"])


async def test_a_compressed_file_kept_in_memory_is_never_served_stale(root: Path) -> None:
    target = root / "a.css"
    async with running(static_app(root, compress=True)) as web:
        before = await ask(web.port, "/a.css", {"Accept-Encoding": "gzip"})
        target.write_bytes(CSS.replace(b"red", b"tan"))  # same size: only the mtime tells
        stat = target.stat()
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        after = await ask(web.port, "/a.css", {"Accept-Encoding": "gzip"})
    assert decoded(before) == CSS and decoded(after) == target.read_bytes()
    assert before.headers["etag"] != after.headers["etag"]
