"""What the suite expects a server to answer, and one request over a plain socket to see if it does.

Every request workload has a ``Check``: the request bytes (what wrk's Lua script sends, or the
plain GET), the body every server must answer (``servers/bodies.py``, the bytes the servers are
built from) and, where the workload is about framing, the framing. A server that answers
differently fails the run before anything is measured, so no table row ever measures a wrong
answer. JSON is compared as a value: the frameworks' own serialisers differ in whitespace
(aiohttp and socketify write ``{"message": "Hello, World!"}``, the others the compact form).
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import BinaryIO

from servers.bodies import EVENT, HELLO, JSON, STATIC, STATIC_NAME, STATIC_ROUTE

PIPELINE_DEPTH = 16  # as pipeline.lua


def get(path: str, *fields: str) -> bytes:
    lines = "".join(f"{field}\r\n" for field in fields)
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{lines}\r\n".encode()


# The head browser.lua sends, with the cookie's counter as %d (bench/server_path.py --browser
# counts it up; the check below sends the first request's, 1).
BROWSER_HEAD = (
    b"GET /plaintext HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n"
    b"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    b"Chrome/131.0.0.0 Safari/537.36\r\n"
    b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,"
    b"*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
    b"Accept-Language: en-US,en;q=0.9\r\n"
    b"Accept-Encoding: gzip, deflate, br, zstd\r\n"
    b"Cookie: sessionid=q8x2m5v7k3j9h4f6d1s0a2p8; csrftoken=Zk4Jw9Qe7Rt2Yu5Io1Pa3Sd6Fg8Hj0Kl; "
    b"_ga=GA1.1.1387263512.1733131200; n=%d\r\n"
    b"Cache-Control: max-age=0\r\n"
    b"Referer: http://127.0.0.1/\r\n"
    b"\r\n"
)
BROWSER = BROWSER_HEAD % 1


class WrongAnswer(RuntimeError):
    """A server answered a workload's request with something else than every server must."""


@dataclass(frozen=True)
class Answer:
    status: int
    fields: dict[str, str]
    body: bytes
    framing: str  # "length", "chunked" or "close"


@dataclass(frozen=True)
class Check:
    request: bytes
    body: bytes
    framing: str | None = None  # the framing the workload is about, if it is about one
    count: int = 1  # answers expected: the request is pipelined this many times
    as_json: bool = False
    media: str | None = None  # the Content-Type's media type, where the workload is about it

    def run(self, port: int) -> list[Answer]:
        """Send the request and read every answer; raise WrongAnswer unless each is the expected one."""
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(self.request * self.count)
            stream = sock.makefile("rb")
            answers = [read_answer(stream) for _ in range(self.count)]
        for answer in answers:
            problem = self.problem(answer)
            if problem:
                raise WrongAnswer(f"{self.request.split(b' ')[1].decode()}: {problem}")
        return answers

    def problem(self, answer: Answer) -> str | None:
        if answer.status != 200:
            return f"status {answer.status}"
        if self.framing is not None and answer.framing != self.framing:
            return f"framed by {answer.framing}, not {self.framing}"
        media = answer.fields.get("content-type", "").split(";")[0].strip().lower()
        if self.media is not None and media != self.media:
            return f"Content-Type {media!r}, not {self.media!r}"
        if self.as_json:
            try:
                same = json.loads(answer.body) == json.loads(self.body)
            except ValueError:
                same = False
        else:
            same = answer.body == self.body
        if not same:
            return f"body {answer.body[:80]!r} (length {len(answer.body)}), not {self.body[:80]!r}"
        return None


def read_answer(stream: BinaryIO) -> Answer:
    """One HTTP/1.1 response: head, then the body by its framing (chunks joined)."""
    status_line = stream.readline()
    if not status_line:
        raise WrongAnswer("the connection closed before an answer")
    status = int(status_line.split()[1])
    fields: dict[str, str] = {}
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        fields[name.strip().lower()] = value.strip()
    if "chunked" in fields.get("transfer-encoding", "").lower():
        body = bytearray()
        while size := int(stream.readline().split(b";")[0], 16):
            body += stream.read(size)
            stream.read(2)
        while stream.readline() not in (b"\r\n", b""):
            pass  # trailer fields
        return Answer(status, fields, bytes(body), "chunked")
    if "content-length" in fields:
        return Answer(status, fields, stream.read(int(fields["content-length"])), "length")
    return Answer(status, fields, stream.read(), "close")


CHECKS = {
    "plaintext": Check(get("/plaintext"), HELLO),
    "plaintext_ids": Check(get("/plaintext", "X-Request-Id: 1"), HELLO),
    "json": Check(get("/json"), JSON, as_json=True),
    "pipelined": Check(get("/plaintext"), HELLO, count=PIPELINE_DEPTH),
    "browser": Check(BROWSER, HELLO),
    "prepare": Check(get("/prepare"), HELLO, framing="length"),
    "chunked": Check(get("/chunked"), HELLO, framing="chunked"),
    "sse": Check(get("/sse"), EVENT, framing="chunked", media="text/event-stream"),
    "static": Check(get(f"{STATIC_ROUTE}/{STATIC_NAME}"), STATIC),
}
