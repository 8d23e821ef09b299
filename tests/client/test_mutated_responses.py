"""Mutated responses over 127.0.0.1: the client returns a body or raises a Blazeio error.

A raw peer answers each request with a valid response (length-framed, chunked, until close,
204, 100 then 200, a redirect, gzip) mutated at random (seeded, so a failure reproduces). For
each one the client must give a body or raise one of its typed errors -- never another
exception (an IndexError from a parser is a bug), and never hang. Runs in the client-only
install slice too.
"""

from __future__ import annotations

import asyncio
import gzip
import random

from peers import raw_server, read_head

import blazeio_client as io
from blazeio_common import BlazeioException, ProtocolError

from wire import mutate

SEEDS = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 25\r\n\r\n" + gzip.compress(b"hello", mtime=0),
]


async def test_mutated_responses_give_a_body_or_a_typed_error() -> None:
    rng = random.Random(20261124)
    answers = {f"/{i}": mutate(rng, rng.choice(SEEDS)) for i in range(1500)}

    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await read_head(reader)
            writer.write(answers[head.split(b" ")[1].decode()])
            await writer.drain()
            writer.write_eof()
            await reader.read()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    outcomes: dict[str, int] = {}
    gate = asyncio.Semaphore(20)

    async def fetch(url: str) -> None:
        async with gate:
            try:
                async with io.getSession.get(url, timeout=5) as resp:
                    await resp.read()
                kind = "body"
            except ProtocolError:
                kind = "protocol error"
            except BlazeioException as exc:  # e.g. DecompressionError, IncompleteBody, timeouts
                kind = type(exc).__name__
        outcomes[kind] = outcomes.get(kind, 0) + 1

    async with raw_server(peer) as base:
        # Any other exception propagates out of gather and fails the test.
        await asyncio.gather(*(fetch(base + path) for path in answers))
    assert "Protocoltimeout" not in outcomes, outcomes  # the peer always closes: no hang
    assert outcomes.get("body", 0) > 150
    assert outcomes.get("protocol error", 0) > 900
