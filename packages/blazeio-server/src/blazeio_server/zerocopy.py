"""Zero-copy file sending from a worker thread, for loops without ``loop.sendfile`` (uvloop).

The thread calls ``os.sendfile`` on its own duplicates of the socket's and the file's
descriptors: if the connection or the file is closed meanwhile (a cancelled handler, a
disconnect), the numbers can be reused by other sockets and files, and the thread must
never write one file's bytes into another connection. The duplicates keep the originals'
objects alive until the thread is done with them.
"""

from __future__ import annotations

import asyncio
import os
import select
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["MIN_THREAD_READ", "SendfileJob", "SendfilePool"]

_POLL_MS = 100  # how soon a stopped job notices, while the socket buffer is full
# The least a file is read per thread hop when it is copied (not sent zero-copy): a hop costs
# about a quarter of a millisecond, so 1 KiB reads (a chunk_size users pass) capped a download
# at ~4 MB/s; 64 KiB per hop is well under the transport's 1 MiB write buffer.
MIN_THREAD_READ = 64 * 1024


class SendfileJob:
    """One ``os.sendfile`` run: owns its duplicated descriptors, closes them exactly once."""

    def __init__(self, socket_fd: int, file_fd: int) -> None:
        self._socket_fd = os.dup(socket_fd)
        try:
            self._file_fd = os.dup(file_fd)
        except OSError:
            os.close(self._socket_fd)
            raise
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.stop = False

    def run(self, offset: int, count: int) -> int:
        """Send up to ``count`` bytes from ``offset`` (in a worker thread); the bytes sent."""
        with self._lock:
            if self._closed:
                return 0
            self._started = True
        sent = 0
        try:
            poller = select.poll()
            poller.register(self._socket_fd, select.POLLOUT)
            while sent < count and not self.stop:
                try:
                    n = os.sendfile(self._socket_fd, self._file_fd, offset + sent, count - sent)
                except BlockingIOError:
                    poller.poll(_POLL_MS)  # the socket is non-blocking: wait until it takes more
                    continue
                if n == 0:
                    break  # the file ended early (it shrank)
                sent += n
            return sent
        finally:
            self._close()

    def abandon(self) -> None:
        """The caller stops waiting: stop the thread, or close now if it never started."""
        self.stop = True
        with self._lock:
            if self._started:
                return  # the running thread closes when it sees ``stop``
        self._close()

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        os.close(self._socket_fd)
        os.close(self._file_fd)


class SendfilePool:
    """The App's own threads for ``SendfileJob.run``, at most ``size`` busy at once.

    A slow client holds its thread for the whole file, so these are not the loop's default
    executor (other ``to_thread`` work would queue behind them); when all are busy a caller
    gets ``None`` from ``try_run`` and sends the file the copying way instead.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.busy = 0
        self._executor: ThreadPoolExecutor | None = None

    async def try_run(self, job: SendfileJob, offset: int, count: int) -> int | None:
        if self.busy >= self.size:
            return None
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="blazeio-sendfile")
        self.busy += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, job.run, offset, count)
        finally:
            self.busy -= 1

    def shutdown(self) -> None:
        """Let the threads end once their jobs stop (handlers are cancelled by then)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
