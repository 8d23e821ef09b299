"""The client's RFC 6265 cookie jar: what it stores from Set-Cookie and what it sends back."""

from __future__ import annotations

import calendar
import http.server
import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from blazeio_client.cookie_dates import parse_cookie_date
from blazeio_client.cookie_file import CookieFileError
from blazeio_client.cookie_parsing import default_path, path_match
from blazeio_client.cookies import CookieConflict, CookieError, CookieJar

NOW = 1_700_000_000.0  # a fixed clock for every test


def utc(*fields: int) -> float:
    return float(calendar.timegm((*fields, 0, 0, 0)[:9]))


def cookie_names(header: str | None) -> list[str]:
    return [pair.split("=", 1)[0] for pair in header.split("; ")] if header else []


# -- §5.1.1 dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", utc(1994, 11, 6, 8, 49, 37)),  # IMF-fixdate
        ("Sunday, 06-Nov-94 08:49:37 GMT", utc(1994, 11, 6, 8, 49, 37)),  # RFC 850
        ("Sun Nov  6 08:49:37 1994", utc(1994, 11, 6, 8, 49, 37)),  # asctime
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("Wed, 09 Jun 21 10:18:14 GMT", utc(2021, 6, 9, 10, 18, 14)),  # 0-69 -> 20xx
        ("Tue, 09 Jun 70 10:18:14 GMT", utc(1970, 6, 9, 10, 18, 14)),  # 70-99 -> 19xx
        ("Tue, 18 Oct 2011 07:42:42.123 GMT", utc(2011, 10, 18, 7, 42, 42)),  # fractions are a stray token
        ("Tue, 18 Oct 2011 07:05:03 GMT+0700", utc(2011, 10, 18, 7, 5, 3)),  # zones are ignored
        ("18 october 2011 07:05:03", utc(2011, 10, 18, 7, 5, 3)),  # month names by their first 3 letters
        ("Jan 2020 1 00:00:00", utc(2020, 1, 1, 0, 0, 0)),  # "2020" is no day-of-month, so it is the year
        ("Sat, 29 Feb 2020 00:00:00 GMT", utc(2020, 2, 29, 0, 0, 0)),
        ("Fri, 29 Feb 2019 00:00:00 GMT", None),  # no such date
        ("Thu, 31 Apr 2020 00:00:00 GMT", None),
        ("Wed, 32 Dec 2020 00:00:00 GMT", None),
        ("Thu, 10 Dec 1600 00:00:00 GMT", None),  # before 1601
        ("Thu, 10 Dec 2020 24:00:00 GMT", None),
        ("Thu, 10 Dec 2020 23:60:00 GMT", None),
        ("Thu, 10 Dec 2020 23:59:60 GMT", None),
        ("Sun, 06 Nov 1994", None),  # no time
        ("08:49:37 1994", None),  # no day or month
        ("Sun, 06 Nov \u0661\u0669\u0669\u0664 08:49:37", None),  # only ASCII digits count
        ("", None),
    ],
)
def test_expires_dates_are_read_with_the_rfc_6265_algorithm(text: str, expected: float | None) -> None:
    assert parse_cookie_date(text) == expected


# -- §5.1.4 paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_path", "expected"),
    [("", "/"), ("/", "/"), ("/a", "/"), ("/a/", "/a"), ("/a/b/c", "/a/b"), ("x/y", "/")],
)
def test_the_default_path_is_the_directory_of_the_request_path(request_path: str, expected: str) -> None:
    assert default_path(request_path) == expected


@pytest.mark.parametrize(
    ("request_path", "cookie_path", "matches"),
    [
        ("/a/b", "/a/b", True),
        ("/a/b/", "/a/b", True),
        ("/a/b/c", "/a/b", True),
        ("/a/b/c", "/a/b/", True),
        ("/a/bc", "/a/b", False),
        ("/a", "/a/b", False),
        ("/A/b", "/a/b", False),  # paths are case-sensitive
    ],
)
def test_cookie_paths_match_whole_segments(request_path: str, cookie_path: str, matches: bool) -> None:
    assert path_match(request_path, cookie_path) is matches


# -- storing and sending -----------------------------------------------------------------


