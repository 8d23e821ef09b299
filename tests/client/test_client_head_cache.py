"""Each Pool keeps its own cache of response heads; head_cache_size=0 turns it off."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from peers import canned, raw_server

import blazeio_client as io

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"


@pytest.fixture
async def url() -> AsyncIterator[str]:
    async with raw_server(canned(RESPONSE, close=False)) as base:
        yield base + "/x"


def _heads(pool: io.Pool) -> set[bytes]:
    return {head for table in pool.head_cache.tables.values() for head in table}


async def _get_twice(url: str, pool: io.Pool) -> None:
    for _ in range(2):
        async with io.getSession.get(url, pool=pool) as resp:
            assert resp.status_code == 200
            assert await resp.text() == "hello"


async def test_two_pools_keep_separate_response_head_caches(url: str) -> None:
    first, second = io.Pool(), io.Pool()
    try:
        await _get_twice(url, first)
        assert _heads(first) == {RESPONSE[: RESPONSE.index(b"\r\n\r\n") + 4]}
        assert _heads(second) == set()  # nothing the first pool learnt is in the second's cache
        await _get_twice(url, second)
        assert _heads(second) == _heads(first)
        assert first.head_cache is not second.head_cache
    finally:
        first.close()
        second.close()


async def test_head_cache_size_zero_caches_no_response_head(url: str) -> None:
    pool = io.Pool(head_cache_size=0)
    try:
        await _get_twice(url, pool)  # answered the same way, parsed every time
        assert _heads(pool) == set()
    finally:
        pool.close()
