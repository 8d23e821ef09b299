"""Plaintext req/s with 1 and 2 Blazeio workers (python -m Blazeio serve --workers N).

    hatch run bench:workers [--rounds 3] [--duration 3]

What this can show on a 2-core machine: that a second worker process takes load and the shared
socket spreads connections. What it cannot: scaling -- wrk needs a core of its own, so two workers
and wrk compete for two cores (nothing here is pinned). On a machine with more cores the same
command measures scaling.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PORT = 18686
APP = """
import Blazeio as io

web = io.App("127.0.0.1", 0)


@web.add_route
async def _plaintext(r):
    await io.Deliver.text("Hello, World!")
"""


def run(workers: int, duration: int, app_dir: str) -> float:
    proc = subprocess.Popen(
        [sys.executable, "-m", "Blazeio", "serve", "bench_app:web", "--port", str(PORT), "--workers", str(workers)],
        cwd=app_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/plaintext", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        out = subprocess.run(
            ["wrk", "-t1", "-c128", f"-d{duration}s", f"http://127.0.0.1:{PORT}/plaintext"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        assert match, out
        return float(match.group(1))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=3)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is required (Debian package wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench_app.py").write_text(APP)
        one, two = [], []
        for _ in range(args.rounds):
            one.append(run(1, args.duration, tmp))
            two.append(run(2, args.duration, tmp))
    ratio = statistics.median(b / a for a, b in zip(one, two, strict=True))
    print(f"\n{args.rounds} rounds x {args.duration} s, 128 connections, nothing pinned (2 cores shared with wrk)\n")
    print("| workers | median req/s |\n|---|---|")
    print(f"| 1 | {statistics.median(one):,.0f} |\n| 2 | {statistics.median(two):,.0f} ({ratio:.2f}x) |")


if __name__ == "__main__":
    main()
