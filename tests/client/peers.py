"""Small scripted HTTP peers for client tests: raw asyncio servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@dataclass(frozen=True)
class TLS:
    """A throwaway CA: a server context for 127.0.0.1, a client context trusting it, and the
    CA certificate as a PEM file."""

    server: ssl.SSLContext
    client: ssl.SSLContext
    ca_file: Path


def make_tls(directory: Path) -> TLS:
    import trustme  # absent in the client-only slice, where the fixture skips

    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return TLS(server, client, ca_file)


@asynccontextmanager
async def raw_server(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    """Serve ``handler`` on an ephemeral port; yields ``http://127.0.0.1:<port>`` (``https://`` with ``tls``)."""
    open_writers: set[asyncio.StreamWriter] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        open_writers.add(writer)
        try:
            await handler(reader, writer)
        finally:
            open_writers.discard(writer)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.close()
        # Since Python 3.12 wait_closed() also waits for every connection to end, and a client's
        # pool keeps its keep-alive connections open: drop them, as a server going away does.
        for writer in list(open_writers):
            writer.transport.abort()
        await server.wait_closed()


@asynccontextmanager
async def threaded_server(handler: Handler) -> AsyncIterator[str]:
    """``raw_server`` on an event loop of its own in another thread: the peer runs while the
    client does (not only when the client's loop gives it a turn), as a server process would."""
    started: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    stop = threading.Event()

    async def serve() -> None:
        async with raw_server(handler) as url:
            started.get_loop().call_soon_threadsafe(started.set_result, url)
            await asyncio.to_thread(stop.wait)

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    try:
        yield await started
    finally:
        stop.set()
        await asyncio.to_thread(thread.join, 10)


async def read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def header(head: bytes, name: str) -> str | None:
    """The value of header ``name`` in a raw request head (the first one), or ``None``."""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name.lower():
            return value.strip()
    return None


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One whole request: its head, and its body (Content-Length or chunked framing)."""
    head = await read_head(reader)
    length = header(head, "content-length")
    if length is not None:
        return head, await reader.readexactly(int(length))
    if (header(head, "transfer-encoding") or "").lower() != "chunked":
        return head, b""
    body = bytearray()
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        body += await reader.readexactly(size)
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")  # no trailers are sent by the client
    return head, bytes(body)


def echo_request() -> Handler:
    """A keep-alive peer answering each request with the whole request (head and body) as its body."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head, body = await read_request(reader)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s%s" % (len(head) + len(body), head, body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


def canned(response: bytes, close: bool = True) -> Handler:
    """A peer that answers every request head with ``response`` (then closes, by default)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await read_head(reader)
                writer.write(response)
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def http_proxy(log: list[bytes], require_auth: str | None = None) -> Handler:
    """A forwarding proxy: CONNECT tunnels, absolute-form requests passed to the origin as they are."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from urllib.parse import urlsplit

        try:
            head = await read_head(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        log.append(head)
        method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ")
        if require_auth and f"proxy-authorization: {require_auth}".encode() not in head.lower():
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            writer.close()
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        else:
            url = urlsplit(target)
            up_reader, up_writer = await asyncio.open_connection(url.hostname, url.port)
            up_writer.write(head)  # origin servers must accept the absolute form too (RFC 9112 §3.2.2)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    return handle


@contextmanager
def nginx_server(work: Path, conf: str) -> Iterator[tuple[str, Path]]:
    """nginx on an ephemeral 127.0.0.1 port, configured by ``conf`` (``{dir}``, ``{port}`` and
    ``{user}`` filled in), serving ``work/root``; yields its base URL and that folder.

    Skips where nginx is absent -- except in CI, which must provide it.
    """
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide the system peer 'nginx'")
        pytest.skip("system peer 'nginx' is not installed")
    os.chmod(work, 0o755)
    (work / "tmp").mkdir()
    (work / "root").mkdir()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    user = "user root;" if os.geteuid() == 0 else ""
    (work / "nginx.conf").write_text(conf.format(dir=work, port=port, user=user))
    proc = subprocess.Popen([binary, "-c", str(work / "nginx.conf")], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"nginx did not start: {(work / 'error.log').read_text()}")
                time.sleep(0.05)  # waiting for a process to listen, not synchronising a test
        yield f"http://127.0.0.1:{port}", work / "root"
    finally:
        proc.send_signal(signal.SIGQUIT)
        proc.wait(10)
