"""``python -m Blazeio get URL [-o FILE]``: download with a progress bar (the client's progress hook)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

__all__ = ["add_get_arguments", "get"]


def add_get_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="what to download (http:// or https://)")
    parser.add_argument("-o", "--output", help="write the body to this file (default: standard output)")
    parser.add_argument("-H", "--header", action="append", default=[], help="an extra request header, 'Name: value'")
    parser.add_argument("--no-redirects", action="store_true", help="do not follow redirects")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


class _Bar:
    """A one-line progress bar on standard error, redrawn at most ten times a second."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.last = 0.0
        self.started = time.monotonic()

    def __call__(self, done: int, total: int | None, final: bool = False) -> None:
        now = time.monotonic()
        if self.quiet or (now - self.last < 0.1 and not final):
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6) / 1e6
        if total:
            filled = int(30 * done / total)
            text = f"[{'#' * filled}{'.' * (30 - filled)}] {100 * done / total:5.1f}% {done:,}/{total:,} B"
        else:
            text = f"{done:,} B"
        sys.stderr.write(f"\r{text} {rate:.1f} MB/s")
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


async def _download(args: argparse.Namespace) -> int:
    from blazeio_client import getSession  # noqa: PLC0415

    headers = dict(item.split(":", 1) for item in args.header)
    bar = _Bar(args.quiet)
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115, ASYNC230
    try:
        async with getSession.get(args.url, {k.strip(): v.strip() for k, v in headers.items()},
                                  follow_redirects=not args.no_redirects, progress=bar) as resp:  # fmt: skip
            async for chunk in resp:
                out.write(chunk)
            bar(resp.received_len, resp.content_length or None, final=True)
            if not resp.ok():
                sys.stderr.write(f"{resp.status_code} {resp.reason_phrase}\n")
                return 1
    finally:
        if args.output:
            out.close()
    return 0


def get(args: argparse.Namespace) -> int:
    return asyncio.run(_download(args))
