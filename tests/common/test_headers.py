"""The one Headers type: case-insensitive, multi-valued, attribute access, validated."""

from __future__ import annotations

import pytest

from blazeio_common import Headers, LocalProtocolError


def test_lookup_ignores_case_and_attribute_access_maps_underscores() -> None:
    h = Headers({"Content-Type": "text/html", "room": "abc"})
    assert h["content-type"] == h.get("CONTENT-TYPE") == h.content_type == "text/html"
    assert h.room == "abc"
    assert "Content-type" in h
    assert h.get("missing") is None
    assert h.get("missing", "d") == "d"


def test_missing_attribute_raises_attribute_error() -> None:
    h = Headers()
    assert not hasattr(h, "room")
    with pytest.raises(AttributeError):
        _ = h.room


def test_repeated_fields_join_for_get_and_stay_apart_for_getlist() -> None:
    h = Headers([("Accept", "a"), ("Set-Cookie", "x=1"), ("accept", "b"), ("Set-Cookie", "y=2")])
    assert h["accept"] == "a, b"
    assert h.getlist("set-cookie") == ["x=1", "y=2"]
    assert h.raw_items() == [("Accept", "a"), ("Set-Cookie", "x=1"), ("accept", "b"), ("Set-Cookie", "y=2")]


def test_has_any_matches_names_in_any_case_including_after_changes() -> None:
    h = Headers([("If-None-Match", '"a"'), ("Host", "h")])
    wanted = frozenset(("range", "if-none-match"))
    assert h.has_any(wanted)
    del h["if-none-match"]
    assert not h.has_any(wanted)
    h["RANGE"] = "bytes=0-1"
    assert h.has_any(wanted)
    assert not Headers().has_any(wanted)


def test_prepend_puts_a_line_first_and_keeps_the_joined_value_in_order() -> None:
    h = Headers([("Accept", "b"), ("X", "1")])
    assert h.get("accept") == "b"
    h.prepend("Accept", "a")
    h.prepend("Host", "example")
    assert h.raw_items() == [("Host", "example"), ("Accept", "a"), ("Accept", "b"), ("X", "1")]
    assert (h["accept"], h.host) == ("a, b", "example")
    with pytest.raises(LocalProtocolError):
        h.prepend("Bad\r\nName", "v")


def test_every_read_sees_a_change_that_needs_the_index_rebuilt() -> None:
    # Replacing, deleting and prepending to a joined name drop the index; get, [] and `in`
    # (which take a built index without a call) must rebuild it, each on its own.
    def changed() -> Headers:
        h = Headers([("A", "1"), ("a", "2"), ("B", "3")])
        assert h.get("a") == "1, 2"  # the index is built
        h["B"] = "4"
        return h

    assert changed().get("b") == "4"
    assert changed()["b"] == "4"
    h = changed()
    del h["a"]
    assert "a" not in h
    h = changed()
    h.prepend("A", "0")
    assert h.get("a") == "0, 1, 2"


def test_dict_of_headers_has_lowercase_keys() -> None:
    h = Headers({"Content-Length": 5, "X-Room": "r"})
    assert dict(h) == {"content-length": "5", "x-room": "r"}


def test_setitem_replaces_every_line_and_delete_removes_them() -> None:
    h = Headers([("X", "1"), ("x", "2"), ("Y", "3")])
    h["X"] = "9"
    assert h.getlist("x") == ["9"]
    del h["y"]
    assert "y" not in h
    assert len(h) == 1
    with pytest.raises(KeyError):
        del h["nope"]


def test_list_values_become_separate_lines() -> None:
    h = Headers({"Vary": ["Accept", "Origin"]})
    assert h.getlist("vary") == ["Accept", "Origin"]


def test_keyword_construction_maps_underscores_to_dashes() -> None:
    assert Headers(content_type="a/b").raw_items() == [("content-type", "a/b")]


@pytest.mark.parametrize(("name", "value"), [("X", "a\r\nY: b"), ("X", "a\nb"), ("X", "\x00"), ("Bad Name", "v")])
def test_invalid_names_and_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(LocalProtocolError):
        Headers({name: value})
    h = Headers()
    with pytest.raises(LocalProtocolError):
        h.add(name, value)


def test_equality_ignores_name_case_and_copy_is_independent() -> None:
    a = Headers({"A": "1"})
    b = a.copy()
    assert a == b == {"a": "1"}
    b["A"] = "2"
    assert a["a"] == "1"
    # The two share storage until one changes: every kind of change, on either side, stays its own.
    a = Headers([("A", "1"), ("B", "2")])
    b, c, d = a.copy(), a.copy(), a.copy()
    b.add("A", "3")
    c.prepend("Host", "h")
    del d["b"]
    a.add("X", "x")
    assert a.raw_items() == [("A", "1"), ("B", "2"), ("X", "x")] and a["a"] == "1" and a["x"] == "x"
    assert b.raw_items() == [("A", "1"), ("B", "2"), ("A", "3")] and b["a"] == "1, 3" and "x" not in b
    assert c.raw_items() == [("Host", "h"), ("A", "1"), ("B", "2")] and "x" not in c
    assert d.raw_items() == [("A", "1")] and "x" not in d and "b" in a
