"""Basic, Bearer and Digest authentication: the headers the client sends, and when it retries."""

from __future__ import annotations

import hashlib
import re

import pytest

from blazeio_client.auth import (
    AuthError,
    BasicAuth,
    BearerAuth,
    Challenge,
    ChallengeError,
    DigestAuth,
    parse_challenges,
)
from blazeio_common.errors import ProtocolError

# -- challenges (RFC 9110 §11.6.1) --------------------------------------------------------


def test_one_field_value_with_several_challenges_and_escaped_quotes_is_parsed() -> None:
    # The example of RFC 9110 §11.6.1.
    value = 'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'
    assert parse_challenges([value]) == [
        Challenge("newauth", {"realm": "apps", "type": "1", "title": 'Login to "apps"'}),
        Challenge("basic", {"realm": "simple"}),
    ]


def test_token68_schemes_bare_schemes_and_empty_list_elements_are_parsed() -> None:
    assert parse_challenges([", Negotiate abc+/==  ,, Bearer", 'NTLM , Digest REALM = "r" , nonce=n1 ,']) == [
        Challenge("negotiate", token68="abc+/=="),
        Challenge("bearer"),
        Challenge("ntlm"),
        Challenge("digest", {"realm": "r", "nonce": "n1"}),
    ]


def test_a_token68_may_end_in_a_single_padding_equals_sign() -> None:
    assert parse_challenges(["Negotiate YQ=, Basic realm=x", "NTLM TlRMTVNTUAACAAAADAAMADgAAAA="]) == [
        Challenge("negotiate", token68="YQ="),
        Challenge("basic", {"realm": "x"}),
        Challenge("ntlm", token68="TlRMTVNTUAACAAAADAAMADgAAAA="),
    ]


def test_quoted_strings_may_hold_commas_equals_and_backslashes() -> None:
    [challenge] = parse_challenges(['Digest realm="a, b=c \\\\ d", nonce="x"'])
    assert challenge.params == {"realm": "a, b=c \\ d", "nonce": "x"}


@pytest.mark.parametrize(
    "value",
    [
        'Digest realm="unterminated',
        'Digest realm="a", realm="b"',  # "Each parameter name MUST only occur once per challenge."
        'Digest realm=, nonce="x"',  # "realm=" is a token68, then a stray parameter
        "Basic=abc",
        'Digest realm="a" nonce="b"',
        "Negotiate abc== def",
        '"quoted" realm=x',
    ],
)
def test_malformed_challenges_are_a_protocol_error(value: str) -> None:
    with pytest.raises(ChallengeError) as caught:
        parse_challenges([value])
    assert isinstance(caught.value, ProtocolError)
    assert isinstance(caught.value, ValueError)


# -- Basic and Bearer ---------------------------------------------------------------------


