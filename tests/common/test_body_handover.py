"""Body bytes handed over without copies: what the receiver holds must still be counted and framed."""

from __future__ import annotations

from blazeio_common.http import Data, EndOfMessage, Request, RequestReceiver, Response, ResponseReceiver


def test_a_body_piece_from_the_socket_becomes_the_data_event_itself() -> None:
    receiver = ResponseReceiver("GET")
    receiver.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
    assert isinstance(receiver.next_event(), Response)
    piece = b"0123456789"
    receiver.feed(piece)
    event = receiver.next_event()
    assert isinstance(event, Data) and event.data is piece  # no copy
    assert isinstance(receiver.next_event(), EndOfMessage)


def test_held_body_bytes_count_as_buffered_for_backpressure() -> None:
    receiver = RequestReceiver()
    receiver.feed(b"POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n")
    assert isinstance(receiver.next_event(), Request)
    # feed() answers what is buffered, so a server checks its read limit without asking again.
    assert [receiver.feed(b"x" * 65536) for _ in range(3)] == [65536, 2 * 65536, 3 * 65536]
    assert receiver.buffered == 3 * 65536
    event = receiver.next_event()
    assert isinstance(event, Data) and event.data == b"x" * (3 * 65536)
    assert receiver.buffered == 0


def test_pieces_that_run_past_the_body_leave_the_next_request_intact() -> None:
    receiver = RequestReceiver()
    receiver.feed(b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\n")
    assert isinstance(receiver.next_event(), Request)
    assert receiver.feed(b"abc") == 3
    assert receiver.feed(b"defGET /b HTTP/1.1\r\n") == 23
    assert receiver.feed(bytearray(b"Host: a\r\n\r\n")) == 34  # not bytes: copied, after what is held
    body = receiver.next_event()
    assert isinstance(body, Data) and body.data == b"abcdef"
    assert isinstance(receiver.next_event(), EndOfMessage)
    receiver.start_next_cycle()
    request = receiver.next_event()
    assert isinstance(request, Request) and request.target == "/b"
    assert receiver.buffered == 0


def test_an_until_close_body_ends_with_every_held_byte() -> None:
    receiver = ResponseReceiver("GET")
    receiver.feed(b"HTTP/1.1 200 OK\r\n\r\n")
    assert isinstance(receiver.next_event(), Response)
    receiver.feed(b"first ")
    receiver.feed(b"second")
    receiver.feed_eof()
    pieces = []
    while isinstance(event := receiver.next_event(), Data):
        pieces.append(event.data)
    assert isinstance(event, EndOfMessage)
    assert b"".join(pieces) == b"first second"


def test_take_body_returns_a_whole_buffered_body_and_leaves_the_next_message() -> None:
    receiver = ResponseReceiver("GET")
    receiver.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 204 No Content\r\n\r\n")
    assert isinstance(receiver.next_event(), Response)
    assert receiver.take_body() == b"hello"
    assert receiver.take_body() is None  # the message is complete: nothing more to take
    receiver.start_next_cycle("GET")
    second = receiver.next_event()
    assert isinstance(second, Response) and second.status_code == 204
    assert receiver.buffered == 0


def test_take_body_declines_what_it_cannot_take_whole_and_events_still_carry_it() -> None:
    partial = ResponseReceiver("GET")
    partial.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
    assert isinstance(partial.next_event(), Response)
    assert partial.take_body() is None
    partial.feed(b"56789")  # joins the five already buffered: one Data event with all ten
    data = partial.next_event()
    assert isinstance(data, Data) and data.data == b"0123456789"
    assert isinstance(partial.next_event(), EndOfMessage)

    chunked = ResponseReceiver("GET")
    chunked.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    assert isinstance(chunked.next_event(), Response)
    assert chunked.take_body() is None
    data = chunked.next_event()
    assert isinstance(data, Data) and data.data == b"abc"
