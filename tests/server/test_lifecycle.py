"""App lifecycle: graceful shutdown, signals, runner() with tasks made before the loop, TLS, curl."""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import signal
import ssl
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from serving import TIMEOUT, exchange, read_until, running

import Blazeio as io


async def test_exit_lets_in_flight_requests_finish_and_closes_idle_connections() -> None:
    web = io.App("127.0.0.1", 0)
    entered = asyncio.Event()
    release = asyncio.Event()

    @web.add_route
    async def _slow(r: io.BlazeioProtocol) -> None:
        entered.set()
        await release.wait()
        await io.Deliver.text("finished")

    @web.add_route
    async def _fast(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("fast")

    task = asyncio.create_task(web.run("127.0.0.1", 0))
    await web
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", web.port)
    idle_writer.write(b"GET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
    await read_until(idle_reader, b"fast")
    busy_reader, busy_writer = await asyncio.open_connection("127.0.0.1", web.port)
    busy_writer.write(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
    await asyncio.wait_for(entered.wait(), TIMEOUT)

    exiting = asyncio.create_task(web.exit())
    assert await asyncio.wait_for(idle_reader.read(), TIMEOUT) == b""  # idle: closed at once
    with pytest.raises(OSError):  # no longer accepting
        await asyncio.open_connection("127.0.0.1", web.port)
    release.set()
    rest = await asyncio.wait_for(busy_reader.read(), TIMEOUT)  # in flight: finished, then closed
    assert rest.endswith(b"finished") and b"Connection: close" in rest
    await asyncio.wait_for(exiting, TIMEOUT)
    await asyncio.wait_for(task, TIMEOUT)
    idle_writer.close()
    busy_writer.close()


async def test_shutdown_cancels_requests_that_outlive_the_timeout() -> None:
    web = io.App("127.0.0.1", 0, shutdown_timeout=0.2)
    cancelled = asyncio.Event()
    entered = asyncio.Event()

    @web.add_route
    async def _forever(r: io.BlazeioProtocol) -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async with running(web):
        _reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET /forever HTTP/1.1\r\nHost: t\r\n\r\n")
        await asyncio.wait_for(entered.wait(), TIMEOUT)
    assert cancelled.is_set()
    writer.close()


APP = textwrap.dedent(
    """
    import sys
    import Blazeio as io

    web = io.App("127.0.0.1", 0, with_keepalive=1)
    hooks = []

    @web.add_route
    async def _slow(r):
        print("IN-FLIGHT", flush=True)
        await io.sleep(float(r.query.split("=")[1]))
        await io.Deliver.text("slow done")

    async def announce():  # created before the loop runs, as the product document does
        await web
        await io.plog.flush()  # plog writes from its own thread: keep our marker on its own line
        print("LISTENING", web.port, flush=True)

    web.on_exit(lambda: print("EXIT-HOOK", flush=True))
    io.create_task(announce())

    if __name__ == "__main__":
        with web:
            web.runner()
        print("RUNNER-RETURNED", flush=True)
    """
)


def start_app(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    script = tmp_path / "app.py"
    script.write_text(APP)
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if match := re.search(r"LISTENING (\d+)", line):
            return proc, int(match.group(1))
    raise AssertionError("the app did not start")


def start_slow_request(tmp_path: Path, seconds: float) -> tuple[subprocess.Popen[str], http.client.HTTPConnection]:
    """Start the app and a request that takes ``seconds``; return once its handler is running."""
    proc, port = start_app(tmp_path)
    assert proc.stdout is not None
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.request("GET", f"/slow?s={seconds}")
    for line in proc.stdout:
        if "IN-FLIGHT" in line:  # plog's writer thread may share the line
            return proc, conn
    raise AssertionError("the request never reached its handler")


def test_sigterm_drains_in_flight_requests_runs_exit_hooks_and_returns(tmp_path: Path) -> None:
    proc, conn = start_slow_request(tmp_path, 0.5)
    proc.send_signal(signal.SIGTERM)
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"slow done")
    conn.close()
    out, _ = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0
    assert "EXIT-HOOK" in out and "RUNNER-RETURNED" in out


def test_a_second_signal_forces_exit(tmp_path: Path) -> None:
    proc, conn = start_slow_request(tmp_path, 60)
    assert proc.stdout is not None
    proc.send_signal(signal.SIGINT)
    for line in proc.stdout:  # the first signal was handled: shutdown is waiting for the request
        if "signal again to force" in line:
            break
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=TIMEOUT)  # well before the 60 s handler or the 10 s drain
    assert proc.returncode == 0
    assert "RUNNER-RETURNED" in out
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        conn.getresponse()
    conn.close()


async def test_tls_with_a_throwaway_ca_verified_by_the_stdlib_client() -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _secure(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("over tls")

    task = asyncio.create_task(web.run("127.0.0.1", 0, ssl=server_context))
    await web
    assert web.server_address.startswith("https://127.0.0.1:")

    def fetch() -> bytes:
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        conn = http.client.HTTPSConnection("127.0.0.1", web.port, context=client_context, timeout=TIMEOUT)
        conn.request("GET", "/secure")
        body = conn.getresponse().read()
        conn.request("GET", "/secure")  # keep-alive over TLS
        body += conn.getresponse().read()
        conn.close()
        return body

    def untrusted() -> None:
        conn = http.client.HTTPSConnection("127.0.0.1", web.port, context=ssl.create_default_context(), timeout=TIMEOUT)
        try:
            conn.request("GET", "/secure")
        finally:
            conn.close()

    try:
        assert await asyncio.to_thread(fetch) == b"over tlsover tls"
        with pytest.raises(ssl.SSLCertVerificationError):
            await asyncio.to_thread(untrusted)
    finally:
        await web.exit()
        await task


@pytest.mark.peer("curl")
async def test_curl_reuses_the_keep_alive_connection() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _hi(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(f"hi from {r.ip_port}")

    async with running(web):
        url = f"{web.server_address}/hi"
        proc = await asyncio.create_subprocess_exec(
            "curl", "-sv", url, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert proc.returncode == 0
    first, second = out.decode().split("hi from ")[1:]
    assert first == second  # the same client port: one connection
    assert "Re-using existing connection" in err.decode() or "Reusing existing" in err.decode()


async def test_exchange_after_exit_is_refused() -> None:
    web = io.App("127.0.0.1", 0)
    async with running(web):
        port = web.port
    with pytest.raises(OSError):
        await exchange(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
