"""The seed's utilities: ddict, SharpEvent, Ehandler, perf_timing, set_from_args, JSON, plog, ioConf."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import pickle
from collections.abc import Iterator

import pytest

from blazeio_common import (
    Ehandler,
    Err,
    Plog,
    SharpEvent,
    Unone,
    Utype,
    anydumps,
    create_task,
    ddict,
    dumps,
    ioConf,
    loads,
    perf_timing,
    set_from_args,
)

# -- ddict -------------------------------------------------------------------------------


def test_ddict_reads_and_writes_keys_as_attributes() -> None:
    d = ddict(a=1)
    d.b = 2
    assert (d.a, d["b"]) == (1, 2)
    del d.a
    assert d == {"b": 2}


def test_ddict_missing_attribute_is_attribute_error_so_hasattr_and_pickle_work() -> None:
    d = ddict({"x": 1})
    assert not hasattr(d, "missing")
    assert getattr(d, "missing", "default") == "default"
    with pytest.raises(AttributeError):
        del d.missing
    assert pickle.loads(pickle.dumps(d)) == d


# -- SharpEvent --------------------------------------------------------------------------

SHARED_EVENT = SharpEvent()  # built at import time, before any loop runs


async def test_sharp_event_wakes_every_waiter_with_the_item() -> None:
    event = SharpEvent()
    waiters = [asyncio.create_task(event.wait()) for _ in range(3)]
    await asyncio.sleep(0)  # let them start waiting
    event.set("payload")
    assert await asyncio.gather(*waiters) == ["payload"] * 3
    assert event.is_set()
    assert await event.wait() == "payload"  # set: returns at once
    assert await event.wait_clear() == "payload"
    assert not event.is_set()


async def test_sharp_event_made_before_the_loop_works_and_is_awaitable() -> None:
    waiter = asyncio.create_task(SHARED_EVENT.wait_clear())
    await asyncio.sleep(0)
    SHARED_EVENT.set(7)
    assert await waiter == 7
    SHARED_EVENT.set()
    assert await SHARED_EVENT is True
    SHARED_EVENT.clear()


async def test_sharp_event_auto_clear_and_cancelled_waiters_do_not_leak() -> None:
    event = SharpEvent(auto_clear=True)
    waiter = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    event.set(1)
    assert await waiter == 1
    assert not event.is_set()
    cancelled = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert "waiters=0" in repr(event)


# -- Ehandler ----------------------------------------------------------------------------


@pytest.fixture
def log_stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    from blazeio_common import plog

    stream = io.StringIO()
    monkeypatch.setattr(plog, "stream", stream)
    monkeypatch.setenv("NO_COLOR", "1")
    yield stream


async def test_ehandler_logs_and_suppresses_exceptions(log_stream: io.StringIO) -> None:
    from blazeio_common import plog

    seen: list[BaseException] = []
    async with Ehandler(onerr=seen.append) as handler:
        raise Err("boom")
    await plog.flush()
    assert isinstance(handler.err, Err)
    assert seen == [handler.err]
    assert "Err: boom" in log_stream.getvalue()


async def test_ehandler_ignore_is_silent_and_raise_reraises(log_stream: io.StringIO) -> None:
    from blazeio_common import plog

    async with Ehandler(ignore=KeyError):
        raise KeyError("quiet")
    with pytest.raises(ValueError, match="loud"):
        async with Ehandler(_raise=[ValueError]):
            raise ValueError("loud")
    with Ehandler():  # sync form
        raise RuntimeError("sync")
    await plog.flush()
    text = log_stream.getvalue()
    assert "quiet" not in text
    assert "loud" in text
    assert "sync" in text


async def test_ehandler_never_swallows_cancellation_unless_told() -> None:
    async def body(handler: Ehandler) -> str:
        async with handler:
            await asyncio.Event().wait()
        return "after"

    task = asyncio.create_task(body(Ehandler()))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    told = asyncio.create_task(body(Ehandler(ignore=asyncio.CancelledError)))
    await asyncio.sleep(0)
    told.cancel()
    assert await told == "after"
    assert told.cancelling() == 0  # uncancelled, so timeouts/TaskGroups stay correct


# -- perf_timing, set_from_args ------------------------------------------------------------


def test_perf_timing_call_turns_elapsed_into_a_duration() -> None:
    timer = perf_timing()
    start = timer.elapsed
    assert timer().elapsed is timer.elapsed
    assert 0 <= timer.elapsed < start
    assert timer.get().keys() == {"elapsed", "rps"}
    with perf_timing() as t:
        pass
    assert 0 <= t.elapsed < 1


def test_set_from_args_copies_annotated_arguments_only() -> None:
    class Main:
        __slots__ = ("name", "size", "test")

        def __init__(self, size: (int, Utype) = 3, name: str = "x", test: (int, Utype, Unone) = 0, other=1):  # type: ignore[valid-type,no-untyped-def]
            set_from_args(self, locals(), (Utype, Unone))

    m = Main(size=5, test=1)
    assert (m.size, m.test) == (5, 1)
    assert not hasattr(m, "name")

    class Root:
        def __init__(self, root: str) -> None:
            set_from_args(self, locals(), (str,))

    assert Root("/app").root == "/app"  # type: ignore[attr-defined]


# -- JSON --------------------------------------------------------------------------------


def test_dumps_indents_by_default_and_indent_zero_is_compact_utf8() -> None:
    assert dumps({"a": [1, 2]}, indent=0) == '{"a":[1,2]}'
    assert dumps({"é": "ü"}, indent=0) == '{"é":"ü"}'
    assert dumps({"a": 1}) == '{\n    "a": 1\n}'
    assert loads(b'{"a": 1}') == {"a": 1}


def test_compact_dumps_is_the_stdlib_s_compact_json() -> None:
    values = [
        {"message": "Hello, World!"}, [1, -2.5, 1e300, float("inf"), None, True, False], "line\u2028sep \"q\" \\",
        {"é": {"nested": [(), ("t", 1)]}, 3: "int key", None: 0}, 0, "", [],
    ]  # fmt: skip
    for value in values:
        assert dumps(value, indent=0) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"a": object()}, indent=0)


def test_anydumps_stringifies_what_json_cannot_hold() -> None:
    out = loads(anydumps({"b": b"x", "n": {"o": object}, "l": [1, {2}]}, indent=0))
    assert out == {"b": "b'x'", "n": {"o": "<class 'object'>"}, "l": [1, "{2}"]}


# -- plog --------------------------------------------------------------------------------


async def test_plog_formats_name_and_items_and_counts_lines() -> None:
    stream = io.StringIO()
    log = Plog(stream=stream)
    log.track_lineno = True
    before = log.lineno
    await log.cyan("Upload", "item one", {"k": 1})
    assert log.lineno == before + 3
    log.track_lineno = False
    await log.green("single")
    assert log.lineno == before + 3
    await log.flush()
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("] Upload:")
    assert lines[1:3] == ["  item one", "    {'k': 1}"]
    assert lines[3].endswith("]:")
    assert lines[4] == "  single"


async def test_plog_line_tag_redraws_in_place_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = io.StringIO()
    log = Plog(stream=stream)
    await log.yellow("<line_7>", "Upload Progress", "Progress: 50.00%")
    await log.flush()
    text = stream.getvalue()
    assert "\0337" in text and "\033[7;1H" in text and "\0338" in text  # save, move to row 7, restore
    assert "Progress: 50.00%" in text
    assert "<line_7>" not in text


async def test_plog_can_be_routed_to_stdlib_logging(caplog: pytest.LogCaptureFixture) -> None:
    log = Plog(stream=io.StringIO())
    logger = logging.getLogger("blazeio.test")
    log.route_to_logging(logger)
    with caplog.at_level(logging.DEBUG, logger="blazeio.test"):
        await log.b_red("Failure", "details")
        await log.cyan("info line")
        await log.flush()
    assert [(r.levelno, r.getMessage().splitlines()[-1]) for r in caplog.records] == [
        (logging.ERROR, "  details"),
        (logging.INFO, "  info line"),
    ]


async def test_plog_call_does_not_wait_for_a_slow_sink() -> None:
    import threading

    gate = threading.Event()

    class SlowStream(io.StringIO):
        def write(self, s: str) -> int:
            gate.wait(10)
            return super().write(s)

    stream = SlowStream()
    log = Plog(stream=stream)
    await log.red("the sink blocks until released")  # returns although the write cannot finish yet
    assert stream.getvalue() == ""
    gate.set()
    await log.flush()
    assert "the sink blocks" in stream.getvalue()


# -- ioConf ------------------------------------------------------------------------------


@pytest.fixture
def fresh_process_loop() -> Iterator[None]:
    ioConf._loop = None
    try:
        yield
    finally:
        loop = ioConf._loop
        if loop is not None:
            loop.close()
        ioConf._loop = None
        asyncio.set_event_loop(None)


def test_tasks_created_before_the_loop_runs_run_on_the_process_loop(fresh_process_loop: None) -> None:
    ran: list[str] = []

    async def early() -> None:
        ran.append("early")

    task = create_task(early())  # no loop is running: scheduled on the process loop

    async def main() -> str:
        await task
        return "main"

    assert ioConf.run(main()) == "main"
    assert ran == ["early"]
    assert task.get_loop() is ioConf.loop


def test_uvloop_is_used_when_installed_unless_opted_out(
    fresh_process_loop: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    uvloop = pytest.importorskip("uvloop")
    assert isinstance(ioConf.loop, uvloop.Loop)
    ioConf.loop.close()
    monkeypatch.setattr(ioConf, "use_uvloop", False)
    ioConf._loop = None
    assert not isinstance(ioConf.loop, uvloop.Loop)


async def test_ioconf_run_refuses_to_nest_in_a_running_loop() -> None:
    async def nothing() -> None:
        return None

    coro = nothing()
    with pytest.raises(RuntimeError, match="running event loop"):
        ioConf.run(coro)
    coro.close()


def test_a_bounded_memo_table_never_holds_more_than_its_limit_and_keeps_the_newest() -> None:
    from blazeio_common.http.bounded import remember

    table: dict[int, str] = {}
    for i in range(10):
        assert remember(table, i, str(i), 4) == str(i)
        assert len(table) <= 4
        assert table[i] == str(i)  # what was just stored is always there
    assert table == {8: "8", 9: "9"}  # emptied when full: 0-3, 4-7, then 8 and 9
