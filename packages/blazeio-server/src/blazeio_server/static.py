"""``StaticServer``: files under a root, safely, with validators and ranges.

``web.attach(io.StaticServer("/", io.path.join(io.getcwd(), "static"), 1024*100, "page", "index.html"))``

Mapping (under the ``route`` prefix): ``/`` -> ``root/page/index.html``; a path without a dot ->
``root/page/<path>.html``; a path with a dot -> ``root/<path>`` (or ``root/page/<path>``).
A missing file falls through to the app's own ``handle_all_middleware`` -- StaticServer never
answers 404 itself, so the app's handler runs once.

Safety: the path is percent-decoded strictly, then ``..`` segments, NUL, backslashes, empty or
dot-file segments are refused (they fall through, as missing files do), and the resolved file
must lie under the resolved root (``commonpath``, so symlinks out of the root are refused
unless ``follow_symlinks=True``).

Precompressed siblings (``a.js.br``, ``a.js.gz``) are sent when the client accepts them, with
``Content-Encoding`` and ``Vary: Accept-Encoding``. Small hot files are served from a bounded
in-memory cache validated against size and mtime on every request (with a stat taken after
the request arrived: the requests answered in one loop iteration share one).

HTTP: strong quoted ETag from size and mtime, Last-Modified, If-None-Match / If-Modified-Since
-> 304, If-Range, single ranges (``a-b``, ``a-``, ``-n``) -> 206, unsatisfiable -> 416 with
``Content-Range: bytes */size``; several ranges are answered with the whole file (allowed by
RFC 9110 §14.2). HEAD; other methods on an existing file -> 405 with ``Allow: GET, HEAD``.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import stat as stat_module
from collections import OrderedDict
from collections.abc import Awaitable
from email.utils import formatdate, parsedate_to_datetime
from time import monotonic_ns
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from blazeio_common import ioConf
from blazeio_common.http import serialise_fields
from blazeio_server.compression import choose_encoding
from blazeio_server.responses import DONE, Abort

if TYPE_CHECKING:
    from blazeio_server.protocol import BlazeioProtocol

__all__ = ["StaticServer"]

_EXTRA_TYPES = {
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}
# A request carrying any of these needs the full path (validators, ranges, a precompressed sibling).
_NOT_PLAIN = frozenset(("range", "if-none-match", "if-modified-since", "accept-encoding"))
_TEXTUAL = ("text/", "application/json", "application/javascript", "image/svg+xml", "application/xml")


def content_type(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    kind = _EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if kind.startswith(_TEXTUAL) and "charset" not in kind:
        kind += "; charset=utf-8"
    return kind


def _byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(start, end inclusive) for one satisfiable range; None: ignore the header; False: 416."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # unknown unit, or several ranges: the whole file (RFC 9110 §14.2 allows it)
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()) or (first and not first.isdigit()):
        return None  # malformed: ignored
    if last and not last.isdigit():
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return False
    return start, min(end, size - 1)


_DATES: dict[float, str] = {}


def _http_date(mtime: float) -> str:
    value = _DATES.get(mtime)
    if value is None:
        if len(_DATES) >= 4096:
            _DATES.clear()
        value = _DATES[mtime] = formatdate(mtime, usegmt=True)
    return value


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


class _FileCache:
    """An LRU of small file bodies, checked against (size, mtime) on every use."""

    def __init__(self, max_bytes: int, entry_max: int) -> None:
        self.max_bytes = max_bytes
        self.entry_max = entry_max if max_bytes else 0
        self.entries: OrderedDict[str, tuple[int, int, bytes, bytes | None]] = OrderedDict()
        self.bytes = 0

    def get(self, path: str, size: int, mtime_ns: int) -> bytes | None:
        entry = self.entries.get(path)
        if entry is None:
            return None
        if entry[0] != size or entry[1] != mtime_ns:
            self._drop(path)  # the file changed on disk
            return None
        self.entries.move_to_end(path)
        return entry[2]

    def get_with_head(self, path: str, size: int, mtime_ns: int) -> tuple[bytes, bytes] | None:
        """Body and serialised head fields of a plain 200, when both are cached and current."""
        entry = self.entries.get(path)
        if entry is None or entry[3] is None or entry[0] != size or entry[1] != mtime_ns:
            return None
        return entry[2], entry[3]

    def put(self, path: str, size: int, mtime_ns: int, data: bytes, head: bytes | None = None) -> None:
        if size > self.entry_max:
            return
        self._drop(path)
        self.entries[path] = (size, mtime_ns, data, head)
        self.bytes += size
        while self.bytes > self.max_bytes and self.entries:
            oldest = next(iter(self.entries))
            self._drop(oldest)

    def _drop(self, path: str) -> None:
        entry = self.entries.pop(path, None)
        if entry is not None:
            self.bytes -= entry[0]


class StaticServer:
    """Serve files under ``root``; see the module docstring for the rules."""

    def __init__(
        self,
        route: str = "/",
        root: str = "static",
        chunk_size: int = 100 * 1024,
        page_dir: str = "page",
        home_page: str = "index.html",
        *,
        cache_control: str = "no-cache",
        follow_symlinks: bool = False,
        show_dotfiles: bool = False,
        cache_max_bytes: int = 32 * 1024 * 1024,
        cache_entry_max: int = 256 * 1024,
        precompressed: bool = True,
    ) -> None:
        self.route = route if route.endswith("/") else route + "/"
        self.root = os.path.realpath(root)
        self.chunk_size = chunk_size
        self.page_dir = page_dir
        self.home_page = home_page
        self.cache_control = cache_control
        self.follow_symlinks = follow_symlinks
        self.show_dotfiles = show_dotfiles
        self.precompressed = precompressed
        # Small hot files are kept in memory, keyed by path and validated by (size, mtime) on
        # every request, so a changed file is never served stale. Bounded in bytes and per entry.
        self.cache = _FileCache(cache_max_bytes, cache_entry_max)
        # request path -> (file, monotonic_ns before its last lstat, that lstat or None)
        self._resolved: dict[str, tuple[str, int, os.stat_result | None]] = {}

    def resolve(self, path: str) -> str | None:
        """The file for a request path, or None (outside the route, unsafe, or missing)."""
        if not (path + "/").startswith(self.route):
            return None
        try:
            relative = unquote(path[len(self.route) :], errors="strict")
        except UnicodeDecodeError:
            return None
        if "\0" in relative or "\\" in relative:
            return None
        segments = relative.split("/") if relative else []
        for segment in segments:
            if segment in ("", ".", "..") or (segment.startswith(".") and not self.show_dotfiles):
                return None
        if not segments:
            candidates = [os.path.join(self.root, self.page_dir, self.home_page)]
        elif "." in segments[-1]:
            candidates = [os.path.join(self.root, *segments), os.path.join(self.root, self.page_dir, *segments)]
        else:
            candidates = [os.path.join(self.root, self.page_dir, *segments[:-1], segments[-1] + ".html")]
        for candidate in candidates:
            if os.path.isfile(candidate) and self._contained(candidate):
                return candidate
        return None

    def _contained(self, candidate: str) -> bool:
        # The lexical path is under the root (segments were checked); a symlink may still lead
        # out of it, which is refused unless follow_symlinks is set.
        if self.follow_symlinks:
            return True
        return os.path.commonpath([os.path.realpath(candidate), self.root]) == self.root

    def _resolve_cached(self, r: BlazeioProtocol) -> tuple[str, os.stat_result | None] | None:
        # A resolved path is reused while it is still a regular file (not a symlink: its target
        # could change), so a hot file costs one lstat instead of several stats and a realpath;
        # that lstat is also the file's stat (it is no symlink), which serve() reuses.
        path = r.path
        entry = self._resolved.get(path)
        if entry is not None:
            file, checked_ns, info = entry
            # A stat taken after this request's bytes arrived is as good as a new one: the
            # answer shows the file as it was at an instant between arrival and response. So
            # the many requests answered in one loop iteration share one lstat.
            if info is not None and checked_ns > r.received_ns:
                return file, info
            checked_ns = monotonic_ns()
            try:
                info = os.lstat(file)
                if stat_module.S_ISREG(info.st_mode):
                    self._resolved[path] = (file, checked_ns, info)
                    return file, info
            except OSError:
                pass
            del self._resolved[path]
        resolved = self.resolve(path)
        if resolved is None:
            return None
        if not os.path.islink(resolved):
            if len(self._resolved) >= 4096:
                self._resolved.clear()
            self._resolved[path] = (resolved, 0, None)
        return resolved, None

    def handle_all_middleware(self, r: BlazeioProtocol) -> Awaitable[None]:
        # A plain def: a hot cached file is answered right here, and what is returned (the
        # drain, or an awaitable already done) is all the server awaits -- no coroutine.
        found = self._resolve_cached(r)
        if found is None:
            # Fall through to the app's own handler; with none after this one, that means 404.
            chain = r.app.handle_all
            if chain and chain[-1] == self.handle_all_middleware:
                raise Abort("Not Found", 404)
            return DONE
        if r.method not in ("GET", "HEAD"):
            raise Abort("Method Not Allowed", 405, {"Allow": "GET, HEAD"})
        file, stat = found
        hit = self._plain_hit(r, file, stat)
        if hit is None:
            return self._serve(r, file)
        r._respond(200, hit[1], hit[0])
        return r._drain() if r._write_paused else DONE

    def _sibling(self, r: BlazeioProtocol, file: str) -> tuple[str, str] | None:
        """A precompressed ``file.br`` / ``file.gz`` the client accepts, as (path, coding)."""
        accepted = r.headers.get("accept-encoding")
        if not accepted:
            return None
        for coding, suffix in (("br", ".br"), ("gzip", ".gz")):
            candidate = file + suffix
            if choose_encoding(accepted, only=coding) and os.path.isfile(candidate) and self._contained(candidate):
                return candidate, coding
        return None

    @staticmethod
    def _has_sibling(file: str) -> bool:
        # Local stats, like the one every response needs; not worth a thread hop.
        return os.path.isfile(file + ".br") or os.path.isfile(file + ".gz")

    async def serve(self, r: BlazeioProtocol, file: str, stat: os.stat_result | None = None) -> None:
        """Answer ``r`` with ``file`` (``stat``: its fresh ``os.stat``, if the caller has one)."""
        hit = self._plain_hit(r, file, stat)
        if hit is not None:
            await r.respond(200, hit[1], hit[0])
        else:
            await self._serve(r, file)

    def _plain_hit(self, r: BlazeioProtocol, file: str, stat: os.stat_result | None) -> tuple[bytes, bytes] | None:
        """The common plain GET of a hot small file: (body, head fields) from memory, or None."""
        if r.headers.has_any(_NOT_PLAIN):
            return None
        if stat is None:
            stat = os.stat(file)
        return self.cache.get_with_head(file, stat.st_size, stat.st_mtime_ns)

    async def _serve(self, r: BlazeioProtocol, file: str) -> None:
        kind = content_type(file)
        vary = None
        coding = None
        if self.precompressed and (sibling := self._sibling(r, file)) is not None:
            file, coding = sibling
            vary = "Accept-Encoding"
        elif self.precompressed and self._has_sibling(file):
            vary = "Accept-Encoding"  # a cache must not give this identity body to a br client
        stat = os.stat(file)
        size = stat.st_size
        etag = f'"{size:x}-{stat.st_mtime_ns:x}{"-" + coding if coding else ""}"'
        last_modified = _http_date(stat.st_mtime)
        headers: dict[str, Any] = {
            "Content-Type": kind,
            "ETag": etag,
            "Last-Modified": last_modified,
            "Accept-Ranges": "bytes",
            "Cache-Control": self.cache_control,
        }
        if coding:
            headers["Content-Encoding"] = coding
        if vary:
            headers["Vary"] = vary
        if self._not_modified(r, etag, stat.st_mtime):
            await r.prepare({k: v for k, v in headers.items() if k not in ("Content-Type", "Content-Encoding")}, 304)
            return
        start, end, status = 0, size - 1, 200
        range_header = r.headers.get("range")
        if range_header and r.method == "GET" and self._if_range_holds(r, etag, last_modified):
            wanted = _byte_range(range_header, size)
            if wanted is False:
                raise Abort("Range Not Satisfiable", 416, {"Content-Range": f"bytes */{size}"})
            if isinstance(wanted, tuple):
                start, end = wanted
                status = 206
                headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        length = max(0, end - start + 1)
        cached = self.cache.get(file, size, stat.st_mtime_ns)
        if cached is not None:
            # One write: head and body together (a hot small file never touches the disk).
            await r.respond(status, headers, cached[start : end + 1] if status == 206 else cached)
            return
        headers["Content-Length"] = length
        await r.prepare(headers, status)
        if r.method == "HEAD" or not length:
            return
        if size <= self.cache.entry_max:
            data = await asyncio.to_thread(_read, file)
            if len(data) == size:
                plain = None
                if not (coding or vary or "Content-Range" in headers):
                    plain = serialise_fields({k: v for k, v in headers.items() if k != "Content-Length"})
                self.cache.put(file, size, stat.st_mtime_ns, data, plain)
                await r.write(data[start : end + 1])
                return
        await self._send(r, file, start, length)

    @staticmethod
    def _not_modified(r: BlazeioProtocol, etag: str, mtime: float) -> bool:
        # RFC 9110 §13.1.2 / §13.1.3: If-None-Match wins; If-Modified-Since only without it.
        if_none_match = r.headers.get("if-none-match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or etag in tags
        since = r.headers.get("if-modified-since")
        if since is not None:
            try:
                return int(mtime) <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                return False
        return False

    @staticmethod
    def _if_range_holds(r: BlazeioProtocol, etag: str, last_modified: str) -> bool:
        if_range = r.headers.get("if-range")
        return if_range is None or if_range.strip() in (etag, last_modified)

    async def _send(self, r: BlazeioProtocol, file: str, start: int, length: int) -> None:
        # Opening (like the stat above) is one local syscall; the reads go to a thread or the kernel.
        with open(file, "rb") as handle:  # noqa: ASYNC230
            await r.sendfile(handle, start, length, self.chunk_size or ioConf.OUTBOUND_CHUNK_SIZE)
