"""Instructions per request on the socketless paths, counted by valgrind: noise-free A/B.

    hatch run bench:instructions [--requests 2000] [server|server-ids|...|client|client-after-auth|parse-unique ...]

Times on this machine swing by several percent from run to run; an instruction count does not
(the same code gives the same count to within 0.1%, whatever else the machine is doing). Each
path runs twice under ``valgrind --tool=callgrind``, with N and 2N requests, and the
difference divided by N is the cost of one request without the start-up (imports, warm-up).
Python's hash seed is fixed so both runs hash alike. Needs valgrind (Debian: apt-get install
valgrind); each path takes about half a minute. The parse-unique paths count one head each
(no response): the compiled parser, the pure-Python one, httptools with Blazeio's rules.
The ws-* paths count one WebSocket echo round trip, or one MiB of 64 MiB messages
(bench/ws_path.py).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
PATHS = {
    "server": ["server_path.py"],
    "server-ids": ["server_path.py", "--unique-heads"],
    "server-browser": ["server_path.py", "--browser"],  # the suite's browser workload
    "server-pipelined": ["server_path.py", "--pipelined", "16"],
    "server-prepare": ["server_path.py", "--handler", "prepare-write"],
    "server-chunked": ["server_path.py", "--handler", "chunked"],
    "server-sse": ["server_path.py", "--handler", "sse"],
    "server-static": ["server_path.py", "--handler", "static"],
    "client": ["client_path.py"],
    "client-after-auth": ["client_path.py", "--after-auth"],
    # One browser request head that never repeats, through RequestReceiver: the compiled parser,
    # the pure-Python one, and httptools with Blazeio's rules on top (bench/parse_heads.py).
    "parse-unique": ["parse_heads.py", "--parser", "native"],
    "parse-unique-pure": ["parse_heads.py", "--parser", "pure"],
    "parse-unique-httptools": ["parse_heads.py", "--parser", "httptools"],
    "parse-unique-heads-only": ["parse_heads.py", "--parser", "heads-only"],  # making the heads
    # WebSocket (bench/ws_path.py): a 32-byte binary echo round trip through the server's
    # r.websocket() route and through a client io.WebSocket; per MiB of 64 MiB messages
    # received and echoed by the server, and sent and received by a client.
    "ws-echo-server": ["ws_path.py", "--path", "echo-server"],
    "ws-echo-client": ["ws_path.py", "--path", "echo-client"],
    "ws-large-server": ["ws_path.py", "--path", "large-server"],
    "ws-large-client": ["ws_path.py", "--path", "large-client"],
}
# Paths counted per MiB: N is this many MiB (two and four 64 MiB messages), whatever --requests says.
PER_MIB = {"ws-large-server": 128, "ws-large-client": 128}


def instructions(argv: list[str], requests: int) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    out = subprocess.run(
        [*command, str(HERE / argv[0]), *argv[1:], "--requests", str(requests)],
        capture_output=True, text=True, check=True, env=env,
    ).stderr  # fmt: skip
    found = re.search(r"Collected : (\d+)", out)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind:\n{out}")
    return int(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000, help="N (a multiple of 16)")
    ap.add_argument("paths", nargs="*", default=list(PATHS), help=f"any of {', '.join(PATHS)} (default: all)")
    args = ap.parse_args()
    unknown = set(args.paths) - set(PATHS)
    if unknown:
        ap.error(f"unknown path(s): {', '.join(sorted(unknown))}")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is required (Debian: apt-get install valgrind)")
    print("| path | instructions per request (per MiB for ws-large-*) |")
    print("|---|---|")
    for name in args.paths:
        argv = PATHS[name]
        n = PER_MIB.get(name, args.requests)
        once = instructions(argv, n)
        twice = instructions(argv, 2 * n)
        print(f"| {name} | {(twice - once) / n:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
