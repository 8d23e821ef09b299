"""Static files: Blazeio's StaticServer vs nginx (one worker, sendfile on) vs aiohttp's static route.

    hatch run bench:static [--rounds 3] [--duration 3]

Files of 1 KiB, 100 KiB and 100 MiB. Each server runs pinned to core 0, wrk on core 1; servers
alternate round by round, and every figure is a median of rounds with its ratio to nginx measured
in the same round. Needs Debian's wrk, taskset and nginx.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).parent
PORT = 18282
FILES = {"1KiB": 1024, "100KiB": 100 * 1024, "100MiB": 100 * 1024 * 1024}
NGINX_CONF = """
worker_processes 1;
daemon off;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    server {{ listen 127.0.0.1:{port}; root {root}; }}
}}
"""


def start(name: str, root: Path, work: Path) -> subprocess.Popen[bytes]:
    if name == "nginx":
        (work / "tmp").mkdir(exist_ok=True)
        (work / "nginx.conf").write_text(NGINX_CONF.format(dir=work, port=PORT, root=root))
        command = ["nginx", "-c", str(work / "nginx.conf")]
    else:
        command = [sys.executable, str(HERE / "servers" / f"{name}_static.py"), str(PORT), str(root)]
    proc = subprocess.Popen(["taskset", "-c", "0", *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/1KiB.bin", timeout=1) as response:
                if response.status == 200 and len(response.read()) == 1024:
                    return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{name} did not start")


def wrk(path: str, duration: int, connections: int) -> float:
    out = subprocess.run(
        ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{duration}s", f"http://127.0.0.1:{PORT}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            if "Non-2xx" in out or ("Socket errors" in out and "timeout" in out):
                raise RuntimeError(out)
            return float(line.split()[1])
    raise RuntimeError(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=3)
    args = ap.parse_args()
    for tool in ("wrk", "taskset", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is required (Debian packages wrk, util-linux, nginx-light)")
    names = ["nginx", "blazeio", "aiohttp"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        os.chmod(tmp, 0o755)
        for label, size in FILES.items():
            (root / f"{label}.bin").write_bytes(os.urandom(min(size, 1 << 20)) * max(1, size >> 20))
        results: dict[tuple[str, str], list[float]] = {}
        for round_ in range(args.rounds):
            for name in names:
                proc = start(name, root, Path(tmp))
                try:
                    for label in FILES:
                        connections = 4 if label == "100MiB" else 64
                        wrk(f"/{label}.bin", 1, connections)  # warm-up
                        results.setdefault((label, name), []).append(wrk(f"/{label}.bin", args.duration, connections))
                finally:
                    proc.send_signal(signal.SIGTERM if name == "nginx" else signal.SIGINT)
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    print(f"\n{args.rounds} rounds x {args.duration} s; server on core 0, wrk on core 1\n")
    print("| file | server | median req/s | median MB/s | ratio to nginx (median of rounds) |")
    print("|---|---|---|---|---|")
    for label, size in FILES.items():
        base = results[(label, "nginx")]
        for name in names:
            runs = results[(label, name)]
            ratio = statistics.median(r / b for r, b in zip(runs, base, strict=True))
            rps = statistics.median(runs)
            print(f"| {label} | {name} | {rps:,.0f} | {rps * size / 1e6:,.1f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
