"""Request-body ownership: pull() stops exactly at the end; any task may read the body, also
after its handler returned; unread bodies are drained up to a limit, then the connection closes."""

from __future__ import annotations

import asyncio

from serving import TIMEOUT, exchange, parse, read_until, running

import Blazeio as io


async def test_pull_yields_the_body_exactly_never_empty_never_the_next_request() -> None:
    web = io.App("127.0.0.1", 0)
    seen: list[list[bytes]] = []

    @web.add_route
    async def _up(r: io.BlazeioProtocol) -> None:
        chunks = [chunk async for chunk in r.pull()]
        seen.append(chunks)
        await io.Deliver.text(str(sum(map(len, chunks))))

    async with running(web):
        replies = await exchange(
            web.port,
            b"POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
            b"POST /up HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            b"GET /up HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        )
    assert [r.body for r in replies] == [b"5", b"3", b"0"]
    assert [b"".join(c) for c in seen] == [b"hello", b"abc", b""]
    assert all(chunk for chunks in seen for chunk in chunks)


async def test_a_body_read_by_another_task_after_its_handler_returned() -> None:
    """The product document's relay: the body is consumed by a different task, later."""
    web = io.App("127.0.0.1", 0)
    parked: asyncio.Queue[io.BlazeioProtocol] = asyncio.Queue()
    consumed: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    @web.add_route
    async def _park(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 200)
        await r.write(b"parked")
        await parked.put(r)  # someone else reads our body; we return now

    async def consumer() -> None:
        r = await parked.get()
        consumed.set_result(b"".join([chunk async for chunk in r.pull()]))

    @web.add_route
    async def _next(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("next")

    async with running(web):
        task = asyncio.create_task(consumer())
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"POST /park HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        head = await read_until(reader, b"0\r\n\r\n")  # the whole first response: handler returned
        assert head.startswith(b"HTTP/1.1 200") and b"parked" in head
        # The body arrives only now, after the handler is gone; then a pipelined next request.
        writer.write(b"4\r\nlate\r\n5\r\n body\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        rest = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
        await task
    assert consumed.result() == b"late body"
    assert [r.body for r in parse(rest)] == [b"next"]


async def test_a_request_kept_by_another_task_keeps_its_own_state_while_the_next_one_is_served() -> None:
    """The relay hands ``r`` to another task: when the connection begins its next request, the
    kept ``r`` still has its own method, path, headers, store, response state and body -- and
    reading it again cannot take the next request's body."""
    web = io.App("127.0.0.1", 0)
    parked: asyncio.Queue[io.BlazeioProtocol] = asyncio.Queue()
    next_began = asyncio.Event()
    seen: asyncio.Future[dict[str, object]] = asyncio.get_running_loop().create_future()

    @web.add_route
    async def _relay(r: io.BlazeioProtocol) -> None:
        r.store = {"tag": "first"}
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 201)
        await r.write(b"relayed")
        await parked.put(r)  # another task reads our body and looks at r later; we return now

    async def keeper() -> None:
        r = await parked.get()
        body = b"".join([chunk async for chunk in r.pull()])
        await next_began.wait()  # the connection is serving the next request now
        again = await r.read_body()  # read once already: nothing more, and never the next body
        seen.set_result({
            "method": r.method, "path": r.path, "query": r.query, "x-tag": r.headers.get("x-tag"),
            "body": body, "again": again, "complete": r.body_complete, "store": r.store,
            "tag": getattr(r, "tag", None), "status": r.status, "prepared": r.prepared,
        })  # fmt: skip

    @web.add_route
    async def _next(r: io.BlazeioProtocol) -> None:
        next_began.set()
        await seen  # the kept r is looked at while this request is served
        await io.Deliver.text(await r.read_body())

    async with running(web):
        task = asyncio.create_task(keeper())
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"POST /relay?a=1 HTTP/1.1\r\nHost: t\r\nX-Tag: one\r\nTransfer-Encoding: chunked\r\n\r\n")
        head = await read_until(reader, b"0\r\n\r\n")  # the whole first response: its handler returned
        assert head.startswith(b"HTTP/1.1 201")
        writer.write(
            b"5\r\nfirst\r\n0\r\n\r\n"
            b"PUT /next HTTP/1.1\r\nHost: t\r\nX-Tag: two\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecond"
        )
        rest = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
        await task
    assert seen.result() == {
        "method": "POST", "path": "/relay", "query": "a=1", "x-tag": "one", "body": b"first", "again": b"",
        "complete": True, "store": {"tag": "first"}, "tag": "first", "status": 201, "prepared": True,
    }  # fmt: skip
    assert [r.body for r in parse(rest)] == [b"second"]


