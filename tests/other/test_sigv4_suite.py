"""Every case of the AWS SigV4 signing test suite, header and query signing, byte for byte."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from blazeio_other.sigv4 import EMPTY_SHA256, Credentials, presign_query, sign_headers

# AWS's published vectors, carried in the repository (Apache-2.0, see data/aws-sigv4-test-suite/LICENSE).
SUITE = Path(__file__).resolve().parent / "data" / "aws-sigv4-test-suite" / "v4"
CASES = sorted(p.name for p in SUITE.iterdir() if (p / "request.txt").exists()) if SUITE.exists() else []


def parse_request(text: str) -> tuple[str, str, str, list[tuple[str, str]], bytes]:
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    # The request line is "METHOD target HTTP/1.1"; the target may itself contain spaces.
    method, rest = lines[0].split(" ", 1)
    target = rest.rsplit(" ", 1)[0]
    path, _, query = target.partition("?")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:  # a folded continuation line
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
        elif line:
            name, _, value = line.partition(":")
            headers.append((name, value))
    return method, path, query, headers, body.encode()


def load(case: str) -> tuple[dict[str, object], tuple[str, str, str, list[tuple[str, str]], bytes]]:
    context = json.loads((SUITE / case / "context.json").read_text())
    return context, parse_request((SUITE / case / "request.txt").read_text())


def expected(case: str, name: str) -> str:
    return (SUITE / case / name).read_text()


def common(context: dict[str, object], body: bytes) -> dict[str, object]:
    import hashlib

    creds = context["credentials"]
    assert isinstance(creds, dict)
    return {
        "region": context["region"],
        "service": context["service"],
        "timestamp": datetime.fromisoformat(str(context["timestamp"]).replace("Z", "+00:00")),
        "normalize": context.get("normalize", True),
        "omit_session_token": context.get("omit_session_token", False),
        "payload_hash": hashlib.sha256(body).hexdigest() if context.get("sign_body") else EMPTY_SHA256,
    }


def credentials(context: dict[str, object]) -> Credentials:
    creds = context["credentials"]
    assert isinstance(creds, dict)
    return Credentials(creds["access_key_id"], creds["secret_access_key"], creds.get("token"))


def test_the_suite_is_present() -> None:
    assert len(CASES) >= 30, f"AWS SigV4 test suite not found under {SUITE}"


@pytest.mark.parametrize("case", CASES)
def test_header_signing_matches_the_suite(case: str) -> None:
    context, (method, path, query, headers, body) = load(case)
    options = common(context, body)
    _, parts = sign_headers(
        credentials(context),
        method,
        path,
        query,
        headers,
        add_content_sha256=bool(context.get("sign_body")),
        **options,  # type: ignore[arg-type]
    )
    assert parts.canonical_request == expected(case, "header-canonical-request.txt")
    assert parts.string_to_sign == expected(case, "header-string-to-sign.txt")
    assert parts.signature == expected(case, "header-signature.txt").strip()


@pytest.mark.parametrize("case", CASES)
def test_query_signing_matches_the_suite(case: str) -> None:
    context, (method, path, query, headers, body) = load(case)
    options = common(context, body)
    signed_query, parts = presign_query(
        credentials(context),
        method,
        path,
        query,
        headers,
        expires=int(context.get("expiration_in_seconds", 3600)),  # type: ignore[call-overload]
        **options,  # type: ignore[arg-type]
    )
    assert parts.canonical_request == expected(case, "query-canonical-request.txt")
    assert parts.string_to_sign == expected(case, "query-string-to-sign.txt")
    assert parts.signature == expected(case, "query-signature.txt").strip()
    assert f"X-Amz-Signature={parts.signature}" in signed_query
