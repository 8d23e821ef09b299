"""The server benchmark suite: Blazeio against every Python peer and a bare-protocol ceiling.

    hatch run bench:suite [--rounds 3] [--duration 3] [--workloads plaintext,json,...] [--servers ...]
                          [--json results.json] [--chart results.svg]
    hatch run bench:suite --from-json results.json [--chart results.svg]   # report again, no run
    hatch run bench:suite --smoke      # one request per server and workload, no load: do they answer right?

Servers (one worker each, pinned to core 0 with taskset): the ceiling (a bare asyncio Protocol on
uvloop answering a canned response per ``\\r\\n\\r\\n``, parsing nothing but the path), the floor (the
same answers, each from an async handler awaited in the connection's task: request workloads
only), Blazeio twice -- ``blazeio`` (the compiled head parser) and ``blazeio-pure``
(``BLAZEIO_NO_EXTENSIONS=1``: the pure-Python build; each start checks which build runs) --,
granian (RSGI), uvicorn (httptools + uvloop, raw ASGI), aiohttp.web, socketify.py (uWebSockets'
C++ core, Python handlers) and Robyn (a Rust runtime, Python handlers; one process, one worker).
Each server script's docstring says which API answers each workload. (Robyn pins uvloop~=0.22.1,
so every server on uvloop runs that one in the bench env.)

Request workloads (wrk, from core 1): plaintext; plaintext_ids (a unique X-Request-Id per
request); json; pipelined (16 deep); browser (a Chrome-like head of eight fields whose cookie
changes on every request, browser.lua); prepare (a head with Content-Length, then the body:
Blazeio's ``prepare`` + ``write``); chunked (``prepare`` chunked, ``write``, ``eof``); sse (one
event, then the end); static (a 1 KiB file from each server's static-file facility). Then curl
for the 256 MiB chunked upload and download and the slow reader, and a Python client holding
10,000 idle keep-alive connections.

Before a server is measured on a workload, one request checks that it answers the bytes every
server must (answers.py); a wrong answer stops the suite, and so does a wrk run with non-2xx
answers or socket errors. A server that cannot do a workload is skipped for it with the reason
printed (``Server.skips``; the floor answers bodiless requests only).

Every round runs every server on a workload back to back, the ceiling first, so each ratio
compares runs made in the same minute (the machine is shared and noisy; absolute figures
swing). Reported: the median over rounds of each figure, and the median of per-round ratios
to the ceiling. Server CPU microseconds per request come from /proc (the whole process tree),
the least noisy figure. Output is a markdown table; ``--json`` keeps the raw figures and
``--chart`` draws the ratios as an SVG bar chart.
"""

from __future__ import annotations

import argparse
import contextlib
import json
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

from answers import CHECKS, Check
from chart import svg

HERE = Path(__file__).parent
PORT = 18283
BIG_MIB = 256
IDLE_CONNECTIONS = 10_000
SMOKE_BIG_MIB = 8  # --smoke moves this much up and down: the framing is checked, not the speed


class WorkloadFailed(RuntimeError):
    """A server answered right but could not do what a resource workload asks (hold 10,000 idle
    connections): reported beside the tables; the run goes on. Wrong answers still stop it."""


@dataclass(frozen=True)
class Server:
    script: str
    env: dict[str, str] = field(default_factory=dict)
    compiled: bool | None = None  # Blazeio: the build (Blazeio.__compiled__) this entry must run
    requests_only: bool = False  # answers bodiless requests, nothing else
    skips: dict[str, str] = field(default_factory=dict)  # workload -> why this server cannot do it


SERVERS = {
    "ceiling": Server("ceiling.py"),
    "floor": Server("floor.py", requests_only=True),
    "blazeio": Server("blazeio_plain.py", compiled=True),
    "blazeio-pure": Server("blazeio_plain.py", {"BLAZEIO_NO_EXTENSIONS": "1"}, compiled=False),
    "granian": Server("granian_rsgi.py"),
    "uvicorn": Server("uvicorn_raw.py"),
    "aiohttp": Server("aiohttp_web.py"),
    "socketify": Server(
        "socketify_app.py",
        skips={
            "idle": "uWS closes a keep-alive connection after 10 s idle (HTTP_IDLE_TIMEOUT_S, compiled in; "
            "socketify has no setting for it): the 10,000 connections are not held as the workload asks"
        },
    ),
    "robyn": Server("robyn_app.py"),
}


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
    smoke: bool = True  # --smoke runs it (small) when it has no Check of its own
    results: dict[str, list[Figure]] = field(default_factory=dict)

    @property
    def check(self) -> Check | None:
        return CHECKS.get(self.name)


