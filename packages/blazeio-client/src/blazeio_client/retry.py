"""When the client tries a request again, and how long it waits first.

A ``Retry`` is a frozen policy: the client asks ``should_retry`` after a failed attempt and
sleeps ``delay`` before the next. The rules:

- a request that never left (no connection could be made, none came from the pool) is retried
  whatever its method: the server cannot have acted on it;
- a request that may have reached the server is retried only for an idempotent method
  (RFC 9110 §9.2.2: "the intended effect on the server of multiple identical requests with
  that method is the same as the effect for a single such request"), after a transport error
  or one of ``statuses``;
- a request whose body cannot be produced again is never retried;
- the wait doubles from ``backoff`` up to ``max_backoff``, or is what the server's
  ``Retry-After`` says (RFC 9110 §10.2.3), up to ``max_retry_after``.
"""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Iterable
from datetime import UTC
from email.utils import parsedate_to_datetime

from blazeio_client.connection import ConnectError, ProxyError
from blazeio_client.timeouts import ConnectTimeout, PoolTimeout
from blazeio_common.errors import BlazeioException, IncompleteBody

__all__ = ["IDEMPOTENT_METHODS", "Retry", "RetrySettingError", "parse_retry_after"]

# RFC 9110 §9.2.2: "PUT, DELETE, and safe request methods are idempotent."
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
# Errors raised before a single byte of the request could reach the server.
_NEVER_SENT = (ConnectError, ConnectTimeout, PoolTimeout, ConnectionRefusedError, socket.gaierror)
# Errors after which the server may or may not have acted on the request.
_TRANSPORT = (ConnectionError, TimeoutError, IncompleteBody)


class RetrySettingError(BlazeioException, ValueError):
    """A ``Retry`` setting out of range."""


class Retry:
    """How many times (``total``) and after which failures a request is tried again.

    ``Retry(total=0)`` never retries. ``jitter`` adds up to that many random seconds to each
    backoff, so that many clients do not come back in step.
    """

    __slots__ = (
        "backoff",
        "jitter",
        "max_backoff",
        "max_retry_after",
        "methods",
        "respect_retry_after",
        "statuses",
        "total",
    )

    def __init__(
        self,
        total: int = 3,
        backoff: float = 0.1,
        statuses: Iterable[int] = (502, 503, 504),
        methods: Iterable[str] = IDEMPOTENT_METHODS,
        max_backoff: float = 10.0,
        respect_retry_after: bool = True,
        max_retry_after: float = 60.0,
        jitter: float = 0.0,
    ) -> None:
        if total < 0:
            raise RetrySettingError(f"total must be 0 or more, not {total}")
        if min(backoff, max_backoff, max_retry_after, jitter) < 0:
            raise RetrySettingError("backoff, max_backoff, max_retry_after and jitter must not be negative")
        self.total = total
        self.backoff = backoff
        self.statuses = frozenset(statuses)
        self.methods = frozenset(m.upper() for m in methods)
        self.max_backoff = max_backoff
        self.respect_retry_after = respect_retry_after
        self.max_retry_after = max_retry_after
        self.jitter = jitter

    def should_retry(
        self,
        method: str,
        status: int | None = None,
        error: BaseException | None = None,
        *,
        attempt: int,
        body_rewindable: bool = True,
    ) -> bool:
        """Whether to try again after attempt number ``attempt`` (1 for the first) failed.

        Give the response ``status``, or the ``error`` raised instead. ``body_rewindable`` is
        False when the request body was (or may have been) consumed and cannot be sent again.
        """
        if attempt > self.total or not body_rewindable:
            return False
        if error is not None:
            if isinstance(error, _NEVER_SENT):
                return True
            if isinstance(error, ProxyError):  # the proxy's refusal is an answer, not a mishap
                return False
            return isinstance(error, _TRANSPORT) and method.upper() in self.methods
        return status is not None and status in self.statuses and method.upper() in self.methods

    def delay(self, attempt: int, retry_after: str | None = None, now: float | None = None) -> float:
        """Seconds to wait before the attempt after ``attempt``.

        A valid ``Retry-After`` value wins (when ``respect_retry_after``), capped at
        ``max_retry_after``; otherwise ``backoff * 2 ** (attempt - 1)`` capped at ``max_backoff``.
        """
        if self.respect_retry_after and retry_after is not None:
            seconds = parse_retry_after(retry_after, now)
            if seconds is not None:
                return min(seconds, self.max_retry_after)
        wait: float = min(self.backoff * 2.0 ** max(attempt - 1, 0), self.max_backoff)
        if self.jitter:
            wait += random.uniform(0, self.jitter)
        return wait

    def __repr__(self) -> str:
        return f"Retry(total={self.total}, backoff={self.backoff}, statuses={sorted(self.statuses)})"


def parse_retry_after(value: str, now: float | None = None) -> float | None:
    """Seconds from ``now`` that a ``Retry-After`` value asks for; None if it is neither form.

    RFC 9110 §10.2.3: ``Retry-After = HTTP-date / delay-seconds``; a date in the past means 0.
    """
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value) if len(value) <= 12 else float(10**12)  # no int() of thousands of digits
    if not value or len(value) > 64:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an asctime-date has no zone: HTTP-dates are UTC (RFC 9110 §5.6.7)
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(when.timestamp() - now, 0.0)
