"""Fixtures that choose the build of the head parser (compiled or pure Python)."""

from __future__ import annotations

import pytest

from blazeio_common.http import native, receive


def use_build(monkeypatch: pytest.MonkeyPatch, build: str) -> None:
    """Make the receivers use the compiled head parser or the pure-Python one. (A receiver made
    without ``heads=`` owns an empty head cache, so the other build's heads are never looked up.)"""
    if build == "compiled":
        if native.parse_request_head is None:
            pytest.skip("the compiled parser is not built here (or BLAZEIO_NO_EXTENSIONS is set)")
        monkeypatch.setattr(receive, "native_parse_request_head", native.parse_request_head)
        monkeypatch.setattr(receive, "native_parse_response_head", native.parse_response_head)
    else:
        monkeypatch.setattr(receive, "native_parse_request_head", None)
        monkeypatch.setattr(receive, "native_parse_response_head", None)


@pytest.fixture(params=["compiled", "pure"])
def parser_build(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test once with each build of the head parser."""
    build: str = request.param
    use_build(monkeypatch, build)
    return build


@pytest.fixture
def pure_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests of the pure-Python parser's own caches (``heads.py``)."""
    use_build(monkeypatch, "pure")
