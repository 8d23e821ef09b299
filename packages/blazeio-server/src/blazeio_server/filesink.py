"""Writing a stream to a file from the event loop without blocking it.

A slow disk must not stall every connection: each file operation (open, write, seek, close)
runs in the loop's default executor. Pieces are gathered into batches of ``batch`` bytes, so
small pieces do not each cost a thread hop, and one batch is written while the next gathers:
memory stays below two batches plus a piece.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import IO

__all__ = ["FileSink"]

WRITE_BATCH = 256 * 1024


class FileSink:
    """A binary file, opened by ``opener`` in a thread at the first write, written in batches.

    ``finish`` writes what is left and returns the file; ``discard`` drops what is left and
    closes (or otherwise disposes of) the file. Either runs ``last`` on the file in a thread.
    """

    __slots__ = ("_batch", "_discarded", "_file", "_flight", "_lock", "_opener", "_pending", "_pending_size")

    def __init__(self, opener: Callable[[], IO[bytes]], batch: int = WRITE_BATCH) -> None:
        self._opener = opener
        self._batch = batch
        self._file: IO[bytes] | None = None
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._flight: asyncio.Future[None] | None = None
        # The thread jobs take turns on the file; a discard may run while a write job is still
        # queued (its awaiting task was cancelled), and a job after a discard does nothing.
        self._lock = threading.Lock()
        self._discarded = False

    async def write(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= self._batch:
            await self._send()

    async def finish(self, last: Callable[[IO[bytes]], object]) -> IO[bytes]:
        """Write what is pending, then ``last(file)``; the file (opened even when nothing was written)."""
        await self._send()
        await self._landed()
        file = await asyncio.get_running_loop().run_in_executor(None, self._finish_job, last)
        return file

    async def discard(self, last: Callable[[IO[bytes]], object]) -> None:
        """Drop what is pending and run ``last`` on the file if it was opened (errors ignored).

        It runs to its end even if the awaiting task is cancelled meanwhile: no file is left open.
        """
        self._pending = []
        flight = self._flight
        if flight is not None and not flight.done():
            flight.add_done_callback(_retrieve)  # its error, if any, no longer matters
        job = asyncio.get_running_loop().run_in_executor(None, self._discard_job, last)
        await asyncio.shield(job)

    async def _send(self) -> None:
        await self._landed()
        if self._pending:
            pieces, self._pending, self._pending_size = self._pending, [], 0
            self._flight = asyncio.get_running_loop().run_in_executor(None, self._write_job, pieces)

    async def _landed(self) -> None:
        flight, self._flight = self._flight, None
        if flight is not None:
            # Shielded: a cancelled task must not give up the file while a thread still writes it.
            await asyncio.shield(flight)

    def _open(self) -> IO[bytes]:
        file = self._file
        if file is None:
            file = self._file = self._opener()
        return file

    def _write_job(self, pieces: list[bytes]) -> None:
        with self._lock:
            if not self._discarded:
                self._open().writelines(pieces)

    def _finish_job(self, last: Callable[[IO[bytes]], object]) -> IO[bytes]:
        with self._lock:
            file = self._open()
            last(file)
            return file

    def _discard_job(self, last: Callable[[IO[bytes]], object]) -> None:
        with self._lock:
            self._discarded = True
            if self._file is not None:
                with contextlib.suppress(OSError):
                    last(self._file)


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()
