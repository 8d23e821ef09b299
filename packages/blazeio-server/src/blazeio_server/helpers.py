"""Request helpers on ``r``: query, cookies, whole-body readers, forms, and ``r.store``.

Every whole-body helper reads at most ``max_body_size`` bytes (413 beyond) and answers
malformed input with a 400 -- never a crash, never unbounded memory.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from blazeio_common import ddict, loads
from blazeio_common.errors import ProtocolError
from blazeio_common.http import Headers
from blazeio_common.urlcodec import parse_query, url_decode
from blazeio_server.abort import Abort
from blazeio_server.multipart import MultipartReader
from blazeio_server.multipart_parser import MultipartParser, multipart_boundary
from blazeio_server.uploads import UploadFile, read_form
from blazeio_server.writing import ResponseWriting

__all__ = ["RequestHelpers", "client_address", "is_trusted"]

_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class RequestHelpers(ResponseWriting):
    """The layer of the request object with the seed's request helpers."""

    __slots__ = ("_params", "_store", "uploads")  # uploads: files of form_data(), closed when the request ends

    query: str
    headers: Headers
    _store: Any
    _params: ddict | None
    uploads: list[UploadFile] | None

    def params(self) -> ddict:
        """The query string: ``+`` is a space, repeated keys give lists, bad escapes never crash."""
        if self._params is None:
            self._params = parse_query(self.query)
        return self._params

    def cookies(self) -> ddict:
        """``Cookie: a=1; b="two"`` -> ``{"a": "1", "b": "two"}``."""
        jar = ddict()
        for header in self.headers.getlist("cookie"):
            for pair in header.split(";"):
                key, eq, value = pair.strip().partition("=")
                if key and eq:
                    value = value.strip()
                    if len(value) >= 2 and value[0] == value[-1] == '"':
                        value = value[1:-1]
                    jar.setdefault(key, value)
        return jar

    def get_cookie(self, name: str, default: str | None = None) -> str | None:
        value = self.cookies().get(name, default)
        return value if value is None else str(value)

    async def text(self) -> str:
        """The whole body as text (UTF-8 unless the Content-Type names a charset)."""
        body = await self.read_body(self.settings.max_body_size)
        charset = "utf-8"
        for param in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            raise Abort(f"Bad Request: the body is not valid {charset}", 400) from None

    async def get_json(self) -> Any:
        """The body parsed as JSON; an object comes back as a ``ddict``. 400 when it is not JSON."""
        body = await self.read_body(self.settings.max_body_size)
        if not body.strip():
            raise Abort("Bad Request: expected a JSON body", 400)
        try:
            data = loads(body)
        except ValueError:
            raise Abort("Bad Request: the body is not valid JSON", 400) from None
        return ddict(data) if isinstance(data, dict) else data

    json = get_json

    async def form_data(self, *_: Any) -> ddict:
        """``application/x-www-form-urlencoded`` or ``multipart/form-data`` (files spooled to disk)."""
        media = self.headers.get("content-type", "").partition(";")[0].strip().lower()
        settings = self.settings
        if media == "application/x-www-form-urlencoded":
            body = await self.read_body(settings.max_body_size)
            try:
                return parse_query(body.decode("ascii"), max_fields=settings.max_form_parts)
            except UnicodeDecodeError:
                raise Abort("Bad Request: a urlencoded form must be ASCII", 400) from None
        if media == "multipart/form-data":
            form, uploads = await read_form(self.multipart(), settings.spool_threshold)
            if uploads:
                # Uploaded files are closed (and their temporary files removed) when the request ends.
                self.uploads = (self.uploads or []) + uploads
            return form
        raise Abort(f"Unsupported Media Type: expected a form, got {media or 'no Content-Type'!r}", 415)

    get_form_data = form_data

    def multipart(self) -> MultipartReader:
        """``async for part in r.multipart():`` -- a ``multipart/form-data`` body part by part, as it arrives.

        Each ``MultipartPart`` has ``name``, ``filename``, ``content_type``, ``headers``; ``async
        for chunk in part``, ``await part.read()`` (small fields) and ``await part.save(path)``.
        Nothing is kept or spooled unless asked; ``form_data()``'s limits apply (400/413), 415
        for another Content-Type.
        """
        content_type = self.headers.get("content-type", "")
        media = content_type.partition(";")[0].strip().lower()
        if media != "multipart/form-data":
            raise Abort(f"Unsupported Media Type: expected multipart/form-data, got {media or 'no Content-Type'!r}",
                        415)  # fmt: skip
        settings = self.settings
        try:
            parser = MultipartParser(
                multipart_boundary(content_type),
                max_size=settings.max_form_size,
                max_parts=settings.max_form_parts,
                max_part_header=settings.max_part_header_size,
            )
        except ProtocolError as exc:
            raise Abort(f"Bad Request: {exc}", 400) from None
        return MultipartReader(self.pull(), parser, settings.max_body_size)

    async def body_or_params(self) -> Any:
        """Query parameters for GET/HEAD/OPTIONS/DELETE or an empty body; else the body (JSON or form)."""
        if self.method in _BODYLESS or self.body_complete:
            return self.params()
        media = self.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return await self.form_data()
        body = await self.read_body(self.settings.max_body_size)
        if not body.strip():
            return self.params()
        try:
            data = loads(body)
        except ValueError:
            raise Abort("Bad Request: the body is neither JSON nor a form", 400) from None
        return ddict(data) if isinstance(data, dict) else data

    def close_uploads(self) -> None:
        """Close the files uploaded with this request (and remove their temporary files)."""
        uploads, self.uploads = self.uploads, None
        for upload in uploads or ():
            upload.close()

    @property
    def store(self) -> Any:
        """Free per-request storage for the app. A dict's keys also read as attributes:
        after ``r.store = {"json_data": x}``, ``r.json_data`` is ``x`` (as the product document uses).

        A key named like anything the request already has (``eof``, ``prepare``, ``headers``...)
        is not an attribute -- it would hide the request's own -- and stays in ``r.store`` only.
        The attributes are the dict's keys when it is assigned: assign again after changing it.
        """
        return self._store

    @store.setter
    def store(self, value: Any) -> None:
        self._store = value
        # The keys go into the instance __dict__, so they are plain attributes -- no
        # __getattr__ hook, which would slow every attribute access on r. A key that the class
        # has would win over a method (only data descriptors such as slots beat __dict__):
        # those are left out. A copy, so adding such a key to the store later cannot hide one.
        # (The concrete request class declares the __dict__ slot; this layer does not.)
        attributes: dict[str, Any] = {}
        if isinstance(value, dict):
            classes = type(self).__mro__
            attributes = {
                key: item
                for key, item in value.items()
                if type(key) is str and not any(key in vars(cls) for cls in classes)
            }
        instance = vars(self)
        instance.clear()
        instance.update(attributes)


def client_address(peer_host: str, headers: Headers, trusted: frozenset[str]) -> str:
    """The client behind trusted proxies: the right-most forwarded address that is not a proxy.

    Used only when the direct peer is itself trusted (``ServerSettings.trusted_proxies``);
    ``Forwarded: for=`` (RFC 7239) wins over ``X-Forwarded-For``.
    """
    hops: list[str] = []
    forwarded = headers.get("forwarded")
    if forwarded:
        for element in forwarded.split(","):
            for pair in element.split(";"):
                key, _, value = pair.strip().partition("=")
                if key.lower() == "for":
                    value = value.strip('"')
                    if value.startswith("["):
                        value = value[1 : value.find("]")]
                    elif value.count(":") == 1:
                        value = value.partition(":")[0]
                    hops.append(value)
    else:
        hops = [hop.strip() for hop in headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    client = peer_host
    for hop in reversed(hops):
        client = hop
        if not is_trusted(hop, trusted):
            break
    return url_decode(client)


def is_trusted(host: str, trusted: frozenset[str]) -> bool:
    if host in trusted:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any("/" in net and address in ipaddress.ip_network(net, strict=False) for net in trusted)
