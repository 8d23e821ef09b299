"""Several worker processes on one port, supervised by the parent.

``web.runner(workers=N)`` (or ``BLAZEIO_WORKERS=N``, or ``python -m Blazeio serve --workers N``):
the parent binds one listening socket and starts N copies of the same command line
(``sys.orig_argv``) that inherit it; each worker serves with its own event loop.

One shared socket rather than SO_REUSEPORT: with SO_REUSEPORT each worker owns a queue, and
connections queued on a worker that dies are reset; a shared queue loses none.

Supervision (psutil for process trees): a worker that exits unexpectedly is restarted with
backoff (0.5 s doubling to 10 s, reset after 30 s of health). SIGTERM/SIGINT stop every
worker gracefully and wait for them; SIGHUP restarts them one by one, each new worker
listening before the old one stops, so the port never goes unserved (zero-downtime reload).
``reload=True`` (development) restarts the workers whenever a ``.py`` file under the current
directory changes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

__all__ = ["WORKER_FD", "serve_with_workers"]

WORKER_FD = "BLAZEIO_WORKER_FD"
READY_FD = "BLAZEIO_READY_FD"


def listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=backlog, reuse_port=False)
    sock.set_inheritable(True)
    return sock


class _Worker:
    def __init__(self, sock: socket.socket) -> None:
        read_end, write_end = os.pipe()
        env = {**os.environ, WORKER_FD: str(sock.fileno()), READY_FD: str(write_end)}
        command = list(getattr(sys, "orig_argv", [sys.executable, *sys.argv]))
        self.proc = subprocess.Popen(command, env=env, pass_fds=(sock.fileno(), write_end))
        os.close(write_end)
        self.ready_fd = read_end
        self.started = time.monotonic()

    def wait_ready(self, within: float) -> bool:
        """True once the worker listens (it writes one byte to the ready pipe)."""
        import select  # noqa: PLC0415

        readable, _, _ = select.select([self.ready_fd], [], [], within)
        return bool(readable) and os.read(self.ready_fd, 1) == b"1"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is not None:
            return
        if sig == signal.SIGKILL:
            # A forced stop takes the worker's whole tree: processes its handlers started too.
            with contextlib.suppress(psutil.Error):
                for child in psutil.Process(self.proc.pid).children(recursive=True):
                    child.kill()
        self.proc.send_signal(sig)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.ready_fd)


def _sources() -> dict[Path, float]:
    mtimes = {}
    for path in Path.cwd().rglob("*.py"):
        try:
            mtimes[path] = path.stat().st_mtime
        except OSError:
            continue
    return mtimes


def serve_with_workers(host: str, port: int, workers: int, backlog: int, *, reload: bool = False,
                       shutdown_timeout: float = 10.0) -> int:  # fmt: skip
    """Run the supervisor until a stop signal; returns the exit code."""
    sock = listening_socket(host, port, backlog)
    address = sock.getsockname()
    print(f"Blazeio supervisor {os.getpid()}: {workers} worker(s) on {address[0]}:{address[1]}", flush=True)
    pool = [_Worker(sock) for _ in range(workers)]
    state = {"stop": False, "hup": False}

    def on_stop(signum: int, frame: object) -> None:
        if state["stop"]:  # a second signal: no more waiting
            for worker in pool:
                worker.stop(signal.SIGKILL)
        state["stop"] = True

    def on_hup(signum: int, frame: object) -> None:
        state["hup"] = True

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_hup)
    backoff = 0.5
    sources = _sources() if reload else {}
    while not state["stop"]:
        time.sleep(0.2)
        if reload and (current := _sources()) != sources:
            sources = current
            state["hup"] = True
        if state["hup"]:
            state["hup"] = False
            for index, old in enumerate(list(pool)):  # one by one: the port always has a listener
                fresh = _Worker(sock)
                fresh.wait_ready(30)
                pool[index] = fresh
                old.stop()
                old.proc.wait(shutdown_timeout + 5)
                old.close()
        for index, worker in enumerate(pool):
            code = worker.proc.poll()
            if code is None or state["stop"]:
                continue
            healthy_for = time.monotonic() - worker.started
            backoff = 0.5 if healthy_for > 30 else min(backoff * 2, 10.0)
            print(f"Blazeio supervisor: worker {worker.proc.pid} exited ({code}); restarting", flush=True)
            worker.close()
            time.sleep(backoff if healthy_for < 30 else 0)
            pool[index] = _Worker(sock)
    for worker in pool:
        worker.stop()
    deadline = time.monotonic() + shutdown_timeout + 5
    for worker in pool:
        try:
            worker.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.stop(signal.SIGKILL)
            worker.proc.wait()
        worker.close()
    sock.close()
    return 0


def worker_socket() -> socket.socket | None:
    """In a worker: the inherited listening socket (None in a single-process run)."""
    fd = os.environ.get(WORKER_FD)
    return socket.socket(fileno=int(fd)) if fd else None


def announce_ready() -> None:
    fd = os.environ.pop(READY_FD, None)
    if fd:
        try:
            os.write(int(fd), b"1")
            os.close(int(fd))
        except OSError:
            pass