def test_a_host_only_cookie_goes_back_to_its_host_and_not_to_subdomains_or_parents() -> None:
    jar = CookieJar()
    jar.extract("http://example.com/", ["a=1"], now=NOW)
    assert jar.header_for("http://example.com/x", now=NOW) == "a=1"
    assert jar.header_for("http://EXAMPLE.com/", now=NOW) == "a=1"  # hosts compare case-insensitively
    assert jar.header_for("http://www.example.com/", now=NOW) is None
    assert jar.header_for("http://com/", now=NOW) is None
    assert jar.header_for("http://other.org/", now=NOW) is None


def test_a_domain_cookie_goes_to_the_domain_and_all_its_subdomains() -> None:
    jar = CookieJar()
    jar.extract("http://www.example.com/", ["a=1; Domain=.Example.COM"], now=NOW)
    [cookie] = jar
    assert (cookie.domain, cookie.host_only) == ("example.com", False)
    for url in ("http://example.com/", "http://www.example.com/", "http://a.b.example.com/"):
        assert jar.header_for(url, now=NOW) == "a=1"
    assert jar.header_for("http://badexample.com/", now=NOW) is None
    assert jar.header_for("http://example.com.evil.org/", now=NOW) is None


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("http://www.example.com/", "other.com"),  # not the request host's domain
        ("http://www.example.com/", "www.example.com.evil"),
        ("http://example.com/", "www.example.com"),  # a subdomain of the host
        ("http://www.example.com/", "com"),  # a top-level domain
        ("http://www.example.co.uk/", "co.uk"),  # multi-label public suffixes
        ("http://www.example.com.au/", "com.au"),
        ("http://me.github.io/", "github.io"),  # shared hosting
        ("http://127.0.0.1/", "0.0.1"),  # IP addresses have no parent domains
        ("http://10.1.2.3/", "2.3"),
    ],
)
def test_a_domain_attribute_the_request_host_does_not_belong_to_or_a_public_suffix_voids_the_cookie(
    url: str, domain: str
) -> None:
    jar = CookieJar()
    jar.extract(url, [f"a=1; Domain={domain}"], now=NOW)
    assert len(jar) == 0


def test_a_registrable_domain_under_a_public_suffix_may_set_domain_cookies() -> None:
    jar = CookieJar()
    jar.extract("http://www.example.co.uk/", ["a=1; Domain=example.co.uk"], now=NOW)
    assert jar.header_for("http://shop.example.co.uk/", now=NOW) == "a=1"
    assert jar.header_for("http://other.co.uk/", now=NOW) is None


def test_a_public_suffix_domain_equal_to_the_host_makes_a_host_only_cookie() -> None:
    # RFC 6265 §5.3 step 5: "If the domain-attribute is identical to the canonicalized request-host".
    jar = CookieJar()
    jar.extract("http://localhost:8000/", ["a=1; Domain=localhost"], now=NOW)
    [cookie] = jar
    assert (cookie.domain, cookie.host_only) == ("localhost", True)
    assert jar.header_for("http://sub.localhost/", now=NOW) is None


def test_more_public_suffixes_can_be_configured() -> None:
    jar = CookieJar(public_suffixes=[".corp.example"])
    jar.extract("http://team.corp.example/", ["a=1; Domain=corp.example"], now=NOW)
    assert len(jar) == 0
    jar.extract("http://team.corp.example/", ["a=1; Domain=team.corp.example"], now=NOW)
    assert jar.header_for("http://x.team.corp.example/", now=NOW) == "a=1"


@pytest.mark.parametrize("host", ["127.0.0.1", "[::1]"])
def test_cookies_from_an_ip_address_are_host_only(host: str) -> None:
    jar = CookieJar()
    address = host.strip("[]")
    jar.extract(f"http://{host}:8080/", ["a=1", f"b=2; Domain={address}"], now=NOW)
    assert {(c.name, c.domain, c.host_only) for c in jar} == {("a", address, True), ("b", address, True)}
    assert jar.header_for(f"http://{host}:9090/", now=NOW) == "a=1; b=2"  # cookies ignore ports


def test_the_path_attribute_and_the_default_path_choose_the_requests_that_carry_a_cookie() -> None:
    jar = CookieJar()
    jar.extract("http://h.test/docs/guide/page", ["dflt=1", "root=2; Path=/", "odd=3; Path=relative"], now=NOW)
    assert {c.name: c.path for c in jar} == {"dflt": "/docs/guide", "root": "/", "odd": "/docs/guide"}
    assert cookie_names(jar.header_for("http://h.test/docs/guide/other", now=NOW)) == ["dflt", "odd", "root"]
    assert cookie_names(jar.header_for("http://h.test/docs/guidebook", now=NOW)) == ["root"]
    assert cookie_names(jar.header_for("http://h.test/docs/guide?x=1", now=NOW)) == ["dflt", "odd", "root"]


