"""One client connection: bytes to the server, events from the common receiver, backpressure.

Backpressure is ``blazeio_common.flow.FlowControl``'s, as on the server: reading pauses while
more than ``_READ_HIGH_WATER`` unread bytes are buffered and resumes once the reader needs bytes
or has taken them down to a quarter; a send waits (``drain_within``) while the transport is over
its high watermark. What stays here is the client's own: the read timer, the write timeout, an
upload that the server's answer stops, and the loop turn's held writes (``send``).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable
from functools import partial
from typing import cast

from blazeio_client.timeouts import ConnectTimeout, ReadTimeout, WriteTimeout
from blazeio_common import BlazeioException, ServerDisconnected
from blazeio_common.flow import FlowControl
from blazeio_common.http import NEED_DATA, HeadCache, Response, ResponseReceiver
from blazeio_common.http.receive import ResponseEvent

__all__ = ["ClientConnection", "ConnectError", "ProxyError", "open_connection", "open_tunnel"]

_READ_HIGH_WATER = 1 << 20
_READ_LOW_WATER = _READ_HIGH_WATER // 4
# Many connections writing in one turn of the event loop (a burst of concurrent requests):
# the first write goes out at once, the others' small writes are held to the turn's end and
# then sent back to back, so the server wakes once for the burst instead of once per request
# (on loopback the sender pays for that wake-up). Large writes are never held.
_BATCH_MAX = 1 << 16


class _Turn(threading.local):
    """The connections holding writes in this thread's current loop turn (one loop per thread)."""

    loop: asyncio.AbstractEventLoop | None = None
    batch: list[ClientConnection] | None = None


_TURN = _Turn()


def _end_turn(batch: list[ClientConnection]) -> None:
    turn = _TURN
    if turn.batch is batch:
        turn.loop = turn.batch = None
    for connection in batch:
        connection.flush()


class ConnectError(BlazeioException, ConnectionError):
    """The connection could not be made (refused, unreachable, TLS handshake failed)."""


class ProxyError(BlazeioException, ConnectionError):
    """The proxy refused the tunnel (its status is in the message)."""


