"""What a response offers once read: its body as text, JSON, XML, and facts from its head."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from blazeio_common import Missingdependency, ddict, loads
from blazeio_common.http import Headers

__all__ = ["ResponseReading"]

_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))', re.IGNORECASE)


class ResponseReading:
    """``resp.text()``, ``json()``, ``xml()``, ``data()``, ``ok()``, ``get_filename()``... of a Session."""

    status_code = 0

    @property
    def headers(self) -> Headers:
        raise NotImplementedError

    async def read(self) -> bytes:
        raise NotImplementedError

    async def text(self, encoding: str | None = None) -> str:
        data = await self.read()
        charset = encoding
        if charset is None:
            for param in self.content_type.split(";")[1:]:
                key, _, value = param.strip().partition("=")
                if key.lower() == "charset":
                    charset = value.strip('"')
        return data.decode(charset or "utf-8", errors="replace")

    async def json(self) -> Any:
        data = loads(await self.read())
        return ddict(data) if isinstance(data, dict) else data

    async def xml(self) -> Any:
        try:
            import xmltodict  # noqa: PLC0415 - optional
        except ImportError:
            raise Missingdependency("resp.xml() needs the 'xmltodict' package") from None
        return ddict(xmltodict.parse(await self.text()))

    async def data(self) -> Any:
        kind = self.content_type.lower()
        if "json" in kind:
            return await self.json()
        if "xml" in kind:
            return await self.xml()
        return await self.text()

    def ok(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def content_length(self) -> int:
        value = self.headers.get("content-length")
        return int(value) if value and value.isdigit() else 0

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", ""))

    def get_filename(self) -> str | None:
        """The file name from ``Content-Disposition`` (``filename*`` preferred), if any."""
        disposition = self.headers.get("content-disposition")
        if not disposition:
            return None
        if match := _FILENAME_STAR.search(disposition):
            return unquote(match.group(2).strip(), encoding=match.group(1) or "utf-8", errors="replace")
        if match := _FILENAME.search(disposition):
            value = match.group(1) if match.group(1) is not None else match.group(2).strip()
            return re.sub(r"\\(.)", r"\1", value)
        return None
