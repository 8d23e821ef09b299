"""Two Blazeio instances behind Debian's nginx as a reverse proxy, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import Blazeio as io

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from serving import running

CONF = """
worker_processes 1; daemon off; pid {dir}/nginx.pid; error_log {dir}/error.log; {user}
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    upstream blazeio {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://blazeio;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_buffering off;
            proxy_request_buffering off;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def nginx_binary() -> str:
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide the system peer 'nginx'")
        pytest.skip("system peer 'nginx' is not installed")
    return binary


def instance(name: str, port: int, events: dict[str, asyncio.Event], **settings: object) -> io.App:
    web = io.App("127.0.0.1", port, **settings)  # type: ignore[arg-type]

    @web.add_route
    async def _who(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"instance": name, "client": r.ip_host})

    @web.add_route
    async def _stream(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": io.Ctypes.eventstream}, 200)
        await r.send_event("first")
        await events["client_saw_first"].wait()  # not before the client has the first event
        await r.send_event("second")

    @web.add_route
    async def _upload(r: io.BlazeioProtocol) -> None:
        chunks = r.pull()
        first = await chunks.__anext__()
        events["server_saw_first"].set()  # while the client still holds the rest back
        rest = b"".join([c async for c in chunks])
        await io.Deliver.text(f"{len(first) + len(rest)}")

    return web


@pytest.fixture
async def proxied(
    nginx_binary: str, tmp_path: Path
) -> AsyncIterator[tuple[str, list[io.App], dict[str, asyncio.Event]]]:
    events = {"client_saw_first": asyncio.Event(), "server_saw_first": asyncio.Event()}
    port = free_port()
    apps = [
        instance("a", 0, events, trusted_proxies=frozenset({"127.0.0.1"})),
        instance("b", 0, events, trusted_proxies=frozenset({"127.0.0.1"})),
    ]
    (tmp_path / "tmp").mkdir()
    user = "user root;" if os.geteuid() == 0 else ""
    async with running(apps[0]), running(apps[1]):
        conf = CONF.format(dir=tmp_path, a=apps[0].port, b=apps[1].port, port=port, user=user)
        await asyncio.to_thread((tmp_path / "nginx.conf").write_text, conf)
        proc = await asyncio.create_subprocess_exec(
            nginx_binary, "-c", str(tmp_path / "nginx.conf"), stderr=asyncio.subprocess.DEVNULL
        )
        try:
            for _ in range(200):
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    await asyncio.sleep(0.02)  # nginx is starting (a subprocess we cannot await)
            yield f"http://127.0.0.1:{port}", apps, events
        finally:
            proc.send_signal(signal.SIGQUIT)
            await asyncio.wait_for(proc.wait(), 10)
            io.getSession.close()


async def test_round_robin_and_the_real_client_behind_a_trusted_proxy(proxied: tuple[str, list[io.App], dict]) -> None:
    url, _, _ = proxied
    seen = set()
    for _ in range(6):
        data = await (await io.getSession.get(f"{url}/who", {"X-Forwarded-For": "203.0.113.7"})).json()
        seen.add(data.instance)
        assert data.client == "203.0.113.7"  # nginx appended 127.0.0.1, which is trusted
    assert seen == {"a", "b"}


async def test_sse_passes_unbuffered_and_uploads_stream(proxied: tuple[str, list[io.App], dict]) -> None:
    url, _, events = proxied
    async with io.getSession.get(f"{url}/stream") as resp:
        pieces = resp.pull()
        assert await asyncio.wait_for(pieces.__anext__(), 10) == b"data: first\n\n"
        events["client_saw_first"].set()
        assert b"".join([p async for p in pieces]) == b"data: second\n\n"
    async with io.getSession.post(f"{url}/upload", {"Transfer-Encoding": "chunked"}) as resp:
        await resp.write(b"x" * 1000)
        await asyncio.wait_for(events["server_saw_first"].wait(), 10)  # reached the app before the rest was sent
        await resp.write(b"y" * 5000)
        await resp.eof()
        assert await resp.text() == "6000"


async def test_stopping_one_instance_loses_no_request(proxied: tuple[str, list[io.App], dict]) -> None:
    url, apps, _ = proxied
    await apps[0].exit()
    results = [await (await io.getSession.get(f"{url}/who")).json() for _ in range(10)]
    assert {r.instance for r in results} == {"b"}
