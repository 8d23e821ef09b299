"""Heads per second: Blazeio's sans-IO core vs httptools (C, llhttp) and h11 (pure Python).

    hatch run bench:parse            # or: python bench/parse_heads.py [--seconds 1.0] [--rounds 5]

Each parser takes a typical browser request head (~500 bytes, 11 headers) and a typical
response head, and produces the method/target (or status), and the header list. Every head
carries an ``X-Request-Id`` that differs on every call, so each one is really parsed; Blazeio
is also measured on one head repeated byte for byte, which its head cache answers without a
parse (what a client repeating its request, or a server its response, costs). Every round
runs all parsers back to back and reports ratios within the round; the table shows medians
over rounds (this machine is shared: ratios, not absolute figures, are the result).

``--unique`` compares the ways to parse a browser's request heads that never repeat (eight
fields, a Cookie and the target that change on every request): the pure-Python parser and the
compiled one (``native_heads.pyx``), both as ``RequestReceiver`` calls them, and httptools
(llhttp) with Blazeio's stricter rules layered on top. ``--count N --parser NAME`` parses N
such heads and prints nothing (for ``bench/instructions.py parse-unique``).
"""

from __future__ import annotations

import argparse
import itertools
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
    b"X-Request-Id: %d\r\n"
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
    b"X-Request-Id: %d\r\n"
    b"\r\n"
)
_ids = itertools.count()

# A browser's request head (eight fields); the target and the Cookie change on every request,
# so no head, request line or Cookie line is ever seen twice.
BROWSER = (
    b"GET /articles/%d?page=%d&sort=recent HTTP/1.1\r\n"
    b"Host: www.example.test\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    b"Accept-Language: en-GB,en;q=0.7,de;q=0.3\r\n"
    b"Accept-Encoding: gzip, deflate, br, zstd\r\n"
    b"Cookie: session=%016x; csrftoken=%d; theme=dark\r\n"
    b"Cache-Control: max-age=0\r\n"
    b"Referer: https://www.example.test/articles/%d\r\n"
    b"\r\n"
)


def browser_head() -> bytes:
    n = next(_ids)
    return BROWSER % (n, n % 7, n * 2654435761 % 2**64, n, n - 1)


def blazeio_unique(compiled: bool) -> Callable[[], object]:
    """``RequestReceiver`` on heads that never repeat, with the compiled parser or without it."""
    from blazeio_common.http import native, receive

    if compiled and native.parse_request_head is None:
        raise SystemExit("the compiled parser is not built (or BLAZEIO_NO_EXTENSIONS is set)")
    receiver = RequestReceiver()
    parser = native.parse_request_head if compiled else None

    def parse() -> object:
        receive.native_parse_request_head = parser
        receiver.feed(browser_head())
        event = receiver.next_event()
        assert type(event) is Request
        receiver.start_next_cycle()
        return event

    return parse


def httptools_unique() -> Callable[[], object]:
    """httptools (llhttp) with the rules Blazeio holds that llhttp does not, as cheaply as they
    go: a CTL check over the whole head (llhttp lets a bare CR/LF end lines, accepts obs-fold
    in lenient builds), the exact version (llhttp takes HTTP/0.9-style and HTTP/2.0 lines
    differently), and the same ``Headers`` (str names and values, lower-case index with joined
    repeats, a field count limit). Host, framing and keep-alive are the receiver's work in
    both, so they are left out here: this is a lower bound of the layered cost."""
    import httptools

    from blazeio_common.http.headers import Headers
    from blazeio_common.http.heads import split_head

    class Sink:
        __slots__ = ("done", "index", "items", "url")

        def __init__(self) -> None:
            self.items: list[tuple[str, str]] = []
            self.index: dict[str, str] = {}
            self.url = b""
            self.done = False

        def on_url(self, url: bytes) -> None:
            self.url = url

        def on_header(self, name: bytes, value: bytes) -> None:
            n = name.decode("latin-1")
            v = value.decode("latin-1")
            self.items.append((n, v))
            lower = n.lower()
            old = self.index.get(lower)
            self.index[lower] = v if old is None else f"{old}, {v}"

        def on_headers_complete(self) -> None:
            self.done = True

    sink = Sink()
    parser = httptools.HttpRequestParser(sink)

    def parse() -> object:
        data = browser_head()
        if split_head(data) is None:  # the CTL rule
            raise ValueError("bad head")
        sink.items = []
        sink.index = {}
        parser.feed_data(data)
        version = parser.get_http_version()
        if version not in ("1.1", "1.0") or len(sink.items) > 100:
            raise ValueError("bad head")
        return (
            parser.get_method().decode(), sink.url.decode("latin-1"), version,
            Headers._trusted(sink.items, sink.index),
        )  # fmt: skip

    return parse


