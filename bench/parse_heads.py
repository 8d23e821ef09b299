"""Heads per second: Blazeio's sans-IO core vs httptools (C, llhttp) and h11 (pure Python).

    hatch run bench:parse            # or: python bench/parse_heads.py [--seconds 1.0] [--rounds 5]

Each parser takes a typical browser request head (~500 bytes, 10 headers) and a typical
response head, and produces the method/target (or status), and the header list. Every
round runs all parsers back to back and reports ratios within the round; the table shows
medians over rounds (this machine is shared: ratios, not absolute figures, are the result).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from blazeio_common.http import EndOfMessage, Request, RequestReceiver, Response, ResponseReceiver

REQUEST = (
    b"GET /static/app/main.css?v=3f2a9c HTTP/1.1\r\n"
    b"Host: www.example.test:8443\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36\r\n"
    b"Accept: text/css,*/*;q=0.1\r\n"
    b"Accept-Language: en-GB,en;q=0.9\r\n"
    b"Accept-Encoding: gzip, deflate, br, zstd\r\n"
    b"Referer: https://www.example.test:8443/dashboard/overview\r\n"
    b"Cookie: session=9f8e7d6c5b4a39281706f5e4d3c2b1a0; theme=dark; consent=1\r\n"
    b"Sec-Fetch-Dest: style\r\n"
    b"Sec-Fetch-Mode: no-cors\r\n"
    b"Connection: keep-alive\r\n"
    b"\r\n"
)
RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Date: Tue, 24 Nov 2026 10:00:00 GMT\r\n"
    b"Server: nginx/1.22.1\r\n"
    b"Content-Type: text/css; charset=utf-8\r\n"
    b"Content-Length: 0\r\n"
    b"Last-Modified: Mon, 23 Nov 2026 09:00:00 GMT\r\n"
    b'ETag: "6571c1f4-2a3b"\r\n'
    b"Cache-Control: public, max-age=31536000, immutable\r\n"
    b"Vary: Accept-Encoding\r\n"
    b"Accept-Ranges: bytes\r\n"
    b"Connection: keep-alive\r\n"
    b"\r\n"
)


def blazeio_request() -> Callable[[], object]:
    receiver = RequestReceiver()

    def parse() -> object:
        receiver.feed(REQUEST)
        event = receiver.next_event()
        assert type(event) is Request
        assert type(receiver.next_event()) is EndOfMessage
        receiver.start_next_cycle()
        return event.headers.raw_items()

    return parse


def blazeio_response() -> Callable[[], object]:
    receiver = ResponseReceiver("GET")

    def parse() -> object:
        receiver.feed(RESPONSE)
        event = receiver.next_event()
        assert type(event) is Response
        assert type(receiver.next_event()) is EndOfMessage
        receiver.start_next_cycle()
        return event.headers.raw_items()

    return parse


def httptools_parser(response: bool) -> Callable[[], object]:
    import httptools

    class Sink:
        def __init__(self) -> None:
            self.headers: list[tuple[bytes, bytes]] = []
            self.url = b""

        def on_url(self, url: bytes) -> None:
            self.url = url

        def on_header(self, name: bytes, value: bytes) -> None:
            self.headers.append((name, value))

        def on_headers_complete(self) -> None:
            pass

        def on_message_complete(self) -> None:
            pass

    sink = Sink()
    parser = httptools.HttpResponseParser(sink) if response else httptools.HttpRequestParser(sink)
    data = RESPONSE if response else REQUEST

    def parse() -> object:
        sink.headers = []
        parser.feed_data(data)
        if not response:
            parser.get_method()
        else:
            parser.get_status_code()
        return sink.headers

    return parse


def h11_parser(response: bool) -> Callable[[], object]:
    import h11

    if not response:

        def parse() -> object:
            conn = h11.Connection(h11.SERVER)
            conn.receive_data(REQUEST)
            event = conn.next_event()
            assert isinstance(event, h11.Request)
            return list(event.headers)

        return parse

    def parse_response() -> object:
        # The client must have sent a request first; that cost is h11's too, but small.
        conn = h11.Connection(h11.CLIENT)
        conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
        conn.send(h11.EndOfMessage())
        conn.receive_data(RESPONSE)
        event = conn.next_event()
        assert isinstance(event, h11.Response)
        return list(event.headers)

    return parse_response


def rate(fn: Callable[[], object], seconds: float) -> float:
    for _ in range(200):
        fn()
    count = 0
    batch = 500
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(batch):
            fn()
        count += batch
    return count / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=1.0, help="time per parser per round")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    cases = {
        "request": {
            "blazeio": blazeio_request(),
            "httptools": httptools_parser(False),
            "h11": h11_parser(False),
        },
        "response": {
            "blazeio": blazeio_response(),
            "httptools": httptools_parser(True),
            "h11": h11_parser(True),
        },
    }
    print(f"request head {len(REQUEST)} bytes, response head {len(RESPONSE)} bytes; {args.rounds} rounds\n")
    print("| head | blazeio heads/s | httptools heads/s | h11 heads/s | blazeio/httptools | blazeio/h11 |")
    print("|---|---|---|---|---|---|")
    for kind, parsers in cases.items():
        rates: dict[str, list[float]] = {name: [] for name in parsers}
        ratio_ht: list[float] = []
        ratio_h11: list[float] = []
        for _ in range(args.rounds):
            got = {name: rate(fn, args.seconds) for name, fn in parsers.items()}
            for name, value in got.items():
                rates[name].append(value)
            ratio_ht.append(got["blazeio"] / got["httptools"])
            ratio_h11.append(got["blazeio"] / got["h11"])
        med = {name: statistics.median(values) for name, values in rates.items()}
        print(
            f"| {kind} | {med['blazeio']:,.0f} | {med['httptools']:,.0f} | {med['h11']:,.0f} "
            f"| {statistics.median(ratio_ht):.2f}x | {statistics.median(ratio_h11):.1f}x |"
        )


if __name__ == "__main__":
    main()
