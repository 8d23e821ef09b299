"""Conditional and range requests (RFC 9110 §13, §14) over 127.0.0.1, the same for every file answer:
a ``StaticServer`` file and a gated ``Deliver.file`` download revalidate and resume alike."""

from __future__ import annotations

import asyncio
from email.utils import formatdate
from pathlib import Path

import pytest
from serving import TIMEOUT, Reply, exchange, request, running

import Blazeio as io

DATA = bytes(range(256)) * 4
# Both answer the same 1024 bytes: one from the static root, one from a handler.
ENDPOINTS = ["/static/data.bin", "/download"]


def file_app(root: Path) -> io.App:
    web = io.App("127.0.0.1", 0)
    web.attach(io.StaticServer("/static", str(root), 1024, "page", "index.html"))

    @web.add_route
    async def _download(r: io.BlazeioProtocol) -> None:
        # A gated download: the handler decides, then answers with the file.
        if r.headers.get("authorization") == "no":
            raise io.Abort("Forbidden", 403)
        await io.Deliver.file(str(root / "data.bin"), headers={"Cache-Control": "private, max-age=60"})

    return web


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "data.bin").write_bytes(DATA)
    return tmp_path


async def ask(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    (reply,) = await exchange(port, request(method, path, headers=headers), [method])
    return reply


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_file_answers_carry_validators_and_advertise_ranges(root: Path, path: str) -> None:
    async with running(file_app(root)) as web:
        reply = await ask(web.port, path)
    assert (reply.status, reply.body) == (200, DATA)
    assert reply.headers["etag"].startswith('"') and reply.headers["etag"].endswith('"')
    assert reply.headers["last-modified"] == formatdate((root / "data.bin").stat().st_mtime, usegmt=True)
    assert reply.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("range_header", "status", "expected", "content_range"),
    [
        ("bytes=0-9", 206, DATA[:10], "bytes 0-9/1024"),
        ("bytes=1020-", 206, DATA[1020:], "bytes 1020-1023/1024"),
        ("bytes=-3", 206, DATA[-3:], "bytes 1021-1023/1024"),
        ("bytes=1000-5000", 206, DATA[1000:], "bytes 1000-1023/1024"),
        ("bytes=0-1,5-6", 200, DATA, None),  # several ranges: the whole file (RFC 9110 §14.2)
        ("bytes=2000-", 416, b"Range Not Satisfiable", "bytes */1024"),
        ("items=0-1", 200, DATA, None),
        ("bytes=x-y", 200, DATA, None),
    ],
)
async def test_ranges_are_answered_alike(
    root: Path, path: str, range_header: str, status: int, expected: bytes, content_range: str | None
) -> None:
    async with running(file_app(root)) as web:
        reply = await ask(web.port, path, {"Range": range_header})
    assert (reply.status, reply.body) == (status, expected)
    assert reply.headers.get("content-range") == content_range
    if status != 416:
        assert reply.headers["content-length"] == str(len(expected))


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_if_range_resumes_only_the_same_representation(root: Path, path: str) -> None:
    async with running(file_app(root)) as web:
        fresh = await ask(web.port, path)
        etag, modified = fresh.headers["etag"], fresh.headers["last-modified"]
        by_tag = await ask(web.port, path, {"Range": "bytes=0-0", "If-Range": etag})
        by_date = await ask(web.port, path, {"Range": "bytes=1-1", "If-Range": modified})
        stale = await ask(web.port, path, {"Range": "bytes=0-0", "If-Range": '"stale"'})
        weak = await ask(web.port, path, {"Range": "bytes=0-0", "If-Range": "W/" + etag})  # never strong
        head = await ask(web.port, path, {"Range": "bytes=0-0"}, method="HEAD")  # GET only (§14.2)
    assert (by_tag.status, by_tag.body) == (206, b"\x00")
    assert (by_date.status, by_date.body) == (206, b"\x01")
    assert (stale.status, stale.body) == (200, DATA)
    assert (weak.status, weak.body) == (200, DATA)
    assert (head.status, head.headers["content-length"], head.body) == (200, "1024", b"")


