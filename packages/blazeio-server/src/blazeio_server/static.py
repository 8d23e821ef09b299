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

Representations: identity, and where the client accepts them, precompressed siblings
(``a.js.br``, ``a.js.gz``) or -- with the app's ``compress=True``, for a text-like file of at
least ``compress_min_size`` bytes -- the file compressed by the server (whole and kept in
memory for small files, while sent for large ones). The choice depends on the request alone,
never on what is in memory. Every answer of a file that has more than one representation
carries ``Vary: Accept-Encoding``, whichever was chosen; each representation has its own strong
ETag (``"<size>-<mtime>"``, ``"<size>-<mtime>-gzip"``, ...), and only the identity one advertises
``Accept-Ranges``: a request with ``Range`` is answered from the identity bytes. Small hot
files are served from a bounded in-memory cache validated against size and mtime on every
request (with a stat taken after the request arrived: the requests answered in one loop
iteration share one).

HTTP (``conditional`` rules, ``file_response`` answers, shared with ``Deliver.file``): ETag and
Last-Modified; If-Match / If-Unmodified-Since -> 412, If-None-Match / If-Modified-Since -> 304
(RFC 9110 §13.2.2 order; a 304 keeps ETag, Vary, Cache-Control), If-Range, single ranges
(``a-b``, ``a-``, ``-n``) -> 206, unsatisfiable -> 416 with ``Content-Range: bytes */size``;
several ranges are answered with the whole file (allowed by RFC 9110 §14.2). HEAD; other
methods on an existing file -> 405 with ``Allow: GET, HEAD``.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import stat as stat_module
from collections.abc import Awaitable
from time import monotonic_ns
from typing import Any
from urllib.parse import unquote

