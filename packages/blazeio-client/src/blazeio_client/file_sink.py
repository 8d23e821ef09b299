"""Writing a response body to a file without blocking the event loop.

Bytes are gathered into batches of about 1 MiB; each batch is written in a worker thread
while the next one is read from the network. Only one write is in flight at a time, so the
file always holds an in-order prefix of the body -- what a later resume relies on.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, Callable
from typing import Any, BinaryIO

__all__ = ["BATCH", "write_body"]

BATCH = 1 << 20


def _open(path: str, offset: int) -> BinaryIO:
    if offset == 0:
        return open(path, "wb")
    handle = open(path, "r+b")  # noqa: SIM115
    handle.seek(offset)
    handle.truncate()  # anything past the resume point is not trusted
    return handle


def _finish(handle: BinaryIO, tail: bytes) -> None:
    try:
        if tail:
            handle.write(tail)
        handle.flush()
        os.fsync(handle.fileno())
    finally:
        handle.close()


async def write_body(
    body: AsyncIterable[bytes],
    path: str,
    offset: int,
    total: int | None,
    progress: Callable[[int, int | None], Any] | None,
) -> int:
    """Write ``body`` into ``path`` from ``offset`` (0: a new file); returns the file's size.

    Whatever ends the transfer (an error, a cancellation, ``progress`` raising), the bytes
    received so far are written before this returns or raises, so a resume can go on from them.
    """
    handle = await asyncio.to_thread(_open, path, offset)
    size = offset
    batch = bytearray()
    writing: asyncio.Future[Any] | None = None
    try:
        async for chunk in body:
            batch += chunk
            size += len(chunk)
            if len(batch) >= BATCH:
                if writing is not None:
                    # One write at a time, so the file stays an in-order prefix; shielded: a
                    # cancelled download must not leave a write running under the next one.
                    await asyncio.shield(writing)
                writing = asyncio.ensure_future(asyncio.to_thread(handle.write, bytes(batch)))
                batch.clear()
            if progress is not None:
                progress(size, total)
    finally:
        # Runs on cancellation too: shielded, so what was received reaches the file and the
        # handle is closed even if the task is cancelled again while this waits.
        await asyncio.shield(_drain(writing, handle, bytes(batch)))
    return size


async def _drain(writing: asyncio.Future[Any] | None, handle: BinaryIO, tail: bytes) -> None:
    try:
        if writing is not None:
            await writing
    finally:
        await asyncio.to_thread(_finish, handle, tail)