def _conditions(etag: str, modified: str) -> list[tuple[dict[str, str], int]]:
    """Request conditions and the status RFC 9110 §13.2.2 gives them (for a GET)."""
    earlier = "Thu, 01 Jan 1970 00:00:01 GMT"
    return [
        ({"If-None-Match": etag}, 304),
        ({"If-None-Match": f'"other", {etag}'}, 304),
        ({"If-None-Match": "W/" + etag}, 304),  # weak comparison (§13.1.2)
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"other"'}, 200),
        ({"If-Modified-Since": modified}, 304),
        ({"If-Modified-Since": earlier}, 200),
        ({"If-Modified-Since": "not a date"}, 200),  # ignored (§13.1.3)
        ({"If-None-Match": '"other"', "If-Modified-Since": modified}, 200),  # If-None-Match wins
        ({"If-Match": etag}, 200),
        ({"If-Match": "*"}, 200),
        ({"If-Match": '"other"'}, 412),
        ({"If-Match": "W/" + etag}, 412),  # strong comparison (§13.1.1)
        ({"If-Unmodified-Since": earlier}, 412),
        ({"If-Unmodified-Since": modified}, 200),
        ({"If-Match": etag, "If-Unmodified-Since": earlier}, 200),  # If-Match wins
        ({"If-Match": '"other"', "If-None-Match": etag}, 412),  # step 1 before step 3
        ({"If-Match": etag, "If-None-Match": etag}, 304),
    ]


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_preconditions_follow_rfc_9110_order(root: Path, path: str) -> None:
    async with running(file_app(root)) as web:
        fresh = await ask(web.port, path)
        etag, modified = fresh.headers["etag"], fresh.headers["last-modified"]
        conditions = _conditions(etag, modified)
        replies = [await ask(web.port, path, headers) for headers, _ in conditions]
    got = [(headers, reply.status) for (headers, _), reply in zip(conditions, replies, strict=True)]
    assert got == conditions
    for reply in replies:
        if reply.status == 304:
            assert reply.body == b"" and reply.headers["etag"] == etag
            assert "content-type" not in reply.headers and "content-length" not in reply.headers
        if reply.status == 200:
            assert reply.body == DATA


async def test_a_304_for_a_download_keeps_the_handlers_cache_fields(root: Path) -> None:
    async with running(file_app(root)) as web:
        fresh = await ask(web.port, "/download")
        again = await ask(web.port, "/download", {"If-None-Match": fresh.headers["etag"]})
    assert (again.status, again.headers["cache-control"]) == (304, "private, max-age=60")


async def test_a_download_with_its_own_validator_is_checked_against_it(root: Path) -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _report(r: io.BlazeioProtocol) -> None:
        await io.Deliver.file(str(root / "data.bin"), headers={"ETag": '"v7"'})

    async with running(web):
        fresh = await ask(web.port, "/report")
        again = await ask(web.port, "/report", {"If-None-Match": '"v7"'})
    assert fresh.headers.getlist("etag") == ['"v7"']
    assert (again.status, again.headers["etag"]) == (304, '"v7"')


@pytest.mark.peer("curl")
@pytest.mark.parametrize("path", ENDPOINTS)
async def test_curl_resumes_a_partial_download(root: Path, tmp_path: Path, path: str) -> None:
    target = tmp_path / "partial.bin"
    target.write_bytes(DATA[:100])  # what an interrupted download left
    async with running(file_app(root)) as web:
        proc = await asyncio.create_subprocess_exec(
            "curl", "-sf", "-C", "-", "-o", str(target), f"{web.server_address}{path}"
        )  # fmt: skip
        assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    assert target.read_bytes() == DATA
