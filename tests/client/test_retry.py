"""The retry policy: which failures are tried again, and how long the client waits."""

from __future__ import annotations

import socket

import pytest

from blazeio_client.connection import ConnectError, ProxyError
from blazeio_client.retry import IDEMPOTENT_METHODS, Retry, RetrySettingError, parse_retry_after
from blazeio_client.timeouts import ConnectTimeout, PoolTimeout, ReadTimeout
from blazeio_common.errors import IncompleteBody, ProtocolError, ServerDisconnected

NOW = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT


def test_the_idempotent_methods_are_those_of_rfc_9110() -> None:
    assert frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) == IDEMPOTENT_METHODS


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_statuses_are_retried_for_idempotent_methods_only(status: int) -> None:
    retry = Retry()
    assert retry.should_retry("GET", status, attempt=1)
    assert retry.should_retry("put", status, attempt=1)  # methods compare case-insensitively
    assert not retry.should_retry("POST", status, attempt=1)
    assert not retry.should_retry("PATCH", status, attempt=1)


@pytest.mark.parametrize("status", [200, 301, 400, 404, 429, 500])
def test_other_statuses_are_not_retried_by_default(status: int) -> None:
    assert not Retry().should_retry("GET", status, attempt=1)


def test_the_retried_statuses_and_methods_are_settings() -> None:
    retry = Retry(statuses=[429, 500], methods=["post"])
    assert retry.should_retry("POST", 429, attempt=1)
    assert not retry.should_retry("GET", 429, attempt=1)
    assert not retry.should_retry("POST", 503, attempt=1)


def test_total_bounds_the_number_of_retries() -> None:
    retry = Retry(total=2)
    assert [retry.should_retry("GET", 503, attempt=n) for n in (1, 2, 3)] == [True, True, False]
    assert not Retry(total=0).should_retry("GET", 503, attempt=1)
    assert not Retry(total=0).should_retry("POST", error=ConnectError("refused"), attempt=1)


@pytest.mark.parametrize(
    "error",
    [
        ConnectError("refused"),
        ConnectTimeout("no answer"),
        PoolTimeout("no connection"),
        ConnectionRefusedError(111, "refused"),
        socket.gaierror(-3, "temporary failure in name resolution"),
    ],
)
def test_a_request_that_never_left_is_retried_whatever_its_method(error: BaseException) -> None:
    retry = Retry()
    assert retry.should_retry("POST", error=error, attempt=1)
    assert retry.should_retry("PATCH", error=error, attempt=3)
    assert not retry.should_retry("POST", error=error, attempt=4)


@pytest.mark.parametrize(
    "error",
    [ServerDisconnected("gone"), ConnectionResetError(104, "reset"), ReadTimeout("slow"), IncompleteBody("cut")],
)
def test_a_request_that_may_have_arrived_is_retried_only_when_idempotent(error: BaseException) -> None:
    retry = Retry()
    assert retry.should_retry("GET", error=error, attempt=1)
    assert retry.should_retry("DELETE", error=error, attempt=1)
    assert not retry.should_retry("POST", error=error, attempt=1)


@pytest.mark.parametrize(
    "error",
    [ProxyError("the proxy refused CONNECT"), ProtocolError("bad status line"), ValueError("bug"), KeyError("x")],
)
def test_answers_and_bugs_are_not_retried(error: BaseException) -> None:
    assert not Retry().should_retry("GET", error=error, attempt=1)


def test_a_body_that_cannot_be_sent_again_is_never_retried() -> None:
    retry = Retry()
    assert not retry.should_retry("PUT", 503, attempt=1, body_rewindable=False)
    assert not retry.should_retry("POST", error=ConnectError("refused"), attempt=1, body_rewindable=False)
    assert not retry.should_retry("GET", error=ServerDisconnected("gone"), attempt=1, body_rewindable=False)


def test_the_backoff_doubles_up_to_its_cap() -> None:
    retry = Retry(total=10, backoff=0.5, max_backoff=3.0)
    assert [retry.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert Retry(backoff=0).delay(4) == 0


def test_jitter_adds_at_most_its_setting() -> None:
    retry = Retry(backoff=1.0, jitter=0.25)
    delays = [retry.delay(1) for _ in range(200)]
    assert all(1.0 <= d <= 1.25 for d in delays)
    assert len(set(delays)) > 1


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Tue, 14 Nov 2023 22:15:00 GMT", 100.0),  # IMF-fixdate
        ("Tuesday, 14-Nov-23 22:15:00 GMT", 100.0),  # obsolete RFC 850 form
        ("Tue Nov 14 22:15:00 2023", 100.0),  # asctime, which is UTC
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0.0),  # in the past: go now
        ("1" * 5000, 1e12),  # absurdly long: huge, not a crash
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        ("\u0661\u0662", None),  # not ASCII digits
    ],
)
def test_retry_after_is_delay_seconds_or_an_http_date(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_retry_after_wins_over_the_backoff_up_to_its_cap() -> None:
    retry = Retry(backoff=0.1, max_retry_after=30)
    assert retry.delay(1, "7", now=NOW) == 7.0
    assert retry.delay(1, "Tue, 14 Nov 2023 22:15:00 GMT", now=NOW) == 30.0
    assert retry.delay(2, "not a date", now=NOW) == 0.2  # an invalid value is ignored
    assert Retry(respect_retry_after=False, backoff=0.1).delay(1, "7") == 0.1


@pytest.mark.parametrize("settings", [{"total": -1}, {"backoff": -0.1}, {"max_backoff": -1}, {"jitter": -1}])
def test_retry_settings_out_of_range_are_a_clear_error(settings: dict[str, float]) -> None:
    with pytest.raises(RetrySettingError):
        Retry(**settings)