Skip = tuple[str, str, str]  # workload, server, why


def skip_reason(name: str, workload: Workload) -> str | None:
    server = SERVERS[name]
    if server.requests_only and not workload.requests:
        return "answers bodiless requests only"
    return server.skips.get(workload.name)


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


def start(name: str, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    server = SERVERS[name]
    build_file = Path(args.tmp) / "build.txt"
    build_file.unlink(missing_ok=True)
    env = {
        **os.environ,
        **server.env,
        "TMPDIR": args.server_tmp,  # the servers' static folders: removed with the suite's own
        "BENCH_BIG_MIB": str(args.big >> 20),
        "BENCH_BUILD_FILE": str(build_file),
    }
    proc = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, server.script, str(PORT)],
        cwd=HERE / "servers",
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/plaintext", timeout=1) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        stop(proc)
        raise RuntimeError(f"{name} did not start")
    if server.compiled is not None:
        build = build_file.read_text() if build_file.exists() else "nothing"
        if build != str(server.compiled):
            stop(proc)
            raise RuntimeError(f"{name} must run Blazeio.__compiled__ == {server.compiled}; it reported {build}")
    return proc


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
    if status != "200" or int(sent) < args.big:  # size_upload counts the chunk framing too
        raise RuntimeError(f"upload failed: {status} after {sent} bytes")
    return Figure(args.big / elapsed / 1e6, (cpu_seconds(proc) - before) / (args.big >> 20) * 1e6)


