"""The cookie model and the RFC 6265 §5 algorithms it needs: Set-Cookie parsing and matching.

``parse_set_cookie`` is §5.2 (with the RFC 6265bis rules that browsers follow: control
characters void a cookie, attribute values over 1024 bytes are ignored); ``domain_match``,
``path_match`` and ``default_path`` are §5.1.3 and §5.1.4. The storage rules (§5.3) live in
the jar.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from blazeio_client.cookie_dates import parse_cookie_date
from blazeio_common.errors import BlazeioException

__all__ = [
    "Cookie",
    "CookieConflict",
    "CookieError",
    "ParsedCookie",
    "canonical_host",
    "default_path",
    "domain_match",
    "has_forbidden_characters",
    "is_ip_address",
    "parse_set_cookie",
    "path_match",
]

MAX_ATTRIBUTE_VALUE = 1024  # RFC 6265bis §5.6: longer attribute values are ignored
_WSP = " \t"
# RFC 6265bis §5.6 step 1: a name or value holding a control character other than HTAB is
# ignored entirely; characters beyond Latin-1 cannot be written back into a header line.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]|[^\x00-\xff]")


class CookieError(BlazeioException, ValueError):
    """A cookie, a cookie jar setting or a cookies.txt file that cannot be used."""


class CookieConflict(CookieError):
    """A lookup by name matched several cookies (same name on several domains or paths)."""


@dataclass(slots=True)
class Cookie:
    """One stored cookie (RFC 6265 §5.3).

    ``domain`` is lower case without a leading dot; ``host_only`` cookies go to that exact
    host only, the others also to its subdomains; the empty domain (set by a user without a
    domain) goes to every host. ``expires`` is seconds since the epoch, None for a session
    cookie.
    """

    name: str
    value: str
    domain: str
    path: str = "/"
    expires: float | None = None
    secure: bool = False
    http_only: bool = False
    host_only: bool = True
    same_site: str | None = None
    created: float = 0.0
    last_access: float = 0.0
    order: int = field(default=0, compare=False)  # creation order: breaks ties in `created`

    def expired(self, now: float) -> bool:
        return self.expires is not None and self.expires <= now


@dataclass(slots=True)
class ParsedCookie:
    """What §5.2 extracts from one Set-Cookie value, before the storage model (§5.3) runs."""

    name: str
    value: str
    expires: float | None = None  # from Expires
    max_age: int | None = None  # from Max-Age (wins over Expires)
    domain: str | None = None  # lower case, leading dot removed
    path: str | None = None  # only when the attribute starts with "/"
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None


def parse_set_cookie(text: str) -> ParsedCookie | None:
    """RFC 6265 §5.2; None where the algorithm says "ignore the set-cookie-string entirely"."""
    pair, _, attributes = text.partition(";")
    # "If the name-value-pair string lacks a "=" character, ignore the set-cookie-string entirely."
    if "=" not in pair:
        return None
    name, _, value = pair.partition("=")
    name, value = name.strip(_WSP), value.strip(_WSP)
    if not name or _FORBIDDEN.search(pair):
        return None
    cookie = ParsedCookie(name, value)
    for av in attributes.split(";") if attributes else ():
        key, _, raw = av.partition("=")
        key, raw = key.strip(_WSP).lower(), raw.strip(_WSP)
        if len(raw.encode("utf-8", "surrogateescape")) > MAX_ATTRIBUTE_VALUE:
            continue
        # The last occurrence of an attribute wins (§5.3: "the last attribute in the
        # cookie-attribute-list"), so each branch simply overwrites.
        if key == "expires":
            expires = parse_cookie_date(raw)
            if expires is not None:
                cookie.expires = expires
        elif key == "max-age":
            # "If the first character of the attribute-value is not a DIGIT or a "-" character,
            # ignore the cookie-av. If the remainder of attribute-value contains a non-DIGIT
            # character, ignore the cookie-av."
            digits = raw[1:] if raw[:1] == "-" else raw
            if digits and digits.isascii() and digits.isdigit():
                # Twelve digits are already more than any cap; int() of thousands would raise.
                delta = int(raw) if len(digits) <= 12 else (1 if raw[0] != "-" else -1) * 10**12
                cookie.max_age = delta
        elif key == "domain":
            # "If the attribute-value is empty, the behavior is undefined. However, the user
            # agent SHOULD ignore the cookie-av entirely."
            if raw:
                cookie.domain = raw.removeprefix(".").lower()
        elif key == "path":
            cookie.path = raw if raw.startswith("/") else None
        elif key == "secure":
            cookie.secure = True
        elif key == "httponly":
            cookie.http_only = True
        elif key == "samesite":
            same_site = raw.lower()
            if same_site in ("strict", "lax", "none"):
                cookie.same_site = same_site.capitalize()
    return cookie


def has_forbidden_characters(text: str) -> bool:
    """Whether a cookie name or value holds what no Cookie header line may carry."""
    return _FORBIDDEN.search(text) is not None


def canonical_host(host: str) -> str:
    """RFC 6265 §5.1.2: lower case, and the A-label (punycode) form of an internationalised name."""
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise CookieError(f"invalid host name {host!r}") from None


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def domain_match(host: str, domain: str) -> bool:
    """RFC 6265 §5.1.3: identical, or ``host`` ends with ``"." + domain`` and is a host name."""
    if host == domain:
        return True
    # "The string is a host name (i.e., not an IP address)."
    return host.endswith(domain) and host[-len(domain) - 1 : -len(domain)] == "." and not is_ip_address(host)


def default_path(path: str) -> str:
    """RFC 6265 §5.1.4: the directory of the request path, "/" at the top."""
    # "If the uri-path is empty or if the first character of the uri-path is not a "/"
    # character, output "/" and skip the remaining steps. If the uri-path contains no more
    # than one "/" character, output "/" and skip the remaining step."
    if not path.startswith("/") or path.count("/") == 1:
        return "/"
    return path[: path.rindex("/")]


def path_match(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 §5.1.4: equal, or a prefix that ends at a "/" of the request path."""
    if request_path == cookie_path:
        return True
    return request_path.startswith(cookie_path) and (cookie_path.endswith("/") or request_path[len(cookie_path)] == "/")
