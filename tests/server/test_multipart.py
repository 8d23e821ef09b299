"""multipart/form-data over real sockets: ``r.multipart()`` streams parts as they arrive (relays,
saving, skipping), ``r.form_data()`` spools files off the event loop, and malformed or oversized
bodies are 400/413 with no file left open or behind."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import threading
from pathlib import Path
from typing import IO, Any

import psutil
import pytest
from serving import TIMEOUT, exchange, parse, request, running

import Blazeio as io
from blazeio_server.filesink import FileSink

BOUNDARY = "----blazeio-multipart-test"
HEADERS = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
Spec = tuple[str, "str | None", "str | None", bytes]


def part(name: str, filename: str | None, content_type: str | None, data: bytes) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    kind = f"Content-Type: {content_type}\r\n" if content_type else ""
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n".encode() + data + b"\r\n"


def form(*parts: Spec) -> bytes:
    return b"".join(part(*spec) for spec in parts) + f"--{BOUNDARY}--\r\n".encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_files() -> list[str]:
    """The files this process has open, deleted temporary files included (which psutil leaves out)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return sorted(f.path for f in psutil.Process().open_files())
    paths = []
    for fd in fds.iterdir():
        with contextlib.suppress(OSError):  # the descriptor of the listing itself is gone by now
            paths.append(os.readlink(fd))
    return sorted(path for path in paths if path.startswith("/") and not path.startswith(("/dev/", "/proc/")))


