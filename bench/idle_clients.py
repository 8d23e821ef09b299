"""Open N keep-alive connections, make one request on each, hold them, report on stdout.

    python idle_clients.py PORT N

Prints ``ready`` once every connection has had its answer, then waits for stdin to close, then
prints ``closed K``: how many of them the server had closed meanwhile (a server that drops idle
connections early would otherwise look as if holding them cost nothing).
"""

import asyncio
import sys

REQUEST = b"GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def one(port: int, gate: asyncio.Semaphore, held: list) -> None:
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(REQUEST)
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        held.append((reader, writer))


async def main(port: int, count: int) -> None:
    gate = asyncio.Semaphore(256)  # stay under the listen backlog
    held: list = []
    await asyncio.gather(*(one(port, gate, held) for _ in range(count)))
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    print(f"closed {sum(reader.at_eof() for reader, _ in held)}", flush=True)
    for _, writer in held:
        writer.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