def test_basic_credentials_are_base64_of_utf8_user_colon_password() -> None:
    # RFC 7617 §2 and §2.1 examples.
    assert BasicAuth("Aladdin", "open sesame").headers_for("GET", "http://h.test/") == {
        "Authorization": "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    }
    assert BasicAuth("test", "123\u00a3").headers_for("GET", "http://h.test/") == {
        "Authorization": "Basic dGVzdDoxMjPCow=="
    }
    assert BasicAuth("a", "b", proxy=True).headers_for("GET", "http://h.test/") == {"Proxy-Authorization": "Basic YTpi"}


def test_basic_and_bearer_never_retry_a_401() -> None:
    for auth in (BasicAuth("a", "b"), BearerAuth("t0k3n")):
        sent = auth.headers_for("GET", "http://h.test/")
        assert auth.retry_headers("GET", "http://h.test/", 401, ['Basic realm="x"'], sent) is None


@pytest.mark.parametrize(("user", "password"), [("a:b", "c"), ("a\r\nX-Evil: 1", "c"), ("a", "b\x00")])
def test_basic_credentials_that_cannot_be_sent_are_refused(user: str, password: str) -> None:
    with pytest.raises(AuthError):
        BasicAuth(user, password)


def test_a_bearer_token_is_sent_as_given_and_must_fit_in_a_header() -> None:
    assert BearerAuth("mF_9.B5f-4.1JqM").headers_for("GET", "http://h.test/") == {
        "Authorization": "Bearer mF_9.B5f-4.1JqM"
    }
    for bad in ("", "a b", "a\nb", "t\u00f6ken"):
        with pytest.raises(AuthError):
            BearerAuth(bad)


def test_credentials_do_not_show_in_repr() -> None:
    assert "secret" not in repr(BasicAuth("u", "secret")) + repr(BearerAuth("secret")) + repr(DigestAuth("u", "secret"))


# -- Digest: the RFC examples -------------------------------------------------------------

RFC7616_CHALLENGE = (
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={}, '
    'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
)
RFC7616_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


def rfc7616_answer(algorithm: str, response: str) -> str:
    return (
        'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", '
        f'algorithm={algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, '
        f'cnonce="{RFC7616_CNONCE}", qop=auth, response="{response}", '
        'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )


def test_digest_answers_the_rfc_7616_example_with_sha256_when_offered_beside_md5() -> None:
    # RFC 7616 §3.9.1: the server offers SHA-256 and MD5; the client picks SHA-256.
    auth = DigestAuth("Mufasa", "Circle of Life", cnonce=lambda: RFC7616_CNONCE)
    url = "http://www.example.org/dir/index.html"
    assert auth.headers_for("GET", url) == {}  # no challenge seen yet: nothing to send
    challenges = [RFC7616_CHALLENGE.format("MD5"), RFC7616_CHALLENGE.format("SHA-256")]
    assert auth.retry_headers("GET", url, 401, challenges) == {
        "Authorization": rfc7616_answer("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
    }


def test_digest_answers_the_rfc_7616_example_with_md5() -> None:
    auth = DigestAuth("Mufasa", "Circle of Life", cnonce=lambda: RFC7616_CNONCE)
    url = "http://www.example.org/dir/index.html"
    assert auth.retry_headers("GET", url, 401, [RFC7616_CHALLENGE.format("MD5")]) == {
        "Authorization": rfc7616_answer("MD5", "8ca523f5e9506fed4657c9700eebdbec")
    }


def test_digest_with_sha512_256_userhash_and_charset_gives_the_rfc_7616_erratum_values() -> None:
    # RFC 7616 §3.9.2 as corrected by erratum 4897 (the RFC's own values are not of its inputs).
    challenge = (
        'Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, '
        'nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", '
        'opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true'
    )
    auth = DigestAuth(
        "J\u00e4s\u00f8n Doe", "Secret, or not?", cnonce=lambda: "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v"
    )
    headers = auth.retry_headers("GET", "http://api.example.org/doe.json", 401, [challenge])
    assert headers is not None
    value = headers["Authorization"]
    assert 'username="793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"' in value
    assert 'response="3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"' in value
    assert value.endswith(", userhash=true")
    # Without userhash the name goes in username* (RFC 8187) and the response is the same.
    auth = DigestAuth(
        "J\u00e4s\u00f8n Doe", "Secret, or not?", cnonce=lambda: "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v"
    )
    headers = auth.retry_headers(
        "GET", "http://api.example.org/doe.json", 401, [challenge.replace("userhash=true", "")]
    )
    assert headers is not None
    assert headers["Authorization"].startswith("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, ")
    assert 'response="3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"' in headers["Authorization"]


def test_digest_without_qop_answers_as_rfc_2069_servers_expect() -> None:
    # The example of RFC 2069 §2.4, with the response of its erratum 749 (the RFC's is not of its inputs).
    challenge = (
        'Digest realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    auth = DigestAuth("Mufasa", "CircleOfLife")
    assert auth.retry_headers("GET", "http://www.nowhere.org/dir/index.html", 401, [challenge]) == {
        "Authorization": 'Digest username="Mufasa", realm="testrealm@host.com", uri="/dir/index.html", '
        'algorithm=MD5, nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'response="1949323746fe6a43ef61f9606e7febea", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    }


def test_digest_with_qop_auth_gives_the_rfc_2617_example_response() -> None:
    challenge = (
        'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    auth = DigestAuth("Mufasa", "Circle Of Life", cnonce=lambda: "0a4f113b")
    headers = auth.retry_headers("GET", "http://www.nowhere.org/dir/index.html", 401, [challenge])
    assert headers is not None
    assert 'response="6629fae49393a05397450978507c4ef1"' in headers["Authorization"]


# -- Digest: a server-side check written from the RFC formulas ------------------------------


PARAM = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def server_accepts(authorization: str, method: str, password: str) -> bool:
    """What a server computes (RFC 7616 §3.4.1), parsed with a regex independent of the client."""
    p = {name: quoted or token for name, quoted, token in PARAM.findall(authorization)}
    algorithm = p["algorithm"]
    name = {"MD5": "md5", "SHA-256": "sha256"}[algorithm.upper().removesuffix("-SESS")]

    def h(text: str) -> str:
        return hashlib.new(name, text.encode()).hexdigest()

    ha1 = h(f"{p['username']}:{p['realm']}:{password}")
    if algorithm.upper().endswith("-SESS"):
        ha1 = h(f"{ha1}:{p['nonce']}:{p['cnonce']}")
    ha2 = h(f"{method}:{p['uri']}")
    expected = h(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:{p['qop']}:{ha2}")
    return p["response"] == expected


@pytest.mark.parametrize("algorithm", ["MD5-sess", "SHA-256-sess", "md5", "SHA-256"])
def test_digest_session_variants_are_computed_as_a_server_checks_them(algorithm: str) -> None:
    auth = DigestAuth("user", "pa:ss")
    challenge = f'Digest realm="r", nonce="n0nce", qop="auth", algorithm={algorithm}'
    headers = auth.retry_headers("POST", "http://h.test/p?q=1", 401, [challenge])
    assert headers is not None
    assert f"algorithm={algorithm}," in headers["Authorization"]
    assert 'uri="/p?q=1"' in headers["Authorization"]
    assert server_accepts(headers["Authorization"], "POST", "pa:ss")
    assert not server_accepts(headers["Authorization"], "POST", "wrong")
    assert not server_accepts(headers["Authorization"], "GET", "pa:ss")


# -- Digest: nonce counting, stale nonces and wrong passwords ---------------------------------


def nc_and_nonce(headers: dict[str, str] | None) -> tuple[str, str]:
    assert headers is not None
    value = headers["Authorization"]
    nc = re.search(r"nc=(\w+)", value)
    nonce = re.search(r'nonce="([^"]*)"', value)
    assert nc is not None and nonce is not None
    return nc[1], nonce[1]


def test_later_requests_reuse_the_nonce_with_a_counting_nc_and_a_new_nonce_restarts_it() -> None:
    auth = DigestAuth("u", "p")
    url = "http://h.test/a"
    first = auth.retry_headers("GET", url, 401, ['Digest realm="r", nonce="one", qop=auth'])
    assert nc_and_nonce(first) == ("00000001", "one")
    assert nc_and_nonce(auth.headers_for("GET", "http://h.test/b")) == ("00000002", "one")
    sent = auth.headers_for("PUT", "http://h.test:80/c")  # the same origin, spelled with its port
    assert nc_and_nonce(sent) == ("00000003", "one")
    # The nonce expired: the server says stale=true, and the refused request is retried.
    stale = auth.retry_headers(
        "PUT", "http://h.test/c", 401, ['Digest realm="r", nonce="two", qop=auth, stale=TRUE'], sent
    )
    assert nc_and_nonce(stale) == ("00000001", "two")
    assert nc_and_nonce(auth.headers_for("GET", url)) == ("00000002", "two")


def test_each_request_gets_a_fresh_client_nonce() -> None:
    auth = DigestAuth("u", "p")
    url = "http://h.test/"
    auth.retry_headers("GET", url, 401, ['Digest realm="r", nonce="n", qop=auth'])
    cnonces = {re.findall(r'cnonce="(\w+)"', auth.headers_for("GET", url)["Authorization"])[0] for _ in range(5)}
    assert len(cnonces) == 5


def test_a_refused_answer_is_not_retried_and_the_challenge_is_forgotten() -> None:
    auth = DigestAuth("u", "wrong")
    url = "http://h.test/"
    sent = auth.retry_headers("GET", url, 401, ['Digest realm="r", nonce="one", qop=auth'])
    assert sent is not None
    assert auth.retry_headers("GET", url, 401, ['Digest realm="r", nonce="two", qop=auth'], sent) is None
    assert auth.headers_for("GET", url) == {}  # no more doomed credentials for this origin


def test_digest_credentials_stay_with_the_origin_that_asked_for_them() -> None:
    auth = DigestAuth("u", "p")
    auth.retry_headers("GET", "http://h.test/", 401, ['Digest realm="r", nonce="n", qop=auth'])
    assert auth.headers_for("GET", "http://h.test/x") != {}
    assert auth.headers_for("GET", "https://h.test/x") == {}
    assert auth.headers_for("GET", "http://h.test:8080/x") == {}
    assert auth.headers_for("GET", "http://evil.test/x") == {}


def test_at_most_max_origins_challenges_are_remembered() -> None:
    auth = DigestAuth("u", "p", max_origins=2)
    for host in ("a.test", "b.test", "c.test"):
        auth.retry_headers("GET", f"http://{host}/", 401, ['Digest realm="r", nonce="n", qop=auth'])
    assert [bool(auth.headers_for("GET", f"http://{h}/")) for h in ("a.test", "b.test", "c.test")] == [
        False,
        True,
        True,
    ]
    with pytest.raises(AuthError):
        DigestAuth("u", "p", max_origins=0)


@pytest.mark.parametrize(
    ("status", "challenges"),
    [
        (200, ['Digest realm="r", nonce="n"']),
        (403, ['Digest realm="r", nonce="n"']),
        (401, ['Basic realm="r"']),
        (401, []),
        (401, ['Digest realm="r", nonce="n", qop="auth-int"']),  # a body digest is not supported
        (401, ['Digest realm="r", nonce="n", algorithm=SHA-1']),
        (401, ['Digest realm="r", qop=auth']),  # no nonce
        (401, ['Digest realm="r", nonce="n", algorithm=MD5-sess']),  # -sess needs a qop exchange
        (401, ['Digest realm="r", nonce="n', "Digest"]),  # malformed: the 401 stands
    ],
)
def test_digest_does_not_retry_what_it_cannot_answer(status: int, challenges: list[str]) -> None:
    assert DigestAuth("u", "p").retry_headers("GET", "http://h.test/", status, challenges) is None


def test_an_unsupported_challenge_beside_a_supported_one_is_passed_over() -> None:
    auth = DigestAuth("u", "p")
    headers = auth.retry_headers(
        "GET",
        "http://h.test/",
        401,
        [
            'Digest realm="r", nonce="a", algorithm=SHA-1, Basic realm="r"',
            'Digest realm="r", nonce="b", qop="auth-int,auth"',
        ],
    )
    assert nc_and_nonce(headers) == ("00000001", "b")


def test_quotes_in_names_are_escaped_and_targets_are_as_sent() -> None:
    auth = DigestAuth('a"b\\c', "p")
    headers = auth.retry_headers("GET", "http://h.test/caf\u00e9 x?q=\u00e9", 401, ['Digest realm="r", nonce="n"'])
    assert headers is not None
    assert headers["Authorization"].startswith(
        'Digest username="a\\"b\\\\c", realm="r", uri="/caf%C3%A9%20x?q=%C3%A9", '
    )


def test_proxy_digest_answers_407_for_a_connect_tunnel() -> None:
    auth = DigestAuth("u", "p", proxy=True)
    challenge = ['Digest realm="proxy", nonce="n", qop=auth']
    assert auth.retry_headers("CONNECT", "https://target.test/", 401, challenge) is None
    headers = auth.retry_headers("CONNECT", "https://target.test/", 407, challenge)
    assert headers is not None
    assert list(headers) == ["Proxy-Authorization"]
    assert 'uri="target.test:443"' in headers["Proxy-Authorization"]


def test_urls_without_an_origin_are_a_clear_error() -> None:
    with pytest.raises(AuthError):
        DigestAuth("u", "p").headers_for("GET", "/relative")
