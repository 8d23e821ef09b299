"""Proxy selection from the environment: *_proxy, all_proxy, no_proxy, and the httpoxy rule."""

from __future__ import annotations

import pytest

from blazeio_client.proxy_env import ProxyEnvError, ProxyURL, bypasses_proxy, parse_proxy_url, proxy_for


def test_each_target_scheme_uses_its_own_variable_then_all_proxy() -> None:
    env = {"http_proxy": "http://p1:3128", "https_proxy": "http://p2:3129", "all_proxy": "socks5h://p3"}
    assert proxy_for("http://example.com/", env) == "http://p1:3128"
    assert proxy_for("https://example.com/", env) == "http://p2:3129"
    assert proxy_for("ws://example.com/", env) == "http://p1:3128"
    assert proxy_for("wss://example.com/", env) == "http://p2:3129"
    assert proxy_for("https://example.com/", {"ALL_PROXY": "socks5://p3:9050"}) == "socks5://p3:9050"
    assert proxy_for("http://example.com/", {}) is None


def test_lower_case_wins_over_upper_case_and_empty_means_unset() -> None:
    assert (
        proxy_for("https://h.test/", {"https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2"})
        == "http://lower:1"
    )
    assert proxy_for("https://h.test/", {"HTTPS_PROXY": "http://upper:2"}) == "http://upper:2"
    # A lower-case variable set to nothing hides the upper-case one (as curl and urllib do).
    assert proxy_for("https://h.test/", {"https_proxy": "", "HTTPS_PROXY": "http://upper:2"}) is None
    assert proxy_for("https://h.test/", {"https_proxy": " ", "all_proxy": "http://all:3"}) == "http://all:3"


def test_upper_case_http_proxy_is_ignored_under_cgi_httpoxy() -> None:
    # Under CGI a request header "Proxy: evil" arrives as HTTP_PROXY.
    cgi = {"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://evil:80"}
    assert proxy_for("http://h.test/", cgi) is None
    assert proxy_for("http://h.test/", {**cgi, "http_proxy": "http://good:80"}) == "http://good:80"
    assert proxy_for("http://h.test/", {"HTTP_PROXY": "http://fine:80"}) == "http://fine:80"
    assert proxy_for("https://h.test/", {**cgi, "HTTPS_PROXY": "http://tls:80"}) == "http://tls:80"


def test_proxy_urls_are_normalised_with_a_default_scheme_and_port() -> None:
    assert proxy_for("http://h.test/", {"http_proxy": "proxy.local:3128"}) == "http://proxy.local:3128"
    assert proxy_for("http://h.test/", {"http_proxy": "HTTP://Proxy.Local"}) == "http://proxy.local:80"
    assert proxy_for("http://h.test/", {"http_proxy": "socks5h://[::1]"}) == "socks5h://[::1]:1080"
    assert proxy_for("http://h.test/", {"http_proxy": "http://us%40er:p%3Ass@p:8"}) == "http://us%40er:p%3Ass@p:8"


def test_a_proxy_url_gives_its_parts_with_decoded_credentials() -> None:
    proxy = parse_proxy_url("socks5://us%40er:p%3Ass@127.0.0.1:9050")
    assert proxy == ProxyURL("socks5", "127.0.0.1", 9050, "us@er", "p:ss")
    assert not proxy.remote_dns
    assert parse_proxy_url("socks5h://p").remote_dns
    assert parse_proxy_url("p:1").remote_dns
    assert "p:ss" not in repr(proxy)
    assert proxy.url == "socks5://127.0.0.1:9050"


@pytest.mark.parametrize(
    "setting", ["https://p:443", "socks4://p", "ftp://p", "http://", "http://p:99999", "http://p:port"]
)
def test_a_proxy_setting_that_cannot_be_used_is_an_error_not_a_direct_connection(setting: str) -> None:
    with pytest.raises(ProxyEnvError):
        proxy_for("http://h.test/", {"http_proxy": setting})


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "bypass"),
    [
        ("example.com", 80, "example.com", True),
        ("www.example.com", 80, "example.com", True),  # subdomains too
        ("www.example.com", 80, ".example.com", True),
        ("example.com", 80, ".example.com", True),  # as curl and urllib read a leading dot
        ("www.example.com", 80, "*.example.com", True),
        ("badexample.com", 80, "example.com", False),
        ("example.com.evil", 80, "example.com", False),
        ("EXAMPLE.com.", 80, "example.COM", True),  # case and a trailing dot do not matter
        ("other.org", 80, "example.com, other.org", True),
        ("other.org", 80, "example.com other.org", True),
        ("anything.test", 443, "*", True),
        ("anything.test", 443, "*.", False),
        ("example.com", 8080, "example.com:8080", True),
        ("example.com", 80, "example.com:8080", False),
        ("127.0.0.1", 80, "127.0.0.1", True),
        ("127.0.0.2", 80, "127.0.0.1", False),
        ("10.1.2.3", 80, "10.0.0.0/8", True),
        ("11.1.2.3", 80, "10.0.0.0/8", False),
        ("192.168.1.7", 80, "192.168.1.0/24:80", True),
        ("::1", 80, "::1", True),
        ("[::1]", 80, "0:0::1", True),  # IPv6 addresses compare as addresses
        ("::1", 8080, "[::1]:8080", True),
        ("fe80::1", 80, "fe80::/10", True),
        ("127.0.0.1", 80, "::/0", False),  # families do not mix
        ("localhost", 80, "127.0.0.1", False),  # no name resolution
        ("127.0.0.1", 80, "localhost", False),
        ("1.2.3.4", 80, "3.4", False),  # addresses have no parent domains
        ("h.test", 80, "", False),
        ("h.test", 80, "not/a/cidr, ,", False),
    ],
)
def test_no_proxy_entries_match_hosts_domains_addresses_ranges_and_ports(
    host: str, port: int, no_proxy: str, bypass: bool
) -> None:
    assert bypasses_proxy(host, port, no_proxy) is bypass


def test_no_proxy_applies_to_the_target_port_and_lower_case_wins() -> None:
    env = {"http_proxy": "http://p:1", "https_proxy": "http://p:1", "no_proxy": "h.test:443", "NO_PROXY": "*"}
    assert proxy_for("https://h.test/", env) is None
    assert proxy_for("http://h.test/", env) == "http://p:1"
    assert proxy_for("http://h.test/", {"http_proxy": "http://p:1", "NO_PROXY": "h.test"}) is None


def test_targets_that_are_not_http_urls_get_no_proxy() -> None:
    env = {"all_proxy": "http://p:1"}
    assert proxy_for("ftp://h.test/", env) is None
    assert proxy_for("/relative", env) is None
