"""Downloads to a file that resume: ``path + ".part"``, ``Range`` + ``If-Range``, renamed when complete.

``download(request, url, path)`` works with any request function that returns an ``async
with`` response like ``io.getSession(url, method, headers, **options)`` (status_code, headers,
pull()); ``io.getSession.download`` and ``resp.save`` use it.

- The bytes saved are the representation the server sends (ranges apply to it, RFC 9110
  §14.1.2), so the request asks for ``Accept-Encoding: identity`` and nothing is decoded,
  as ``curl -C`` does; a server that encodes anyway has its encoded bytes saved.
- Beside the ``.part`` file, ``.part.meta`` (JSON) keeps the URL, the validator and the length
  the server announced. A resume sends ``Range: bytes=N-`` with ``If-Range`` (that validator)
  and appends only a ``206`` whose ``Content-Range`` starts at ``N`` with the same length; a
  ``200`` starts again from zero, so a server that ignores ``Range`` cannot corrupt the file.
- The file is renamed into place only when its size is the announced length; otherwise
  ``IncompleteDownload`` is raised and the ``.part`` is kept for the next attempt.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager, suppress
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from blazeio_client.file_sink import write_body
from blazeio_common import ClientGotInTrouble, IncompleteBody
from blazeio_common.http import Headers

__all__ = [
    "DownloadError",
    "IncompleteDownload",
    "RangeMismatch",
    "RequestFunction",
    "download",
    "save_response",
]

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_OURS = frozenset({"accept-encoding", "range", "if-range"})
_UNSATISFIED_RANGE = re.compile(r"bytes\s+\*/(\d+)\s*$", re.IGNORECASE)


class DownloadError(ClientGotInTrouble):
    """The download could not be completed; a ``.part`` file is kept for a later resume."""


class IncompleteDownload(DownloadError):
    """The body ended before the length the server announced (the ``.part`` keeps what came)."""


class RangeMismatch(DownloadError):
    """The server's ``Content-Range`` does not continue the ``.part`` file (nothing was written)."""


class _Response(Protocol):
    status_code: int

    @property
    def headers(self) -> Headers: ...

    def pull(self) -> Any: ...


RequestFunction = Callable[..., AbstractAsyncContextManager[Any]]
"""``request(url, "GET", headers, **options)``: ``io.getSession`` itself is one."""


def _meta_path(path: str) -> str:
    return path + ".part.meta"


def _read_meta(path: str) -> dict[str, Any]:
    try:
        with open(_meta_path(path), encoding="utf-8") as handle:
            meta = json.load(handle)
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _write_meta(path: str, meta: dict[str, Any]) -> None:
    with open(_meta_path(path), "w", encoding="utf-8") as handle:
        json.dump(meta, handle)


def _part_size(path: str) -> int:
    try:
        return os.stat(path + ".part").st_size
    except FileNotFoundError:
        return 0


def _complete(path: str) -> None:
    os.replace(path + ".part", path)
    with suppress(FileNotFoundError):
        os.remove(_meta_path(path))


def _discard(path: str) -> None:
    for name in (path + ".part", _meta_path(path)):
        with suppress(FileNotFoundError):
            os.remove(name)


def validator(headers: Headers) -> str | None:
    """What ``If-Range`` may carry: a strong ETag, else a strong Last-Modified, else nothing.

    RFC 9110 §13.1.5: "A client MUST NOT generate an If-Range header field containing an entity
    tag that is marked as weak" and uses a date only when "the date is a strong validator"
    (§8.8.2.2: at least one second before the response's Date).
    """
    etag = headers.get("etag")
    if etag:
        return None if etag.startswith("W/") else etag
    modified, date = headers.get("last-modified"), headers.get("date")
    if not modified or not date:
        return None
    try:
        if (parsedate_to_datetime(date) - parsedate_to_datetime(modified)).total_seconds() >= 1:
            return str(modified)
    except (TypeError, ValueError):
        pass
    return None


def _announced_length(headers: Headers) -> int | None:
    value = headers.get("content-length")
    return int(value) if value is not None and value.strip().isdigit() else None