def test_longer_paths_come_first_then_older_cookies() -> None:
    jar = CookieJar()
    jar.extract("http://h.test/", ["late=1; Path=/"], now=NOW)
    jar.extract("http://h.test/", ["deep=2; Path=/a/b"], now=NOW + 1)
    jar.extract("http://h.test/", ["mid=3; Path=/a"], now=NOW + 2)
    jar.extract("http://h.test/", ["later=4; Path=/"], now=NOW + 3)
    jar.extract("http://h.test/", ["late=5; Path=/"], now=NOW + 4)  # a replacement keeps its creation time
    assert jar.header_for("http://h.test/a/b/c", now=NOW + 5) == "deep=2; mid=3; late=5; later=4"


def test_a_cookie_is_replaced_by_one_with_the_same_name_domain_and_path_only() -> None:
    jar = CookieJar()
    jar.extract("http://www.h.test/p/", ["a=1", "a=2", "a=3; Path=/", "a=4; Domain=h.test"], now=NOW)
    assert sorted((c.domain, c.path, c.value) for c in jar) == [
        ("h.test", "/p", "4"),
        ("www.h.test", "/", "3"),
        ("www.h.test", "/p", "2"),
    ]


def test_secure_cookies_come_only_from_https_and_go_only_over_https() -> None:
    jar = CookieJar()
    jar.extract("http://h.test/", ["s=1; Secure"], now=NOW)
    assert len(jar) == 0
    jar.extract("https://h.test/", ["s=1; Secure", "p=2"], now=NOW)
    assert jar.header_for("https://h.test/", now=NOW) == "s=1; p=2"
    assert jar.header_for("http://h.test/", now=NOW) == "p=2"
    assert jar.header_for("wss://h.test/", now=NOW) == "s=1; p=2"


def test_an_insecure_origin_cannot_overwrite_or_shadow_a_secure_cookie() -> None:
    jar = CookieJar()
    jar.extract("https://h.test/", ["sid=good; Secure; Domain=h.test"], now=NOW)
    jar.extract("http://www.h.test/", ["sid=evil", "sid=evil; Path=/deeper", "other=ok"], now=NOW)
    assert sorted((c.name, c.value) for c in jar) == [("other", "ok"), ("sid", "good")]


def test_httponly_and_samesite_are_kept_as_attributes() -> None:
    jar = CookieJar()
    jar.extract(
        "https://h.test/",
        ["a=1; HttpOnly; SameSite=strict", "b=2; samesite=bogus", "c=3; SameSite=None; Secure"],
        now=NOW,
    )
    attributes = {c.name: (c.http_only, c.same_site) for c in jar}
    assert attributes == {"a": (True, "Strict"), "b": (False, None), "c": (False, "None")}


def test_max_age_wins_over_expires_and_expired_cookies_are_not_sent() -> None:
    jar = CookieJar()
    jar.extract(
        "http://h.test/",
        [
            "a=1; Max-Age=60; Expires=Wed, 09 Jun 2100 10:18:14 GMT",
            "b=2; Expires=Wed, 09 Jun 2100 10:18:14 GMT; Max-Age=60",
            "c=3; Expires=Tue, 14 Nov 2023 22:15:00 GMT",  # NOW + 100 s
            "d=4; Max-Age=1x",  # a malformed Max-Age is ignored: a session cookie
            "e=5; Expires=not a date",
        ],
        now=NOW,
    )
    assert {c.name: c.expires for c in jar} == {"a": NOW + 60, "b": NOW + 60, "c": NOW + 100, "d": None, "e": None}
    assert jar.header_for("http://h.test/", now=NOW + 59) == "a=1; b=2; c=3; d=4; e=5"
    assert jar.header_for("http://h.test/", now=NOW + 60) == "c=3; d=4; e=5"
    assert jar.header_for("http://h.test/", now=NOW + 100) == "d=4; e=5"
    assert len(jar) == 2  # the expired ones were dropped on the way


