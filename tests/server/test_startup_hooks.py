"""``@web.on_startup``: hooks run in order before the server accepts; a failing one stops the start."""

from __future__ import annotations

import asyncio

import pytest
from serving import TIMEOUT, exchange, request, running

import Blazeio as io


async def test_startup_hooks_run_in_order_before_the_first_request_is_accepted() -> None:
    web = io.App("127.0.0.1", 0)
    ran: list[str] = []

    @web.on_startup
    async def open_database() -> None:
        await asyncio.sleep(0)  # an async hook is awaited before the next one starts
        ran.append("database")

    @web.on_startup
    def warm_cache() -> None:
        ran.append("cache")

    @web.add_route
    async def _seen(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json(ran)

    async with running(web):
        (reply,) = await exchange(web.port, request("GET", "/seen"))
    assert io.loads(reply.body) == ["database", "cache"]


async def test_a_failing_startup_hook_stops_the_start_with_a_clear_error() -> None:
    web = io.App("127.0.0.1", 0)
    ran: list[str] = []

    @web.on_startup
    def connect() -> None:
        raise ConnectionRefusedError("database is down")

    @web.on_startup
    def never() -> None:
        ran.append("never")

    web.on_exit(lambda: ran.append("exit"))
    task = asyncio.create_task(web.run("127.0.0.1", 0))
    with pytest.raises(io.StartupError, match=r"on_startup hook .*connect raised ConnectionRefusedError"):
        await asyncio.wait_for(web.wait_started(), TIMEOUT)  # waiters learn of it, not hang
    with pytest.raises(io.StartupError) as failed:
        await asyncio.wait_for(task, TIMEOUT)
    assert isinstance(failed.value.__cause__, ConnectionRefusedError)
    assert ran == []  # later hooks and the exit hooks do not run
    await web.exit()  # nothing to stop: returns at once
