"""Digest authentication against a real server implementation: httpbin's, over a loopback socket.

The requests go through ``http.client`` with the headers the sans-IO auth and cookie jar
give, driven the way the client drives them: first attempt, then at most one retry.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from blazeio_client.auth import Auth, BasicAuth, DigestAuth
from blazeio_client.cookies import CookieJar

httpbin = pytest.importorskip("httpbin")
serving = pytest.importorskip("werkzeug.serving")


@pytest.fixture(scope="module")
def httpbin_url() -> Iterator[str]:
    server = serving.make_server("127.0.0.1", 0, httpbin.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


class Exchange:
    """One request as the client makes it: auth and cookies in, at most one retry."""

    def __init__(self, auth: Auth, jar: CookieJar) -> None:
        self.auth = auth
        self.jar = jar
        self.attempts = 0

    def send(self, url: str, headers: dict[str, str]) -> tuple[int, list[str], bytes]:
        self.attempts += 1
        cookie = self.jar.header_for(url)
        if cookie:
            headers = {**headers, "Cookie": cookie}
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        try:
            connection.request("GET", parts.path, headers=headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        self.jar.extract(url, response.headers.get_all("Set-Cookie") or [])
        return response.status, response.headers.get_all("WWW-Authenticate") or [], body

    def get(self, url: str) -> tuple[int, Any]:
        sent = self.auth.headers_for("GET", url)
        status, challenges, body = self.send(url, sent)
        retry = self.auth.retry_headers("GET", url, status, challenges, sent)
        if retry is not None:
            status, challenges, body = self.send(url, retry)
        return status, json.loads(body) if status == 200 else None


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_digest_logs_in_to_httpbin_and_later_requests_answer_without_a_round_trip(
    httpbin_url: str, algorithm: str
) -> None:
    # (ASCII only: httpbin checks the digest against its *decoded* path, not the request-target.)
    url = f"{httpbin_url}/digest-auth/auth/alice/s3cret/{algorithm}"
    auth = DigestAuth("alice", "s3cret")
    first = Exchange(auth, CookieJar())
    assert first.get(url) == (200, {"authenticated": True, "user": "alice"})
    assert first.attempts == 2  # the challenge, then the answer
    again = Exchange(auth, CookieJar())
    assert again.get(url) == (200, {"authenticated": True, "user": "alice"})
    assert again.attempts == 1  # the remembered challenge is answered at once (nc=00000002)


def test_digest_with_a_wrong_password_never_retries_refused_credentials(httpbin_url: str) -> None:
    url = f"{httpbin_url}/digest-auth/auth/alice/right/SHA-256"
    auth = DigestAuth("alice", "wrong")
    first = Exchange(auth, CookieJar())
    assert first.get(url) == (401, None)
    assert first.attempts == 2  # the challenge, then the (refused) answer: no third try
    second = Exchange(auth, CookieJar())
    assert second.get(url) == (401, None)
    assert second.attempts == 1  # the refused answer is not retried
    assert auth.headers_for("GET", url) == {}  # and the challenge is forgotten


def test_a_stale_nonce_is_answered_again_with_the_fresh_one(httpbin_url: str) -> None:
    # httpbin's stale_after=1 (kept in cookies): the nonce serves one request, then the server
    # answers the next one with "stale=TRUE" and a new nonce.
    url = f"{httpbin_url}/digest-auth/auth/alice/pw/MD5/1"
    auth = DigestAuth("alice", "pw")
    jar = CookieJar()
    first = Exchange(auth, jar)
    assert first.get(url)[0] == 200
    second = Exchange(auth, jar)
    assert second.get(url) == (200, {"authenticated": True, "user": "alice"})
    assert second.attempts == 2  # the stale answer, then the answer to the fresh nonce


def test_an_algorithm_we_do_not_support_is_not_answered(httpbin_url: str) -> None:
    # httpbin's "SHA-512" is not an RFC 7616 algorithm (that is SHA-512-256).
    exchange = Exchange(DigestAuth("alice", "pw"), CookieJar())
    assert exchange.get(f"{httpbin_url}/digest-auth/auth/alice/pw/SHA-512") == (401, None)
    assert exchange.attempts == 1


def test_basic_auth_logs_in_to_httpbin(httpbin_url: str) -> None:
    exchange = Exchange(BasicAuth("b\u00f6b", "p:w"), CookieJar())
    assert exchange.get(f"{httpbin_url}/basic-auth/b%C3%B6b/p:w") == (200, {"authenticated": True, "user": "b\u00f6b"})
    assert exchange.attempts == 1