def test_an_expiry_in_the_past_deletes_the_stored_cookie() -> None:
    jar = CookieJar()
    jar.extract("http://h.test/", ["a=1", "b=2", "c=3"], now=NOW)
    jar.extract(
        "http://h.test/", ["a=; Max-Age=0", "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "c=x; Max-Age=-5"], now=NOW
    )
    assert len(jar) == 0


def test_lifetimes_are_capped_at_400_days_by_default_and_by_setting() -> None:
    jar = CookieJar()
    jar.extract(
        "http://h.test/",
        ["a=1; Max-Age=999999999999999999999999", "b=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT"],
        now=NOW,
    )
    assert {c.expires for c in jar} == {NOW + 400 * 86400}
    short = CookieJar(max_lifetime=10)
    short.extract("http://h.test/", ["a=1; Max-Age=60"], now=NOW)
    assert [c.expires for c in short] == [NOW + 10]


@pytest.mark.parametrize(
    "text",
    ["novalue", "=value", " =value", "a=b\x01c", "a\x00=b", "a=\u0100"],
)
def test_set_cookie_values_without_a_name_or_with_control_characters_are_ignored(text: str) -> None:
    jar = CookieJar()
    jar.extract("http://h.test/", [text], now=NOW)
    assert len(jar) == 0


def test_names_and_values_are_trimmed_and_the_last_attribute_wins() -> None:
    jar = CookieJar()
    jar.extract("http://h.test/x/", [' a b = "v 1" ; Path=/one; path = /two ; Max-Age=5; Max-Age=7'], now=NOW)
    [cookie] = jar
    assert (cookie.name, cookie.value, cookie.path, cookie.expires) == ("a b", '"v 1"', "/two", NOW + 7)


def test_the_secure_and_host_name_prefixes_are_enforced() -> None:
    jar = CookieJar()
    jar.extract(
        "https://www.h.test/",
        [
            "__Secure-ok=1; Secure",
            "__Secure-no=1",
            "__Host-ok=1; Secure; Path=/",
            "__Host-nodomain=1; Secure; Path=/; Domain=h.test",
            "__Host-nopath=1; Secure; Path=/x",
        ],
        now=NOW,
    )
    assert sorted(c.name for c in jar) == ["__Host-ok", "__Secure-ok"]
    jar.extract("http://www.h.test/", ["__Secure-plain=1"], now=NOW)
    assert len(jar) == 2


def test_a_cookie_larger_than_the_size_limit_is_ignored() -> None:
    jar = CookieJar()
    jar.extract("http://h.test/", ["a=" + "x" * 4095, "b=" + "x" * 4096], now=NOW)
    assert [c.name for c in jar] == ["a"]
    small = CookieJar(max_cookie_size=10)
    small.extract("http://h.test/", ["abc=1234567", "abc=12345678"], now=NOW)
    assert [c.value for c in small] == ["1234567"]


def test_past_the_per_domain_limit_the_least_recently_used_cookie_is_evicted() -> None:
    jar = CookieJar(max_per_domain=3)
    jar.extract("http://h.test/", ["a=1", "b=2", "c=3"], now=NOW)
    jar.extract("http://h.test/", ["b=2; Path=/b"], now=NOW + 1)  # a fourth, on another path: one must go
    assert sorted((c.name, c.path) for c in jar) == [("b", "/"), ("b", "/b"), ("c", "/")]
    jar.header_for("http://h.test/", now=NOW + 2)  # "b" and "c" on / are used now
    jar.extract("http://h.test/", ["d=4"], now=NOW + 3)
    assert sorted((c.name, c.path) for c in jar) == [("b", "/"), ("c", "/"), ("d", "/")]
    jar.extract("http://other.test/", ["e=5"], now=NOW + 4)  # another domain has its own count
    assert len(jar) == 4


def test_past_the_total_limit_expired_cookies_go_first_then_the_least_recently_used() -> None:
    jar = CookieJar(max_cookies=3)
    jar.extract("http://one.test/", ["a=1", "short=1; Max-Age=1"], now=NOW)
    jar.extract("http://two.test/", ["b=2"], now=NOW + 1)
    jar.extract("http://three.test/", ["c=3"], now=NOW + 2)  # "short" has expired by now
    assert sorted(c.name for c in jar) == ["a", "b", "c"]
    jar.extract("http://four.test/", ["d=4"], now=NOW + 3)
    assert sorted(c.name for c in jar) == ["b", "c", "d"]


def test_jar_limits_must_be_positive() -> None:
    with pytest.raises(CookieError):
        CookieJar(max_per_domain=0)


def test_urls_that_cannot_carry_cookies_are_a_clear_error() -> None:
    jar = CookieJar()
    with pytest.raises(CookieError):
        jar.extract("ftp://h.test/", ["a=1"])
    jar.set("a", "1")
    with pytest.raises(ValueError, match="http"):
        jar.header_for("/relative/only")


# -- the user's API ---------------------------------------------------------------------


def test_cookies_set_by_the_user_without_a_domain_go_to_every_host() -> None:
    jar = CookieJar()
    jar["token"] = "abc"
    jar.set("lang", "en", path="/docs")
    assert jar.header_for("http://anywhere.test/docs/x", now=NOW) == "lang=en; token=abc"
    assert jar.header_for("https://10.0.0.1/", now=NOW) == "token=abc"
    assert jar["token"] == "abc"
    assert "lang" in jar
    assert len(jar) == 2


def test_cookies_set_by_the_user_for_a_domain_follow_the_domain_rules() -> None:
    jar = CookieJar()
    jar.set("a", "1", domain="example.com", now=NOW)
    jar.set("b", "2", domain="example.com", host_only=True, now=NOW)
    jar.set("c", "3", domain="example.com", secure=True, now=NOW)
    assert jar.header_for("http://www.example.com/", now=NOW) == "a=1"
    assert jar.header_for("https://example.com/", now=NOW) == "a=1; b=2; c=3"
    jar.set("a", "gone", domain="example.com", expires=NOW - 1, now=NOW)
    assert jar.get("a") is None


def test_lookups_by_name_are_unambiguous_or_an_error() -> None:
    jar = CookieJar()
    jar.extract("http://one.test/", ["sid=1"], now=NOW)
    jar.extract("http://two.test/", ["sid=2", "x=9"], now=NOW)
    with pytest.raises(CookieConflict, match="sid"):
        jar["sid"]
    assert jar.get("sid", domain="two.test") == "2"
    assert jar.get("sid", domain="TWO.test", path="/") == "2"
    assert jar.get("sid", domain="three.test") is None
    assert jar.get("missing", default="fallback") == "fallback"
    assert jar.get("sid", "one.test") == "1"
    with pytest.raises(KeyError):
        jar["missing"]


def test_delete_and_clear_remove_what_they_name() -> None:
    jar = CookieJar()
    jar.extract("http://www.one.test/", ["a=1", "b=1; Domain=one.test"], now=NOW)
    jar.extract("http://two.test/", ["a=2", "b=2"], now=NOW)
    assert jar.delete("a", domain="two.test") == 1
    del jar["a"]
    assert sorted((c.name, c.domain) for c in jar) == [("b", "one.test"), ("b", "two.test")]
    with pytest.raises(KeyError):
        del jar["a"]
    jar.extract("http://www.one.test/", ["c=3"], now=NOW)
    jar.clear("one.test")  # the domain and its subdomains
    assert [(c.name, c.domain) for c in jar] == [("b", "two.test")]
    jar.clear()
    assert len(jar) == 0
    assert not jar
    assert jar.header_for("http://two.test/") is None


def test_clear_expired_removes_only_expired_cookies() -> None:
    jar = CookieJar()
    jar.extract("http://h.test/", ["a=1; Max-Age=10", "b=2"], now=NOW)
    jar.clear_expired(now=NOW + 10)
    assert [c.name for c in jar] == ["b"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("", "v"),
        ("a b", "v"),
        ("a;b", "v"),
        ("a=b", "v"),
        ("ok", "v;x"),
        ("ok", "v x"),
        ("ok", "v\r\nX: y"),
        ("ok", "é"),
    ],
)
def test_cookies_the_user_sets_must_be_valid_on_the_wire(name: str, value: str) -> None:
    jar = CookieJar()
    with pytest.raises(CookieError):
        jar.set(name, value)
    assert len(jar) == 0


