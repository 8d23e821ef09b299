"""The server's vocabulary: what a handler's ``r`` offers, what a request needs of its connection,
and what a connection needs of its app -- as ``typing.Protocol`` classes, so modules type against
these and none imports the request, connection or app module for a type (no import circle).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, BinaryIO, Protocol

from blazeio_common.http import HeadCache, Headers, RequestReceiver
from blazeio_server.response_heads import HeadShapes
from blazeio_server.response_lines import ResponseLines
from blazeio_server.settings import ServerSettings
from blazeio_server.zerocopy import SendfilePool

__all__ = ["AppSide", "ConnectionSide", "Fields", "HandlerRequest", "UpgradingRequest"]

# Response header fields: a mapping, field lines already serialised, or none.
Fields = Mapping[str, Any] | bytes | None


class HandlerRequest(Protocol):
    """What routing, responses and static files use of a request (``io.BlazeioProtocol`` has it all)."""

    method: str
    path: str
    headers: Headers
    path_params: dict[str, Any]
    settings: ServerSettings

    @property
    def app(self) -> Any: ...
    @property
    def prepared(self) -> bool: ...
    @property
    def received_ns(self) -> int: ...
    def add_header(self, name: str, value: str) -> None: ...
    async def prepare(
        self, headers: Mapping[str, Any] | None = None, status: int = 200, reason: str | None = None,
        encode: bool = True,
    ) -> None: ...  # fmt: skip
    async def write(self, data: Any) -> None: ...
    async def sendfile(self, handle: BinaryIO, offset: int, count: int, chunk_size: int = 100 * 1024) -> None: ...
    async def respond(self, status: int, headers: Fields, body: bytes, content_type: str | None = None) -> None: ...
    def send_whole(
        self, status: int, headers: Fields, body: bytes, content_type: str | None = None
    ) -> Awaitable[None]: ...
    async def form_data(self, *_: Any) -> Any: ...
    def multipart(self) -> Any: ...


class AppSide(Protocol):
    """What a connection needs of its ``App``."""

    settings: ServerSettings
    connections: set[Any]
    closing: bool
    head_cache: HeadCache
    head_shapes: HeadShapes
    sendfile_pool: SendfilePool

    response_lines: ResponseLines

    def dispatch(self, r: Any) -> Awaitable[Any]: ...


class ConnectionSide(Protocol):
    """What a request needs of the connection it arrived on (``blazeio_server.connection``)."""

    app: AppSide
    settings: ServerSettings
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    receiver: RequestReceiver
    closed: bool
    reading_paused: bool
    write_paused: bool
    head_held: bool
    held: list[bytes] | None
    write: Callable[[bytes | bytearray | memoryview], object]
    ip_host: str
    ip_port: int
    received_ns: int
    cancel_on_disconnect: bool
    head_shapes: HeadShapes
    content_types: dict[str, bytes]
    length_lines: dict[int, bytes]
    sendfile_pool: SendfilePool

    upgraded: Any  # the upgrade seam's Handover once a handler took the connection over

    def connection_lost(self, exc: Exception | None) -> None: ...
    def hand_over(self, head: bytes) -> tuple[asyncio.Transport, bytes]: ...
    def resume_reading_if(self, buffered: int, low: int) -> None: ...
    async def wait_data(self, within: float | None) -> None: ...
    async def drain(self) -> None: ...
    def flush(self) -> None: ...
    def hold_head(self, head: bytes) -> None: ...
    def close_transport(self) -> None: ...
    def close(self) -> None: ...


class UpgradingRequest(Protocol):
    """What the upgrade seam and the server WebSocket use of a request (``io.BlazeioProtocol``)."""

    method: str
    version: str
    tail: str
    headers: Headers
    settings: ServerSettings
    request: Any
    conn: ConnectionSide

    @property
    def app(self) -> Any: ...
    @property
    def prepared(self) -> bool: ...
    def hand_over(self, head: bytes) -> tuple[asyncio.Transport, bytes]: ...
    async def upgrade(
        self, factory: Callable[[asyncio.Transport, bytes], Any], headers: Mapping[str, Any] | None = None, *,
        on_shutdown: Callable[[Any], object] | None = None,
    ) -> Any: ...  # fmt: skip
