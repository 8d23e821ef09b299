"""REDbot (HTTP lint, https://redbot.org) as a real peer: Blazeio's answers get no BAD note.

REDbot fetches each URL and checks the answer, then asks again to test content negotiation
(gzip), validation (If-None-Match, If-Modified-Since) and ranges. It is run from its command
line with HAR output (which names each note and its level), against 127.0.0.1 only: without
``--assets`` it fetches the given URL alone, never the links in a page.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from serving import running

import Blazeio as io

# The WARN notes that remain, and why each is acceptable. A WARN not listed here fails the test.
ALLOWED_WARNINGS: dict[str, set[str]] = {
    # "This response allows caches to assign their own freshness lifetimes to it": a handler's
    # 200 without Cache-Control or Expires is heuristically cacheable (RFC 9111 §4.2.2). How long
    # an application's answer stays fresh is the application's choice (it sets Cache-Control);
    # the framework must not invent one. StaticServer sends Cache-Control (no-cache by default).
    "FRESHNESS_HEURISTIC": {"/json", "/text", "/stream", "/file", "/download", "HEAD /text"},
}

# Drives REDbot's own check for a HEAD request (its command line only sends GET): the same
# steps as redbot.cli.main, with the method given.
_HEAD_DRIVER = """
import sys
from configparser import ConfigParser
import thor
from redbot.formatter import find_formatter
from redbot.resource import HttpResource

parser = ConfigParser()
parser.read_dict({"redbot": {"enable_local_access": "True"}})
config = parser["redbot"]
resource = HttpResource(config)
resource.set_request(sys.argv[1], method="HEAD")
params = {"tty_out": False, "descend": False}
formatter = find_formatter("har", "har", False)(config, resource, sys.stdout.write, params)
formatter.bind_resource(resource)

@thor.events.on(formatter)
def formatter_done():
    thor.stop()

resource.check()
thor.run()
"""

PAGE = "<!doctype html><html><head><title>t</title><link rel=stylesheet href=/static/a.css></head><body>"
PAGE += "<p>Blazeio serves this page.</p>" * 100 + "</body></html>"
CSS = "h1{color:red}\n" * 300


def _redbot_or_skip() -> None:
    if importlib.util.find_spec("redbot") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide REDbot (the 'redbot' package of the test environment)")
        pytest.skip("REDbot is not installed (hatch's test environment has it)")


def lint_app(root: Path, compress: bool) -> io.App:
    web = io.App("127.0.0.1", 0, compress=compress)
    web.attach(io.StaticServer("/static", str(root), 1024, "page", "index.html", cache_entry_max=64 * 1024))

    @web.add_route
    async def _json(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"items": list(range(500))})

    @web.add_route
    async def _text(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("Blazeio answers. " * 200)

    @web.add_route
    async def _redirect(r: io.BlazeioProtocol) -> None:
        await io.Deliver.redirect("/text")

    @web.add_route
    async def _stream(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain; charset=utf-8", **io.Ctypes.chunked}, 200)
        for i in range(50):
            await r.write(f"line {i} {'x' * 50}\n".encode())

    @web.add_route
    async def _file(r: io.BlazeioProtocol) -> None:
        await io.Deliver.file(str(root / "a.css"))

    @web.add_route
    async def _download(r: io.BlazeioProtocol) -> None:
        await io.Deliver.file(str(root / "data.bin"), attachment=True)

    return web


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "page").mkdir()
    (tmp_path / "page" / "index.html").write_text(PAGE)
    (tmp_path / "a.css").write_text(CSS)
    (tmp_path / "big.css").write_text(CSS * 40)  # beyond the memory cache: compressed while sent
    (tmp_path / "data.bin").write_bytes(bytes(range(256)) * 40)
    return tmp_path


CHECKS = [
    "/json", "/text", "/redirect", "/stream", "/file", "/download", "/static/", "/static/a.css",
    "/static/big.css", "/static/data.bin", "/missing", "HEAD /text", "HEAD /static/a.css", "HEAD /static/big.css",
]  # fmt: skip


def _notes(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for note in messages:
        found.append(note)
        found.extend(_notes(note.get("subnotes", [])))
    return found


async def redbot(url: str, method: str) -> list[dict[str, Any]]:
    """REDbot's notes on ``url`` (all levels)."""
    if method == "HEAD":
        command = [sys.executable, "-c", _HEAD_DRIVER, url]
    else:
        command = [sys.executable, "-m", "redbot.cli", "--output-format", "har", url]
    proc = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, url
    har = json.loads(out)
    assert "_red_error" not in har["log"], har["log"].get("_red_error")
    (entry,) = har["log"]["entries"]
    assert entry["request"]["method"] == method
    return _notes(entry["_red_messages"])


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "compress"])
async def test_redbot_finds_nothing_bad(root: Path, compress: bool) -> None:
    _redbot_or_skip()
    async with running(lint_app(root, compress)) as web:
        limit = asyncio.Semaphore(4)

        async def check(name: str) -> tuple[str, list[dict[str, Any]]]:
            method, _, path = name.rpartition(" ")
            async with limit:
                return name, await redbot(f"http://127.0.0.1:{web.port}{path}", method or "GET")

        results = await asyncio.gather(*(check(name) for name in CHECKS))
    bad = [
        (name, note["note_id"], note["summary"]) for name, notes in results for note in notes if note["level"] == "BAD"
    ]
    assert bad == []
    warnings = {(name, note["note_id"]) for name, notes in results for note in notes if note["level"] == "WARN"}
    allowed = {(name, note_id) for note_id, names in ALLOWED_WARNINGS.items() for name in names}
    assert warnings <= allowed
    if compress:  # REDbot saw the negotiation it checks: gzip offered, and worth it
        negotiated = {name for name, notes in results for note in notes if note["note_id"] == "CONNEG_GZIP_GOOD"}
        assert {"/json", "/text", "/stream", "/static/", "/static/a.css", "/static/big.css"} <= negotiated
