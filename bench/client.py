"""HTTP clients against one nginx: Blazeio's getSession vs aiohttp's ClientSession vs httpx.AsyncClient.

    hatch run bench:client [--rounds 3] [--requests 5000] [--https-requests 2000]

nginx (one worker, pinned to core 0) answers a 13-byte body, serves a 256 MiB file and takes 256 MiB
PUTs (WebDAV, into tmpfs when /dev/shm exists, so no disk is timed); each client
runs in its own process pinned to core 1, one after the other, every round. Workloads: sequential
keep-alive GETs, the same number of GETs with 200 in flight, one 256 MiB download and one 256 MiB
upload (a body in memory, sent with Content-Length); then, over HTTPS (nginx with TLS, a
self-signed certificate made at start with openssl, TLS 1.3), sequential keep-alive GETs and the
same number with 100 in flight (--https-requests, default 2000). Reported:
median seconds and the median of per-round ratios to a raw asyncio Protocol client (the
reference) and to aiohttp (higher is faster).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PORT = 18484
TLS_PORT = 18485
NGINX = """
worker_processes 1; daemon off; user root; pid {dir}/nginx.pid; error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off; sendfile on; keepalive_requests 1000000;
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    server {{ listen 127.0.0.1:{port}; root {dir}/root;
        location = /hello {{ default_type text/plain; return 200 "Hello, World!"; }}
        location /up/ {{ dav_methods PUT; client_max_body_size 0; client_body_buffer_size 1m; }} }}
    server {{ listen 127.0.0.1:{tls_port} ssl; root {dir}/root;
        ssl_certificate {dir}/cert.pem; ssl_certificate_key {dir}/key.pem; ssl_protocols TLSv1.3;
        location = /hello {{ default_type text/plain; return 200 "Hello, World!"; }} }}
}}
"""

CLIENT = r"""
import asyncio, ssl, sys, time
kind, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
tls_url, tls_count, cafile = sys.argv[4], int(sys.argv[5]), sys.argv[6]
context = ssl.create_default_context(cafile=cafile)
big = url.rsplit("/", 1)[0] + "/big.bin"
up = url.rsplit("/", 1)[0] + f"/up/{kind}.bin"
payload = b"x" * (256 << 20)

def shares(count=count, workers=200):
    # "200 in flight": 200 workers, each making its share of the requests one after another
    # (the same shape for every client; a semaphore over 5,000 tasks would measure asyncio).
    return [count // workers + (i < count % workers) for i in range(workers)]

async def blazeio():
    import blazeio_client as io
    pool = io.Pool(max_per_origin=200)
    t = time.perf_counter()
    for _ in range(count):
        async with io.getSession.get(url, pool=pool) as r:
            await r.read()
    seq = time.perf_counter() - t
    async def worker(n):
        for _ in range(n):
            async with io.getSession.get(url, pool=pool) as r:
                await r.read()
    t = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in shares()))
    conc = time.perf_counter() - t
    t = time.perf_counter()
    async with io.getSession.get(big, pool=pool) as r:
        async for _ in r:
            pass
    down = time.perf_counter() - t
    t = time.perf_counter()
    async with io.getSession.put(up, body=payload, pool=pool) as r:
        await r.read()
        assert r.status_code in (201, 204), r.status_code
    upload = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(tls_count):
        async with io.getSession.get(tls_url, pool=pool, ssl=context) as r:
            await r.read()
    tls_seq = time.perf_counter() - t
    async def tls_worker(n):
        for _ in range(n):
            async with io.getSession.get(tls_url, pool=pool, ssl=context) as r:
                await r.read()
    t = time.perf_counter()
    await asyncio.gather(*(tls_worker(n) for n in shares(tls_count, 100)))
    return seq, conc, down, upload, tls_seq, time.perf_counter() - t

async def aiohttp_():
    import aiohttp
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as s:
        t = time.perf_counter()
        for _ in range(count):
            async with s.get(url) as r:
                await r.read()
        seq = time.perf_counter() - t
        async def worker(n):
            for _ in range(n):
                async with s.get(url) as r:
                    await r.read()
        t = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in shares()))
        conc = time.perf_counter() - t
        t = time.perf_counter()
        async with s.get(big) as r:
            async for _ in r.content.iter_chunked(1 << 16):
                pass
        down = time.perf_counter() - t
        t = time.perf_counter()
        async with s.put(up, data=payload) as r:
            await r.read()
            assert r.status in (201, 204), r.status
        upload = time.perf_counter() - t
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100, ssl=context)) as s:
        t = time.perf_counter()
        for _ in range(tls_count):
            async with s.get(tls_url) as r:
                await r.read()
        tls_seq = time.perf_counter() - t
        async def tls_worker(n):
            for _ in range(n):
                async with s.get(tls_url) as r:
                    await r.read()
        t = time.perf_counter()
        await asyncio.gather(*(tls_worker(n) for n in shares(tls_count, 100)))
        return seq, conc, down, upload, tls_seq, time.perf_counter() - t

async def httpx_():
    import httpx
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=200, max_keepalive_connections=200)) as c:
        t = time.perf_counter()
        for _ in range(count):
            (await c.get(url)).read()
        seq = time.perf_counter() - t
        async def worker(n):
            for _ in range(n):
                (await c.get(url)).read()
        t = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in shares()))
        conc = time.perf_counter() - t
        t = time.perf_counter()
        async with c.stream("GET", big) as r:
            async for _ in r.aiter_raw():
                pass
        down = time.perf_counter() - t
        t = time.perf_counter()
        r = await c.put(up, content=payload)
        assert r.status_code in (201, 204), r.status_code
        upload = time.perf_counter() - t
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(limits=limits, verify=context) as c:
        t = time.perf_counter()
        for _ in range(tls_count):
            (await c.get(tls_url)).read()
        tls_seq = time.perf_counter() - t
        async def tls_worker(n):
            for _ in range(n):
                (await c.get(tls_url)).read()
        t = time.perf_counter()
        await asyncio.gather(*(tls_worker(n) for n in shares(tls_count, 100)))
        return seq, conc, down, upload, tls_seq, time.perf_counter() - t

