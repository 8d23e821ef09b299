"""The server benchmark suite: Blazeio against every Python peer and a bare-protocol ceiling.

    hatch run bench:all [--rounds 3] [--duration 3] [--workloads plaintext,json,...] [--servers ...]

Servers (one worker each, pinned to core 0 with taskset): the ceiling (a bare asyncio Protocol on
uvloop answering a canned response per ``\\r\\n\\r\\n``, no parsing), the floor (the same
answers, each from an async handler awaited in the connection's task: request workloads only),
Blazeio, granian (RSGI), uvicorn (httptools + uvloop, raw ASGI) and aiohttp.web. Load comes from core 1: wrk for
plaintext, JSON and pipelined x16; curl for the 256 MiB chunked upload and download and the
slow reader; a Python client holding 10,000 idle keep-alive connections.

Every round runs every server on a workload back to back, the ceiling first, so each ratio
compares runs made in the same minute (the machine is shared and noisy; absolute figures
swing). Reported: the median over rounds of each figure, and the median of per-round ratios
to the ceiling. Server CPU microseconds per request come from /proc (the whole process tree),
the least noisy figure. Output is a markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).parent
PORT = 18283
SERVERS = {
    "ceiling": "ceiling.py",
    "floor": "floor.py",
    "blazeio": "blazeio_plain.py",
    "granian": "granian_rsgi.py",
    "uvicorn": "uvicorn_raw.py",
    "aiohttp": "aiohttp_web.py",
}
REQUESTS_ONLY = {"floor"}  # answers bodiless requests, nothing else
BIG = 256 << 20
IDLE_CONNECTIONS = 10_000


@dataclass
class Figure:
    """One workload's figure for one server in one round."""

    value: float
    cpu_us: float | None = None


@dataclass
class Workload:
    name: str
    unit: str
    higher_is_better: bool
    run: Callable[[psutil.Process, argparse.Namespace], Figure]
    ratio: bool = True  # a ratio to the ceiling means something (not for memory figures)
    requests: bool = False  # bodiless requests only: the floor can serve it
    results: dict[str, list[Figure]] = field(default_factory=dict)


def tree(proc: psutil.Process) -> list[psutil.Process]:
    return [proc, *proc.children(recursive=True)]


def cpu_seconds(proc: psutil.Process) -> float:
    total = 0.0
    for p in tree(proc):
        times = p.cpu_times()
        total += times.user + times.system
    return total


def rss(proc: psutil.Process) -> int:
    return sum(p.memory_info().rss for p in tree(proc))


def start(name: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, SERVERS[name], str(PORT)],
        cwd=HERE / "servers",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/plaintext", timeout=1) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError(f"{name} did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # granian's worker, if it outlived its parent
    proc.wait()


def wrk(path: str, duration: int, connections: int, script: str | None = None) -> int:
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s"]
    if script:
        cmd += ["-s", str(HERE / script)]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True, check=True).stdout
    total = re.search(r"(\d+) requests in", out)
    if total is None or "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk failed:\n{out}")
    return int(total.group(1))


def load(path: str, script: str | None = None) -> Callable[[psutil.Process, argparse.Namespace], Figure]:
    def run(proc: psutil.Process, args: argparse.Namespace) -> Figure:
        wrk(path, 1, args.connections, script)  # warm-up
        before = cpu_seconds(proc)
        count = wrk(path, args.duration, args.connections, script)
        return Figure(count / args.duration, (cpu_seconds(proc) - before) / count * 1e6)

    return run


def curl(*args: str) -> list[str]:
    out = subprocess.run(
        ["taskset", "-c", "1", "curl", "-sS", "-o", "/dev/null", *args], capture_output=True, text=True, check=True
    ).stdout
    return out.split()


def upload(proc: psutil.Process, args: argparse.Namespace) -> Figure:
    before = cpu_seconds(proc)
    t = time.perf_counter()
    status, sent = curl(
        "-w", "%{http_code} %{size_upload}", "-T", str(args.payload), "-X", "POST",
        "-H", "Transfer-Encoding: chunked", "-H", "Expect:", f"http://127.0.0.1:{PORT}/upload",
    )  # fmt: skip
    elapsed = time.perf_counter() - t
    if status != "200" or int(sent) < BIG:  # size_upload counts the chunk framing too
        raise RuntimeError(f"upload failed: {status} after {sent} bytes")
    return Figure(BIG / elapsed / 1e6, (cpu_seconds(proc) - before) / (BIG >> 20) * 1e6)


