"""HTTP Digest access authentication, the client side of RFC 7616 (and RFC 2069 servers).

Strategy: the first request to an origin goes without credentials; its 401 carries the
challenge, which is remembered per origin, so the retry and every later request to that origin
answer it at once, counting ``nc`` up for the same nonce. A 401 to credentials we already sent
means wrong credentials -- unless the server says ``stale=true`` (our nonce expired), the one
case where a fresh challenge is answered again.

Supported: ``algorithm`` MD5, SHA-256, SHA-512-256 and their ``-sess`` variants (the strongest
the server offers is chosen), ``qop=auth`` or no qop, ``userhash``, ``opaque``, ``charset``.
``qop=auth-int`` (a digest of the body) is not: such a challenge is passed over.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from blazeio_client.auth_challenges import AuthError, Challenge, ChallengeError, parse_challenges, quote_string
from blazeio_client.auth_targets import digest_uri, origin_of

__all__ = ["DigestAuth"]

# Strength order, strongest last; SHA-512-256 needs an OpenSSL that has it.
_HASHES: dict[str, str] = {"MD5": "md5", "SHA-256": "sha256"}
if "sha512_256" in hashlib.algorithms_available:
    _HASHES["SHA-512-256"] = "sha512_256"
_STRENGTH = {name: rank for rank, name in enumerate(_HASHES)}


@dataclass(slots=True)
class _Answer:
    """What is needed to answer one origin's challenge again and again."""

    realm: str
    nonce: str
    algorithm: str  # as the server spelled it, e.g. "SHA-256-sess"
    hash_name: str
    session: bool
    qop: str | None
    opaque: str | None
    userhash: bool
    nc: int = 0


