"""Helpers for server tests: run an App on 127.0.0.1, talk raw HTTP to it, parse what comes back."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import Blazeio as io
from blazeio_common.http import NEED_DATA, PAUSED, Data, EndOfMessage, Headers, Response, ResponseReceiver
from blazeio_server.connection import Connection

TIMEOUT = 10


@asynccontextmanager
async def running(web: io.App) -> AsyncIterator[io.App]:
    """Serve ``web`` on an ephemeral 127.0.0.1 port for the block; shut it down after."""
    task = asyncio.create_task(web.run("127.0.0.1", 0))
    await asyncio.wait_for(web.wait_started(), TIMEOUT)
    try:
        yield web
    finally:
        await asyncio.wait_for(web.exit(), TIMEOUT)
        await asyncio.wait_for(task, TIMEOUT)


async def browser_dom(url: str, profile: Path) -> bytes:
    """Headless Chromium loads ``url`` (scripts run for up to 5 s of virtual time); its final DOM.

    The flags keep Chromium off the network (this machine's is closed) and out of the user's profile.
    """
    chromium = shutil.which("chromium")
    assert chromium is not None
    proc = await asyncio.create_subprocess_exec(
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    dom, _ = await asyncio.wait_for(proc.communicate(), 60)
    return dom


@dataclass
class Reply:
    status: int
    reason: str
    headers: Headers
    body: bytes
    keep_alive: bool


def parse(data: bytes, methods: Iterable[str] = ()) -> list[Reply]:
    """Split raw bytes into the responses they hold (``methods``: the request methods, for HEAD)."""
    methods = list(methods)
    receiver = ResponseReceiver(methods.pop(0) if methods else "GET")
    receiver.feed(data)
    receiver.feed_eof()
    replies: list[Reply] = []
    head: Response | None = None
    body = bytearray()
    while True:
        event = receiver.next_event()
        if isinstance(event, Response):
            if event.status_code < 200:
                continue
            head, body = event, bytearray()
        elif isinstance(event, Data):
            body += event.data
        elif isinstance(event, EndOfMessage):
            assert head is not None
            replies.append(Reply(head.status_code, head.reason, head.headers, bytes(body), head.keep_alive))
        elif event is PAUSED:
            receiver.start_next_cycle(methods.pop(0) if methods else "GET")
        elif event is NEED_DATA:
            raise AssertionError("incomplete response")
        else:
            return replies


def request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """A request that asks the server to close after answering (what exchange() reads to its end)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: t", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(port: int, data: bytes, methods: Iterable[str] = ()) -> list[Reply]:
    """Send raw bytes, read until the server closes, and parse the responses."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()
    return parse(raw, methods)


async def until(predicate: Callable[[], bool], within: float = TIMEOUT) -> None:
    """Wait until ``predicate()`` holds: a condition on server state, polled, with a deadline."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - the state has no event to wait on
            await asyncio.sleep(0.01)


async def read_until(reader: asyncio.StreamReader, marker: bytes) -> bytes:
    return await asyncio.wait_for(reader.readuntil(marker), TIMEOUT)


class RecordingTransport(asyncio.Transport):
    """A transport that keeps every ``write`` (uvicorn's way to test a protocol without sockets)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.wrote = asyncio.Event()
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))
        self.wrote.set()

    def get_extra_info(self, name: str, default: object = None) -> object:
        return ("127.0.0.1", 5555) if name == "peername" else default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def connect_recording(web: io.App) -> tuple[asyncio.Protocol, RecordingTransport]:
    """A server connection of ``web`` on a recording transport: feed it with ``data_received``."""
    connection = Connection(web)
    transport = RecordingTransport()
    connection.connection_made(transport)
    return connection, transport