def test_quoted_values_and_paths_are_checked_when_the_user_sets_them() -> None:
    jar = CookieJar()
    jar.set("q", '"quoted"')
    assert jar["q"] == '"quoted"'
    with pytest.raises(CookieError):
        jar.set("p", "v", path="relative")


# -- cookies.txt -------------------------------------------------------------------------


def test_save_and_load_round_trip_every_attribute_the_file_format_holds(tmp_path: Path) -> None:
    jar = CookieJar()
    jar.extract(
        "https://www.example.test/app/page",
        [
            "sid=abc; HttpOnly; Secure",
            "dom=1; Domain=example.test; Path=/; Max-Age=3600",
            "empty=; Path=/",
            "gone=1; Max-Age=1",
        ],
        now=NOW,
    )
    jar.set("anyhost", "s")
    path = tmp_path / "cookies.txt"
    jar.save(path, now=NOW + 1)  # "gone" has expired and is not written
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert lines[0] == "# Netscape HTTP Cookie File"
    assert sorted(line for line in lines if line and not line.startswith("# ")) == sorted(
        [
            "\tFALSE\t/\tFALSE\t0\tanyhost\ts",
            f".example.test\tTRUE\t/\tFALSE\t{int(NOW) + 3600}\tdom\t1",
            "#HttpOnly_www.example.test\tFALSE\t/app\tTRUE\t0\tsid\tabc",
            "www.example.test\tFALSE\t/\tFALSE\t0\tempty\t",
        ]
    )
    loaded = CookieJar()
    loaded.load(path, now=NOW + 2)
    fields = ("domain", "path", "expires", "secure", "http_only", "host_only", "name", "value")
    assert sorted(tuple(getattr(c, f) for f in fields) for c in loaded) == sorted(
        tuple(getattr(c, f) for f in fields) for c in jar if c.name != "gone"
    )
    assert loaded.header_for("https://www.example.test/app/x", now=NOW + 2) == "sid=abc; dom=1; empty=; anyhost=s"


