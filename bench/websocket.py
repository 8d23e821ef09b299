"""WebSocket clients against one server: Blazeio's getSession.websocket vs aiohttp's ws_connect vs
the websockets library's own client; then WebSocket servers against one client: Blazeio's
r.websocket() vs aiohttp's WebSocketResponse vs the websockets library's server.

    python bench/websocket.py [--rounds 3] [--messages 20000] [--big 4] [--server-python PY]
                              [--rows clients,servers] [--server-client aiohttp]

The server is the ``websockets`` library (no compression, no size limit) in its own process,
pinned to core 0; each client runs in its own process pinned to core 1, one after the other,
every round. Workloads: small-message echo round trips on 1 connection, the same number spread
over 100 connections, and one-way throughput of ``--big`` binary messages of 64 MiB (the server
answers with the byte count once it has them all). Compression is off on every side, so the
rows measure framing, masking and flow control. Reported: median seconds per workload and the
median ratio to aiohttp (higher is faster); then the deciding figure, the CPU time (user +
system) of the side under test per round trip (per 64 MiB message for the one-way row): the
client process's own in the client rows, the server process's (from /proc) in the server rows.
The peer's share of a round trip is the same in every column, so wall time understates the
differences between the sides under test.

Server rows: each server in its own process pinned to core 0 (uvloop where installed), the
same client (``--server-client``: aiohttp's by default, a third party to all but one server)
pinned to core 1, the same workloads; the same table, ratio to aiohttp's server.

The websockets server and client need ``websockets``, the aiohttp rows ``aiohttp``:
``--server-python`` runs a server with another interpreter (e.g. the test environment's) when
this one lacks its library.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading

SERVER = r"""
import asyncio, sys
from websockets.asyncio.server import serve

async def handler(ws):
    if ws.request.path == "/echo":
        async for message in ws:
            await ws.send(message)
    else:  # /sink: take binary messages until the text "end", answer with the byte count
        total = 0
        async for message in ws:
            if isinstance(message, str):
                await ws.send(str(total))
                total = 0
            else:
                total += len(message)

async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), compression=None, max_size=None,
                     ping_interval=None, max_queue=64):
        print("ready", flush=True)
        await asyncio.Future()

asyncio.run(main())
"""

CLIENT = r"""
import asyncio, os, sys, time
kind, base, messages, big = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
measured = int(sys.argv[5])  # the pid whose CPU time is reported: the server's, or 0 for this client
TICK = os.sysconf("SC_CLK_TCK")

