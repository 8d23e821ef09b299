"""StaticServer over 127.0.0.1: mapping, fall-through, validators, ranges, MIME, safety, and the
product document's first example running unchanged (curl and headless Chromium as real peers)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import TIMEOUT, browser_dom, exchange, running

import Blazeio as io

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SECRET = b"TOPSECRET"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    (root / "page").mkdir(parents=True)
    (root / "css").mkdir()
    (root / "page" / "index.html").write_text("<h1>home</h1>")
    (root / "page" / "about.html").write_text("<h1>about</h1>")
    (root / "css" / "a.css").write_text("h1{color:red}")
    (root / "data.bin").write_bytes(bytes(range(256)) * 4)
    for name in ("x.webp", "x.wasm", "x.mjs", "x.avif", "x.json"):
        (root / name).write_bytes(b"data")
    (root / ".env").write_bytes(SECRET)
    (tmp_path / "static_secret").mkdir()
    (tmp_path / "static_secret" / "s.txt").write_bytes(SECRET)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    return root


def static_app(root: Path, **options: object) -> io.App:
    web = io.App("127.0.0.1", 0)
    web.attach(io.StaticServer("/", str(root), 1024, "page", "index.html", **options))  # type: ignore[arg-type]

    class App:
        async def handle_all_middleware(self, r: io.BlazeioProtocol) -> None:
            raise io.Abort("app 404", 404)

    web.attach(App)
    return web


def get(path: str, headers: dict[str, str] | None = None, method: str = "GET", close: bool = True) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: t"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines + (["Connection: close"] if close else [])) + "\r\n\r\n").encode()


async def test_mapping_and_a_missing_file_falls_through_to_the_app_once(site: Path) -> None:
    async with running(static_app(site)) as web:
        replies = await exchange(
            web.port, get("/", close=False) + get("/about", close=False) + get("/css/a.css", close=False)
            + get("/missing.css", close=False) + get("/nope")
        )  # fmt: skip
    assert [(r.status, r.body) for r in replies] == [
        (200, b"<h1>home</h1>"),
        (200, b"<h1>about</h1>"),
        (200, b"h1{color:red}"),
        (404, b"app 404"),
        (404, b"app 404"),
    ]
    assert replies[0].headers["content-type"] == "text/html; charset=utf-8"
    assert replies[2].headers["content-type"] == "text/css; charset=utf-8"


async def test_a_static_server_alone_answers_404_for_a_missing_file(site: Path) -> None:
    web = io.App("127.0.0.1", 0)
    web.attach(io.StaticServer("/", str(site), 1024, "page", "index.html"))
    async with running(web) as web:
        replies = await exchange(web.port, get("/missing.css", close=False) + get("/css/a.css"))
    assert [(r.status, r.body) for r in replies] == [(404, b"Not Found"), (200, b"h1{color:red}")]


TRAVERSALS = [
    "/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/%2E%2E/secret.txt",
    "/..%5csecret.txt", "/..\\secret.txt", "/css/../../secret.txt", "/css/..%2f..%2fsecret.txt",
    "/../static_secret/s.txt", "/%2e%2e/static_secret/s.txt", "/.env", "/%2eenv", "/link.txt",
    "/secret.txt%00.css", "/%00", "//etc/passwd", "/%2f%2fetc%2fpasswd", "/css/%2e%2e/%2e%2e/secret.txt",
    "/..%252fsecret.txt", "/%c0%ae%c0%ae/secret.txt", "/./.env", "/css/./../.env", "/page/../../secret.txt",
]  # fmt: skip


@pytest.mark.parametrize("path", TRAVERSALS)
async def test_no_path_escapes_the_root(site: Path, path: str) -> None:
    async with running(static_app(site)) as web:
        (reply,) = await exchange(web.port, get(path))
    assert SECRET not in reply.body
    assert reply.status in (400, 404)


async def test_symlinks_out_of_the_root_are_served_only_when_allowed(site: Path) -> None:
    async with running(static_app(site, follow_symlinks=True)) as web:
        (reply,) = await exchange(web.port, get("/link.txt"))
    assert reply.body == SECRET


async def test_etag_last_modified_and_conditional_requests(site: Path) -> None:
    async with running(static_app(site)) as web:
        (first,) = await exchange(web.port, get("/css/a.css"))
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', etag)
        (by_tag,) = await exchange(web.port, get("/css/a.css", {"If-None-Match": f'"other", {etag}'}))
        (by_date,) = await exchange(web.port, get("/css/a.css", {"If-Modified-Since": modified}))
        (changed,) = await exchange(
            web.port, get("/css/a.css", {"If-None-Match": '"other"', "If-Modified-Since": modified})
        )
    assert (by_tag.status, by_tag.body, by_tag.headers["etag"]) == (304, b"", etag)
    assert by_date.status == 304
    assert changed.status == 200  # If-None-Match wins over If-Modified-Since


@pytest.mark.parametrize(
    ("range_header", "status", "expected", "content_range"),
    [
        ("bytes=0-9", 206, bytes(range(10)), "bytes 0-9/1024"),
        ("bytes=1020-", 206, bytes(range(252, 256)), "bytes 1020-1023/1024"),
        ("bytes=-3", 206, bytes(range(253, 256)), "bytes 1021-1023/1024"),
        ("bytes=1000-5000", 206, (bytes(range(256)) * 4)[1000:], "bytes 1000-1023/1024"),
        ("bytes=0-1,5-6", 200, bytes(range(256)) * 4, None),
        ("bytes=2000-", 416, b"Range Not Satisfiable", "bytes */1024"),
        ("bytes=5-1", 416, b"Range Not Satisfiable", "bytes */1024"),
        ("items=0-1", 200, bytes(range(256)) * 4, None),
        ("bytes=x-y", 200, bytes(range(256)) * 4, None),
    ],
)
async def test_ranges(site: Path, range_header: str, status: int, expected: bytes, content_range: str | None) -> None:
    async with running(static_app(site)) as web:
        (reply,) = await exchange(web.port, get("/data.bin", {"Range": range_header}))
    assert (reply.status, reply.body) == (status, expected)
    assert reply.headers.get("content-range") == content_range
    if status != 416:
        assert reply.headers["content-length"] == str(len(expected))


async def test_if_range_with_a_stale_validator_sends_the_whole_file(site: Path) -> None:
    async with running(static_app(site)) as web:
        (fresh,) = await exchange(web.port, get("/data.bin"))
        (ok,) = await exchange(web.port, get("/data.bin", {"Range": "bytes=0-0", "If-Range": fresh.headers["etag"]}))
        (stale,) = await exchange(web.port, get("/data.bin", {"Range": "bytes=0-0", "If-Range": '"stale"'}))
    assert (ok.status, ok.body) == (206, b"\x00")
    assert (stale.status, len(stale.body)) == (200, 1024)


async def test_head_mime_types_and_405(site: Path) -> None:
    async with running(static_app(site)) as web:
        (head,) = await exchange(web.port, get("/data.bin", method="HEAD"), methods=["HEAD"])
        types = {}
        for name in ("x.webp", "x.wasm", "x.mjs", "x.avif", "x.json"):
            (reply,) = await exchange(web.port, get(f"/{name}"))
            types[name] = reply.headers["content-type"]
        (post,) = await exchange(
            web.port, get("/css/a.css", method="POST").replace(b"Connection", b"Content-Length: 0\r\nConnection")
        )
    assert (head.status, head.body, head.headers["content-length"]) == (200, b"", "1024")
    assert types == {
        "x.webp": "image/webp",
        "x.wasm": "application/wasm",
        "x.mjs": "text/javascript; charset=utf-8",
        "x.avif": "image/avif",
        "x.json": "application/json; charset=utf-8",
    }
    assert (post.status, post.headers["allow"]) == (405, "GET, HEAD")


@pytest.mark.peer("curl")
async def test_curl_range_download(site: Path) -> None:
    async with running(static_app(site)) as web:
        proc = await asyncio.create_subprocess_exec(
            "curl", "-s", "--range", "10-19", f"{web.server_address}/data.bin", stdout=asyncio.subprocess.PIPE
        )
        out, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert out == bytes(range(10, 20))


def run_on(loop: str, main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on the stdlib loop or on uvloop (their zero-copy file paths differ)."""
    if loop == "uvloop":
        uvloop = pytest.importorskip("uvloop", reason="uvloop is not installed on this platform")
        uvloop.run(main)
    else:
        asyncio.run(main)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_large_files_are_byte_exact_on_a_kept_alive_connection(site: Path, loop: str) -> None:
    # Larger than the memory cache: sent zero-copy (loop.sendfile on the stdlib loop,
    # os.sendfile from a thread on uvloop), after the head; the connection stays usable.
    blob = os.urandom(3 << 20)
    (site / "big.bin").write_bytes(blob)

    async def main() -> None:
        async with running(static_app(site)) as web:
            reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
            ranged = ("Range: bytes=1000-2000999\r\n", blob[1000:2001000])
            for headers, expected in (("", blob), ranged, ("", blob)):
                writer.write(f"GET /big.bin HTTP/1.1\r\nHost: t\r\n{headers}\r\n".encode())
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
                length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
                assert await asyncio.wait_for(reader.readexactly(length), TIMEOUT) == expected
            writer.write(b"GET /css/a.css HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            rest = await asyncio.wait_for(reader.read(), TIMEOUT)
            writer.close()
        assert rest.startswith(b"HTTP/1.1 200 ") and rest.endswith(b"h1{color:red}")

    run_on(loop, main())


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_a_client_leaving_during_a_large_file_leaves_the_server_serving(site: Path, loop: str) -> None:
    (site / "big.bin").write_bytes(os.urandom(16 << 20))

    async def main() -> None:
        async with running(static_app(site)) as web:
            for _ in range(3):
                reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
                writer.write(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
                await asyncio.wait_for(reader.readexactly(64 * 1024), TIMEOUT)  # then leave mid-body
                writer.transport.abort()
            replies = await exchange(web.port, get("/css/a.css"))
        assert replies[0].status == 200 and replies[0].body == b"h1{color:red}"

    run_on(loop, main())


def test_files_still_go_out_when_every_sendfile_thread_is_held_by_a_slow_client(site: Path) -> None:
    # One zero-copy thread, held by a client that stopped reading a file larger than the
    # socket buffers: the next download must not queue behind it (it is copied instead).
    blob = os.urandom(32 << 20)
    (site / "big.bin").write_bytes(blob)
    web = io.App("127.0.0.1", 0, sendfile_threads=1)
    web.attach(io.StaticServer("/", str(site), 1024, "page", "index.html"))

    async def main() -> None:
        async with running(web):
            slow_reader, slow = await asyncio.open_connection("127.0.0.1", web.port)
            slow.write(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
            await asyncio.wait_for(slow_reader.readexactly(64 * 1024), TIMEOUT)  # and no more
            reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
            writer.write(b"GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
            body = await asyncio.wait_for(reader.read(), TIMEOUT)
            writer.close()
            slow.transport.abort()
        assert body == blob

    run_on("uvloop", main())


@pytest.fixture
def example_one() -> Iterator[int]:
    """The product document's first example, run unchanged as a subprocess from examples/."""
    env = {**os.environ, "BLAZEIO_HOST": "127.0.0.1", "BLAZEIO_PORT": "0", "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "app_oop_fp.py"], cwd=EXAMPLES, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    port = 0
    for line in proc.stdout:
        if match := re.search(r"listening on http://127\.0\.0\.1:(\d+)", line):
            port = int(match.group(1))
            break
    try:
        yield port
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0


async def test_the_first_example_runs_unchanged(example_one: int) -> None:
    replies = await exchange(
        example_one,
        get("/", close=False) + get("/css/site.css", close=False) + get("/redirect", close=False)
        + get("/api/ip", close=False) + get("/fp", close=False) + get("/nope"),
    )  # fmt: skip
    home, css, redirect, api, fp, missing = replies
    assert home.status == 200 and b"Served by io.StaticServer" in home.body
    assert css.body == (EXAMPLES / "static" / "css" / "site.css").read_bytes()
    assert (redirect.status, redirect.headers["location"], redirect.body) == (302, "/api/ip", b"")
    assert api.status == 200 and io.loads(api.body)["ip"].startswith("127.0.0.1")
    assert fp.body == b"Hello from some functional endpoint"
    assert (missing.status, missing.body) == (404, b"Not Found")
    assert len(replies) == 6  # each static file answered once: no stray second response


@pytest.mark.peer("chromium")
async def test_a_browser_loads_the_page_with_its_css_script_and_image(example_one: int, tmp_path: Path) -> None:
    dom = await browser_dom(f"http://127.0.0.1:{example_one}/", tmp_path / "profile")
    # The page's script wrote the computed colour from site.css and the SVG's natural width.
    assert b"color=rgb(12, 34, 56) width=120" in dom


async def test_precompressed_siblings_are_sent_when_accepted(site: Path) -> None:
    import gzip

    import brotli

    (site / "app.js").write_text("console.log('identity');")
    (site / "app.js.br").write_bytes(brotli.compress(b"console.log('br');"))
    (site / "app.js.gz").write_bytes(gzip.compress(b"console.log('gz');"))
    async with running(static_app(site)) as web:
        (br,) = await exchange(web.port, get("/app.js", {"Accept-Encoding": "gzip, br"}))
        (gz,) = await exchange(web.port, get("/app.js", {"Accept-Encoding": "gzip"}))
        (plain,) = await exchange(web.port, get("/app.js"))
    assert (br.headers["content-encoding"], brotli.decompress(br.body)) == ("br", b"console.log('br');")
    assert (gz.headers["content-encoding"], gzip.decompress(gz.body)) == ("gzip", b"console.log('gz');")
    assert "content-encoding" not in plain.headers and plain.body == b"console.log('identity');"
    assert br.headers["vary"] == gz.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert br.headers["content-type"] == "text/javascript; charset=utf-8"
    assert len({br.headers["etag"], gz.headers["etag"], plain.headers["etag"]}) == 3


async def test_small_files_are_cached_but_never_served_stale(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import blazeio_server.static as static_module

    reads: list[str] = []
    real_read = static_module._read
    monkeypatch.setattr(static_module, "_read", lambda path: reads.append(path) or real_read(path))
    target = site / "css" / "a.css"
    async with running(static_app(site)) as web:
        first = await exchange(
            web.port, get("/css/a.css", close=False) + get("/css/a.css", close=False) + get("/css/a.css")
        )
        assert [r.body for r in first] == [b"h1{color:red}"] * 3
        assert len(reads) == 1  # read once, then served from memory
        assert [r.headers.getlist("content-length") for r in first] == [["13"]] * 3  # one line, never two
        target.write_text("h1{color:blue}")
        os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 1_000_000_000))
        (changed,) = await exchange(web.port, get("/css/a.css"))
        (ranged,) = await exchange(web.port, get("/css/a.css", {"Range": "bytes=3-7"}))
    assert changed.body == b"h1{color:blue}"
    assert (ranged.status, ranged.body, ranged.headers["content-range"]) == (206, b"color", "bytes 3-7/14")
    assert len(reads) == 2


async def test_a_change_is_seen_by_every_request_sent_after_it_under_concurrency(site: Path) -> None:
    # Many connections asking at once share one stat per loop iteration; a request sent after
    # the file changed must still never get the old body (same size: only the mtime tells).
    target = site / "css" / "a.css"
    base = target.stat().st_mtime_ns
    async with running(static_app(site)) as web:
        streams = [await asyncio.open_connection("127.0.0.1", web.port) for _ in range(24)]

        async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
            writer.write(get("/css/a.css", close=False))
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", head)[1])  # type: ignore[index]
            return await reader.readexactly(length)

        try:
            for version in range(12):
                body = f"h1{{color:#{version:06d}}}".encode()
                target.write_bytes(body)
                os.utime(target, ns=(base, base + (version + 1) * 1_000_000_000))
                bodies = await asyncio.wait_for(asyncio.gather(*(ask(*pair) for pair in streams)), TIMEOUT)
                assert bodies == [body] * len(streams), f"version {version}"
        finally:
            for _, writer in streams:
                writer.close()
