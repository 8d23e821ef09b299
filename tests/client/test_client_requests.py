"""What the client puts in a request, seen by raw asyncio peers that echo it back."""

from __future__ import annotations

import pytest
from peers import echo_request, raw_server

import blazeio_client as io


async def echoed(url: str, method: str = "GET", **options: object) -> tuple[str, bytes]:
    """The request line and head as the peer received them, and the body."""
    resp = await io.getSession(url, method, **options)
    data = await resp.read()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


async def test_form_fields_with_lists_repeat_the_name_and_none_values_are_left_out() -> None:
    async with raw_server(echo_request()) as url:
        pool = io.Pool()
        try:
            _, body = await echoed(url, "POST", form={"tag": ["x", "y"], "q": "a b", "n": None}, pool=pool)
            head, _ = await echoed(f"{url}/p?a=1", params={"n": None, "c": ["1", None, "2"], "e": ""}, pool=pool)
        finally:
            pool.close()
    assert body == b"tag=x&tag=y&q=a%20b"
    assert head.startswith("GET /p?a=1&c=1&c=2&e= HTTP/1.1\r\n")


async def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_to_another_origin() -> None:
    import base64

    from peers import canned, header

    def basic(pair: str) -> str:
        return "Basic " + base64.b64encode(pair.encode()).decode()

    async with raw_server(echo_request()) as other:
        moved = f"HTTP/1.1 302 Found\r\nLocation: {other}/landing\r\nContent-Length: 0\r\n\r\n".encode()
        async with raw_server(echo_request()) as url, raw_server(canned(moved)) as redirecting:
            pool = io.Pool()
            try:
                userinfo = url.replace("http://", "http://us%C3%A9r:p%40ss%3Aword@")
                head, _ = await echoed(f"{userinfo}/a", pool=pool)
                assert header(head.encode("latin-1"), "authorization") == basic("usér:p@ss:word")  # percent-decoded
                head, _ = await echoed(url.replace("http://", "http://only@"), pool=pool)
                assert header(head.encode("latin-1"), "authorization") == basic("only:")
                # The program's own Authorization header wins.
                head, _ = await echoed(userinfo, headers={"Authorization": "Bearer t"}, pool=pool)
                assert header(head.encode("latin-1"), "authorization") == "Bearer t"
                # Redirected to another origin: the credentials stay behind.
                creds = redirecting.replace("http://", "http://user:secret@")
                resp = await io.getSession.get(f"{creds}/from", follow_redirects=True, pool=pool)
                head = (await resp.read()).decode("latin-1")
                assert head.startswith("GET /landing HTTP/1.1\r\n")
                assert header(head.encode("latin-1"), "authorization") is None
                fresh = io.getSession.get(creds)
                shown = f"{resp.url} {resp.redirects} {resp!r} {fresh!r} {fresh.url} {fresh.url!r}"
                assert "secret" not in shown and basic("user:secret") not in shown
            finally:
                pool.close()


async def test_a_request_can_be_a_task_as_a_coroutine_can_and_still_be_awaited_or_entered() -> None:
    import asyncio

    async with raw_server(echo_request()) as url:
        pool = io.Pool()

        async def target(resp: io.Session) -> str:
            head = (await resp.read()).decode("latin-1")
            return head.split(" ")[1]

        try:
            task = asyncio.create_task(io.getSession.get(f"{url}/task", pool=pool))
            assert await target(await task) == "/task"
            gathered = await asyncio.gather(*(io.getSession.get(f"{url}/g{i}", pool=pool) for i in range(3)))
            assert [await target(r) for r in gathered] == ["/g0", "/g1", "/g2"]
            assert await target(await asyncio.wait_for(io.getSession.get(f"{url}/wait", pool=pool), 5)) == "/wait"
            assert (
                await target(await asyncio.ensure_future(io.getSession.post(f"{url}/ensure", pool=pool))) == "/ensure"
            )
            async with asyncio.TaskGroup() as group:
                grouped = group.create_task(io.getSession.get(f"{url}/group", pool=pool))
            assert await target(grouped.result()) == "/group"
            assert asyncio.iscoroutine(io.getSession.get(url, pool=pool))  # never run: nothing to warn about
            # A task cancelled before it starts, or while it waits, leaves no connection in use.
            cancelled = asyncio.create_task(io.getSession.get(f"{url}/never", pool=pool))
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
            # The spellings that worked before work as before.
            assert await target(await io.getSession.get(f"{url}/await", pool=pool)) == "/await"
            async with io.getSession.get(f"{url}/with", pool=pool) as resp:
                assert await target(resp) == "/with"
            assert pool.idle_connections == 3  # the three gathered at once; every exchange gave its connection back
        finally:
            pool.close()


async def test_the_user_agent_is_blazeio_unless_the_program_sets_or_removes_it() -> None:
    from peers import header

    async with raw_server(echo_request()) as url:
        pool = io.Pool()

        async def sent(name: str, method: str = "GET", **options: object) -> str | None:
            head, _ = await echoed(url, method, pool=pool, **options)
            return header(head.encode("latin-1"), name)

        try:
            agents = [
                await sent("user-agent"),
                await sent("user-agent"),  # the same head again, from the head cache
                await sent("user-agent", "POST", json={"a": 1}),
                await sent("user-agent", headers={"user-agent": "mine/1"}),
                await sent("user-agent", headers=io.Rvtools.headers),
                await sent("user-agent", headers={"User-Agent": None, "X-A": "1"}),  # None: not sent
                await sent("user-agent", headers={"User-Agent": None}),  # nor taken from the head cache
                await sent("user-agent"),
            ]
            others = [await sent(name, headers={"X-Unset": None, "X-A": "1"}) for name in ("x-unset", "x-a")]
        finally:
            pool.close()
    ours = f"Blazeio/{io.__version__}"
    assert agents == [ours, ours, ours, "mine/1", io.Rvtools.headers["user-agent"], None, None, ours]
    assert others == [None, "1"]
