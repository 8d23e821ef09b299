"""The proxy a request should use, from the environment (``trust_env=True``), as curl chooses it.

- ``http_proxy`` for http:// (and ws://) targets, ``https_proxy`` for https:// (and wss://),
  else ``all_proxy``. The lower-case name wins over the upper-case one when both are set.
- ``HTTP_PROXY`` in upper case is ignored when ``REQUEST_METHOD`` is set: in a CGI program
  a request's ``Proxy:`` header arrives as ``HTTP_PROXY`` ("httpoxy", CVE-2016-5385).
- ``no_proxy`` / ``NO_PROXY``: a comma (or space) separated list of host names (matching
  the name and its subdomains; a leading ``.`` or ``*.`` is allowed), IP addresses, CIDR
  ranges, each optionally with ``:port``; ``*`` alone turns proxies off.
- A proxy URL without a scheme is ``http://``; ``http``, ``socks5`` (the client resolves the
  name) and ``socks5h`` (the proxy resolves it) are supported, anything else is an error
  rather than a silent direct connection.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from blazeio_common.errors import BlazeioException

__all__ = ["ProxyEnvError", "ProxyURL", "bypasses_proxy", "parse_proxy_url", "proxy_for", "proxy_from_env"]

_SCHEMES = {"http": 80, "socks5": 1080, "socks5h": 1080}
_TARGET_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SCHEME_VARIABLE = {"http": "http_proxy", "ws": "http_proxy", "https": "https_proxy", "wss": "https_proxy"}


class ProxyEnvError(BlazeioException, ValueError):
    """A proxy setting (from the environment or given) that cannot be used."""


@dataclass(frozen=True, slots=True)
class ProxyURL:
    """A parsed proxy URL; ``username``/``password`` are percent-decoded."""

    scheme: str  # "http", "socks5" or "socks5h"
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @property
    def remote_dns(self) -> bool:
        """Whether the proxy resolves the target's name (http and socks5h) or the client does (socks5)."""
        return self.scheme != "socks5"

    @property
    def url(self) -> str:
        """``scheme://host:port``, without credentials (for logs and pool keys)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def url_with_credentials(self) -> str:
        if self.username is None:
            return self.url
        userinfo = quote(self.username, safe="")
        if self.password is not None:
            userinfo += ":" + quote(self.password, safe="")
        return self.url.replace("://", f"://{userinfo}@", 1)

    def __repr__(self) -> str:
        return f"ProxyURL({self.url!r}{', with credentials' if self.username is not None else ''})"


def parse_proxy_url(url: str) -> ProxyURL:
    """``[scheme://][user[:password]@]host[:port]``; ``ProxyEnvError`` for what cannot be used."""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text  # curl: "If the proxy string has no protocol, it is assumed to be HTTP"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ProxyEnvError(f"invalid proxy URL {url!r}") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ProxyEnvError(f"unsupported proxy scheme in {url!r}: use http://, socks5:// or socks5h://")
    if not parts.hostname:
        raise ProxyEnvError(f"no host in proxy URL {url!r}")
    return ProxyURL(
        scheme,
        parts.hostname,
        port or _SCHEMES[scheme],
        unquote(parts.username) if parts.username is not None else None,
        unquote(parts.password) if parts.password is not None else None,
    )


def _variable(env: Mapping[str, str], name: str, upper_allowed: bool = True) -> str | None:
    """The value of ``name`` (lower case wins over upper case); an empty value is no value."""
    if name in env:
        value = env[name]
    elif upper_allowed and name.upper() in env:
        value = env[name.upper()]
    else:
        return None
    return value.strip() or None


def proxy_from_env(scheme: str, env: Mapping[str, str]) -> str | None:
    """The proxy setting for a target scheme, before ``no_proxy`` is considered."""
    variable = _SCHEME_VARIABLE.get(scheme.lower())
    value = None
    if variable is not None:
        # httpoxy: under CGI, HTTP_PROXY may be a request header the client sent.
        upper_allowed = not (variable == "http_proxy" and "REQUEST_METHOD" in env)
        value = _variable(env, variable, upper_allowed)
    return value or _variable(env, "all_proxy")


def bypasses_proxy(host: str, port: int, no_proxy: str) -> bool:
    """Whether ``host:port`` matches an entry of a ``no_proxy`` list."""
    host = host.lower().rstrip(".").strip("[]")
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for entry in no_proxy.replace(",", " ").split():
        if entry == "*":
            return True
        name, entry_port = _split_port(entry.lower())
        if entry_port is not None and entry_port != port:
            continue
        if "/" in name:
            try:
                network = ipaddress.ip_network(name, strict=False)
            except ValueError:
                continue
            if address is not None and address.version == network.version and address in network:
                return True
            continue
        try:
            entry_address = ipaddress.ip_address(name)
        except ValueError:
            pass
        else:
            if address == entry_address:
                return True
            continue  # an address entry never matches a name
        name = name.removeprefix("*").lstrip(".").rstrip(".")
        if name and address is None and (host == name or host.endswith("." + name)):
            return True
    return False


def _split_port(entry: str) -> tuple[str, int | None]:
    """``host:port``, ``[v6]:port``, ``1.2.3.4:port`` -> (name, port); a bare IPv6 address has no port."""
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        port = rest.removeprefix(":")
        return name, int(port) if port.isdigit() else None
    if entry.count(":") == 1:
        name, _, port = entry.partition(":")
        return name, int(port) if port.isdigit() else None
    return entry, None


def proxy_for(url: str, env: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL (normalised: ``scheme://host:port``, credentials kept) for ``url``, or None.

    ``env`` defaults to ``os.environ``. Raises ``ProxyEnvError`` for a proxy setting that
    cannot be used, rather than connecting directly behind the user's back.
    """
    if env is None:
        env = os.environ
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _TARGET_PORTS or not host:
        return None
    setting = proxy_from_env(scheme, env)
    if setting is None:
        return None
    no_proxy = _variable(env, "no_proxy")
    try:
        port = parts.port or _TARGET_PORTS[scheme]
    except ValueError:
        return None
    if no_proxy and bypasses_proxy(host, port, no_proxy):
        return None
    return parse_proxy_url(setting).url_with_credentials
