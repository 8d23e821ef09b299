"""Request authentication, sans-IO: each scheme tells the client which headers to send.

The client drives every scheme the same way::

    headers = auth.headers_for(method, url)            # before the first attempt
    ... send, get a response ...
    retry = auth.retry_headers(method, url, status, www_authenticate_values, sent=headers)
    if retry is not None:                              # at most once per request
        ... send again with ``retry`` ...

Basic (RFC 7617) and Bearer (RFC 6750) send their credentials up front and never retry;
Digest (RFC 7616, in ``digest_auth``) answers the server's challenge.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Protocol

from blazeio_client.auth_challenges import AuthError, Challenge, ChallengeError, parse_challenges
from blazeio_client.digest_auth import DigestAuth

__all__ = [
    "Auth",
    "AuthError",
    "BasicAuth",
    "BearerAuth",
    "Challenge",
    "ChallengeError",
    "DigestAuth",
    "parse_challenges",
]


class Auth(Protocol):
    """What the client needs from an authentication scheme."""

    def headers_for(self, method: str, url: str) -> dict[str, str]: ...

    def retry_headers(
        self,
        method: str,
        url: str,
        status: int,
        challenges: Sequence[str],
        sent: Mapping[str, str] | None = None,
    ) -> dict[str, str] | None: ...


def _check_visible(value: str, what: str) -> None:
    # A control character would end the header line early (RFC 9110 §5.5) -- or inject one.
    if any(ch < " " or ch == "\x7f" for ch in value):
        raise AuthError(f"the {what} contains a control character")


class _FixedCredentials:
    """Credentials that are the same on every request: a 401 is the server's answer to them, so
    there is nothing to retry with."""

    _headers: dict[str, str]

    def headers_for(self, method: str, url: str) -> dict[str, str]:
        return dict(self._headers)

    def retry_headers(
        self,
        method: str,
        url: str,
        status: int,
        challenges: Sequence[str],
        sent: Mapping[str, str] | None = None,
    ) -> dict[str, str] | None:
        return None


class BasicAuth(_FixedCredentials):
    """RFC 7617 Basic credentials, sent with every request (UTF-8, as ``charset="UTF-8"`` asks).

    "a user-id containing a colon character is invalid"; control characters are refused too.
    ``proxy=True`` sends them as ``Proxy-Authorization``.
    """

    def __init__(self, username: str, password: str, *, proxy: bool = False) -> None:
        if ":" in username:
            raise AuthError("a Basic user-id cannot contain ':' (RFC 7617 §2)")
        _check_visible(username, "user-id")
        _check_visible(password, "password")
        self.username = username
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self._headers = {"Proxy-Authorization" if proxy else "Authorization": f"Basic {token}"}

    def __repr__(self) -> str:
        return f"BasicAuth({self.username!r}, '***')"


class BearerAuth(_FixedCredentials):
    """An RFC 6750 bearer token (e.g. an OAuth 2.0 access token), sent with every request."""

    def __init__(self, token: str) -> None:
        if not token or any(not "\x20" < ch < "\x7f" for ch in token):
            raise AuthError("a bearer token is visible ASCII without spaces (RFC 6750 §2.1 b64token)")
        self._headers = {"Authorization": f"Bearer {token}"}

    def __repr__(self) -> str:
        return "BearerAuth('***')"
