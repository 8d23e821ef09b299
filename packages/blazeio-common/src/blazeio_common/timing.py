"""``perf_timing``: a small stopwatch whose call turns ``.elapsed`` into a duration."""

from __future__ import annotations

from time import perf_counter
from types import TracebackType

from blazeio_common.ddict import ddict

__all__ = ["perf_timing"]


class perf_timing:
    """``t = perf_timing()`` starts it; ``t().elapsed`` is the seconds since start.

    Calling it again measures again from the same start. Usable as a context manager
    (sync or async), which stops it on exit.
    """

    __slots__ = ("elapsed", "rps", "start")

    def __init__(self) -> None:
        self.start = perf_counter()
        # Before the first call ``elapsed`` holds the start timestamp, as upstream did.
        self.elapsed: float = self.start
        self.rps: float = 0.0

    def __call__(self) -> perf_timing:
        self.elapsed = perf_counter() - self.start
        self.rps = 1.0 / self.elapsed if self.elapsed > 0 else float("inf")
        return self

    def get(self) -> ddict:
        self()
        return ddict(elapsed=self.elapsed, rps=self.rps)

    def __float__(self) -> float:
        return float(self().elapsed)

    def __int__(self) -> int:
        return int(self().elapsed)

    def __enter__(self) -> perf_timing:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self()

    async def __aenter__(self) -> perf_timing:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self()
