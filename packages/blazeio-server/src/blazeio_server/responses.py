"""``Abort``, ``Deliver`` and ``Ctypes``, and the request found through a ``ContextVar``.

``io.Deliver.json(data)`` and ``raise io.Abort(...)`` find the current request through
``current_request``, so they work from any task the handler starts (tasks copy the context).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from blazeio_common import ModuleError, dumps, url_encode
from blazeio_server.abort import Abort, current_request, request_or_current
from blazeio_server.awaitables import DONE
from blazeio_server.conditional import http_timestamp
from blazeio_server.file_response import Representation, file_etag, http_date, send_representation
from blazeio_server.request import ServerRequest
from blazeio_server.static import content_type
from blazeio_server.types import HandlerRequest

__all__ = ["DONE", "Abort", "Ctypes", "Deliver", "current_request"]

TEXT = "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"


class Ctypes:
    """Content types and header sets the product document spells ``io.Ctypes.<name>``."""

    text = TEXT
    json = JSON
    html = HTML
    eventstream = "text/event-stream"
    octet = "application/octet-stream"
    chunked: Mapping[str, str] = {"Transfer-encoding": "chunked"}


def _body(data: Any, indent: int) -> bytes:
    if data is None:
        return b""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode()
    return dumps(data, indent=indent).encode()


class _Deliver:
    """``await io.Deliver.json(data, status=200, headers=None)`` and friends.

    The request may be passed first (``Deliver.text(r, "hi")``); otherwise the current one.
    Every response carries Content-Length, including 0.
    """

    def _send(
        self,
        content_type: str,
        args: tuple[Any, ...],
        status: int = 200,
        headers: Mapping[str, Any] | None = None,
        path: str | None = None,
        content_type_override: str | None = None,
        indent: int = 0,
    ) -> Awaitable[None]:
        # Synchronous: the whole response is handed to the transport here; what it returns is
        # the drain when the transport is paused, else an awaitable that is already done (so a
        # response costs one coroutine, the public method's).
        data: Any = None
        r: HandlerRequest | None = None
        if args:
            data = args[0]
            if type(data) not in _BODY_TYPES and isinstance(data, ServerRequest):
                r, data = data, (args[1] if len(args) > 1 else None)
        if path is not None:
            headers = {**(headers or {}), "Location": path}
            if status == 200:
                status = 302
        if r is None:
            try:
                r = current_request.get()
            except LookupError:
                raise ModuleError("no current request: call this from a handler, or pass r") from None
        body = data.encode() if type(data) is str else _body(data, indent)
        return r.send_whole(status, headers, body, content_type_override or content_type)

    async def text(self, *args: Any, **kwargs: Any) -> None:
        await self._send(TEXT, args, **kwargs)

    async def json(self, *args: Any, **kwargs: Any) -> None:
        await self._send(JSON, args, **kwargs)

    async def html(self, *args: Any, **kwargs: Any) -> None:
        await self._send(HTML, args, **kwargs)

    async def bytes(self, *args: Any, **kwargs: Any) -> None:
        await self._send(Ctypes.octet, args, **kwargs)

    async def redirect(self, location: str, status: int = 302, headers: Mapping[str, Any] | None = None) -> None:
        await self._send(TEXT, (), status=status, headers={**(headers or {}), "Location": location})

    async def file(
        self,
        *args: Any,
        attachment: bool = False,
        filename: str | None = None,
        headers: Mapping[str, Any] | None = None,
        chunk_size: int = 100 * 1024,
    ) -> None:
        """Send a file (``Deliver.file(path)`` or ``Deliver.file(r, path)``) with its type and length.

        ``attachment=True`` asks the browser to download it (RFC 6266 ``filename*`` for any name).
        Like ``StaticServer`` (the same code): ETag and Last-Modified, conditional requests
        (304 / 412) and single ranges (206 / 416), so a gated download resumes and revalidates.
        An ``ETag`` or ``Last-Modified`` in ``headers`` replaces the computed one.
        Zero copy where the loop allows; otherwise read in a thread with backpressure.
        """
        r = args[0] if args and isinstance(args[0], ServerRequest) else None
        path = str(args[1] if r is not None else args[0])
        request = request_or_current(r)
        name = filename or os.path.basename(path)
        try:
            handle = open(path, "rb")  # noqa: SIM115, ASYNC230 - one local syscall; closed below
        except FileNotFoundError:
            raise Abort("Not Found", 404) from None
        with handle:
            stat = os.fstat(handle.fileno())
            fields: dict[str, Any] = {
                "Content-Type": content_type(path),
                "ETag": file_etag(stat),
                "Last-Modified": http_date(stat.st_mtime),
                "Accept-Ranges": "bytes",
            }
            for key, value in (headers or {}).items():
                for known in ("Content-Type", "ETag", "Last-Modified", "Accept-Ranges"):
                    if key.lower() == known.lower():
                        fields.pop(known, None)  # the caller's spelling replaces ours: one field line
                fields[key] = value
            if attachment or filename is not None:
                fallback = name.encode("ascii", "replace").decode().replace('"', "'")
                fields["Content-Disposition"] = (
                    f'{"attachment" if attachment else "inline"}; filename="{fallback}"; '
                    f"filename*=UTF-8''{url_encode(name)}"
                )
            etag = _field(fields, "etag") or file_etag(stat)
            last_modified = _field(fields, "last-modified")
            modified = http_timestamp(last_modified) if last_modified else None
            rep = Representation(fields, etag, modified, stat.st_size, handle)
            await send_representation(request, rep, chunk_size)

    def __getattr__(self, name: str) -> Callable[..., Awaitable[None]]:
        # Deliver.text_html -> "text/html", as upstream spelled ad-hoc types.
        if name.startswith("_"):
            raise AttributeError(name)
        content_type = name.replace("_", "/", 1)

        async def send(*args: Any, **kwargs: Any) -> None:
            await self._send(content_type, args, **kwargs)

        return send


def _field(fields: Mapping[str, Any], name: str) -> str | None:
    for key, value in fields.items():
        if key.lower() == name:
            return str(value)
    return None


# Bodies handlers pass most often: none of them is a request, so the class check is skipped.
_BODY_TYPES = frozenset({str, bytes, dict, list})


Deliver = _Deliver()
