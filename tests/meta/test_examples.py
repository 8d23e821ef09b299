"""The product document's second example runs unchanged with its built-in load test; so does its WebSocket version."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_signaling_relay_load_test_moves_every_byte() -> None:
    env = {**os.environ, "BLAZEIO_HOST": "127.0.0.1", "BLAZEIO_PORT": "0", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "signaling.py", "-test"],  # the document's defaults: 10 pairs x 100 x 100 KiB
        cwd=EXAMPLES,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = proc.stdout.split("Performance test completed:", 1)[1]
    results, _ = json.JSONDecoder().raw_decode(report[report.index("[") :])
    assert len(results) == 10
    # Each joiner streamed 100 x 100 KiB through the relay to its creator, and got the creator's
    # report back through the creator's request body, read by the joiner's handler after the
    # creator's handler had returned.
    assert all(r["bytes_transferred"] == 100 * 100 * 1024 for r in results)
    assert len({r["room"] for r in results}) == 10
    assert re.search(r"Blazeio_App stopped", proc.stdout)


def test_the_websocket_signaling_relay_load_test_moves_every_byte() -> None:
    env = {**os.environ, "BLAZEIO_HOST": "127.0.0.1", "BLAZEIO_PORT": "0", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "signaling_ws.py", "-test", "--pairs", "4", "--chunks", "30", "--payload-size", "65536"],
        cwd=EXAMPLES,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = proc.stdout.split("Performance test completed:", 1)[1]
    summary, _ = json.JSONDecoder().raw_decode(report[report.index("{") :])
    # Every joiner's 30 x 64 KiB crossed the relay to its creator, whose report came back intact.
    assert [r["bytes_transferred"] for r in summary["results"]] == [30 * 65536] * 4
    assert len({r["room"] for r in summary["results"]}) == 4
    assert summary["total"]["bytes_transferred"] == 4 * 30 * 65536
    assert summary["total"]["transfer_rate_mb_s"] > 0
    assert re.search(r"Blazeio_App stopped", proc.stdout)
