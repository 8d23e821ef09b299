"""The product document's signaling relay, over WebSocket.

A peer opens ``ws://host:3002/room/create`` and gets its room id as the first (JSON) message;
a second peer opens ``ws://host:3002/room/join?room=<id>``; from then on every message either
sends reaches the other, unchanged (text stays text, binary stays binary), until one closes.

    python signaling_ws.py                      # serve on 0.0.0.0:3002
    python signaling_ws.py -test [--pairs 10] [--chunks 100] [--payload-size 102400]

``-test`` runs a load test against the server it starts: ``--pairs`` creator/joiner pairs at
once; each joiner sends ``--chunks`` binary messages of ``--payload-size`` bytes through the
relay, then ``"done"``; its creator counts the bytes and answers, through the relay again, with
its report. It prints ``Performance test completed: <json>`` (each pair's bytes, seconds and
MB/s, and the totals), then stops the server. ``BLAZEIO_HOST`` / ``BLAZEIO_PORT`` change where
it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import Blazeio as io

web = io.App("0.0.0.0", 3002)
MAX_MESSAGE = 16 * 1024 * 1024


@dataclass
class Room:
    creator: io.WebSocket
    joined: asyncio.Future[io.WebSocket] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


rooms: dict[str, Room] = {}


async def relay(source: io.WebSocket, target: io.WebSocket) -> None:
    """Forward every message of ``source`` to ``target``; when ``source`` ends, close ``target``."""
    try:
        async for message in source:
            await target.send(message)
    finally:
        await target.close()


@web.add_route
async def _room_create(r: io.BlazeioProtocol) -> None:
    ws = await r.websocket(max_message_size=MAX_MESSAGE)
    room_id = secrets.token_urlsafe(12)
    room = rooms[room_id] = Room(ws)
    try:
        await ws.send_json({"room": room_id})
        # Wait for the peer, or for this one to leave first.
        either: list[asyncio.Future[Any]] = [room.joined, ws.on_close]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if room.joined.done():
            await relay(ws, room.joined.result())
    finally:
        rooms.pop(room_id, None)


@web.add_route
async def _room_join(r: io.BlazeioProtocol) -> None:
    room_id = r.params().get("room")
    if not room_id:
        raise io.Abort("room parameter is required!", 400)
    room = rooms.pop(room_id, None)  # a room takes one peer
    if room is None or room.creator.closed:
        raise io.Abort("room not found", 404)
    ws = await r.websocket(max_message_size=MAX_MESSAGE)
    room.joined.set_result(ws)
    await relay(ws, room.creator)


# -- the load test ---------------------------------------------------------------------
async def creator(base: str, joiner_started: asyncio.Queue[str]) -> dict[str, object]:
    async with io.getSession.websocket(f"{base}/room/create", max_message_size=MAX_MESSAGE) as ws:
        room = (await ws.receive_json())["room"]
        await joiner_started.put(room)
        received, started = 0, time.perf_counter()
        async for message in ws:
            if message == "done":
                break
            received += len(message)
        seconds = time.perf_counter() - started
        report = {
            "room": room,
            "bytes_transferred": received,
            "duration": seconds,
            "transfer_rate_mb_s": received / (1024 * 1024) / seconds if seconds > 0 else 0.0,
        }
        await ws.send_json(report)
        return report


async def joiner(base: str, room: str, chunks: int, payload: bytes) -> dict[str, object]:
    async with io.getSession.websocket(f"{base}/room/join?room={room}", max_message_size=MAX_MESSAGE) as ws:
        for _ in range(chunks):
            await ws.send(payload)
        await ws.send("done")
        report: dict[str, object] = await ws.receive_json()  # the creator's, through the relay
        return report


async def pair(base: str, chunks: int, payload: bytes) -> dict[str, object]:
    rooms_ready: asyncio.Queue[str] = asyncio.Queue()
    create = asyncio.ensure_future(creator(base, rooms_ready))
    room = await rooms_ready.get()
    joined = await joiner(base, room, chunks, payload)
    assert joined == await create, "the report came back changed"
    return joined


async def load_test(pairs: int, chunks: int, payload_size: int) -> None:
    await web  # listening
    base = web.server_address.replace("http://", "ws://")
    payload = b"." * payload_size
    started = time.perf_counter()
    try:
        results = await asyncio.gather(*(pair(base, chunks, payload) for _ in range(pairs)))
        seconds = time.perf_counter() - started
        total = sum(int(str(result["bytes_transferred"])) for result in results)
        summary = {
            "pairs": pairs,
            "bytes_transferred": total,
            "duration": seconds,
            "transfer_rate_mb_s": total / (1024 * 1024) / seconds if seconds > 0 else 0.0,
        }
        await io.plog.green("Performance test completed", io.dumps({"results": results, "total": summary}))
    finally:
        await web.exit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-test", "--test", action="store_true", help="run the load test, then stop")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--chunks", type=int, default=100)
    parser.add_argument("--payload-size", type=int, default=100 * 1024)
    args = parser.parse_args()
    if args.test:

        @web.on_startup
        def _start_load_test() -> None:
            asyncio.get_running_loop().call_soon(
                lambda: asyncio.ensure_future(load_test(args.pairs, args.chunks, args.payload_size))
            )

    with web:
        web.runner()


if __name__ == "__main__":
    main()