async def raw():
    # The reference: a bare asyncio Protocol per connection that finds the head's end and counts
    # Content-Length bytes; no URL handling, no pool, no header objects.
    loop = asyncio.get_running_loop()
    port = int(url.split(":")[2].split("/")[0])

    class Raw(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.head, self.left, self.waiter = transport, b"", -1, None

        def data_received(self, data):
            if self.left < 0:
                self.head += data
                end = self.head.find(b"\r\n\r\n")
                if end < 0:
                    return
                fields = self.head[:end].lower().split(b"content-length:")
                length = int(fields[1].split(b"\r\n")[0]) if len(fields) > 1 else 0  # 204: none
                self.left, self.head = length - (len(self.head) - end - 4), b""
            else:
                self.left -= len(data)
            if self.left == 0:
                self.left = -1
                self.waiter.set_result(None)

        async def get(self, *parts):
            self.waiter = loop.create_future()
            for part in parts:
                self.transport.write(part)
            await self.waiter

    async def connect(port=port, tls=None):
        return (await loop.create_connection(Raw, "127.0.0.1", port, ssl=tls))[1]

    hello = f"GET /{url.split('/', 3)[3]} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    conn = await connect()
    t = time.perf_counter()
    for _ in range(count):
        await conn.get(hello)
    seq = time.perf_counter() - t
    async def worker(c, n):
        for _ in range(n):
            await c.get(hello)
    t = time.perf_counter()
    # Connections are opened inside the timed part, as the pooled clients must do.
    conns = [conn, *await asyncio.gather(*(connect() for _ in range(199)))]
    await asyncio.gather(*(worker(c, n) for c, n in zip(conns, shares())))
    conc = time.perf_counter() - t
    t = time.perf_counter()
    await conn.get(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    down = time.perf_counter() - t
    t = time.perf_counter()
    put = b"PUT /up/raw.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(payload)
    await conn.get(put, payload)
    upload = time.perf_counter() - t
    tls_port = int(tls_url.split(":")[2].split("/")[0])
    t = time.perf_counter()
    conn = await connect(tls_port, context)
    for _ in range(tls_count):
        await conn.get(hello)
    tls_seq = time.perf_counter() - t
    t = time.perf_counter()
    conns = [conn, *await asyncio.gather(*(connect(tls_port, context) for _ in range(99)))]
    await asyncio.gather(*(worker(c, n) for c, n in zip(conns, shares(tls_count, 100))))
    return seq, conc, down, upload, tls_seq, time.perf_counter() - t

import uvloop
uvloop.install()
print(*asyncio.run({"blazeio": blazeio, "aiohttp": aiohttp_, "httpx": httpx_, "raw": raw}[kind]()))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--https-requests", type=int, default=2000)
    args = ap.parse_args()
    for tool in ("taskset", "nginx", "openssl"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is required")
    names = ["raw", "blazeio", "aiohttp", "httpx"]
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as tmp:
        work = Path(tmp)
        os.chmod(tmp, 0o755)
        (work / "tmp").mkdir()
        (work / "root").mkdir()
        (work / "root" / "up").mkdir()
        (work / "root" / "big.bin").write_bytes(os.urandom(1 << 20) * 256)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(work / "key.pem"), "-out", str(work / "cert.pem"), "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True,
        )  # fmt: skip
        (work / "nginx.conf").write_text(NGINX.format(dir=work, port=PORT, tls_port=TLS_PORT))
        (work / "client.py").write_text(CLIENT)
        nginx = subprocess.Popen(["taskset", "-c", "0", "nginx", "-c", str(work / "nginx.conf")])
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/hello", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            results: dict[str, list[list[float]]] = {name: [] for name in names}
            for round_ in range(args.rounds):
                for name in names:
                    out = subprocess.run(
                        ["taskset", "-c", "1", sys.executable, str(work / "client.py"), name,
                         f"http://127.0.0.1:{PORT}/hello", str(args.requests),
                         f"https://127.0.0.1:{TLS_PORT}/hello", str(args.https_requests), str(work / "cert.pem")],
                        capture_output=True, text=True, check=True,
                    ).stdout  # fmt: skip
                    results[name].append([float(x) for x in out.split()])
                print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
        finally:
            nginx.terminate()
            nginx.wait(10)
    labels = [
        f"{args.requests} sequential GETs",
        f"{args.requests} GETs, 200 in flight",
        "256 MiB download",
        "256 MiB upload",
        f"HTTPS: {args.https_requests} sequential GETs",
        f"HTTPS: {args.https_requests} GETs, 100 in flight",
    ]
    print(f"\n{args.rounds} rounds; nginx on core 0, each client on core 1\n")
    print("| workload | client | median seconds | speed vs raw asyncio | speed vs aiohttp |")
    print("|---|---|---|---|---|")
    for i, label in enumerate(labels):
        for name in names:
            runs = [r[i] for r in results[name]]
            ratios = [
                statistics.median(ref[i] / r[i] for r, ref in zip(results[name], results[base], strict=True))
                for base in ("raw", "aiohttp")
            ]
            print(f"| {label} | {name} | {statistics.median(runs):.3f} | {ratios[0]:.2f}x | {ratios[1]:.2f}x |")


if __name__ == "__main__":
    main()