def download(proc: psutil.Process, args: argparse.Namespace) -> Figure:
    before = cpu_seconds(proc)
    t = time.perf_counter()
    status, size = curl("-w", "%{http_code} %{size_download}", f"http://127.0.0.1:{PORT}/download")
    elapsed = time.perf_counter() - t
    if status != "200" or int(size) != BIG:
        raise RuntimeError(f"download failed: {status} after {size} bytes")
    return Figure(BIG / elapsed / 1e6, (cpu_seconds(proc) - before) / (BIG >> 20) * 1e6)


def slow_reader(proc: psutil.Process, args: argparse.Namespace) -> Figure:
    """RSS growth (KiB) while a client reads the 256 MiB download at 2 MB/s."""
    base = rss(proc)
    reader = subprocess.Popen(
        ["taskset", "-c", "1", "curl", "-s", "-o", "/dev/null", "--limit-rate", "2M",
         "--max-time", str(args.duration + 1), f"http://127.0.0.1:{PORT}/download"],
    )  # fmt: skip
    peak = base
    while reader.poll() is None:
        peak = max(peak, rss(proc))
        time.sleep(0.05)  # sampling, not synchronisation
    return Figure((peak - base) / 1024)


def idle(proc: psutil.Process, args: argparse.Namespace) -> Figure:
    """RSS (KiB) per idle keep-alive connection, each having made one request."""
    base = rss(proc)
    clients = subprocess.Popen(
        ["taskset", "-c", "1", sys.executable, str(HERE / "idle_clients.py"), str(PORT), str(IDLE_CONNECTIONS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert clients.stdout is not None and clients.stdin is not None
    line = clients.stdout.readline()
    try:
        if line.strip() != "ready":
            raise RuntimeError(f"idle clients failed: {line!r}")
        return Figure((rss(proc) - base) / 1024 / IDLE_CONNECTIONS)
    finally:
        clients.stdin.close()
        clients.wait(30)


WORKLOADS = [
    Workload("plaintext", "req/s", True, load("/plaintext"), requests=True),
    Workload("plaintext_ids", "req/s", True, load("/plaintext", "request_ids.lua"), requests=True),
    Workload("json", "req/s", True, load("/json"), requests=True),
    Workload("pipelined", "req/s", True, load("/plaintext", "pipeline.lua"), requests=True),
    Workload("upload", "MB/s", True, upload),
    Workload("download", "MB/s", True, download),
    Workload("slow_reader", "KiB RSS growth", False, slow_reader, ratio=False),
    Workload("idle", "KiB RSS per connection", False, idle, ratio=False),
]


def report(workloads: list[Workload], names: list[str], args: argparse.Namespace) -> None:
    print(
        f"\n{args.rounds} rounds, {args.duration} s per wrk run, {args.connections} connections; "
        "server on core 0, load on core 1; medians over rounds\n"
    )
    print("| workload | server | figure | ratio to ceiling | server CPU |")
    print("|---|---|---|---|---|")
    for workload in workloads:
        base = workload.results.get("ceiling")
        for name in names:
            runs = workload.results.get(name)
            if runs is None:
                continue  # the floor on a workload with bodies
            value = statistics.median(f.value for f in runs)
            ratio = "-"
            if workload.ratio and base and name != "ceiling":
                ratio = f"{statistics.median(f.value / b.value for f, b in zip(runs, base, strict=True)):.2f}"
            cpus = [f.cpu_us for f in runs if f.cpu_us is not None]
            per = "us/MiB" if workload.unit == "MB/s" else "us/req"
            cpu = f"{statistics.median(cpus):.1f} {per}" if cpus else "-"
            print(f"| {workload.name} | {name} | {value:,.1f} {workload.unit} | {ratio} | {cpu} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--servers", default=",".join(SERVERS))
    ap.add_argument("--workloads", default=",".join(w.name for w in WORKLOADS))
    args = ap.parse_args()
    for tool, package in (("wrk", "wrk"), ("taskset", "util-linux"), ("curl", "curl")):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is required (Debian: apt-get install {package})")
    names = args.servers.split(",")
    chosen = args.workloads.split(",")
    workloads = [w for w in WORKLOADS if w.name in chosen]
    with tempfile.TemporaryDirectory() as tmp:
        args.payload = Path(tmp) / "payload.bin"
        with args.payload.open("wb") as f:
            for _ in range(BIG >> 20):
                f.write(b"x" * (1 << 20))  # no "\r\n\r\n" inside: the ceiling scans for it
        for round_ in range(args.rounds):
            for workload in workloads:
                for name in names:
                    if name in REQUESTS_ONLY and not workload.requests:
                        continue
                    server = start(name)
                    try:
                        figure = workload.run(psutil.Process(server.pid), args)
                    finally:
                        stop(server)
                    workload.results.setdefault(name, []).append(figure)
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    report(workloads, names, args)


if __name__ == "__main__":
    main()
