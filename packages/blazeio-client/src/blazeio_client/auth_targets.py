"""Where credentials apply: the origin of a URL, and the request target a digest covers."""

from __future__ import annotations

import re
import string
from urllib.parse import quote, urlsplit

from blazeio_client.auth_challenges import AuthError

__all__ = ["digest_uri", "origin_of"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]*+")


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute http(s) URL: the protection space is kept per origin."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise AuthError(f"authentication needs an absolute http(s) URL, not {url!r}")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise AuthError(f"invalid port in URL {url!r}") from None
    return scheme, parts.hostname, port


def digest_uri(method: str, url: str) -> str:
    """The request target exactly as the client sends it (RFC 7616 §3.4: "the request-target").

    A CONNECT request (to a proxy) targets the authority; any other the path and query,
    with what a request line cannot hold percent-encoded as the client's URL does.
    """
    parts = urlsplit(url)
    if method.upper() == "CONNECT":
        _, host, port = origin_of(url)
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    path, query = parts.path or "/", parts.query
    if not _VISIBLE_ASCII.fullmatch(path) or not _VISIBLE_ASCII.fullmatch(query):
        path, query = quote(path, safe=string.punctuation), quote(query, safe=string.punctuation)
    return f"{path}?{query}" if query else path
