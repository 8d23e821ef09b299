"""``plog``: the colour logger of the product document, which never blocks the event loop.

``await io.plog.cyan("name", item1, item2)`` formats at once (so ``plog.lineno`` is exact
when the call returns) and hands the text to one writer thread, which does the blocking
write to the terminal -- or to stdlib ``logging`` after ``plog.route_to_logging()``.

``<line_N>``: while ``plog.track_lineno`` is on, each message adds its line count to
``plog.lineno``. A message whose first argument is ``"<line_N>"`` is drawn in place at
terminal row N (the rest of that argument, if any, is its name), so a progress line can
be redrawn instead of scrolling. Without a terminal it is printed as a plain line.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import queue
import re
import sys
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["COLOURS", "Plog", "plog"]

COLOURS: dict[str, str] = {
    "info": "\033[34m",
    "error": "\033[31m",
    "warning": "\033[33m",
    "critical": "\033[38;5;1m",
    "debug": "\033[90m",
    "reset": "\033[0m",
    "red": "\033[31m",
    "green": "\033[32m",
    "yellow": "\033[33m",
    "blue": "\033[34m",
    "magenta": "\033[35m",
    "cyan": "\033[36m",
    "white": "\033[37m",
    "grey": "\033[90m",
    "gray": "\033[90m",
    "b_red": "\033[91m",
    "b_green": "\033[92m",
    "b_yellow": "\033[93m",
    "b_blue": "\033[94m",
    "b_magenta": "\033[95m",
    "b_cyan": "\033[96m",
    "b_white": "\033[97m",
}
_RESET = COLOURS["reset"]

_LEVELS: dict[str, int] = {
    "error": logging.ERROR,
    "red": logging.ERROR,
    "b_red": logging.ERROR,
    "critical": logging.CRITICAL,
    "warning": logging.WARNING,
    "yellow": logging.WARNING,
    "b_yellow": logging.WARNING,
    "debug": logging.DEBUG,
    "grey": logging.DEBUG,
    "gray": logging.DEBUG,
}

_LINE_TAG = re.compile(r"<line_(\d+)>")

# A queued item: (text for a terminal, plain text, level, row or None) or a flush marker.
_Item = tuple[str, str, int, int | None] | Callable[[], None]


class _Writer:
    """One daemon thread that performs every blocking write, in order."""

    def __init__(self, owner: Plog) -> None:
        self.owner = owner
        self.queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def put(self, item: _Item) -> None:
        if self.thread is None:
            with self.lock:
                if self.thread is None:
                    self.thread = threading.Thread(target=self._run, name="blazeio-plog", daemon=True)
                    self.thread.start()
                    atexit.register(self.close)
        self.queue.put(item)

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if callable(item):
                item()
            else:
                self.owner._write(*item)

    def close(self) -> None:
        """Drain what is queued (at interpreter exit) so no message is lost."""
        thread = self.thread
        if thread is not None and thread.is_alive():
            self.queue.put(None)
            thread.join(timeout=5)
        self.thread = None


class Plog:
    """The logger behind ``io.plog``; one method per colour in ``COLOURS``."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.track_lineno = False
        self.lineno = 1
        self.stream = stream
        self.logger: logging.Logger | None = None
        self._writer = _Writer(self)

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, None]]:
        # Only reached for names that are not colours (those are real methods, set below);
        # declared so the type checker knows ``plog.<colour>`` is a coroutine method.
        raise AttributeError(f"plog has no colour {name!r}; colours: {', '.join(COLOURS)}")

    # -- configuration ---------------------------------------------------------------
    def route_to_logging(self, logger: logging.Logger | str | None = "blazeio") -> None:
        """Send every message to a stdlib logger (colour names map to levels); ``None`` undoes it."""
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger

    def _colour_enabled(self, stream: TextIO) -> bool:
        if os.environ.get("NO_COLOR"):
            return False
        if os.environ.get("FORCE_COLOR"):
            return True
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())

    # -- formatting (on the caller's thread, cheap) ----------------------------------
    def emit(self, colour: str, *args: Any, sepr: str = "  ") -> None:
        """Format and queue one message without blocking; the coroutine methods call this."""
        row: int | None = None
        name = ""
        logs: tuple[Any, ...] = args
        if args and isinstance(args[0], str) and (tag := _LINE_TAG.match(args[0])):
            row = int(tag.group(1))
            name, logs = args[0][tag.end() :], args[1:]
        elif len(args) > 1:
            name, logs = str(args[0]), args[1:]
        now = datetime.now(UTC)
        stamp = f"{now:%H:%M:%S}.{now.microsecond // 1000:03d}"
        lines = [f"[{stamp}]{' ' + name if name else ''}:"]
        lines.extend(f"{sepr * (i + 1)}{log}" for i, log in enumerate(logs))
        plain = "\n".join(lines) + "\n"
        if self.track_lineno:
            self.lineno += plain.count("\n")
        code = COLOURS.get(colour, "")
        self._writer.put((f"{code}{plain.rstrip(chr(10))}{_RESET}\n", plain, _LEVELS.get(colour, logging.INFO), row))

    def _write(self, coloured: str, plain: str, level: int, row: int | None) -> None:
        if self.logger is not None:
            self.logger.log(level, plain.rstrip("\n"))
            return
        stream = self.stream or sys.stdout
        if not self._colour_enabled(stream):
            stream.write(plain)
        elif row is None:
            stream.write(coloured)
        else:
            # Save the cursor, clear the rows the message needs, draw at row N, restore.
            height = plain.count("\n")
            clear = "".join(f"\0337\033[{row + i};1H\033[2K" for i in range(height))
            stream.write(f"\0337{clear}\033[{row};1H{coloured}\0338")
        stream.flush()

    async def flush(self) -> None:
        """Wait until every message queued so far has been written."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def resolve() -> None:
            if not done.done():
                done.set_result(None)

        def signal() -> None:
            loop.call_soon_threadsafe(resolve)

        self._writer.put(signal)
        await done

    def flush_sync(self, timeout: float = 5.0) -> None:
        """Blocking flush, for code outside the event loop."""
        done = threading.Event()
        self._writer.put(done.set)
        done.wait(timeout)


def _colour_method(colour: str) -> Callable[..., Coroutine[Any, Any, None]]:
    async def log(self: Plog, *args: Any, sepr: str = "  ", **_ignored: Any) -> None:
        self.emit(colour, *args, sepr=sepr)

    log.__name__ = log.__qualname__ = colour
    log.__doc__ = f"Log ``name, *items`` in {colour} (returns at once; the write happens off-loop)."
    return log


for _colour in COLOURS:
    setattr(Plog, _colour, _colour_method(_colour))


plog = Plog()