async def download(
    request: RequestFunction,
    url: str,
    path: str | os.PathLike[str],
    *,
    resume: bool = True,
    progress: Callable[[int, int | None], Any] | None = None,
    headers: Mapping[str, Any] | None = None,
    **options: Any,
) -> str:
    """Download ``url`` to ``path`` (via ``path.part``); returns the path. See the module doc."""
    target = os.fspath(path)
    options.setdefault("follow_redirects", True)
    options["decode"] = False  # the representation's bytes, exactly as ranges count them
    for _ in range(3):  # a resume, a restart from zero after a 416, and that fresh request
        offset = await asyncio.to_thread(_part_size, target) if resume else 0
        meta = await asyncio.to_thread(_read_meta, target) if offset else {}
        if meta.get("url") != url or not meta.get("validator"):
            offset = 0  # no validator, no safe resume: what the .part holds may be another version
        own = {k: v for k, v in (headers or {}).items() if k.lower() not in _OURS}
        own["Accept-Encoding"] = "identity"
        if offset:
            own["Range"] = f"bytes={offset}-"
            own["If-Range"] = meta["validator"]
        async with request(url, "GET", own, **options) as resp:
            if resp.status_code == 416 and offset:
                if await _finish_unsatisfiable(resp, target, offset, meta):
                    return target
                await asyncio.to_thread(_discard, target)
                continue  # the .part is not this resource: start again from zero
            await _receive(resp, url, target, offset, meta, progress)
            return target
    raise DownloadError(f"the server refused every attempt to download {url}")


async def _finish_unsatisfiable(resp: _Response, path: str, offset: int, meta: dict[str, Any]) -> bool:
    """A 416 to ``bytes=N-``: the .part may already be whole (RFC 9110 §15.5.17's ``*/length``)."""
    match = _UNSATISFIED_RANGE.match(resp.headers.get("content-range") or "")
    if match is None or int(match[1]) != offset or meta.get("total") not in (None, offset):
        return False
    await asyncio.to_thread(_complete, path)
    return True


async def _receive(
    resp: _Response,
    url: str,
    path: str,
    offset: int,
    meta: dict[str, Any],
    progress: Callable[[int, int | None], Any] | None,
) -> None:
    status = resp.status_code
    total: int | None
    if status == 206 and offset:
        total = _check_content_range(resp.headers, offset, meta)
    elif status == 200:
        offset = 0  # a full body: start again from zero (the server ignored Range, or If-Range failed)
        total = _announced_length(resp.headers)
        meta = {"url": url, "validator": validator(resp.headers), "total": total}
        await asyncio.to_thread(_write_meta, path, meta)
    else:
        raise DownloadError(f"cannot download {url}: the server answered {status}")
    try:
        size = await write_body(resp.pull(), path + ".part", offset, total, progress)
    except IncompleteBody as exc:  # the connection ended mid-body: what came is in the .part
        raise IncompleteDownload(f"{url}: {exc}; {path}.part is kept to resume") from exc
    if total is not None and size != total:
        raise IncompleteDownload(f"{url}: {size} of {total} bytes received; {path}.part is kept to resume")
    await asyncio.to_thread(_complete, path)


def _check_content_range(headers: Headers, offset: int, meta: dict[str, Any]) -> int:
    """The complete length from a 206 that continues the .part at ``offset``, else ``RangeMismatch``."""
    value = headers.get("content-range") or ""
    match = _CONTENT_RANGE.match(value)
    if match is None:
        raise RangeMismatch(f"206 without a single byte range (Content-Range: {value!r})")
    first, last = int(match[1]), int(match[2])
    total = None if match[3] == "*" else int(match[3])
    if first != offset:
        raise RangeMismatch(f"asked for bytes from {offset}, the server sent {value!r}")
    known = meta.get("total")
    if total is None or last < first or last >= total or (known is not None and total != known):
        raise RangeMismatch(f"Content-Range {value!r} does not fit the {known}-byte representation")
    length = _announced_length(headers)
    if length is not None and length != last - first + 1:
        raise RangeMismatch(f"Content-Range {value!r} does not match Content-Length {length}")
    return total


async def save_response(
    resp: _Response,
    path: str | os.PathLike[str],
    progress: Callable[[int, int | None], Any] | None = None,
    content: bytes | None = None,
) -> str:
    """Write a response's body (as ``read()`` would give it) to ``path`` via ``path.part``.

    ``content``: the body when it was already read. With no decoding, a body shorter than
    its Content-Length raises ``IncompleteDownload`` and keeps the ``.part``.
    """
    target = os.fspath(path)
    total = _announced_length(resp.headers) if not resp.headers.get("content-encoding") else None

    async def once(data: bytes) -> Any:
        yield data

    body = resp.pull() if content is None else once(content)
    size = await write_body(body, target + ".part", 0, total, progress)
    if total is not None and size != total:
        raise IncompleteDownload(f"{size} of {total} bytes received; {target}.part is kept")
    await asyncio.to_thread(_complete, target)
    return target
