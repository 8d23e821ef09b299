"""What the client puts in a request, seen by raw asyncio peers that echo it back."""

from __future__ import annotations

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
