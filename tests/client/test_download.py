"""Downloads to a file with resume: ``resp.save`` and ``io.getSession.download``, against nginx and raw peers."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from peers import Handler, header, nginx_server, raw_server, read_head

import blazeio_client as io

CONF = """
worker_processes 1; daemon off; pid {dir}/nginx.pid; error_log {dir}/error.log; {user}
events {{ worker_connections 64; }}
http {{
    access_log off; sendfile on;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    gzip on; gzip_types application/octet-stream; gzip_min_length 100;
    types {{ application/octet-stream bin; }}
    server {{ listen 127.0.0.1:{port}; root {dir}/root; }}
}}
"""
SIZE = 6 * 1024 * 1024


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    with nginx_server(tmp_path_factory.mktemp("nginx"), CONF) as running:
        yield running


class Stop(Exception):
    pass


def stop_after(limit: int) -> Callable[[int, int | None], None]:
    def progress(done: int, total: int | None) -> None:
        if done >= limit:
            raise Stop

    return progress


def sha(data: bytes | None) -> str:
    return hashlib.sha256(data or b"").hexdigest()


def _contents(path: Path | str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None


async def contents(path: Path | str) -> bytes | None:
    """The file's bytes, or None when it does not exist (read in a thread)."""
    return await asyncio.to_thread(_contents, path)


async def size(path: Path | str) -> int | None:
    data = await contents(path)
    return None if data is None else len(data)


async def publish(root: Path, name: str, payload: bytes, mtime: float) -> None:
    await asyncio.to_thread((root / name).write_bytes, payload)
    os.utime(root / name, (mtime, mtime))  # nginx's ETag and Last-Modified come from the mtime