class ClientConnection(FlowControl, asyncio.Protocol):
    """A connection to one origin; reused by the pool only between complete exchanges.

    ``send`` is the client's write (it raises on a closed connection and takes part in the loop
    turn's held writes); ``write``, from ``FlowControl``, is the write in force underneath it.
    """

    # Slots, not an instance dict: some 180 instructions per request fewer (bench:instructions client).
    __slots__ = (
        "_abandoned",
        "_read_deadline",
        "_read_timer",
        "_read_waiter",
        "_read_within",
        "exchanges",
        "head_cache",
        "last_used",
        "receiver",
    )

    disconnected = ServerDisconnected
    read_timeout = ReadTimeout

    def __init__(self, heads: HeadCache | None = None) -> None:
        FlowControl.__init__(self, asyncio.get_running_loop(), _BATCH_MAX)
        # The response heads already parsed: the pool's (heads=pool.head_cache), shared by its
        # connections; without one the receiver keeps its own.
        self.head_cache = heads
        self.receiver = ResponseReceiver("GET", heads=heads)
        self.last_used = self.loop.time()
        self.exchanges = 0
        self._abandoned = False
        # The read timeout: one timer per connection, armed at the earliest deadline and moved
        # on only when it fires early; a wait just sets its deadline (a timer per wait costs
        # more than the rest of the wait on uvloop). It fails only the future of the last
        # ``more_data``, never another waiter (an upload's wait for its answer).
        self._read_waiter: asyncio.Future[None] | None = None
        self._read_deadline = 0.0
        self._read_within = 0.0
        self._read_timer: asyncio.TimerHandle | None = None

    # -- asyncio callbacks -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.attach(cast(asyncio.Transport, transport))  # uvloop's transports are duck-typed

    def data_received(self, data: bytes) -> None:
        buffered = self.receiver.feed(data)
        waiters = self.data_waiters
        if waiters:  # wake_readers() inline: the call is some 280 instructions per request
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
            waiters.clear()
        if buffered > _READ_HIGH_WATER:
            self.pause_reading_if(buffered, _READ_HIGH_WATER)

    def eof_received(self) -> bool:
        self.receiver.feed_eof()
        self.wake_readers()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if isinstance(exc, ConnectionError):
            self._take_what_was_sent()
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None
        self.receiver.feed_eof()
        self.lost()

    def _take_what_was_sent(self) -> None:
        """Read what the server sent before it reset the connection, which the transport's reader
        did not get to: a send that fails closes the transport at once. Typically the server's
        answer to a request it refused before reading the whole body (curl reads it too). The
        socket is open until this callback returns; TLS bytes cannot be read under the TLS layer."""
        sock = self.transport.get_extra_info("socket")
        if sock is None or self.transport.get_extra_info("ssl_object") is not None:
            return
        try:
            with sock.dup() as own:  # the socket is the transport's; read a duplicate, never block
                own.setblocking(False)
                while self.receiver.buffered < _READ_HIGH_WATER and (data := own.recv(65536)):
                    self.receiver.feed(data)
        except (OSError, AttributeError):  # nothing more (EAGAIN), the reset itself, or no dup() on this loop
            pass

    # -- used by Session ---------------------------------------------------------------
    def send(self, data: bytes | bytearray | memoryview) -> None:
        """Write ``data`` to the server; a small write after the first of this loop turn is held
        to the turn's end. Raises ``ServerDisconnected`` on a connection that is gone."""
        if self.closed:
            raise ServerDisconnected("the server closed the connection")
        if len(data) >= _BATCH_MAX:
            if self.transport.is_closing():
                # A failed send closes the transport at once, but connection_lost runs only at the
                # loop's next turn: a sender that does not wait would write into the void.
                raise ServerDisconnected("the server closed the connection")
            self.flush()  # what is held goes first; a large piece is never copied into it
            self.transport_write(data)
            return
        if self.held is None:
            turn = _TURN
            batch = turn.batch
            if batch is None or turn.loop is not self.loop:
                # The first write of this turn of the loop goes out at once (a lone request pays
                # no extra latency); later ones in the same turn are held and sent together.
                turn.loop, turn.batch = self.loop, []
                self.loop.call_soon(_end_turn, turn.batch)
                self.transport_write(data)
                return
            self.hold_until_flush()  # _end_turn flushes it with the rest of the turn's batch
            batch.append(self)
        self.held_write(data)

    @property
    def must_drain(self) -> bool:
        """True when ``drain_within`` has to run: writes are paused, or the connection is gone (it raises)."""
        return self.write_paused or self.closed

    async def drain_within(self, within: float | None, stop: Callable[[], bool] | None = None) -> bool:
        """``drain()`` for at most ``within`` seconds (``WriteTimeout``). With ``stop``, bytes from
        the server wake the wait too, and it ends early (returning True) once ``stop()`` says the
        server's answer ends the upload.

        A connection that is gone raises ``ServerDisconnected``: also one whose transport is
        closing and whose ``connection_lost`` has not run yet (it runs at the loop's next turn).
        """
        if self.write_paused and not self.closed:
            try:
                async with asyncio.timeout(within):
                    if stop is None:
                        await self.drain()
                    elif await self._drain_or_answer(stop):
                        return True
            except TimeoutError:
                raise WriteTimeout(f"the server took no data for {within} s") from None
        if self.closed or self.transport.is_closing():
            raise ServerDisconnected("the server closed the connection")
        return False

    async def _drain_or_answer(self, stop: Callable[[], bool]) -> bool:
        self.flush()
        readers = self.data_waiters
        while self.write_paused and not self.closed:
            # One future for both: resume_writing completes it as the drain future, and bytes
            # from the server (or the connection's end) as a data waiter.
            waiter = self.drain_future()
            readers.append(waiter)
            try:
                await waiter
            finally:
                if waiter in readers:  # still there when the drain woke it: never let them pile up
                    readers.remove(waiter)
            if stop():
                return True
        return False

    async def settle(self, within: float | None) -> None:
        """Wait for ``connection_lost`` of a transport that is closing (a failed send schedules it
        for the loop's next turn), so that what the server sent before it is in the receiver."""
        if self.closed or not self.transport.is_closing():
            return
        try:
            async with asyncio.timeout(within):
                while not self.closed:
                    await self.data_future()  # connection_lost wakes it
        except TimeoutError:
            pass  # the caller goes on with what there is

    def poll(self) -> ResponseEvent:
        """The next response event if its bytes are here, else ``NEED_DATA`` (then await ``next_event``).

        Synchronous, so callers pay for a coroutine only when they really have to wait.
        """
        event = self.receiver.next_event()
        if self.reading_paused:
            # Reading paused at the high watermark resumes once the reader needs bytes or has
            # taken the buffer down to a quarter of it.
            self.resume_reading_if(0 if event is NEED_DATA else self.receiver.buffered, _READ_LOW_WATER)
        return event

    def take_body(self) -> bytes | None:
        """The rest of a Content-Length body when all of it is here (see ``ResponseReceiver``)."""
        data = self.receiver.take_body()
        if data is not None and self.reading_paused:
            self.resume_reading_if(self.receiver.buffered, _READ_LOW_WATER)
        return data

    async def next_event(self, within: float | None) -> ResponseEvent:
        """The next response event; waits for bytes (at most ``within`` seconds between them)."""
        event = self.poll()
        while event is NEED_DATA:
            await self.more_data(within)
            event = self.poll()
        return event

    def more_data(self, within: float | None) -> asyncio.Future[None]:
        """A future done when bytes (or EOF) arrive; it fails with ``ReadTimeout`` after ``within``.

        Called after ``poll()`` gave ``NEED_DATA``; a plain future rather than a coroutine, so
        a wait costs no frame of its own. A done waiter left behind is harmless: the wake-up
        and the timer both skip a done future.
        """
        # data_future() inline (reading resumes; the waiter joins data_waiters): the call is
        # some 500 instructions per request.
        if self.reading_paused:
            self.resume_reading_if(0, _READ_LOW_WATER)
        waiter = self._read_waiter = self.loop.create_future()
        self.data_waiters.append(waiter)
        if within is not None:
            self._arm_read_timer(within)
        return waiter

    def _arm_read_timer(self, within: float) -> None:
        deadline = self.loop.time() + within
        self._read_deadline = deadline
        self._read_within = within
        timer = self._read_timer
        if timer is None or timer.when() > deadline:
            if timer is not None:
                timer.cancel()
            self._read_timer = self.loop.call_at(deadline, self._read_timer_fired)

    def _read_timer_fired(self) -> None:
        # It fails the waiter rather than cancelling the task (no uncancel bookkeeping).
        self._read_timer = None
        waiter = self._read_waiter
        if waiter is None or waiter.done():
            return  # nobody is waiting: the next wait arms it again
        if self.loop.time() >= self._read_deadline:
            waiter.set_exception(ReadTimeout(f"no response data for {self._read_within} s"))
        else:
            self._read_timer = self.loop.call_at(self._read_deadline, self._read_timer_fired)

    def abandon(self) -> None:
        """The request on this connection will not be finished (the server answered before it
        had the whole body): send nothing more and never reuse it; the response can still be read."""
        self._abandoned = self.closed = True
        self.flush()  # closed: what is held is dropped, never sent

    def close(self) -> None:
        if self._abandoned:
            self.transport.abort()  # request bytes still buffered are dropped, never sent
        else:
            self.close_transport()
        self.closed = True

    @property
    def idle_ok(self) -> bool:
        """Usable for another exchange: open, nothing unread buffered, no EOF seen."""
        return not self.closed and self.receiver.idle


