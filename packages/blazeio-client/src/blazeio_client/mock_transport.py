"""``io.MockTransport``: answer an ``io.Client``'s requests with a function, without a network.

    def handler(request: io.ClientRequest) -> io.MockResponse:
        return io.MockResponse(200, json={"path": request.path})

    async with io.Client(transport=io.MockTransport(handler)) as client:
        data = await (await client.get("http://api.test/x")).json()

The transport is "the network": the client writes real HTTP/1.1 bytes to an in-memory
connection, which parses them with the same core as the server (so a malformed request fails as
it would on the wire), calls ``handler`` (sync or async) with the whole request, and feeds the
response's bytes back. Redirects, cookies, auth challenges, retries, decoding and the reading
API all run as they do against a server. An exception in the handler reaches the caller.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from blazeio_client.client_request import ClientRequest
from blazeio_client.connection import ClientConnection
from blazeio_client.pool import Key, Pool
from blazeio_common import ServerDisconnected, dumps
from blazeio_common.http import (
    Data,
    EndOfMessage,
    Headers,
    Request,
    RequestReceiver,
    serialise_response_head,
)

__all__ = ["MockResponse", "MockTransport"]

Handler = Callable[[ClientRequest], "MockResponse | Awaitable[MockResponse]"]


class MockResponse:
    """A response for a ``MockTransport`` handler to return: ``status``, ``headers`` and a body
    (``body`` bytes or text, or ``json``). Content-Length is added; a ``Content-Encoding`` header
    means the body is already encoded so (the client decodes it)."""

    __slots__ = ("body", "headers", "status")

    def __init__(
        self,
        status: int = 200,
        headers: Mapping[str, Any] | None = None,
        body: bytes | str | None = None,
        *,
        json: Any = None,
    ) -> None:
        self.status = status
        self.headers = Headers(headers)
        if json is not None:
            self.headers.setdefault("Content-Type", "application/json")
            body = dumps(json, indent=0)
        if isinstance(body, str):
            self.headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            body = body.encode()
        self.body = body or b""

    def serialise(self, method: str) -> bytes:
        headers = self.headers
        bodiless = self.status < 200 or self.status in (204, 304)
        if not bodiless and "content-length" not in headers and "transfer-encoding" not in headers:
            headers["Content-Length"] = str(len(self.body))
        head = serialise_response_head(self.status, headers)
        return head if bodiless or method == "HEAD" else head + self.body

    def __repr__(self) -> str:
        return f"<MockResponse {self.status}>"


class MockTransport:
    """Answers requests with ``handler(request)`` (see the module docstring)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def pool(self) -> Pool:
        """A pool whose connections are in memory and answered by this transport."""
        return _MockPool(self)


class _MockPool(Pool):
    def __init__(self, transport: MockTransport) -> None:
        super().__init__()
        self.transport = transport

    async def acquire(self, key: Key, *args: Any, **kwargs: Any) -> tuple[ClientConnection, bool]:
        connection = self.take_idle(key)
        if connection is not None:
            return connection, True
        self._open[key] = self._open.get(key, 0) + 1
        self._total += 1
        return _MockConnection(self.transport.handler, key[1]), False


class _Memory(asyncio.Transport):
    """The mock connection's transport: what the client writes goes to the handler's side."""

    def __init__(self, connection: _MockConnection) -> None:
        super().__init__()
        self.connection = connection
        self.closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.connection.receive_request(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass  # the response is fed whole, from memory

    def resume_reading(self) -> None:
        pass


class _MockConnection(ClientConnection):
    """An in-memory connection: request bytes go to the handler, its response comes back."""

    def __init__(self, handler: Handler, scheme: str) -> None:
        super().__init__()
        self.handler = handler
        self.scheme = scheme
        self.server = RequestReceiver()
        self.request: Request | None = None
        self.body: list[bytes] = []
        self.answering: asyncio.Task[None] | None = None
        self.failure: BaseException | None = None
        self.connection_made(_Memory(self))

    def send(self, data: bytes | bytearray | memoryview) -> None:
        if self.closed:
            raise ServerDisconnected("the connection is closed")
        self.transport_write(data)  # never held: a sync handler's exception reaches the caller

    def receive_request(self, data: bytes) -> None:
        """Request bytes from the client: a whole request is answered by the handler."""
        self.server.feed(data)
        while True:
            event = self.server.next_event()
            if type(event) is Request:
                self.request, self.body = event, []
            elif type(event) is Data:
                self.body.append(event.data)
            elif isinstance(event, EndOfMessage):
                self.server.start_next_cycle()
                self._answer(self._client_request())
            else:
                return  # NEED_DATA (the rest of the body is still to come) or PAUSED

    def _client_request(self) -> ClientRequest:
        request = self.request
        assert request is not None
        url = target = request.target  # a request to a proxy has the absolute URL already
        if target.startswith("/"):  # origin-form
            url = f"{self.scheme}://{request.headers.get('host', '')}{target}"
        return ClientRequest(request.method, url, request.headers, b"".join(self.body))

    def _answer(self, request: ClientRequest) -> None:
        result = self.handler(request)  # a sync handler's exception reaches the caller from here
        if inspect.isawaitable(result):
            self.answering = self.loop.create_task(self._answer_later(request.method, result))
        else:
            self._respond(request.method, result)

    async def _answer_later(self, method: str, result: Awaitable[MockResponse]) -> None:
        try:
            self._respond(method, await result)
        except Exception as exc:  # handed to the reader (more_data), which raises it
            self.failure = exc
            self.wake_readers()

    def _respond(self, method: str, response: MockResponse) -> None:
        if not isinstance(response, MockResponse):
            raise TypeError(f"a MockTransport handler returns a MockResponse, not {type(response).__name__}")
        self.data_received(response.serialise(method))

    def more_data(self, within: float | None) -> asyncio.Future[None]:
        waiter = super().more_data(within)
        failure = self.failure
        if failure is not None:
            self.failure = None
            waiter.set_exception(failure)
        return waiter

    @property
    def idle_ok(self) -> bool:
        return not self.closed and self.receiver.idle and self.server.buffered == 0