UNIQUE = {
    "heads-only": lambda: browser_head,  # making the heads alone, to subtract
    "pure": lambda: blazeio_unique(False),
    "native": lambda: blazeio_unique(True),
    "httptools": httptools_unique,
}


def head(template: bytes, repeated: bool) -> Callable[[], bytes]:
    """The head to parse next: a new request id on every call, or always the same bytes."""
    if repeated:
        data = template % 0
        return lambda: data
    return lambda: template % next(_ids)


def blazeio_request(repeated: bool) -> Callable[[], object]:
    receiver = RequestReceiver()
    data = head(REQUEST, repeated)

    def parse() -> object:
        receiver.feed(data())
        event = receiver.next_event()
        assert type(event) is Request
        assert type(receiver.next_event()) is EndOfMessage
        receiver.start_next_cycle()
        return event.headers.raw_items()

    return parse


def blazeio_response(repeated: bool) -> Callable[[], object]:
    receiver = ResponseReceiver("GET")
    data = head(RESPONSE, repeated)

    def parse() -> object:
        receiver.feed(data())
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
    data = head(RESPONSE if response else REQUEST, repeated=False)

    def parse() -> object:
        sink.headers = []
        parser.feed_data(data())
        if not response:
            parser.get_method()
        else:
            parser.get_status_code()
        return sink.headers

    return parse


def h11_parser(response: bool) -> Callable[[], object]:
    import h11

    data = head(RESPONSE if response else REQUEST, repeated=False)
    if not response:

        def parse() -> object:
            conn = h11.Connection(h11.SERVER)
            conn.receive_data(data())
            event = conn.next_event()
            assert isinstance(event, h11.Request)
            return list(event.headers)

        return parse

    def parse_response() -> object:
        # The client must have sent a request first; that cost is h11's too, but small.
        conn = h11.Connection(h11.CLIENT)
        conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
        conn.send(h11.EndOfMessage())
        conn.receive_data(data())
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
    ap.add_argument("--unique", action="store_true", help="browser heads that never repeat, three parsers")
    ap.add_argument(
        "--count", "--requests", dest="count", type=int, default=0, help="parse this many unique heads, silently"
    )
    ap.add_argument("--parser", choices=list(UNIQUE), default="native")
    args = ap.parse_args()
    if args.count:
        fn = UNIQUE[args.parser]()
        for _ in range(args.count):
            fn()
        return
    if args.unique:
        unique(args.seconds, args.rounds)
        return
    cases = {
        "request": {
            "blazeio": blazeio_request(repeated=False),
            "blazeio, repeated head": blazeio_request(repeated=True),
            "httptools": httptools_parser(False),
            "h11": h11_parser(False),
        },
        "response": {
            "blazeio": blazeio_response(repeated=False),
            "blazeio, repeated head": blazeio_response(repeated=True),
            "httptools": httptools_parser(True),
            "h11": h11_parser(True),
        },
    }
    sizes = len(REQUEST % 0), len(RESPONSE % 0)
    print(f"request head {sizes[0]} bytes, response head {sizes[1]} bytes; {args.rounds} rounds\n")
    print("| head | blazeio / httptools | blazeio / h11 | blazeio, repeated head / httptools | blazeio heads/s |")
    print("|---|---|---|---|---|")
    for kind, parsers in cases.items():
        ratios: dict[str, list[float]] = {"httptools": [], "h11": [], "repeated": []}
        rates: list[float] = []
        for _ in range(args.rounds):
            got = {name: rate(fn, args.seconds) for name, fn in parsers.items()}
            rates.append(got["blazeio"])
            ratios["httptools"].append(got["blazeio"] / got["httptools"])
            ratios["h11"].append(got["blazeio"] / got["h11"])
            ratios["repeated"].append(got["blazeio, repeated head"] / got["httptools"])
        med = {name: statistics.median(values) for name, values in ratios.items()}
        print(
            f"| {kind} | {med['httptools']:.2f}x | {med['h11']:.1f}x | {med['repeated']:.2f}x "
            f"| {statistics.median(rates):,.0f} |"
        )


def unique(seconds: float, rounds: int) -> None:
    parsers = {name: make() for name, make in UNIQUE.items() if name != "heads-only"}
    print(f"browser head ~{len(browser_head())} bytes, 8 fields, never repeated; {rounds} rounds\n")
    print("| parser | heads/s (median) | vs pure |")
    print("|---|---|---|")
    got: dict[str, list[float]] = {name: [] for name in parsers}
    for _ in range(rounds):
        for name, fn in parsers.items():
            got[name].append(rate(fn, seconds))
    pure = statistics.median(got["pure"])
    for name, rates in got.items():
        if name == "heads-only":
            continue
        med = statistics.median(rates)
        print(f"| {name} | {med:,.0f} | {med / pure:.2f}x |")


if __name__ == "__main__":
    main()