class DigestAuth:
    """Digest credentials: ``headers_for`` before a request, ``retry_headers`` after a 401.

    ``proxy=True`` answers a proxy's 407 ``Proxy-Authenticate`` with ``Proxy-Authorization``.
    ``cnonce`` makes the client nonce (a random 128-bit hex string by default); at most
    ``max_origins`` origins' challenges are remembered (the oldest is forgotten first).
    """

    def __init__(
        self,
        username: str,
        password: str,
        *,
        proxy: bool = False,
        cnonce: Callable[[], str] | None = None,
        max_origins: int = 64,
    ) -> None:
        if max_origins < 1:
            raise AuthError("max_origins must be positive")
        self.username = username
        self.password = password
        self.header = "Proxy-Authorization" if proxy else "Authorization"
        self.status = 407 if proxy else 401
        self.max_origins = max_origins
        self._cnonce = cnonce or (lambda: secrets.token_hex(16))
        self._answers: dict[tuple[str, str, int], _Answer] = {}

    def headers_for(self, method: str, url: str) -> dict[str, str]:
        """Credentials for a request to ``url`` if this origin has challenged before, else ``{}``."""
        answer = self._answers.get(origin_of(url))
        if answer is None:
            return {}
        return {self.header: self._authorization(answer, method, digest_uri(method, url))}

    def retry_headers(
        self,
        method: str,
        url: str,
        status: int,
        challenges: Sequence[str],
        sent: Mapping[str, str] | None = None,
    ) -> dict[str, str] | None:
        """The headers to retry with after a response, or None when retrying cannot help.

        ``challenges`` are the response's ``WWW-Authenticate`` (``Proxy-Authenticate``) values;
        ``sent`` the headers ``headers_for`` gave this request. Call it once per request: a
        refused answer is only retried when the server says its nonce was ``stale``.
        """
        if status != self.status:
            return None
        try:
            chosen = _choose(parse_challenges(challenges))
        except ChallengeError:
            return None  # the 401 stands: there is nothing we could answer
        if chosen is None:
            return None
        answer, stale = chosen
        origin = origin_of(url)
        previous = next((v for k, v in (sent or {}).items() if k.lower() == self.header.lower()), "")
        if previous[:7].lower() == "digest " and not stale:
            # We answered a challenge and the server refused it: the credentials are wrong.
            # (RFC 7616 §3.3: stale=true means "the nonce was stale" and "the client may
            # wish to simply retry the request with a new encrypted response".)
            self._answers.pop(origin, None)
            return None
        if origin not in self._answers and len(self._answers) >= self.max_origins:
            del self._answers[next(iter(self._answers))]
        self._answers[origin] = answer
        return {self.header: self._authorization(answer, method, digest_uri(method, url))}

    def _authorization(self, answer: _Answer, method: str, uri: str) -> str:
        """The credentials of RFC 7616 §3.4, counting the nonce's use."""

        def h(data: str) -> str:
            return hashlib.new(answer.hash_name, data.encode("utf-8")).hexdigest()

        answer.nc += 1
        nc = f"{answer.nc:08x}"
        cnonce = self._cnonce()
        # §3.4.2: A1 = unq(username) ":" unq(realm) ":" passwd, and for the "-sess" variants
        # A1 = H( unq(username) ":" unq(realm) ":" passwd ) ":" unq(nonce-prime) ":" unq(cnonce-prime)
        ha1 = h(f"{self.username}:{answer.realm}:{self.password}")
        if answer.session:
            ha1 = h(f"{ha1}:{answer.nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")  # §3.4.3, qop "auth" (or none)
        if answer.qop is None:
            # RFC 2069: request-digest = KD(H(A1), unq(nonce) ":" H(A2))
            response = h(f"{ha1}:{answer.nonce}:{ha2}")
        else:
            response = h(f"{ha1}:{answer.nonce}:{nc}:{cnonce}:{answer.qop}:{ha2}")
        parts = [self._username_param(answer, h)]
        parts += [f"realm={quote_string(answer.realm)}", f"uri={quote_string(uri)}"]
        parts += [f"algorithm={answer.algorithm}", f"nonce={quote_string(answer.nonce)}"]
        if answer.qop is not None:
            parts += [f"nc={nc}", f"cnonce={quote_string(cnonce)}", f"qop={answer.qop}"]
        parts.append(f"response={quote_string(response)}")
        if answer.opaque is not None:  # "the opaque parameter MUST be returned by the client unchanged"
            parts.append(f"opaque={quote_string(answer.opaque)}")
        if answer.userhash:
            parts.append("userhash=true")
        return "Digest " + ", ".join(parts)

    def _username_param(self, answer: _Answer, h: Callable[[str], str]) -> str:
        if answer.userhash:
            # §3.4.4: "username = H( unq(username) ":" unq(realm) )"
            return f"username={quote_string(h(f'{self.username}:{answer.realm}'))}"
        if self.username.isascii() and self.username.isprintable():
            return f"username={quote_string(self.username)}"
        # §3.4.4: a name a quoted-string cannot hold goes in username* (RFC 8187 encoding).
        return f"username*=UTF-8''{quote(self.username, safe='')}"

    def __repr__(self) -> str:
        return f"DigestAuth({self.username!r}, '***')"


def _choose(challenges: list[Challenge]) -> tuple[_Answer, bool] | None:
    """The strongest Digest challenge we can answer, and its ``stale`` flag."""
    best: tuple[int, _Answer, bool] | None = None
    for challenge in challenges:
        if challenge.scheme != "digest":
            continue
        params = challenge.params
        algorithm = params.get("algorithm", "MD5")
        base = algorithm.upper().removesuffix("-SESS")
        session = algorithm.upper().endswith("-SESS")
        qops = [q.strip().lower() for q in params.get("qop", "").split(",") if q.strip()]
        if base not in _HASHES or "nonce" not in params or (qops and "auth" not in qops):
            continue
        if session and not qops:
            continue  # "-sess" needs the cnonce that only a qop exchange sends
        answer = _Answer(
            realm=params.get("realm", ""),
            nonce=params["nonce"],
            algorithm=algorithm,
            hash_name=_HASHES[base],
            session=session,
            qop="auth" if qops else None,
            opaque=params.get("opaque"),
            userhash=params.get("userhash", "").lower() == "true",
        )
        rank = _STRENGTH[base]
        if best is None or rank > best[0]:  # the first of equal strength: the server's preference
            best = (rank, answer, params.get("stale", "").lower() == "true")
    return None if best is None else (best[1], best[2])