async def test_a_reader_that_stops_early_leaves_the_rest_to_be_drained() -> None:
    # A handler stops reading mid-body (here: it raises after the first piece; the same as a
    # malformed multipart part). Its 500 goes out, the rest of the body is drained, and the
    # pipelined next request is answered -- the connection does not wait for a reader
    # that will never come back.
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _fail(r: io.BlazeioProtocol) -> None:
        async for _chunk in r.pull():
            raise RuntimeError("gave up after the first piece")

    @web.add_route
    async def _form(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json(await r.form_data())

    @web.add_route
    async def _next(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("next")

    bad_part = b"--B\r\nContent-Dis--position: form-data\r\n\r\nv\r\n--B\r\n" + b"x" * 5000 + b"\r\n--B--\r\n"
    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"POST /fail HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        head = await read_until(reader, b"\r\n\r\nInternal Server Error")  # the whole 500
        writer.write(
            b"6\r\nsecond\r\n0\r\n\r\n"
            b"POST /form HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=B\r\n"
            b"Content-Length: %d\r\n\r\n%s"
            % (len(bad_part), bad_part)
            + b"GET /next HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        rest = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    assert head.startswith(b"HTTP/1.1 500")
    form, last = parse(rest)
    assert (form.status, form.body) == (400, b"Bad Request: multipart part without a name")
    assert (last.status, last.body) == (200, b"next")


async def test_a_reader_that_holds_the_body_without_reading_is_cut_off() -> None:
    # A pull() kept open by a handler that returned, never read again: after body_timeout
    # without a byte read the connection closes, instead of waiting for it forever.
    web = io.App("127.0.0.1", 0, body_timeout=0.3)
    kept: list[object] = []

    @web.add_route
    async def _keep(r: io.BlazeioProtocol) -> None:
        body = r.pull()
        kept.append(body)
        await body.__anext__()  # the first piece only
        await io.Deliver.text("kept")

    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"POST /keep HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nfirst")
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)  # the server closes: EOF
        writer.close()
    (reply,) = parse(raw)
    assert (reply.status, reply.body) == (200, b"kept")
    assert len(kept) == 1


async def test_an_unread_small_body_is_drained_and_the_connection_reused() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _skip(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("skipped")

    async with running(web):
        replies = await exchange(
            web.port,
            b"POST /skip HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n" + b"x" * 1000
            + b"POST /skip HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            + b"GET /skip HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        )  # fmt: skip
    assert [r.body for r in replies] == [b"skipped"] * 3


async def test_an_unread_body_over_the_drain_limit_closes_the_connection() -> None:
    web = io.App("127.0.0.1", 0, drain_limit=1024)

    @web.add_route
    async def _skip(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("skipped")

    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"POST /skip HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + b"x" * 4096)
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)  # answered, then closed
        writer.close()
    assert [r.body for r in parse(raw)] == [b"skipped"]


async def test_raw_iteration_yields_bytes_after_the_head_for_custom_protocols() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _raw(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "application/octet-stream"}, 200)
        async for chunk in r:
            await r.write(chunk.upper())
            if chunk.endswith(b"."):
                break

    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET /raw HTTP/1.1\r\nHost: t\r\n\r\nraw bytes")
        await read_until(reader, b"\r\n\r\n")
        assert await reader.readexactly(9) == b"RAW BYTES"
        writer.write(b" more.")
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b" MORE."  # then closed
        writer.close()


async def test_read_body_limit_answers_413() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _capped(r: io.BlazeioProtocol) -> None:
        await r.read_body(limit=10)
        await io.Deliver.text("no")

    async with running(web):
        (reply,) = await exchange(
            web.port, b"POST /capped HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n01234567890"
        )
    assert reply.status == 413


async def test_trailers_of_a_chunked_body_are_readable_after_it() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _sum(r: io.BlazeioProtocol) -> None:
        body = await r.read_body()
        await io.Deliver.text(f"{body.decode()} {r.trailers.get('x-sum')} {len(r.trailers)}")

    async with running(web):
        replies = await exchange(
            web.port,
            b"POST /sum HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 3\r\n\r\n"
            b"POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\nde",
        )
    assert [r.body for r in replies] == [b"abc 3 1", b"de None 0"]
