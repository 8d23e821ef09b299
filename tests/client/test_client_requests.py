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
