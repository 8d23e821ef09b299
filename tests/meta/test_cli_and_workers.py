"""The CLI (python -m Blazeio serve / get), the access log, and supervised workers."""

from __future__ import annotations

import asyncio
import http.client
import logging
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import Blazeio as io

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from serving import running

APP = """
import os
import Blazeio as io

web = io.App("127.0.0.1", 0)


@web.add_route
async def _pid(r):
    await io.Deliver.text(str(os.getpid()))
"""


async def test_access_log_lines_go_through_stdlib_logging(caplog: pytest.LogCaptureFixture) -> None:
    web = io.App("127.0.0.1", 0, access_log=True)

    @web.add_route
    async def _hi(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("hi")

    with caplog.at_level(logging.INFO, logger="blazeio.access"):
        async with running(web):
            await (await io.getSession.get(f"{web.server_address}/hi?x=1")).read()
            io.getSession.close()
    line = next(r.getMessage() for r in caplog.records if r.name == "blazeio.access")
    assert re.fullmatch(r'127\.0\.0\.1:\d+ "GET /hi\?x=1 HTTP/1\.1" 200 \d+\.\d\dms', line)


async def test_cli_get_downloads_to_a_file_with_a_progress_bar(tmp_path: Path) -> None:
    web = io.App("127.0.0.1", 0)
    payload = os.urandom(3 * 1024 * 1024)

    @web.add_route
    async def _blob(r: io.BlazeioProtocol) -> None:
        await io.Deliver.bytes(payload)

    async with running(web):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "Blazeio", "get", f"{web.server_address}/blob", "-o", str(tmp_path / "out.bin"),
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0
    assert (tmp_path / "out.bin").read_bytes() == payload
    assert "100.0%" in err.decode()


def get_pid(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/pid", headers={"Connection": "close"})
    pid = int(conn.getresponse().read())
    conn.close()
    return pid


def workers_of(supervisor: psutil.Process, count: int, exclude: set[int] = frozenset()) -> set[int]:  # type: ignore[assignment]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        children = {c.pid for c in supervisor.children() if c.is_running() and c.status() != psutil.STATUS_ZOMBIE}
        if len(children) == count and not children & exclude:
            return children
        time.sleep(0.05)
    raise AssertionError(f"expected {count} workers, have {supervisor.children()}")


def start_serve(tmp_path: Path, *flags: str) -> tuple[subprocess.Popen[str], int]:
    """``python -m Blazeio serve pidapp:web <flags> --port 0``; returns the process and its port."""
    (tmp_path / "pidapp.py").write_text(APP)
    proc = subprocess.Popen(
        [sys.executable, "-m", "Blazeio", "serve", "pidapp:web", *flags, "--port", "0"],
        cwd=tmp_path, env={**os.environ, "NO_COLOR": "1"}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if match := re.search(r"worker\(s\) on 127\.0\.0\.1:(\d+)", line):
            return proc, int(match.group(1))
    raise AssertionError("the supervisor did not start")


def test_workers_share_the_port_restart_on_crash_reload_on_hup_and_drain_on_term(tmp_path: Path) -> None:
    proc, port = start_serve(tmp_path, "--workers", "2")
    try:
        supervisor = psutil.Process(proc.pid)
        first = workers_of(supervisor, 2)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and get_pid(port) not in first:
            time.sleep(0.05)  # the workers are starting
        assert get_pid(port) in first

        crashed = min(first)
        os.kill(crashed, signal.SIGKILL)
        after_crash = workers_of(supervisor, 2, exclude={crashed})
        assert len(after_crash & first) == 1  # the other one kept running; a new one replaced the crashed
        assert get_pid(port) in after_crash

        proc.send_signal(signal.SIGHUP)  # zero-downtime reload: every request meanwhile is answered
        answered = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answered.append(get_pid(port))
            current = {c.pid for c in supervisor.children()}
            if not current & after_crash and len(current) == 2:
                break
        reloaded = workers_of(supervisor, 2, exclude=after_crash)
        assert get_pid(port) in reloaded
        assert all(pid in after_crash | reloaded for pid in answered)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert not supervisor.is_running() or supervisor.status() == psutil.STATUS_ZOMBIE


def test_reload_restarts_the_worker_when_a_source_file_changes(tmp_path: Path) -> None:
    proc, port = start_serve(tmp_path, "--reload")
    try:
        supervisor = psutil.Process(proc.pid)
        (before,) = workers_of(supervisor, 1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if get_pid(port) == before:
                    break
            except OSError:
                time.sleep(0.05)  # the worker is starting
        (tmp_path / "pidapp.py").write_text(APP + "\n# edited\n")
        (after,) = workers_of(supervisor, 1, exclude={before})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if get_pid(port) == after:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        assert get_pid(port) == after
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