async def test_a_download_stopped_half_way_resumes_from_the_part_file(nginx: tuple[str, Path], tmp_path: Path) -> None:
    base, root = nginx
    payload = os.urandom(SIZE)
    await publish(root, "a.bin", payload, 1_700_000_000)
    target = tmp_path / "a.bin"
    with pytest.raises(Stop):
        await io.getSession.download(f"{base}/a.bin", target, progress=stop_after(SIZE // 2))
    part = Path(f"{target}.part")
    kept = await size(part)
    assert kept is not None and await contents(target) is None and SIZE // 2 <= kept < SIZE
    assert await contents(part) == payload[:kept]  # an in-order prefix, nothing else
    seen: list[int] = []
    await io.getSession.download(f"{base}/a.bin", target, progress=lambda done, total: seen.append(done))
    assert seen[0] > kept  # it went on from the .part (a first piece from zero is never 3 MiB)
    assert sha(await contents(target)) == sha(payload)
    assert await contents(part) is None and await contents(f"{target}.part.meta") is None


async def test_a_cancelled_download_task_keeps_what_it_had_and_resumes(nginx: tuple[str, Path], tmp_path: Path) -> None:
    base, root = nginx
    payload = os.urandom(SIZE)
    await publish(root, "c.bin", payload, 1_700_000_100)
    target = tmp_path / "c.bin"
    half = asyncio.Event()
    task = asyncio.create_task(
        io.getSession.download(
            f"{base}/c.bin", target, progress=lambda done, _: half.set() if done > SIZE // 3 else None
        )
    )
    await half.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    kept = await size(f"{target}.part")
    assert kept is not None and SIZE // 3 < kept < SIZE and await contents(target) is None
    await io.getSession.download(f"{base}/c.bin", target)
    assert sha(await contents(target)) == sha(payload)


async def test_a_file_changed_on_the_server_restarts_the_download_from_zero(
    nginx: tuple[str, Path], tmp_path: Path
) -> None:
    base, root = nginx
    await publish(root, "b.bin", os.urandom(SIZE), 1_700_000_200)
    target = tmp_path / "b.bin"
    with pytest.raises(Stop):
        await io.getSession.download(f"{base}/b.bin", target, progress=stop_after(SIZE // 2))
    changed = os.urandom(SIZE)
    await publish(root, "b.bin", changed, 1_700_000_300)  # a new ETag: If-Range no longer matches
    seen: list[int] = []
    await io.getSession.download(f"{base}/b.bin", target, progress=lambda done, total: seen.append(done))
    assert seen[0] < SIZE // 2  # from zero, not from the half in the .part
    assert sha(await contents(target)) == sha(changed)


async def test_a_part_file_that_is_already_whole_is_finished_on_the_416(
    nginx: tuple[str, Path], tmp_path: Path
) -> None:
    base, root = nginx
    payload = os.urandom(SIZE)
    await publish(root, "d.bin", payload, 1_700_000_400)
    target = tmp_path / "d.bin"
    with pytest.raises(Stop):  # stopped at its last byte: the .part is whole, not yet renamed
        await io.getSession.download(f"{base}/d.bin", target, progress=stop_after(SIZE))
    assert await size(f"{target}.part") == SIZE and await contents(target) is None
    await io.getSession.download(f"{base}/d.bin", target, progress=stop_after(1))  # no body comes
    assert sha(await contents(target)) == sha(payload)


async def test_a_download_asks_for_the_identity_coding_and_saves_it(nginx: tuple[str, Path], tmp_path: Path) -> None:
    base, root = nginx
    payload = b"compressible " * 100_000  # nginx gzips this type for clients that accept gzip
    await publish(root, "e.bin", payload, 1_700_000_500)
    async with io.getSession.get(f"{base}/e.bin") as resp:
        assert resp.headers["content-encoding"] == "gzip"
        await resp.save(tmp_path / "saved.bin")  # save() writes what read() gives: decoded
    assert await contents(tmp_path / "saved.bin") == payload
    resp = await io.getSession.get(f"{base}/e.bin")  # read already: save() writes what was read
    assert await resp.save(tmp_path / "read.bin") == str(tmp_path / "read.bin")
    assert await contents(tmp_path / "read.bin") == payload and await contents(tmp_path / "read.bin.part") is None
    await io.getSession.download(f"{base}/e.bin", tmp_path / "e.bin")
    assert await contents(tmp_path / "e.bin") == payload


# -- raw peers: what nginx never does ----------------------------------------------------


def scripted(answers: list[Callable[[bytes], bytes]], heads: list[bytes]) -> Handler:
    """One answer per connection, in turn; each gets the request head and may cut its body short."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        heads.append(head)
        writer.write(answers[len(heads) - 1](head))
        await writer.drain()
        writer.close()

    return handle


PAYLOAD = os.urandom(300_000)
ETAG = b'"v1"'


def full(cut: int = len(PAYLOAD)) -> Callable[[bytes], bytes]:
    return lambda head: (
        b"HTTP/1.1 200 OK\r\nETag: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"
        % (ETAG, len(PAYLOAD), PAYLOAD[:cut])
    )


def partial(content_range: bytes, body: bytes) -> Callable[[bytes], bytes]:
    return lambda head: (
        b"HTTP/1.1 206 Partial Content\r\nETag: %s\r\nContent-Range: %s\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (ETAG, content_range, len(body), body)
    )


async def cut_then(
    tmp_path: Path, second: Callable[[bytes], bytes], check: Callable[[str, Path], Awaitable[None]]
) -> None:
    heads: list[bytes] = []
    async with raw_server(scripted([full(100_000), second], heads)) as url:
        target = tmp_path / "f.bin"
        with pytest.raises(io.IncompleteDownload):  # the connection closed before Content-Length bytes
            await io.getSession.download(f"{url}/f.bin", target)
        assert await contents(f"{target}.part") == PAYLOAD[:100_000]
        await check(f"{url}/f.bin", target)
        assert header(heads[1], "range") == "bytes=100000-" and header(heads[1], "if-range") == '"v1"'


async def test_a_server_that_ignores_range_cannot_corrupt_the_file(tmp_path: Path) -> None:
    async def check(url: str, target: Path) -> None:
        await io.getSession.download(url, target)
        assert await contents(target) == PAYLOAD

    await cut_then(tmp_path, full(), check)


async def test_a_wrong_content_range_is_an_error_and_leaves_the_part_file_alone(tmp_path: Path) -> None:
    async def check(url: str, target: Path) -> None:
        with pytest.raises(io.RangeMismatch):
            await io.getSession.download(url, target)
        assert await contents(f"{target}.part") == PAYLOAD[:100_000] and await contents(target) is None

    await cut_then(tmp_path, partial(b"bytes 0-199999/300000", PAYLOAD[:200_000]), check)


async def test_a_range_shorter_than_the_file_keeps_the_part_and_raises_incomplete(tmp_path: Path) -> None:
    async def check(url: str, target: Path) -> None:
        with pytest.raises(io.IncompleteDownload):
            await io.getSession.download(url, target)
        assert await contents(f"{target}.part") == PAYLOAD[:150_000] and await contents(target) is None

    await cut_then(tmp_path, partial(b"bytes 100000-149999/300000", PAYLOAD[100_000:150_000]), check)


async def test_a_client_download_resumes_with_its_base_url_and_headers(nginx: tuple[str, Path], tmp_path: Path) -> None:
    base, root = nginx
    payload = os.urandom(SIZE)
    await publish(root, "c.bin", payload, 1_700_000_000)
    target = tmp_path / "c.bin"
    sent: list[str | None] = []

    def remember(request: io.ClientRequest) -> None:
        sent.append(request.headers.get("x-token"))

    async with io.Client(base + "/", headers={"X-Token": "t"}, event_hooks={"request": [remember]}) as client:
        with pytest.raises(Stop):
            await client.download("c.bin", target, progress=stop_after(SIZE // 2))
        await client.download("c.bin", target)
    assert sha(await contents(target)) == sha(payload)
    assert sent == ["t", "t"]  # both attempts went through the client
