"""The bodies every benchmark server answers, in one place, so the suite can check them byte for byte.

Each server builds its answers from these (in its own idiomatic way); the suite's checks and
``suite.py --smoke`` compare what comes back against the same constants.
"""

import os
import tempfile

HELLO = b"Hello, World!"  # /plaintext, /prepare, /chunked (the chunked one framed in chunks)
JSON = b'{"message":"Hello, World!"}'  # /json, the compact form
EVENT = b"data: Hello, World!\n\n"  # /sse: one server-sent event, then the response ends
STATIC_ROUTE = "/static"
STATIC_NAME = "hello.txt"
STATIC = (b"Hello, World!\n" * 80)[:1024]  # /static/hello.txt: 1 KiB
CHUNK = b"x" * (256 * 1024)  # /download: 1,024 of these, chunked
# /download's size, and the largest /upload a server must take: 256 MiB, unless the suite's
# smoke check asks for less (it checks the framing, not the speed).
DOWNLOAD_SIZE = int(os.environ.get("BENCH_BIG_MIB", "256")) << 20


def static_root() -> str:
    """A new temporary folder holding ``hello.txt``: the folder a server's static facility serves.

    Made under ``$TMPDIR``: the suite points that at a folder of its own and removes it at the
    end, so a server stopped with SIGKILL leaves nothing behind.
    """
    root = tempfile.mkdtemp(prefix="bench-static-")
    with open(os.path.join(root, STATIC_NAME), "wb") as f:
        f.write(STATIC)
    return root