def multipart_app(save_to: Path | None = None, **settings: Any) -> io.App:
    web = io.App("127.0.0.1", 0, **settings)

    @web.add_route
    async def _parts(r: io.BlazeioProtocol) -> None:
        # Every part as it arrives: fields whole, files hashed piece by piece (or saved).
        out = []
        async for p in r.multipart():
            entry: dict[str, Any] = {"name": p.name, "filename": p.filename, "type": p.content_type}
            if p.filename is None:
                entry["value"] = (await p.read()).decode()
            elif save_to is not None:
                entry["saved"] = await p.save(save_to / p.filename)
            else:
                digest, biggest = hashlib.sha256(), 0
                async for chunk in p:
                    digest.update(chunk)
                    biggest = max(biggest, len(chunk))
                entry |= {"sha256": digest.hexdigest(), "size": p.size, "whole": biggest == p.size}
            out.append(entry)
        await io.Deliver.json(out)

    @web.add_route
    async def _relay(r: io.BlazeioProtocol) -> None:
        # An upload relay: the first part goes straight back out as it arrives.
        parts = r.multipart()
        first = await anext(parts)
        await r.prepare({"Content-Type": first.content_type, "Transfer-Encoding": "chunked"}, 200)
        async for chunk in first:
            await r.write(chunk)
        async for _rest in parts:
            pass
        await r.eof()

    @web.add_route
    async def _skip(r: io.BlazeioProtocol) -> None:
        parts = r.multipart()
        first = await anext(parts)
        peek = await anext(first)  # one piece, then on to the next part
        second = await anext(parts)
        value = (await second.read()).decode()
        try:
            await first.read()
            late = "read"
        except RuntimeError as exc:
            late = str(exc)
        await io.Deliver.json({"peek": len(peek) > 0, "second": [second.name, value], "late": late})

    @web.add_route
    async def _first(r: io.BlazeioProtocol) -> None:
        async for p in r.multipart():
            await io.Deliver.text(p.name)
            break

    @web.add_route
    async def _form(r: io.BlazeioProtocol) -> None:
        data = await r.form_data()
        out = {}
        for key, value in data.items():
            if isinstance(value, io.UploadFile):
                out[key] = {"sha256": sha(await value.read()), "on_disk": value.on_disk, "type": value.content_type}
            else:
                out[key] = value
        await io.Deliver.json(out)

    @web.add_route
    async def _ping(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("pong")

    return web


async def post(web: io.App, path: str, body: bytes, headers: dict[str, str] = HEADERS) -> tuple[int, Any]:
    (reply,) = await exchange(web.port, request("POST", path, body, headers))
    is_json = reply.headers.get("content-type", "").startswith("application/json")
    return reply.status, io.loads(reply.body) if is_json else reply.body


async def test_parts_stream_with_their_names_filenames_types_and_bytes() -> None:
    photo, notes = os.urandom(3 << 20), b"first line\r\n--not a boundary\r\n"
    body = form(
        ("title", None, None, "héllo".encode()),
        ("photo", "photo.png", "image/png", photo),
        ("tag", None, None, b"a"),
        ("notes", "notes.txt", None, notes),
        ("tag", None, "text/plain; charset=utf-8", b"b"),
    )
    async with running(multipart_app()) as web:
        status, data = await post(web, "/parts", body)
    assert status == 200
    assert data == [
        {"name": "title", "filename": None, "type": "text/plain", "value": "héllo"},
        {"name": "photo", "filename": "photo.png", "type": "image/png", "sha256": sha(photo), "size": len(photo),
         "whole": False},
        {"name": "tag", "filename": None, "type": "text/plain", "value": "a"},
        {"name": "notes", "filename": "notes.txt", "type": "application/octet-stream", "sha256": sha(notes),
         "size": len(notes), "whole": True},
        {"name": "tag", "filename": None, "type": "text/plain; charset=utf-8", "value": "b"},
    ]  # fmt: skip


async def test_a_relay_sends_a_part_on_while_the_rest_of_the_upload_is_still_arriving() -> None:
    # The client sends half of the file and waits: only if the part's pieces are handed out as
    # they arrive (not gathered whole) does that half come back before the rest is sent.
    first_half, second_half = b"x" * 300_000, b"y" * 300_000
    body = form(("file", "clip.bin", "video/mp4", first_half + second_half), ("note", None, None, b"after"))
    cut = body.index(second_half)
    head = request("POST", "/relay", body, HEADERS)[: -len(body)]
    async with running(multipart_app()) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(head + body[:cut])
        received = b""
        while received.count(b"x") < len(first_half):
            received += await asyncio.wait_for(reader.read(1 << 16), TIMEOUT)
        writer.write(body[cut:])
        received += await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    (reply,) = parse(received)
    assert (reply.status, reply.headers["content-type"]) == (200, "video/mp4")
    assert reply.body == first_half + second_half


async def test_moving_to_the_next_part_skips_the_unread_rest_of_the_current_one() -> None:
    body = form(("big", "big.bin", None, os.urandom(1 << 20)), ("after", None, None, b"still here"))
    async with running(multipart_app()) as web:
        status, data = await post(web, "/skip", body)
    assert (status, data["peek"], data["second"]) == (200, True, ["after", "still here"])
    assert "was skipped" in data["late"]


async def test_a_handler_may_stop_after_any_part_and_the_connection_goes_on() -> None:
    body = form(("first", None, None, b"1"), ("rest", "rest.bin", None, os.urandom(500_000)))
    async with running(multipart_app()) as web:
        first = request("POST", "/first", body, HEADERS).replace(b"Connection: close\r\n", b"")
        replies = await exchange(web.port, first + request("GET", "/ping"))
    assert [(reply.status, reply.body) for reply in replies] == [(200, b"first"), (200, b"pong")]


async def test_part_save_writes_the_file(tmp_path: Path) -> None:
    payload = os.urandom(2 << 20)
    body = form(("a", "one.bin", None, payload), ("b", "empty.bin", None, b""), ("c", None, None, b"field"))
    async with running(multipart_app(save_to=tmp_path)) as web:
        status, data = await post(web, "/parts", body)
    assert status == 200
    assert [entry.get("saved", entry.get("value")) for entry in data] == [len(payload), 0, "field"]
    assert (tmp_path / "one.bin").read_bytes() == payload
    assert (tmp_path / "empty.bin").read_bytes() == b""


def _unterminated(name: str) -> bytes:
    return part(name, "big.bin", None, os.urandom(600_000))[:-2]  # the body stops inside the file


MALFORMED = [
    ("missing-final-boundary", b"", {}, 400, b"multipart body ended before its close delimiter"),
    ("bad-part-header", part("f", "x.bin", None, b"data") + b"--" + BOUNDARY.encode() + b"\r\nNo colon\r\n\r\nx\r\n",
     {}, 400, b"malformed multipart part header"),
    ("part-header-over-the-limit", b"--" + BOUNDARY.encode() + b"\r\nX-Long: " + b"v" * 300 + b"\r\n\r\nx\r\n",
     {"max_part_header_size": 200}, 400, b"multipart part headers too large"),
    ("too-many-parts", form(*[("n", None, None, b"v")] * 3), {"max_form_parts": 3}, 413, b"more than 3 form parts"),
    ("field-over-the-limit", form(("n", None, None, b"v" * 5000)), {"max_body_size": 4096}, 413,
     b"form field 'n' larger than 4096 bytes"),
    ("form-over-the-limit", form(("n", None, None, b"v")), {"max_form_size": 200_000}, 413,
     b"form body larger than 200000 bytes"),  # within early.bin
]  # fmt: skip


@pytest.mark.parametrize("route", ["/parts", "/form"])
@pytest.mark.parametrize(("body", "settings", "status", "message"), [m[1:] for m in MALFORMED],
                         ids=[m[0] for m in MALFORMED])  # fmt: skip
async def test_malformed_or_oversized_bodies_are_4xx_and_leave_no_file_open_or_behind(
    tmp_path: Path, route: str, body: bytes, settings: dict[str, int], status: int, message: bytes
) -> None:
    # Each body begins with a file big enough to be on disk (saved, or spooled past the threshold)
    # when the error comes; the connection then goes on with the next request.
    body = part("early", "early.bin", None, os.urandom(300_000)) + (body or _unterminated("late"))
    web = multipart_app(save_to=tmp_path, spool_threshold=100_000, **settings)
    before = open_files()
    async with running(web):
        first = request("POST", route, body, HEADERS).replace(b"Connection: close\r\n", b"")
        bad, ping = await exchange(web.port, first + request("GET", "/ping"))
        assert open_files() == before
    assert (bad.status, bad.body) == (status, (b"Payload Too Large: " if status == 413 else b"Bad Request: ") + message)
    assert ping.body == b"pong"
    # Files saved whole before the error stay; the one the error cut short is removed.
    saved = sorted(os.listdir(tmp_path))
    whole = ["early.bin", "x.bin"] if b"x.bin" in body else [] if "max_form_size" in settings else ["early.bin"]
    assert saved == ([] if route == "/form" else whole)


@pytest.mark.parametrize("route", ["/parts", "/form"])
async def test_a_body_that_is_not_multipart_is_415_and_a_bad_boundary_400(route: str) -> None:
    async with running(multipart_app()) as web:
        assert await post(web, route, b"{}", {"Content-Type": "application/json"}) == (
            415, b"Unsupported Media Type: expected " + (b"multipart/form-data" if route == "/parts" else b"a form")
            + b", got 'application/json'",
        )  # fmt: skip
        status, text = await post(web, route, form(), {"Content-Type": "multipart/form-data; boundary=" + "b" * 71})
    assert (status, text) == (400, b"Bad Request: multipart boundary missing, malformed or longer than 70 characters")


class SlowDisk:
    """Temporary files whose first write waits until the test lets it go (a disk that stalls)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.release = threading.Event()
        self.writing = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        self.waited: list[bool] = []  # per stalled write: did the test let it go (not a timeout)?
        self.threads: set[int] = set()

    def __call__(self, *args: Any, **kwargs: Any) -> IO[bytes]:
        disk = self

        class File:
            def __init__(self) -> None:
                self.file = disk.real(*args, **kwargs)

            def stall(self) -> None:
                disk.threads.add(threading.get_ident())
                if not disk.waited:
                    disk.loop.call_soon_threadsafe(disk.writing.set)
                    disk.waited.append(disk.release.wait(5))

            def write(self, data: bytes) -> int:
                self.stall()
                return self.file.write(data)  # type: ignore[no-any-return]

            def writelines(self, pieces: list[bytes]) -> None:
                self.stall()
                self.file.writelines(pieces)

            def __getattr__(self, name: str) -> Any:
                return getattr(self.file, name)

        return File()  # type: ignore[return-value]


async def test_form_data_writes_files_off_the_event_loop_so_a_slow_disk_stalls_no_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tempfile

    disk = SlowDisk(tempfile.TemporaryFile)
    monkeypatch.setattr(tempfile, "TemporaryFile", disk)
    payload = os.urandom(3 << 20)
    body = form(("doc", "doc.bin", "application/pdf", payload), ("note", None, None, b"hi"))
    async with running(multipart_app(spool_threshold=64 * 1024)) as web:
        upload = asyncio.create_task(post(web, "/form", body))
        await asyncio.wait_for(disk.writing.wait(), TIMEOUT)
        # The upload's disk write is stalled: another client is still served meanwhile.
        (ping,) = await exchange(web.port, request("GET", "/ping"))
        disk.release.set()
        status, data = await upload
    assert ping.body == b"pong"
    assert disk.waited == [True]  # the write waited for the test, not for its timeout
    assert threading.get_ident() not in disk.threads
    assert (status, data) == (200, {"doc": {"sha256": sha(payload), "on_disk": True, "type": "application/pdf"},
                                    "note": "hi"})  # fmt: skip


async def test_file_writes_are_batched_into_few_thread_hops_off_the_loop() -> None:
    written: list[tuple[int, int]] = []  # (thread, pieces) per write call

    class Recorder:
        def writelines(self, pieces: list[bytes]) -> None:
            written.append((threading.get_ident(), len(pieces)))

        def close(self) -> None:
            pass

    sink = FileSink(Recorder, batch=64 * 1024)  # type: ignore[arg-type]
    for _ in range(1000):
        await sink.write(b"p" * 1000)
    await sink.finish(lambda file: file.close())
    assert sum(pieces for _, pieces in written) == 1000
    assert len(written) <= 1000 * 1000 // (64 * 1024) + 1
    assert threading.get_ident() not in {thread for thread, _ in written}


@pytest.mark.peer("curl")
async def test_curl_upload_is_streamed_part_by_part(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    payload = os.urandom(4 << 20)
    path.write_bytes(payload)
    async with running(multipart_app()) as web:
        proc = await asyncio.create_subprocess_exec(
            "curl", "-s", "-F", "note=from curl", "-F", f"file=@{path};type=application/zip",
            f"{web.server_address}/parts", stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    assert io.loads(out) == [
        {"name": "note", "filename": None, "type": "text/plain", "value": "from curl"},
        {"name": "file", "filename": "upload.bin", "type": "application/zip", "sha256": sha(payload),
         "size": len(payload), "whole": False},
    ]  # fmt: skip