CURL_WRITTEN = """\
# Netscape HTTP Cookie File
# https://curl.se/docs/http-cookies.html
# This file was generated by libcurl! Edit at your own risk.

www.example.test\tFALSE\t/\tFALSE\t0\tempty\t
www.example.test\tFALSE\t/a/b/\tFALSE\t1796188011\tpers\t4
www.example.test\tFALSE\t/a/b\tFALSE\t0\tdeep\t2
.example.test\tTRUE\t/\tFALSE\t0\tdom\t1
#HttpOnly_www.example.test\tFALSE\t/\tTRUE\t0\tsid\tabc
old.test\tFALSE\t/\tFALSE\t1000\texpired\tx
nodot.test\tTRUE\t/\tFALSE\t0\tsub\ty
"""


def test_a_cookie_file_as_curl_writes_it_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "curl.txt"
    path.write_text(CURL_WRITTEN)
    jar = CookieJar()
    jar.load(path, now=NOW)
    assert {c.name: (c.domain, c.host_only, c.path, c.secure, c.http_only, c.expires) for c in jar} == {
        "empty": ("www.example.test", True, "/", False, False, None),
        "pers": ("www.example.test", True, "/a/b/", False, False, 1796188011.0),
        "deep": ("www.example.test", True, "/a/b", False, False, None),
        "dom": ("example.test", False, "/", False, False, None),
        "sid": ("www.example.test", True, "/", True, True, None),
        "sub": ("nodot.test", False, "/", False, False, None),  # the flag alone makes a domain cookie
    }
    assert cookie_names(jar.header_for("https://www.example.test/a/b/c", now=NOW)) == [
        "pers", "deep", "empty", "dom", "sid",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("h.test\tFALSE\t/\tFALSE\t0", "7 TAB-separated fields"),
        ("h.test\tMAYBE\t/\tFALSE\t0\tn\tv", "TRUE or FALSE"),
        ("h.test\tFALSE\t/\tFALSE\tsoon\tn\tv", "expiry"),
        ("h.test\tFALSE\t/\tFALSE\t0\t\tv", "invalid cookie"),
        ("h.test\tFALSE\tnoslash\tFALSE\t0\tn\tv", "invalid cookie"),
        ("h.test\tFALSE\t/\tFALSE\t0\tn\tv\x01", "invalid cookie"),
    ],
)
def test_a_malformed_cookie_file_line_is_reported_with_its_line_number(tmp_path: Path, line: str, problem: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(f"# comment\n\nh.test\tFALSE\t/\tFALSE\t0\tok\t1\n{line}\n")
    jar = CookieJar()
    with pytest.raises(CookieFileError, match=f"bad.txt:4: .*{problem}"):
        jar.load(path)
    assert len(jar) == 0  # nothing from a file that is not understood


def test_a_cookie_file_line_with_an_empty_value_may_lack_its_last_tab(tmp_path: Path) -> None:
    path = tmp_path / "six.txt"
    path.write_text("h.test\tFALSE\t/\tFALSE\t0\tname\n")
    jar = CookieJar()
    jar.load(path, now=NOW)
    assert jar.header_for("http://h.test/", now=NOW) == "name="


# -- against curl ------------------------------------------------------------------------

SET_COOKIES = [
    "sid=abc; Path=/; HttpOnly",
    "dom=1; Domain=example.test; Path=/",
    "deep=2; Path=/a/b",
    "dflt=3",
    "pers=4; Max-Age=3600",
    "empty=; Path=/",
    "sec=5; Secure",  # over http: curl and the jar both drop it
    "other=6; Domain=elsewhere.test",  # foreign: both drop it
]


class CookieServer(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[str | None]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Cookie"))
        self.send_response(200)
        if self.path.startswith("/a/b/set"):
            for value in SET_COOKIES:
                self.send_header("Set-Cookie", value)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def cookie_server() -> Iterator[tuple[int, list[str | None]]]:
    seen: list[str | None] = []
    handler = type("Handler", (CookieServer,), {"seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def curl(port: int, path: str, *args: str) -> None:
    # --resolve keeps every connection on 127.0.0.1 while the URL carries a host name that
    # domain cookies can be set for.
    host = f"www.example.test:{port}"
    subprocess.run(
        ["curl", "-sS", "--noproxy", "*", "--resolve", f"{host}:127.0.0.1", *args, f"http://{host}{path}"],
        check=True,
        timeout=30,
        env={**os.environ, "HOME": "/nonexistent"},  # no ~/.curlrc
    )


@pytest.mark.peer("curl")
def test_a_cookie_file_curl_writes_loads_into_the_jar_and_both_send_the_same_cookies(
    tmp_path: Path, cookie_server: tuple[int, list[str | None]]
) -> None:
    port, seen = cookie_server
    curl_file = tmp_path / "curl.txt"
    curl(port, "/a/b/set", "-c", str(curl_file))
    curl(port, "/a/b/c", "-b", str(curl_file))
    jar = CookieJar()
    jar.load(curl_file)
    assert {c.name: (c.domain, c.host_only, c.http_only) for c in jar} == {
        "sid": ("www.example.test", True, True),
        "dom": ("example.test", False, False),
        "deep": ("www.example.test", True, False),
        "dflt": ("www.example.test", True, False),
        "pers": ("www.example.test", True, False),
        "empty": ("www.example.test", True, False),
    }
    [persistent] = [c for c in jar if c.expires is not None]
    assert persistent.name == "pers"
    ours = jar.header_for(f"http://www.example.test:{port}/a/b/c")
    assert ours is not None and seen[1] is not None
    assert sorted(ours.split("; ")) == sorted(seen[1].split("; "))
    # Both order by path length first: the cookies on "/" come last.
    assert sorted(cookie_names(ours)[-3:]) == sorted(cookie_names(seen[1])[-3:]) == ["dom", "empty", "sid"]


@pytest.mark.peer("curl")
def test_a_cookie_file_the_jar_writes_is_read_by_curl(
    tmp_path: Path, cookie_server: tuple[int, list[str | None]]
) -> None:
    port, seen = cookie_server
    jar = CookieJar()
    jar.extract(f"http://www.example.test:{port}/a/b/set", SET_COOKIES)
    ours = jar.header_for(f"http://www.example.test:{port}/a/b/c")
    assert ours == "deep=2; dflt=3; pers=4; sid=abc; dom=1; empty="
    jar_file = tmp_path / "ours.txt"
    jar.save(jar_file)
    curl(port, "/a/b/c", "-b", str(jar_file))
    curl(port, "/a/bc", "-b", str(jar_file))  # "/a/b" is not a path prefix of "/a/bc"
    assert seen[0] is not None
    assert sorted(seen[0].split("; ")) == sorted(ours.split("; "))
    assert seen[1] is not None
    assert sorted(seen[1].split("; ")) == ["dom=1", "empty=", "sid=abc"]