def download(proc: psutil.Process, args: argparse.Namespace) -> Figure:
    before = cpu_seconds(proc)
    t = time.perf_counter()
    status, size = curl("-w", "%{http_code} %{size_download}", f"http://127.0.0.1:{PORT}/download")
    elapsed = time.perf_counter() - t
    if status != "200" or int(size) != args.big:
        raise RuntimeError(f"download failed: {status} after {size} bytes")
    return Figure(args.big / elapsed / 1e6, (cpu_seconds(proc) - before) / (args.big >> 20) * 1e6)


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
        ["taskset", "-c", "1", sys.executable, str(HERE / "idle_clients.py"), str(PORT), str(args.idle)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert clients.stdout is not None and clients.stdin is not None
    line = clients.stdout.readline()
    try:
        if line.strip() != "ready":
            raise RuntimeError(f"idle clients failed: {line!r}")
        figure = Figure((rss(proc) - base) / 1024 / args.idle)
    finally:
        clients.stdin.close()
        end = clients.stdout.readline()
        clients.wait(30)
    if end.strip() != "closed 0":
        raise WorkloadFailed(f"the server did not hold its idle connections: {end.strip()!r} of {args.idle}")
    return figure


WORKLOADS = [
    Workload("plaintext", "req/s", True, load("/plaintext"), requests=True),
    Workload("plaintext_ids", "req/s", True, load("/plaintext", "request_ids.lua"), requests=True),
    Workload("json", "req/s", True, load("/json"), requests=True),
    Workload("pipelined", "req/s", True, load("/plaintext", "pipeline.lua"), requests=True),
    Workload("browser", "req/s", True, load("/plaintext", "browser.lua"), requests=True),
    Workload("prepare", "req/s", True, load("/prepare"), requests=True),
    Workload("chunked", "req/s", True, load("/chunked"), requests=True),
    Workload("sse", "req/s", True, load("/sse"), requests=True),
    Workload("static", "req/s", True, load("/static/hello.txt"), requests=True),
    Workload("upload", "MB/s", True, upload),
    Workload("download", "MB/s", True, download),
    Workload("slow_reader", "KiB RSS growth", False, slow_reader, ratio=False, smoke=False),
    Workload("idle", "KiB RSS per connection", False, idle, ratio=False),
]


def measure(name: str, workload: Workload, args: argparse.Namespace) -> Figure:
    """Start the server, check its answer to the workload, measure, stop it."""
    server = start(name, args)
    try:
        if workload.check is not None:
            workload.check.run(PORT)  # raises WrongAnswer: nothing wrong is ever measured
        return workload.run(psutil.Process(server.pid), args)
    finally:
        stop(server)


def ratios(workloads: list[Workload], names: list[str]) -> dict[str, dict[str, float]]:
    """workload -> server -> the median of per-round ratios to the ceiling (where one means something)."""
    out: dict[str, dict[str, float]] = {}
    for workload in workloads:
        base = workload.results.get("ceiling")
        if not workload.ratio or not base:
            continue
        out[workload.name] = {
            name: statistics.median(f.value / b.value for f, b in zip(runs, base, strict=True))
            for name in names
            if name != "ceiling" and (runs := workload.results.get(name))
        }
    return out


def skipped(workloads: list[Workload], names: list[str]) -> list[Skip]:
    """(workload, server, why) for every pair the suite does not run."""
    return [
        (workload.name, name, reason)
        for workload in workloads
        for name in names
        if (reason := skip_reason(name, workload)) is not None
    ]


def report(workloads: list[Workload], names: list[str], settings: dict[str, int], skips: list[Skip]) -> None:
    print(
        f"\n{settings['rounds']} rounds, {settings['duration']} s per wrk run, {settings['connections']} connections; "
        "server on core 0, load on core 1; medians over rounds\n"
    )
    medians = ratios(workloads, names)
    print("| workload | server | figure | ratio to ceiling | server CPU |")
    print("|---|---|---|---|---|")
    for workload in workloads:
        for name in names:
            runs = workload.results.get(name)
            if runs is None:
                continue  # skipped: the reasons follow the table
            value = statistics.median(f.value for f in runs)
            ratio = medians.get(workload.name, {}).get(name)
            cpus = [f.cpu_us for f in runs if f.cpu_us is not None]
            per = "us/MiB" if workload.unit == "MB/s" else "us/req"
            cpu = f"{statistics.median(cpus):.1f} {per}" if cpus else "-"
            shown = "-" if ratio is None else f"{ratio:.2f}"
            print(f"| {workload.name} | {name} | {value:,.1f} {workload.unit} | {shown} | {cpu} |")
    if skips:
        print("\nSkipped:\n")
        for workload_name, name, reason in skips:
            print(f"- {name} on {workload_name}: {reason}")


def dump(path: Path, workloads: list[Workload], names: list[str], settings: dict[str, int]) -> None:
    data = {
        "settings": settings,
        "servers": names,
        "skipped": skipped(workloads, names),
        "workloads": [
            {
                "name": w.name,
                "unit": w.unit,
                "higher_is_better": w.higher_is_better,
                "ratio": w.ratio,
                "results": {name: [[f.value, f.cpu_us] for f in runs] for name, runs in w.results.items()},
            }
            for w in workloads
        ],
    }
    path.write_text(json.dumps(data, indent=1) + "\n")


def undump(path: Path) -> tuple[list[Workload], list[str], dict[str, int], list[Skip]]:
    data = json.loads(path.read_text())
    by_name = {w.name: w for w in WORKLOADS}
    workloads = []
    for item in data["workloads"]:
        known = by_name.get(item["name"])
        run = known.run if known is not None else load("/")  # never run: the figures are loaded
        workload = Workload(item["name"], item["unit"], item["higher_is_better"], run, ratio=item["ratio"])
        workload.results = {name: [Figure(v, c) for v, c in runs] for name, runs in item["results"].items()}
        workloads.append(workload)
    return workloads, data["servers"], data["settings"], [tuple(skip) for skip in data["skipped"]]


def chart(path: Path, workloads: list[Workload], names: list[str], settings: dict[str, int]) -> None:
    subtitle = (
        f"req/s (wrk, {settings['connections']} connections, {settings['duration']} s) or MB/s (curl: upload, "
        f"download); median of {settings['rounds']} rounds; one worker on core 0, load on core 1; higher is better"
    )
    path.write_text(
        svg(ratios(workloads, names), names, "Server throughput relative to a bare asyncio Protocol", subtitle)
    )


def smoke(workloads: list[Workload], names: list[str], args: argparse.Namespace) -> None:
    """One server at a time: every workload's check (or the workload itself, small); no load."""
    failures = 0
    forms: dict[str, dict[bytes, list[str]]] = {}
    for name in names:
        server = start(name, args)
        try:
            for workload in workloads:
                reason = skip_reason(name, workload)
                outcome = f"skipped: {reason}" if reason else "ok"
                if reason is None and workload.check is None and not workload.smoke:
                    outcome = "not in the smoke check"
                elif reason is None:
                    try:
                        if workload.check is not None:
                            for answer in workload.check.run(PORT):
                                forms.setdefault(workload.name, {}).setdefault(answer.body, []).append(name)
                        else:
                            workload.run(psutil.Process(server.pid), args)
                    except Exception as exc:
                        outcome = f"FAILED: {exc}"
                        failures += 1
                print(f"{name:13} {workload.name:14} {outcome}", flush=True)
        finally:
            t = time.monotonic()
            stop(server)
            if time.monotonic() - t > 5:
                print(f"{name:13} (took {time.monotonic() - t:.0f} s to stop)")
    for workload_name, bodies in forms.items():
        if len(bodies) > 1:
            print(f"{workload_name}: the same value in different bytes: {dict(bodies.items())}")
    if failures:
        sys.exit(f"{failures} server/workload pairs answered wrongly")
    print("every server answered every workload it runs as expected")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--servers", default=",".join(SERVERS))
    ap.add_argument("--workloads", default=",".join(w.name for w in WORKLOADS))
    ap.add_argument("--json", type=Path, help="write the raw figures here (for --from-json)")
    ap.add_argument("--chart", type=Path, help="write an SVG bar chart of the ratios to the ceiling here")
    ap.add_argument("--from-json", type=Path, help="report (and chart) the figures of an earlier --json; no run")
    ap.add_argument("--smoke", action="store_true", help="one request per server and workload, checked; no load")
    args = ap.parse_args()
    if args.from_json:
        workloads, names, settings, skips = undump(args.from_json)
        report(workloads, names, settings, skips)
        if args.chart:
            chart(args.chart, workloads, names, settings)
        return
    tools = (("taskset", "util-linux"), ("curl", "curl")) + (() if args.smoke else (("wrk", "wrk"),))
    for tool, package in tools:
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is required (Debian: apt-get install {package})")
    names = args.servers.split(",")
    chosen = args.workloads.split(",")
    unknown = [n for n in names if n not in SERVERS] + [w for w in chosen if w not in {w.name for w in WORKLOADS}]
    if unknown:
        sys.exit(f"unknown servers or workloads: {', '.join(unknown)}")
    workloads = [w for w in WORKLOADS if w.name in chosen]
    args.big = (SMOKE_BIG_MIB if args.smoke else BIG_MIB) << 20
    args.idle = 16 if args.smoke else IDLE_CONNECTIONS
    settings = {"rounds": args.rounds, "duration": args.duration, "connections": args.connections}
    with tempfile.TemporaryDirectory() as tmp:
        args.tmp = tmp
        args.server_tmp = os.path.join(tmp, "servers")
        os.mkdir(args.server_tmp)
        args.payload = Path(tmp) / "payload.bin"
        with args.payload.open("wb") as f:
            for _ in range(args.big >> 20):
                f.write(b"x" * (1 << 20))  # no "\r\n\r\n" inside: the ceiling scans for it
        if args.smoke:
            smoke(workloads, names, args)
            return
        for workload_name, name, reason in skipped(workloads, names):
            print(f"{name} skips {workload_name}: {reason}", file=sys.stderr)
        failures: list[str] = []
        for round_ in range(args.rounds):
            for workload in workloads:
                for name in names:
                    if skip_reason(name, workload) is None:
                        try:
                            workload.results.setdefault(name, []).append(measure(name, workload, args))
                        except WorkloadFailed as exc:  # e.g. a server that drops idle connections
                            # One server failing one workload is a finding, not a reason to lose
                            # every figure of the run: it is reported, and the run goes on.
                            failures.append(f"{name} failed {workload.name} in round {round_ + 1}: {exc}")
                            print(failures[-1], file=sys.stderr)
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
            if args.json:  # after every round: a run stopped later keeps the rounds it finished
                dump(args.json, workloads, names, {**settings, "rounds": round_ + 1})
    report(workloads, names, settings, skipped(workloads, names))
    for failure in failures:
        print(f"\n- {failure}")
    if args.chart:
        chart(args.chart, workloads, names, settings)


if __name__ == "__main__":
    main()
