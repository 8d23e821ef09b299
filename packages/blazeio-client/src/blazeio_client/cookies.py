"""An RFC 6265 cookie jar for the client: store what Set-Cookie says, send it back where it belongs.

Strategy: cookies are indexed by their domain, so building a Cookie header walks the request
host's labels (``a.b.example.com``, ``b.example.com``, ``example.com``) instead of the whole
jar, and an empty jar costs one check. The §5.3 storage model runs in ``extract``; the §5.4
Cookie header in ``header_for``. Everything is sans-IO: the caller passes URLs, header values
and (for tests) the clock.

Beyond RFC 6265 the jar follows what browsers do today (RFC 6265bis): a ``Secure`` cookie is
only accepted from and sent over https, an insecure origin cannot shadow a secure cookie, the
``__Secure-``/``__Host-`` name prefixes are enforced, and a lifetime is capped at 400 days.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from os import PathLike
from urllib.parse import urlsplit

from blazeio_client.cookie_file import read_cookie_file, write_cookie_file
from blazeio_client.cookie_parsing import (
    Cookie,
    CookieConflict,
    CookieError,
    ParsedCookie,
    canonical_host,
    default_path,
    domain_match,
    is_ip_address,
    parse_set_cookie,
    path_match,
)
from blazeio_client.public_suffixes import DEFAULT_PUBLIC_SUFFIXES, is_public_suffix

__all__ = ["Cookie", "CookieConflict", "CookieError", "CookieJar"]

_SECURE_SCHEMES = frozenset({"https", "wss"})
_SCHEMES = frozenset({"http", "ws"}) | _SECURE_SCHEMES
MAX_LIFETIME = 400 * 24 * 3600  # RFC 6265bis §5.6.1/§5.6.2: browsers cap expiry at 400 days


class CookieJar:
    """Cookies received from servers (``extract``) and sent back to them (``header_for``).

    Limits (RFC 6265 §6.1 asks for at least 4096 bytes per cookie, 50 per domain and 3000 in
    all): ``max_cookie_size`` bounds name + value, in bytes; past ``max_per_domain`` or
    ``max_cookies`` the least recently used cookies are evicted, expired ones first.
    ``public_suffixes`` adds to the built-in list of domains no cookie may be set for.
    """

    def __init__(
        self,
        *,
        max_cookie_size: int = 4096,
        max_per_domain: int = 50,
        max_cookies: int = 3000,
        max_lifetime: float = MAX_LIFETIME,
        public_suffixes: Iterable[str] = (),
    ) -> None:
        if min(max_cookie_size, max_per_domain, max_cookies) < 1 or max_lifetime <= 0:
            raise CookieError("cookie jar limits must be positive")
        self.max_cookie_size = max_cookie_size
        self.max_per_domain = max_per_domain
        self.max_cookies = max_cookies
        self.max_lifetime = max_lifetime
        self.public_suffixes = DEFAULT_PUBLIC_SUFFIXES | {s.lower().strip(".") for s in public_suffixes}
        # domain -> (path, name) -> Cookie
        self._domains: dict[str, dict[tuple[str, str], Cookie]] = {}
        self._count = 0
        self._order = 0

    # -- from responses ---------------------------------------------------------------

    def extract(self, url: str, set_cookie_values: Iterable[str], now: float | None = None) -> None:
        """Store the cookies of a response's ``Set-Cookie`` header values, received for ``url``.

        Values the RFC says to ignore (bad syntax, a foreign or public-suffix ``Domain``, a
        ``Secure`` cookie over http, too large) are ignored, as a browser does.
        """
        scheme, host, path = _split(url)
        now = time.time() if now is None else now
        for text in set_cookie_values:
            parsed = parse_set_cookie(text)
            if parsed is not None:
                cookie = self._admit(parsed, scheme, host, path, now)
                if cookie is not None:
                    self._store(cookie, now, from_secure=scheme in _SECURE_SCHEMES)

    def _admit(self, parsed: ParsedCookie, scheme: str, host: str, path: str, now: float) -> Cookie | None:
        """RFC 6265 §5.3 steps 1-10: the cookie to store, or None to ignore it."""
        if len(parsed.name.encode("latin-1")) + len(parsed.value.encode("latin-1")) > self.max_cookie_size:
            return None
        secure_origin = scheme in _SECURE_SCHEMES
        # RFC 6265bis §5.7 step 9: "If the scheme component of the request-uri does not denote
        # a 'secure' protocol ... and the cookie's secure-only-flag is true, then abort".
        if parsed.secure and not secure_origin:
            return None
        # §5.3 step 3: "If the cookie-attribute-list contains an attribute with an attribute-name
        # of "Max-Age"" it sets the expiry, else "Expires" does; "Max-Age" has precedence.
        if parsed.max_age is not None:
            expires: float | None = now + min(parsed.max_age, self.max_lifetime) if parsed.max_age > 0 else 0.0
        elif parsed.expires is not None:
            expires = min(parsed.expires, now + self.max_lifetime)
        else:
            expires = None
        host_only = True
        domain = host
        if parsed.domain is not None:
            try:
                attribute = canonical_host(parsed.domain.rstrip("."))
            except CookieError:
                return None
            if is_public_suffix(attribute, self.public_suffixes) and not is_ip_address(attribute):
                # "If the domain-attribute is identical to the canonicalized request-host: Let
                # the domain-attribute be the empty string. Otherwise: Ignore the cookie".
                if attribute != host:
                    return None
            elif not domain_match(host, attribute):
                return None
            elif not is_ip_address(host):
                host_only = False  # an IP host's Domain= (only its own address matches) stays host-only
                domain = attribute
        cookie_path = parsed.path if parsed.path is not None else default_path(path)
        if not _prefixes_allow(parsed, secure_origin, cookie_path):
            return None
        return Cookie(
            parsed.name,
            parsed.value,
            domain,
            cookie_path,
            expires,
            parsed.secure,
            parsed.http_only,
            host_only,
            parsed.same_site,
            now,
            now,
        )

    def _store(self, cookie: Cookie, now: float, from_secure: bool = True) -> None:
        """RFC 6265 §5.3 steps 11-12: replace, delete by past expiry, evict past the limits."""
        if not from_secure and not cookie.secure and self._shadows_secure(cookie):
            return
        bucket = self._domains.setdefault(cookie.domain, {})
        key = (cookie.path, cookie.name)
        old = bucket.pop(key, None)
        if old is not None:
            self._count -= 1
            # "Update the creation-time of the newly created cookie to match the creation-time
            # of the old-cookie."
            cookie.created, cookie.order = old.created, old.order
        else:
            self._order += 1
            cookie.order = self._order
        if cookie.expired(now):  # an expiry in the past deletes (what servers use to delete)
            if not bucket:
                del self._domains[cookie.domain]
            return
        bucket[key] = cookie
        self._count += 1
        if len(bucket) > self.max_per_domain:
            self._evict(list(bucket.values()), len(bucket) - self.max_per_domain, now)
        if self._count > self.max_cookies:
            self._evict(list(self), self._count - self.max_cookies, now)

    def _shadows_secure(self, cookie: Cookie) -> bool:
        # RFC 6265bis §5.7 step 16: an insecure origin may not overwrite or shadow a secure
        # cookie with the same name whose domain matches either way and whose path it matches.
        for other in self:
            if (
                other.secure
                and other.name == cookie.name
                and (domain_match(cookie.domain, other.domain) or domain_match(other.domain, cookie.domain))
                and path_match(cookie.path, other.path)
            ):
                return True
        return False

    def _evict(self, candidates: list[Cookie], excess: int, now: float) -> None:
        # §5.3: "the user agent MUST evict ... expired cookies" first, then "the oldest
        # last-access date ... first".
        candidates.sort(key=lambda c: (not c.expired(now), c.last_access, c.order))
        for cookie in candidates[:excess]:
            self._remove(cookie)

    def _remove(self, cookie: Cookie) -> None:
        bucket = self._domains.get(cookie.domain)
        if bucket is not None and bucket.pop((cookie.path, cookie.name), None) is not None:
            self._count -= 1
            if not bucket:
                del self._domains[cookie.domain]

    # -- to requests ------------------------------------------------------------------

    def header_for(self, url: str, now: float | None = None) -> str | None:
        """The ``Cookie`` header value for a request to ``url`` (RFC 6265 §5.4), or None."""
        if not self._domains:  # the common case of a client that never got a cookie
            return None
        scheme, host, path = _split(url)
        return self.header_for_host(host, path, secure=scheme in _SECURE_SCHEMES, now=now)

    def header_for_host(self, host: str, path: str, *, secure: bool, now: float | None = None) -> str | None:
        """``header_for`` from parts: a canonical host, the request path (no query) and https-ness."""
        if not self._domains:
            return None
        now = time.time() if now is None else now
        found: list[Cookie] = []
        expired: list[Cookie] = []
        for domain in _candidate_domains(host):
            bucket = self._domains.get(domain)
            if bucket is None:
                continue
            for cookie in bucket.values():
                if cookie.expired(now):
                    expired.append(cookie)
                elif (
                    (secure or not cookie.secure)
                    and (domain == host or not cookie.host_only or not domain)
                    and path_match(path or "/", cookie.path)
                ):
                    found.append(cookie)
        for cookie in expired:
            self._remove(cookie)
        if not found:
            return None
        # "Cookies with longer paths are listed before cookies with shorter paths. Among cookies
        # that have equal-length path fields, cookies with earlier creation-times are listed
        # before cookies with later creation-times."
        found.sort(key=lambda c: (-len(c.path), c.created, c.order))
        for cookie in found:
            cookie.last_access = now
        return "; ".join(f"{c.name}={c.value}" for c in found)

    # -- the user's API ---------------------------------------------------------------

    def set(
        self,
        name: str,
        value: str,
        domain: str = "",
        path: str = "/",
        *,
        host_only: bool = False,
        secure: bool = False,
        http_only: bool = False,
        expires: float | None = None,
        same_site: str | None = None,
        now: float | None = None,
    ) -> Cookie:
        """Store a cookie; with no ``domain`` it is sent to every host.

        A ``domain`` also covers its subdomains unless ``host_only``. ``expires`` is seconds
        since the epoch (None: a session cookie); a time in the past deletes the cookie.
        """
        _check_token(name, "name")
        _check_value(value)
        if not path.startswith("/"):
            raise CookieError(f"cookie path must start with '/': {path!r}")
        now = time.time() if now is None else now
        domain = canonical_host(domain.strip(".")) if domain else ""
        cookie = Cookie(name, value, domain, path, expires, secure, http_only, host_only or not domain, same_site)
        cookie.created = cookie.last_access = now
        self._store(cookie, now)
        return cookie

    def get(
        self, name: str, domain: str | None = None, path: str | None = None, *, default: str | None = None
    ) -> str | None:
        """The value of the one cookie called ``name`` (optionally on ``domain``/``path``), else ``default``.

        Raises ``CookieConflict`` when several cookies match. (``domain`` comes second, as in
        ``delete``; the default is keyword-only so that ``get(name, domain)`` cannot mean it.)
        """
        matches = self._find(name, domain, path)
        if len(matches) > 1:
            where = ", ".join(f"{c.domain or '*'}{c.path}" for c in matches)
            raise CookieConflict(f"several cookies are called {name!r} ({where}): give a domain and path")
        return matches[0].value if matches else default

    def delete(self, name: str, domain: str | None = None, path: str | None = None) -> int:
        """Remove the cookies called ``name`` (optionally only on ``domain``/``path``); how many went."""
        matches = self._find(name, domain, path)
        for cookie in matches:
            self._remove(cookie)
        return len(matches)

    def clear(self, domain: str | None = None) -> None:
        """Remove every cookie, or those of ``domain`` and its subdomains."""
        if domain is None:
            self._domains.clear()
            self._count = 0
            return
        domain = canonical_host(domain.strip("."))
        for cookie in list(self):
            if domain_match(cookie.domain, domain):
                self._remove(cookie)

    def clear_expired(self, now: float | None = None) -> None:
        """Remove the cookies whose expiry has passed (the others are removed as they are met)."""
        now = time.time() if now is None else now
        for cookie in list(self):
            if cookie.expired(now):
                self._remove(cookie)

    def save(self, path: str | PathLike[str], now: float | None = None) -> None:
        """Write the unexpired cookies to a Netscape/curl ``cookies.txt`` file (mode 0600)."""
        now = time.time() if now is None else now
        # In creation order: the file keeps no creation times, and load() reads the order back.
        cookies = sorted((c for c in self if not c.expired(now)), key=lambda c: (c.created, c.order))
        write_cookie_file(path, cookies)

    def load(self, path: str | PathLike[str], now: float | None = None) -> None:
        """Add the unexpired cookies of a Netscape/curl ``cookies.txt`` file (expiry 0: session)."""
        now = time.time() if now is None else now
        for cookie in read_cookie_file(path):
            cookie.created = cookie.last_access = now
            if not cookie.expired(now):
                self._store(cookie, now)

    def _find(self, name: str, domain: str | None, path: str | None) -> list[Cookie]:
        if domain is not None:
            domain = canonical_host(domain.strip(".")) if domain else ""
        return [
            c
            for c in self
            if c.name == name and (domain is None or c.domain == domain) and (path is None or c.path == path)
        ]

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        if not self.delete(name):
            raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self)

    def __iter__(self) -> Iterator[Cookie]:
        # A snapshot, so that the loop body may change the jar.
        return iter([c for bucket in self._domains.values() for c in bucket.values()])

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __repr__(self) -> str:
        return f"<CookieJar {self._count} cookies>"


def _split(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES or not parts.hostname:
        raise CookieError(f"cookies need an http(s) URL with a host, not {url!r}")
    return scheme, canonical_host(parts.hostname), parts.path


def _candidate_domains(host: str) -> Iterator[str]:
    """The domains whose cookies may match ``host``: itself, its parents, and the shared ''."""
    yield host
    if not is_ip_address(host):
        rest = host
        while "." in rest:
            rest = rest.split(".", 1)[1]
            yield rest
    yield ""


def _prefixes_allow(parsed: ParsedCookie, secure_origin: bool, path: str) -> bool:
    # RFC 6265bis §4.1.3: "__Secure-" needs Secure from a secure origin; "__Host-" also no
    # Domain attribute and Path=/. (Browsers compare case-insensitively.)
    lowered = parsed.name[:9].lower()
    if lowered.startswith("__secure-"):
        return parsed.secure and secure_origin
    if lowered.startswith("__host-"):
        return parsed.secure and secure_origin and parsed.domain is None and path == "/"
    return True


_TOKEN_SEPARATORS = frozenset('()<>@,;:\\"/[]?={} \t')


def _check_token(name: str, what: str) -> None:
    # RFC 6265 §4.1.1: cookie-name = token (RFC 9110 §5.6.2).
    if not name or any(ch in _TOKEN_SEPARATORS or not "\x20" < ch < "\x7f" for ch in name):
        raise CookieError(f"invalid cookie {what} {name!r}: it must be an HTTP token")


def _check_value(value: str) -> None:
    # cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE ); cookie-octet excludes
    # CTLs, whitespace, DQUOTE, comma, semicolon and backslash.
    inner = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if any(ch in '",;\\' or not "\x20" < ch < "\x7f" for ch in inner):
        raise CookieError(f"invalid cookie value {value!r}: quote or encode it (no spaces, commas, semicolons)")
