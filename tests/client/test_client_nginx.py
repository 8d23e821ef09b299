"""The client against nginx (Debian), started from a temporary config on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from peers import nginx_server

import blazeio_client as io

CONF = """
worker_processes 1; daemon off; pid {dir}/nginx.pid; error_log {dir}/error.log; {user}
events {{ worker_connections 256; }}
http {{
    access_log off; sendfile on;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    gzip on; gzip_types text/plain; gzip_min_length 100;
    types {{ text/plain txt; application/octet-stream bin; }}
    server {{
        listen 127.0.0.1:{port}; root {dir}/root;
        location = /redirect {{ return 301 /text.txt; }}
        location = /refuse {{ client_max_body_size 100m; return 401; }}
    }}
}}
"""


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with nginx_server(tmp_path_factory.mktemp("nginx"), CONF) as running:
        yield running


async def test_keep_alive_gzip_and_redirects_against_nginx(nginx: tuple[str, Path]) -> None:
    base, root = nginx
    text = "nginx serves text, gzip-encoded. " * 200
    await asyncio.to_thread((root / "text.txt").write_text, text)
    pool = io.Pool()
    try:
        async with io.getSession.get(f"{base}/text.txt", pool=pool) as resp:
            assert resp.headers["content-encoding"] == "gzip"  # we asked for gzip, deflate, br
            assert await resp.text() == text
            assert resp.received_len < len(text)  # compressed bytes on the wire
        async with io.getSession.get(f"{base}/redirect", pool=pool, follow_redirects=True) as resp:
            assert resp.path == "/text.txt" and await resp.text() == text
        assert pool.idle_connections == 1  # one keep-alive connection served all three exchanges
    finally:
        pool.close()


async def test_a_large_download_from_nginx_is_byte_exact(nginx: tuple[str, Path]) -> None:
    base, root = nginx
    payload = os.urandom(2 * 1024 * 1024)
    await asyncio.to_thread((root / "big.bin").write_bytes, payload)
    digest = hashlib.sha256()
    async with io.getSession.get(f"{base}/big.bin") as resp:
        async for chunk in resp:
            digest.update(chunk)
        assert resp.received_len == resp.content_length == len(payload)
    assert digest.digest() == hashlib.sha256(payload).digest()
    io.getSession.close()


async def test_uploads_nginx_refuses_return_its_answer(nginx: tuple[str, Path], tmp_path: Path) -> None:
    # nginx answers before reading the body: 401 from the location, 413 past client_max_body_size
    # (1 MB by default). The client returns those answers, as curl does.
    base, _ = nginx
    size = 60 * 1024 * 1024
    path = tmp_path / "upload.bin"
    await asyncio.to_thread(path.write_bytes, b"u" * size)
    pool = io.Pool()
    try:
        for target, status in (("/refuse", 401), ("/anywhere", 413)):
            resp = await io.getSession.put(f"{base}{target}", body=b"b" * size, pool=pool)
            assert resp.status_code == status, target
            with path.open("rb") as handle:
                resp = await io.getSession.put(f"{base}{target}", body=handle, pool=pool)
            assert resp.status_code == status, target
    finally:
        pool.close()