from blazeio_common.http import get_encoder, serialise_fields
from blazeio_server.abort import Abort
from blazeio_server.awaitables import DONE
from blazeio_server.compression import choose_encoding, compressible
from blazeio_server.conditional import PROCEED, preconditions
from blazeio_server.file_cache import FileCache
from blazeio_server.file_response import Representation, file_etag, http_date, send_representation
from blazeio_server.types import HandlerRequest

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
_NOT_PLAIN = frozenset(
    ("range", "if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "accept-encoding")
)
_TEXTUAL = ("text/", "application/json", "application/javascript", "image/svg+xml", "application/xml")


def content_type(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    kind = _EXTRA_TYPES.get(ext) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if kind.startswith(_TEXTUAL) and "charset" not in kind:
        kind += "; charset=utf-8"
    return kind


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _encode(coding: str, data: bytes) -> bytes:
    encoder = get_encoder(coding)
    return encoder.encode(data) + encoder.finish()


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
        self.cache = FileCache(cache_max_bytes, cache_entry_max)
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

    def _resolve_cached(self, r: HandlerRequest) -> tuple[str, os.stat_result | None] | None:
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

    def handle_all_middleware(self, r: HandlerRequest) -> Awaitable[None]:
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
        # _plain_hit, inline for the hot file (a call is a tenth of this answer's cost).
        hit = None
        if stat is not None and not r.headers.has_any(_NOT_PLAIN):
            hit = self.cache.get_with_head(file, stat.st_size, stat.st_mtime_ns)
        elif stat is None:
            hit = self._plain_hit(r, file, None)
        if hit is None:
            return self._serve(r, file)
        return r.send_whole(200, hit[1], hit[0])

    def _sibling(self, r: HandlerRequest, file: str) -> tuple[str, str] | None:
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

    async def serve(self, r: HandlerRequest, file: str, stat: os.stat_result | None = None) -> None:
        """Answer ``r`` with ``file`` (``stat``: its fresh ``os.stat``, if the caller has one)."""
        hit = self._plain_hit(r, file, stat)
        if hit is not None:
            await r.respond(200, hit[1], hit[0])
        else:
            await self._serve(r, file)

    def _plain_hit(self, r: HandlerRequest, file: str, stat: os.stat_result | None) -> tuple[bytes, bytes] | None:
        """The common plain GET of a hot small file: (body, head fields) from memory, or None."""
        if r.headers.has_any(_NOT_PLAIN):
            return None
        if stat is None:
            stat = os.stat(file)
        return self.cache.get_with_head(file, stat.st_size, stat.st_mtime_ns)

    async def _serve(self, r: HandlerRequest, file: str) -> None:
        kind = content_type(file)
        stat = os.stat(file)
        size = stat.st_size
        settings = r.settings
        # Which representations exist decides Vary, for every answer (RFC 9110 §12.5.5), whatever
        # this request's Accept-Encoding; the one chosen never depends on what is in memory.
        has_sibling = self.precompressed and self._has_sibling(file)
        live = settings.compress and size >= settings.compress_min_size and compressible(kind)
        coding: str | None = None
        source, source_stat = file, stat
        accepted = r.headers.get("accept-encoding")
        # A range is of the identity representation (it alone advertises Accept-Ranges): a
        # request with Range gets identity bytes, never a slice of a compressed body.
        if accepted and (has_sibling or live) and not (r.method == "GET" and "range" in r.headers):
            sibling = self._sibling(r, file) if has_sibling else None
            if sibling is not None:
                source, coding = sibling
                source_stat = os.stat(source)
            elif live:
                coding = choose_encoding(accepted)
        etag = file_etag(source_stat, coding)
        fields: dict[str, Any] = {
            "Content-Type": kind,
            "ETag": etag,
            "Last-Modified": http_date(source_stat.st_mtime),
            "Cache-Control": self.cache_control,
        }
        if coding:
            fields["Content-Encoding"] = coding
        else:
            fields["Accept-Ranges"] = "bytes"
        if has_sibling or live:
            fields["Vary"] = "Accept-Encoding"
        modified = int(source_stat.st_mtime)
        if coding and source is file:
            # Compressed here: whole (small files, kept in memory) or while sent (large ones).
            encoded = await self._encoded(file, stat, coding) if self._wants_body(r, etag, modified) else None
            size_sent = None if encoded is None else len(encoded)
            rep = Representation(fields, etag, modified, size_sent, file if encoded is None else encoded)
        else:
            body = await self._body(r, source, source_stat, fields)
            rep = Representation(fields, etag, modified, source_stat.st_size, body)
        await send_representation(r, rep, self.chunk_size)

    async def _body(self, r: HandlerRequest, file: str, stat: os.stat_result, fields: dict[str, Any]) -> bytes | str:
        """A small file's bytes (from memory, else read once and kept), or its path."""
        size = stat.st_size
        if size > self.cache.entry_max:
            return file
        identity = "Content-Encoding" not in fields  # not a precompressed sibling
        cached = self.cache.get(file, size, stat.st_mtime_ns)
        if cached is not None:
            if identity and self.cache.lacks_head(file):
                self.cache.set_head(file, serialise_fields(fields))
            return cached
        if r.method == "HEAD" or not self._wants_body(r, fields["ETag"], int(stat.st_mtime)):
            return file  # nothing to send: no read
        data = await asyncio.to_thread(_read, file)
        if len(data) != size:
            return file  # changed while read: send from the file, keep nothing
        self.cache.put(file, size, stat.st_mtime_ns, data, serialise_fields(fields) if identity else None)
        return data

    async def _encoded(self, file: str, stat: os.stat_result, coding: str) -> bytes | None:
        """The file encoded with ``coding``, whole (small files, kept), or None: encode while sending."""
        size = stat.st_size
        if size > self.cache.entry_max:
            return None
        encoded = self.cache.get_encoded(file, size, stat.st_mtime_ns, coding)
        if encoded is not None:
            return encoded
        data = self.cache.get(file, size, stat.st_mtime_ns)
        if data is None:
            data = await asyncio.to_thread(_read, file)
            if len(data) != size:
                return None  # changed while read: encode while sending
            self.cache.put(file, size, stat.st_mtime_ns, data)
        encoded = _encode(coding, data) if size < 64 * 1024 else await asyncio.to_thread(_encode, coding, data)
        self.cache.put_encoded(file, size, stat.st_mtime_ns, coding, encoded)
        return encoded

    @staticmethod
    def _wants_body(r: HandlerRequest, etag: str, modified: int) -> bool:
        return preconditions(r.method, r.headers.get, etag, modified) == PROCEED
