"""The README's demo command starts a real app that answers on 127.0.0.1."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_the_demo_app_serves_its_pages_and_streams() -> None:
    env = {**os.environ, "PORT": "0", "NO_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, str(DEMO)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        port = None
        for line in proc.stdout:
            if match := re.search(r"listening on http://127\.0\.0\.1:(\d+)", line):
                port = int(match.group(1))
                break
        assert port is not None
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/hello")
        assert conn.getresponse().read() == b"Hello from Blazeio!\n"
        conn.request("GET", "/api/info", headers={"X-Demo": "1"})
        info = conn.getresponse().read()
        assert b'"x-demo":"1"' in info and b'"path":"/api/info"' in info
        conn.request("PUT", "/echo", body=iter([b"full ", b"duplex"]), encode_chunked=True)
        assert conn.getresponse().read() == b"full duplex"
        conn.request("GET", "/")
        assert b"Blazeio is running" in conn.getresponse().read()
        conn.close()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert proc.returncode == 0
