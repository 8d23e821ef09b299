"""``FlowControl``: the backpressure of one connection, both ways, for server and client alike.

Reading: the owner counts its buffered bytes; above its high watermark it calls
``pause_reading_if``; every wait for more bytes (``data_future``) resumes reading, and a
reader that took bytes calls ``resume_reading_if`` with what is left. Several tasks may wait
for data at once, each on its own future; ``wake_readers`` (new bytes, EOF, the end) wakes all.

Writing: ``pause_writing`` / ``resume_writing`` (the transport's callbacks) and one drain future
(``drain_future()``, a new one once the last is done); ``drain()`` waits at 0% CPU until the
transport takes more.

Coalesced writes: ``write`` is the transport's write, or -- while bytes are *held* --
``held_write``, which appends to one list that ``flush()`` joins into one transport write. A hold
ends at the end of the loop turn in which it began (``call_soon``), when it reaches
``hold_limit`` bytes, before a drain, and before closing; so what is held is never late by more
than one turn. ``hold_until_flush()`` holds without scheduling the end: for an owner that ends
the holds of many connections in one callback (the client's loop turn). ``hold_head(head)``
marks the held bytes as a response (or request) head that the body written in the same turn
joins.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["FlowControl"]


def _expire(waiter: asyncio.Future[None], error: Exception) -> None:
    if not waiter.done():
        waiter.set_exception(error)


class FlowControl:
    """Mix into an ``asyncio.Protocol``; call ``attach(transport)`` from ``connection_made``."""

    __slots__ = (
        "closed",
        "data_waiters",
        "drain_waiter",
        "flush_handle",
        "flush_soon",
        "head_held",
        "held",
        "held_size",
        "hold_limit",
        "loop",
        "reading_paused",
        "transport",
        "transport_write",
        "write",
        "write_paused",
    )

    # What a wait raises once the connection is gone, and when data does not come in time.
    disconnected: type[Exception] = ConnectionError
    read_timeout: type[Exception] = TimeoutError

    transport: asyncio.Transport
    # The write in force: the transport's, or held_write while bytes are held.
    write: Callable[[bytes | bytearray | memoryview], object]
    transport_write: Callable[[bytes | bytearray | memoryview], object]

    def __init__(self, loop: asyncio.AbstractEventLoop, hold_limit: int) -> None:
        self.loop = loop
        self.hold_limit = hold_limit
        self.closed = False
        self.reading_paused = False
        self.write_paused = False
        self.data_waiters: list[asyncio.Future[None]] = []
        self.drain_waiter: asyncio.Future[None] | None = None
        self.held: list[bytes] | None = None
        self.held_size = 0
        self.head_held = False
        self.flush_soon = self.flush  # bound once: no bound method made per hold
        self.flush_handle: asyncio.Handle | None = None

    def attach(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.write = self.transport_write = transport.write

    # -- reading ------------------------------------------------------------------------
    def pause_reading_if(self, buffered: int, high: int) -> None:
        if buffered > high and not self.reading_paused:
            self.reading_paused = True
            self.transport.pause_reading()

    def resume_reading_if(self, buffered: int, low: int) -> None:
        if self.reading_paused and buffered <= low:
            self.reading_paused = False
            self.transport.resume_reading()

    def data_future(self) -> asyncio.Future[None]:
        """A future the next bytes (or the connection's end) complete; reading resumes."""
        if self.reading_paused:
            self.reading_paused = False
            self.transport.resume_reading()
        waiter: asyncio.Future[None] = self.loop.create_future()
        self.data_waiters.append(waiter)
        return waiter

    def wake_readers(self) -> None:
        waiters = self.data_waiters
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        waiters.clear()

    async def wait_data(self, within: float | None) -> None:
        """Wait for more bytes; ``read_timeout`` after ``within`` seconds, ``disconnected`` if gone."""
        if self.closed:
            raise self.disconnected("the peer went away")
        waiter = self.data_future()
        # A timer that fails this waiter: cheaper than an asyncio.timeout context per wait.
        timer = None
        if within is not None:
            timer = self.loop.call_later(within, _expire, waiter, self.read_timeout(f"no data for {within} s"))
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            if waiter in self.data_waiters:
                self.data_waiters.remove(waiter)

    # -- writing ------------------------------------------------------------------------
    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        waiter = self.drain_waiter
        self.drain_waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def lost(self) -> None:
        """The connection ended: every wait wakes (and then raises ``disconnected``)."""
        self.closed = True
        self.wake_readers()
        waiter = self.drain_waiter
        self.drain_waiter = None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def drain(self) -> None:
        """Wait until the transport's buffer is below its low watermark (what is held goes first)."""
        if self.held is not None:
            self.flush()
        while self.write_paused:
            if self.closed:
                raise self.disconnected("the peer went away")
            await self.drain_future()
        if self.closed:
            raise self.disconnected("the peer went away")

    def drain_future(self) -> asyncio.Future[None]:
        """The future that ``resume_writing`` (or the connection's end) completes; a new one
        once the last is done (a wait that was cancelled, or woken by something else)."""
        waiter = self.drain_waiter
        if waiter is None or waiter.done():
            waiter = self.drain_waiter = self.loop.create_future()
        return waiter

    # -- coalesced writes ---------------------------------------------------------------
    def hold(self) -> None:
        """Hold writes until the end of this loop turn (or ``hold_limit`` bytes)."""
        if self.held is None:
            self.held = []
            self.held_size = 0
            self.write = self.held_write
            self.flush_handle = self.loop.call_soon(self.flush_soon)

    def hold_until_flush(self) -> None:
        """Hold writes until the owner calls ``flush()`` (or ``hold_limit`` bytes): for an owner
        that ends the holds of many connections with one callback (the client's loop turn)."""
        if self.held is None:
            self.held = []
            self.held_size = 0
            self.write = self.held_write

    def hold_head(self, head: bytes) -> None:
        """Write ``head``, held so that a body written in this same turn leaves with it."""
        if self.held is None:
            self.held = [head]
            self.held_size = len(head)
            self.write = self.held_write
            self.head_held = True
            self.flush_handle = self.loop.call_soon(self.flush_soon)
        else:
            self.write(head)

    def held_write(self, data: bytes | bytearray | memoryview) -> None:
        held = self.held
        if held is None:  # flushed by a size check while a caller held this bound method
            self.transport.write(data)
            return
        chunk = data if type(data) is bytes else bytes(data)  # the caller may reuse its buffer
        held.append(chunk)
        self.held_size += len(chunk)
        if self.held_size >= self.hold_limit:
            self.flush()

    def flush(self) -> None:
        """Hand what is held to the transport, in one write."""
        held = self.held
        if held is None:
            return
        self.held = None
        self.head_held = False
        # Flushed before the end of the turn (a complete response): the scheduled flush is
        # cancelled, which costs less than the loop calling it to find nothing held.
        handle = self.flush_handle
        if handle is not None:  # None: a hold_until_flush() hold, ended by its owner
            handle.cancel()
        self.write = write = self.transport_write
        if held and not self.closed:
            write(held[0] if len(held) == 1 else b"".join(held))

    def close_transport(self) -> None:
        """Close after what is held has been handed to the transport (which flushes, then closes)."""
        self.flush()
        self.transport.close()
