"""HTTP server benchmark: Blazeio vs uvicorn (httptools + uvloop, raw ASGI) vs aiohttp.web.

    hatch run bench:http [--rounds 5] [--duration 3] [--connections 64]

Each server runs with one worker pinned to core 0 (taskset); wrk runs on core 1. Servers
are alternated round by round so every ratio compares runs made in the same minute (this
machine is shared and noisy). Reported: median requests/s, the median of per-round ratios
to uvicorn, and server CPU microseconds per request (utime+stime from /proc), the least
noisy figure. Needs Debian's wrk and taskset.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).parent
SERVERS = {
    "blazeio": HERE / "servers" / "blazeio_plain.py",
    "uvicorn": HERE / "servers" / "uvicorn_raw.py",
    "aiohttp": HERE / "servers" / "aiohttp_web.py",
}
PORT = 18181
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def start(name: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, str(SERVERS[name]), str(PORT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/plaintext", timeout=1) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{name} did not start")


def wrk(path: str, duration: int, connections: int) -> int:
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s", f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if total is None or errors is not None:
        raise RuntimeError(f"wrk failed:\n{out}")
    return int(total.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--servers", default="blazeio,uvicorn,aiohttp")
    args = ap.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is required (Debian: apt-get install {'wrk' if tool == 'wrk' else 'util-linux'})")
    names = args.servers.split(",")
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for round_ in range(args.rounds):
        for path in ("/plaintext", "/json"):
            for name in names:
                proc = start(name)
                try:
                    wrk(path, 1, args.connections)  # warm-up
                    before = cpu_seconds(proc.pid)
                    count = wrk(path, args.duration, args.connections)
                    cpu = cpu_seconds(proc.pid) - before
                finally:
                    proc.send_signal(signal.SIGINT)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
                results.setdefault((path, name), []).append((count / args.duration, cpu / count * 1e6))
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    print(
        f"\n{args.rounds} rounds x {args.duration:g} s, {args.connections} connections, "
        "server on core 0, wrk on core 1\n"
    )
    print("| workload | server | median rps | ratio to uvicorn (median of rounds) | server CPU us/request |")
    print("|---|---|---|---|---|")
    for path in ("/plaintext", "/json"):
        base = results.get((path, "uvicorn"))
        for name in names:
            runs = results[(path, name)]
            rps = statistics.median(r for r, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            ratio = (
                f"{statistics.median(r / b for (r, _), (b, _) in zip(runs, base, strict=True)):.2f}x" if base else "-"
            )
            print(f"| {path[1:]} | {name} | {rps:,.0f} | {ratio} | {cpu:.1f} |")


if __name__ == "__main__":
    main()