def cpu():
    # CPU seconds (user + system) of the side under test.
    if not measured:
        return time.process_time()
    with open(f"/proc/{measured}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK
small = b"x" * 32
blob = b"y" * (64 << 20)
CONNECTIONS = 100

def shares():
    return [messages // CONNECTIONS + (i < messages % CONNECTIONS) for i in range(CONNECTIONS)]

async def run(connect, send, receive, close):
    async def echo(ws, n):
        for _ in range(n):
            await send(ws, small)
            await receive(ws)
    ws = await connect(base + "/echo")
    t, c = time.perf_counter(), cpu()
    await echo(ws, messages)
    one, one_cpu = time.perf_counter() - t, cpu() - c
    await close(ws)
    sockets = [await connect(base + "/echo") for _ in range(CONNECTIONS)]
    t, c = time.perf_counter(), cpu()
    await asyncio.gather(*(echo(ws, n) for ws, n in zip(sockets, shares())))
    many, many_cpu = time.perf_counter() - t, cpu() - c
    for ws in sockets:
        await close(ws)
    ws = await connect(base + "/sink")
    t, c = time.perf_counter(), cpu()
    for _ in range(big):
        await send(ws, blob)
    await send(ws, "end")
    assert int(await receive(ws)) == big * len(blob)
    bulk, bulk_cpu = time.perf_counter() - t, cpu() - c
    await close(ws)
    return one, many, bulk, one_cpu, many_cpu, bulk_cpu

async def blazeio():
    import blazeio_client as io
    async def connect(url):
        return await io.getSession.websocket(url, compress=False, max_message_size=None, ping_interval=None)
    async def send(ws, m):
        await ws.send(m)
    async def receive(ws):
        return await ws.receive()
    async def close(ws):
        await ws.close()
    return await run(connect, send, receive, close)

async def aiohttp_():
    import aiohttp
    async with aiohttp.ClientSession() as session:
        async def connect(url):
            return await session.ws_connect(url, compress=0, max_msg_size=0, autoping=True)
        async def send(ws, m):
            await (ws.send_str(m) if isinstance(m, str) else ws.send_bytes(m))
        async def receive(ws):
            return (await ws.receive()).data
        async def close(ws):
            await ws.close()
        return await run(connect, send, receive, close)

async def websockets_():
    from websockets.asyncio.client import connect as ws_connect
    async def connect(url):
        return await ws_connect(url, compression=None, max_size=None, ping_interval=None)
    async def send(ws, m):
        await ws.send(m)
    async def receive(ws):
        return await ws.recv()
    async def close(ws):
        await ws.close()
    return await run(connect, send, receive, close)

try:
    import uvloop
    runner = uvloop.run
except ImportError:
    runner = asyncio.run
result = runner({"blazeio": blazeio, "aiohttp": aiohttp_, "websockets": websockets_}[kind]())
print(" ".join(f"{x:.6f}" for x in result))
"""

CEILING_SERVER = r"""
# The ceiling: a bare asyncio Protocol on uvloop that does the least a WebSocket server can do
# for these workloads: answer the handshake, walk the frame headers (never unmasking a payload),
# answer each 32-byte echo frame with a canned unmasked one and the sink's text frame with the
# byte count. No framework can spend less CPU per round trip on the same event loop.
import asyncio, base64, hashlib, struct, sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ECHO_IN = 38  # a masked 32-byte binary frame: 2 header bytes, 4 mask bytes, 32 payload bytes
ECHO_OUT = b"\x82\x20" + b"x" * 32

class Ceiling(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.head = b""
        self.upgraded = False
        self.pending = b""  # an incomplete frame header
        self.skip = 0  # payload bytes of the current frame still to come
        self.text = False
        self.total = 0

    def data_received(self, data):
        if not self.upgraded:
            self.head += data
            if b"\r\n\r\n" not in self.head:
                return
            head, _, data = self.head.partition(b"\r\n\r\n")
            key = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
            self.transport.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            self.upgraded = True
            if not data:
                return
        if len(data) == ECHO_IN and not self.skip and not self.pending and data[0] == 0x82:
            self.transport.write(ECHO_OUT)  # the echo workload: one whole frame per read
            return
        self.walk(data)

    def walk(self, data):
        view = memoryview(self.pending + data) if self.pending else memoryview(data)
        self.pending = b""
        at = 0
        while at < len(view):
            if self.skip:
                taken = min(self.skip, len(view) - at)
                self.skip -= taken
                at += taken
                if not self.skip and self.text:
                    self.answer_count()
                continue
            rest = len(view) - at
            length = view[at + 1] & 0x7F if rest > 1 else 0
            size = 2 + (2 if length == 126 else 8 if length == 127 else 0) + 4
            if rest < size:
                self.pending = bytes(view[at:])
                return
            opcode = view[at] & 0x0F
            if length == 126:
                length = struct.unpack_from("!H", view, at + 2)[0]
            elif length == 127:
                length = struct.unpack_from("!Q", view, at + 2)[0]
            at += size
            if opcode == 8:
                self.transport.write(b"\x88\x02\x03\xe8")
                self.transport.close()
                return
            self.text = opcode == 1
            if opcode == 2:
                if length <= 125:
                    self.transport.write(ECHO_OUT)  # only the echo workload sends small binary frames
                else:
                    self.total += length
            self.skip = length
            if not length and self.text:
                self.answer_count()

    def answer_count(self):
        count = str(self.total).encode()
        self.transport.write(bytes((0x81, len(count))) + count)
        self.total = 0

    def connection_lost(self, exc):
        pass

async def main():
    server = await asyncio.get_running_loop().create_server(Ceiling, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await server.serve_forever()

try:
    import uvloop
    uvloop.run(main())
except ImportError:
    asyncio.run(main())
"""

BLAZEIO_SERVER = r"""
import asyncio, sys
import Blazeio as io

web = io.App("127.0.0.1", int(sys.argv[1]))
OPTIONS = dict(compress=False, max_message_size=None, ping_interval=None, max_queue=64)

@web.add_route
async def _echo(r):
    ws = await r.websocket(**OPTIONS)
    async for message in ws:
        await ws.send(message)

@web.add_route
async def _sink(r):
    ws = await r.websocket(**OPTIONS)
    total = 0
    async for message in ws:
        if isinstance(message, str):
            await ws.send(str(total))
            total = 0
        else:
            total += len(message)

async def main():
    task = asyncio.ensure_future(web.run())
    await web
    print("ready", flush=True)
    await task

try:
    import uvloop
    uvloop.run(main())
except ImportError:
    asyncio.run(main())
"""

AIOHTTP_SERVER = r"""
import asyncio, sys
from aiohttp import WSMsgType, web

def socket():
    return web.WebSocketResponse(compress=False, max_msg_size=0, autoping=True)

async def echo(request):
    ws = socket()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws

async def sink(request):
    ws = socket()
    await ws.prepare(request)
    total = 0
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(str(total))
            total = 0
        elif msg.type == WSMsgType.BINARY:
            total += len(msg.data)
    return ws

async def main():
    app = web.Application()
    app.router.add_get("/echo", echo)
    app.router.add_get("/sink", sink)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1])).start()
    print("ready", flush=True)
    await asyncio.Future()

try:
    import uvloop
    uvloop.run(main())
except ImportError:
    asyncio.run(main())
"""

CLIENTS = {"blazeio": "blazeio_client", "aiohttp": "aiohttp", "websockets": "websockets"}
# Server kind -> (its script, the module it needs).
SERVERS = {
    "ceiling": (CEILING_SERVER, "asyncio"),
    "blazeio": (BLAZEIO_SERVER, "blazeio_server"),
    "aiohttp": (AIOHTTP_SERVER, "aiohttp"),
    "websockets": (SERVER, "websockets"),
}
ROWS = ("echo, 1 connection", "echo, 100 connections", "64 MiB messages, one way")


def pinned(core: int, argv: list[str]) -> list[str]:
    """``argv`` pinned to one core where taskset exists and there are two cores."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(core), *argv]
    return argv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def available(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True, check=False).returncode == 0


def start_server(python: str, script: str) -> tuple[subprocess.Popen[str], int]:
    """A server process pinned to core 0, once it says it is ready; and its port."""
    port = free_port()
    server = subprocess.Popen(pinned(0, [python, "-c", script, str(port)]), stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    for line in server.stdout:  # a server may log before it says it is ready
        if line.strip() == "ready":
            # Keep reading what it logs, so a full pipe never blocks it mid-measurement.
            threading.Thread(target=server.stdout.read, daemon=True).start()
            return server, port
    server.kill()
    sys.exit(f"a server did not start ({python})")


def stop(server: subprocess.Popen[str]) -> None:
    server.terminate()
    server.wait(timeout=30)


def run_client(kind: str, port: int, args: argparse.Namespace, measured: int = 0) -> list[float]:
    """Seconds per workload, then the CPU seconds of ``measured`` (a server's pid; 0: the client's)."""
    argv = [sys.executable, "-c", CLIENT, kind, f"ws://127.0.0.1:{port}", str(args.messages), str(args.big)]
    out = subprocess.run(pinned(1, [*argv, str(measured)]), capture_output=True, text=True, check=True, timeout=600)
    return [float(x) for x in out.stdout.split()]


def report(title: str, times: dict[str, list[list[float]]], messages: int, big: int) -> None:
    kinds = list(times)
    print(f"\n{title}")
    print(f"{'workload':28} " + " ".join(f"{kind:>12}" for kind in kinds) + "  (median s; vs aiohttp)")
    for row, name in enumerate(ROWS):
        medians = {kind: statistics.median(r[row] for r in times[kind]) for kind in kinds}
        cells = " ".join(f"{medians[kind]:12.4f}" for kind in kinds)
        ratio = ""
        if "aiohttp" in medians and "blazeio" in medians:
            ratio = f"  blazeio x{medians['aiohttp'] / medians['blazeio']:.2f}"
        print(f"{name:28} {cells}{ratio}")
    for row, label in ((0, "1 connection"), (1, "100 connections")):
        rate = {kind: messages / statistics.median(r[row] for r in times[kind]) for kind in kinds}
        print(f"echo round trips/s, {label}: " + ", ".join(f"{k} {v:,.0f}" for k, v in rate.items()))
    # The deciding figure: CPU of the side under test per unit of work (the peer's share of a
    # round trip is the same for every row, so wall time understates the differences).
    print(f"{'CPU of the side under test':28} " + " ".join(f"{kind:>12}" for kind in kinds) + "  (median; vs aiohttp)")
    per = (messages, messages, big)
    units = ("us/round trip", "us/round trip", "ms/64 MiB")
    scale = (1e6, 1e6, 1e3)
    for row, name in enumerate(ROWS):
        medians = {kind: statistics.median(r[3 + row] for r in times[kind]) / per[row] * scale[row] for kind in kinds}
        cells = " ".join(f"{medians[kind]:12.1f}" for kind in kinds)
        ratio = ""
        if "aiohttp" in medians and "blazeio" in medians and medians["blazeio"]:
            ratio = f"  blazeio x{medians['aiohttp'] / medians['blazeio']:.2f}"
        print(f"{name + ' (' + units[row] + ')':28} {cells}{ratio}")


def client_rows(args: argparse.Namespace) -> None:
    server, port = start_server(args.server_python, SERVER)
    try:
        kinds = [kind for kind, module in CLIENTS.items() if available(sys.executable, module)]
        missing = sorted(set(CLIENTS) - set(kinds))
        if missing:
            print(f"clients skipped (not installed here): {', '.join(missing)}")
        times: dict[str, list[list[float]]] = {kind: [] for kind in kinds}
        for _ in range(args.rounds):
            for kind in kinds:
                times[kind].append(run_client(kind, port, args))
        report("Clients, against the websockets server", times, args.messages, args.big)
    finally:
        stop(server)


def server_rows(args: argparse.Namespace) -> None:
    if not available(sys.executable, CLIENTS[args.server_client]):
        sys.exit(f"the {args.server_client} client is not installed here")
    pythons: dict[str, str] = {}
    for kind, (_, module) in SERVERS.items():
        python = next((p for p in (sys.executable, args.server_python) if available(p, module)), None)
        if python is None:
            print(f"server skipped (not installed here or in --server-python): {kind}")
        else:
            pythons[kind] = python
    times: dict[str, list[list[float]]] = {kind: [] for kind in pythons}
    for _ in range(args.rounds):
        for kind, python in pythons.items():
            server, port = start_server(python, SERVERS[kind][0])
            try:
                times[kind].append(run_client(args.server_client, port, args, server.pid))
            finally:
                stop(server)
    report(f"Servers, with the {args.server_client} client", times, args.messages, args.big)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=20000, help="echo round trips per workload")
    parser.add_argument("--big", type=int, default=4, help="64 MiB messages sent one way")
    parser.add_argument("--server-python", default=sys.executable)
    parser.add_argument("--rows", default="clients,servers", help="which tables: clients, servers or both")
    parser.add_argument("--server-client", default="aiohttp", choices=sorted(CLIENTS))
    args = parser.parse_args()
    rows = set(args.rows.split(","))
    if "clients" in rows:
        client_rows(args)
    if "servers" in rows:
        server_rows(args)


if __name__ == "__main__":
    main()
