"""URLs for the client: scheme, host, port, request target, and query merging."""

from __future__ import annotations

import base64
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from blazeio_client.proxy_env import ProxyEnvError, parse_proxy_url
from blazeio_common import url_encode
from blazeio_common.errors import LocalProtocolError
from blazeio_common.http.bounded import remember

__all__ = ["URL", "Proxy", "basic_authorization", "encode_pairs", "parse_proxy"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]*+")
_PUNCTUATION = string.punctuation  # kept as they are: only what cannot be sent is encoded
_PARSED: dict[str, URL] = {}
_PARSED_MAX = 1024


@dataclass(frozen=True, slots=True)
class URL:
    scheme: str
    host: str
    port: int
    target: str  # path + query, as sent in the request line
    # ``user:password@`` of the URL as an Authorization value (Basic, RFC 7617). Never part of
    # str(url): a redirect resolved against this URL does not carry it.
    authorization: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str, params: Mapping[str, Any] | None = None) -> URL:
        if not params:
            # Clients ask for the same URLs again and again; URL is immutable, so share it.
            parsed = _PARSED.get(url)
            if parsed is None:
                parsed = remember(_PARSED, url, cls._parse(url, None), _PARSED_MAX)
            return parsed
        return cls._parse(url, params)

    @classmethod
    def _parse(cls, url: str, params: Mapping[str, Any] | None) -> URL:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise LocalProtocolError(f"unsupported URL scheme in {url!r} (http or https)")
        host = parts.hostname
        if not host:
            raise LocalProtocolError(f"no host in URL {url!r}")
        try:
            host.encode("idna")  # what name resolution will do: empty labels, stray bytes fail here
        except UnicodeError:
            raise LocalProtocolError(f"invalid host in URL {url!r}") from None
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise LocalProtocolError(f"invalid port in URL {url!r}") from None
        path = parts.path or "/"
        query = parts.query
        if not _VISIBLE_ASCII.fullmatch(path) or not _VISIBLE_ASCII.fullmatch(query):
            # As browsers and other clients do: what a request target cannot hold (non-ASCII,
            # spaces, controls) is percent-encoded as UTF-8 (RFC 3986 §2.1); escapes stay.
            path, query = quote(path, safe=_PUNCTUATION), quote(query, safe=_PUNCTUATION)
        if params:
            extra = encode_pairs(params)
            if extra:
                query = f"{query}&{extra}" if query else extra
        target = f"{path}?{query}" if query else path
        authorization = None if parts.username is None else basic_authorization(parts.username, parts.password)
        return cls(scheme, host, port, target, authorization)

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    @property
    def authority(self) -> str:
        """The Host header: the port only when it is not the scheme's default (RFC 9110 §7.2)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"

    def join(self, location: str) -> URL:
        """Resolve a redirect ``Location`` (absolute, absolute-path or relative) against this URL."""
        return URL.parse(urljoin(str(self), location))


def basic_authorization(username: str, password: str | None) -> str:
    """``user:password@`` of a URL (RFC 3986 §3.2.1, percent-encoded) as a Basic credential,
    in UTF-8 (RFC 7617 §2.1)."""
    pair = f"{unquote(username)}:{unquote(password or '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def encode_pairs(fields: Mapping[str, Any]) -> str:
    """``params=`` and ``form=`` as ``a=1&b=2``: a list or tuple repeats its name (``tag=x&tag=y``).

    A ``None`` value is left out, as requests does (httpx sends ``n=`` instead): ``None`` says
    "no value", and an empty string stays there to send ``n=``.
    """
    out: list[str] = []
    for key, value in fields.items():
        values = value if isinstance(value, (list, tuple)) else (value,)
        name = url_encode(key)
        out.extend(f"{name}={url_encode(item)}" for item in values if item is not None)
    return "&".join(out)


@dataclass(frozen=True, slots=True)
class Proxy:
    """A proxy as requests use it: ``http://`` (absolute-form requests and CONNECT tunnels),
    ``socks5://`` (the client resolves the target's name) or ``socks5h://`` (the proxy does)."""

    scheme: str
    host: str
    port: int
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @property
    def forwards(self) -> bool:
        """An http proxy: http:// requests go to it in absolute form (RFC 9112 §3.2.2)."""
        return self.scheme == "http"

    @property
    def authorization(self) -> str | None:
        """``Proxy-Authorization`` for an http proxy with credentials (Basic, RFC 7617)."""
        if self.username is None or self.scheme != "http":
            return None
        pair = f"{self.username}:{self.password or ''}"
        return "Basic " + base64.b64encode(pair.encode()).decode("ascii")

    @property
    def key(self) -> str:
        """What tells pooled connections through this proxy apart (credentials included:
        a SOCKS5 tunnel or a CONNECT tunnel is authenticated once, for its whole life)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{self.username or ''}:{self.password or ''}@{host}:{self.port}"


def parse_proxy(url: str) -> Proxy:
    """``http://``, ``socks5://`` or ``socks5h://`` ``[user:password@]host[:port]`` (no scheme: http)."""
    try:
        parsed = parse_proxy_url(url)
    except ProxyEnvError as exc:
        raise LocalProtocolError(str(exc)) from None
    return Proxy(parsed.scheme, parsed.host, parsed.port, parsed.username, parsed.password)