async def open_connection(
    host: str, port: int, tls: ssl.SSLContext | None, within: float | None, heads: HeadCache | None = None
) -> ClientConnection:
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(within):
            _, protocol = await loop.create_connection(
                partial(ClientConnection, heads), host, port, ssl=tls, server_hostname=host if tls else None
            )
    except TimeoutError:
        raise ConnectTimeout(f"no connection to {host}:{port} within {within} s") from None
    except ssl.SSLCertVerificationError:
        raise  # a verification failure keeps its own type (and is a ValueError and OSError)
    except OSError as exc:
        raise ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
    return protocol


async def open_tunnel(
    proxy_host: str,
    proxy_port: int,
    target_host: str,
    target_port: int,
    tls: ssl.SSLContext | None,
    proxy_authorization: str | None,
    within: float | None,
    heads: HeadCache | None = None,
) -> ClientConnection:
    """A connection to ``target`` through an HTTP proxy's CONNECT tunnel (RFC 9110 §9.3.6), then TLS."""
    connection = await open_connection(proxy_host, proxy_port, None, within, heads)
    authority = f"[{target_host}]" if ":" in target_host else target_host
    authority = f"{authority}:{target_port}"
    head = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
    if proxy_authorization:
        head += f"Proxy-Authorization: {proxy_authorization}\r\n"
    connection.receiver.request_method = "CONNECT"
    connection.send((head + "\r\n").encode("latin-1"))
    event = await connection.next_event(within)
    if not isinstance(event, Response) or not 200 <= event.status_code < 300:
        connection.close()
        status = getattr(event, "status_code", "no answer")
        raise ProxyError(f"the proxy refused CONNECT {authority}: {status}")
    connection.receiver = ResponseReceiver("GET", heads=heads)  # the tunnel carries a fresh HTTP exchange
    if tls is not None:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(within):
                transport = await loop.start_tls(connection.transport, connection, tls, server_hostname=target_host)
        except TimeoutError:
            connection.close()
            raise ConnectTimeout(f"no TLS handshake with {authority} through the proxy within {within} s") from None
        if transport is None:
            raise ConnectError("TLS could not start on the proxy tunnel")
        connection.attach(transport)  # the TLS transport over the tunnel: writes go through it now
    return connection
