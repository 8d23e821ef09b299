"""AWS Signature Version 4, pure: no I/O, no clock unless you pass none.

Follows the AWS SigV4 specification and its published test suite (checked byte for byte):
canonical request -> string to sign -> HMAC chain -> signature, for header signing
(``Authorization``) and query signing (presigned URLs).

Rules worth knowing:
- header values are trimmed, inner runs of whitespace (and folded lines) become one space,
  repeated headers are joined with ``,``; names are lower-cased and sorted;
- the path is encoded once (RFC 3986 unreserved kept, ``/`` kept); with ``normalize`` (every
  service but S3) dot segments are removed and repeated slashes merged;
- query keys and values are decoded, then strictly encoded and sorted.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

__all__ = [
    "EMPTY_SHA256",
    "UNSIGNED_PAYLOAD",
    "Credentials",
    "SignedParts",
    "canonical_path",
    "canonical_query",
    "presign_query",
    "sign_headers",
    "signing_key",
]

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
ALGORITHM = "AWS4-HMAC-SHA256"
_SPACES = re.compile(r"\s+")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str
    session_token: str | None = None


@dataclass(frozen=True, slots=True)
class SignedParts:
    """What signing produced, kept for inspection (and the test suite)."""

    canonical_request: str
    string_to_sign: str
    signature: str
    signed_headers: str


def _encode(value: str, safe: str = "") -> str:
    return quote(value, safe="-_.~" + safe)


def canonical_path(path: str, *, normalize: bool) -> str:
    """Encode a path once; ``%XX`` escapes already present are kept (never double-encoded)."""
    if normalize:
        segments: list[str] = []
        parts = path.split("/")
        for index, segment in enumerate(parts):
            if segment == "..":
                if segments:
                    segments.pop()
            elif segment == "." or (segment == "" and 0 < index < len(parts) - 1):
                continue
            else:
                segments.append(segment)
        path = "/".join(segments)
        if not path.startswith("/"):
            path = "/" + path
        if parts[-1] in (".", "..") and not path.endswith("/"):
            path += "/"
    return _encode(_BAD_ESCAPE.sub("%25", path), safe="/%") or "/"


def canonical_query(query: str | Iterable[tuple[str, str]]) -> str:
    """Decode, strictly encode and sort ``k=v`` pairs (a key without ``=`` has an empty value)."""
    if isinstance(query, str):
        pairs = []
        for item in query.split("&"):
            if item:
                key, _, value = item.partition("=")
                pairs.append((unquote(key), unquote(value)))
    else:
        pairs = list(query)
    return "&".join(f"{k}={v}" for k, v in sorted((_encode(k), _encode(v)) for k, v in pairs))


def _canonical_headers(headers: Iterable[tuple[str, str]]) -> tuple[str, str]:
    merged: dict[str, list[str]] = {}
    for name, value in headers:
        merged.setdefault(name.strip().lower(), []).append(_SPACES.sub(" ", str(value).strip()))
    names = sorted(merged)
    block = "".join(f"{name}:{','.join(merged[name])}\n" for name in names)
    return block, ";".join(names)


def _canonical_request(
    method: str, path: str, query: str, block: str, signed: str, payload_hash: str, normalize: bool
) -> str:
    return "\n".join([method.upper(), canonical_path(path, normalize=normalize), query, block, signed, payload_hash])


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _scope(timestamp: datetime, region: str, service: str) -> str:
    return f"{timestamp:%Y%m%d}/{region}/{service}/aws4_request"


def _sign(credentials: Credentials, timestamp: datetime, region: str, service: str, canonical: str) -> tuple[str, str]:
    stamp = timestamp.strftime("%Y%m%dT%H%M%SZ")
    scope = _scope(timestamp, region, service)
    to_sign = f"{ALGORITHM}\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = signing_key(credentials.secret_key, f"{timestamp:%Y%m%d}", region, service)
    return to_sign, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def sign_headers(
    credentials: Credentials,
    method: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    *,
    region: str,
    service: str,
    payload_hash: str = EMPTY_SHA256,
    timestamp: datetime | None = None,
    normalize: bool = True,
    add_content_sha256: bool = False,
    omit_session_token: bool = False,
) -> tuple[list[tuple[str, str]], SignedParts]:
    """Header signing: returns the headers to add (``X-Amz-Date``, ..., ``Authorization``)."""
    when = timestamp or datetime.now(UTC)
    added = [("X-Amz-Date", when.strftime("%Y%m%dT%H%M%SZ"))]
    if add_content_sha256:
        added.append(("x-amz-content-sha256", payload_hash))
    token = credentials.session_token
    if token and not omit_session_token:
        added.append(("X-Amz-Security-Token", token))
    block, signed = _canonical_headers([*headers, *added])
    canonical = _canonical_request(method, path, canonical_query(query), block, signed, payload_hash, normalize)
    to_sign, signature = _sign(credentials, when, region, service, canonical)
    scope = _scope(when, region, service)
    authorization = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
    )
    if token and omit_session_token:
        added.append(("X-Amz-Security-Token", token))  # sent, but not part of the signature
    added.append(("Authorization", authorization))
    return added, SignedParts(canonical, to_sign, signature, signed)


def presign_query(
    credentials: Credentials,
    method: str,
    path: str,
    query: str,
    headers: list[tuple[str, str]],
    *,
    region: str,
    service: str,
    expires: int,
    payload_hash: str = EMPTY_SHA256,
    timestamp: datetime | None = None,
    normalize: bool = True,
    omit_session_token: bool = False,
) -> tuple[str, SignedParts]:
    """Query signing: returns the full canonical-ordered query string with ``X-Amz-Signature``."""
    when = timestamp or datetime.now(UTC)
    block, signed = _canonical_headers(headers)
    scope = _scope(when, region, service)
    params = [
        *((unquote(k), unquote(v)) for k, _, v in (p.partition("=") for p in query.split("&") if p)),
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{credentials.access_key}/{scope}"),
        ("X-Amz-Date", when.strftime("%Y%m%dT%H%M%SZ")),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", signed),
    ]
    if credentials.session_token and not omit_session_token:
        params.append(("X-Amz-Security-Token", credentials.session_token))
    canonical_q = canonical_query(params)
    canonical = _canonical_request(method, path, canonical_q, block, signed, payload_hash, normalize)
    to_sign, signature = _sign(credentials, when, region, service, canonical)
    return f"{canonical_q}&X-Amz-Signature={signature}", SignedParts(canonical, to_sign, signature, signed)
