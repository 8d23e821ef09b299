"""``WWW-Authenticate`` / ``Proxy-Authenticate`` challenges (RFC 9110 §11.6.1), parsed.

::

    WWW-Authenticate = #challenge
    challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
    auth-param       = token BWS "=" BWS ( token / quoted-string )

One field value may hold several challenges, and each challenge several comma-separated
parameters: "User agents are advised to take special care in parsing the field value, as it
might contain more than one challenge, and each challenge can contain a comma-separated list
of authentication parameters." A parameter is told from the next challenge by the ``=`` after
its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from blazeio_common.errors import BlazeioException, ProtocolError

__all__ = ["AuthError", "Challenge", "ChallengeError", "parse_challenges", "quote_string"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_OWS = re.compile(r"[ \t]*")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


class AuthError(BlazeioException, ValueError):
    """Credentials that cannot be sent (e.g. a ':' in a Basic user-id, a control character)."""


class ChallengeError(ProtocolError):
    """A server's authentication challenge that does not follow RFC 9110 §11.6.1."""


@dataclass(frozen=True, slots=True)
class Challenge:
    """One challenge: its scheme (lower case), its parameters (names lower case) or its token68."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None


def quote_string(value: str) -> str:
    """A quoted-string (RFC 9110 §5.6.4): DQUOTE and backslash are escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_challenges(values: Iterable[str]) -> list[Challenge]:
    """Every challenge in the given field values, in order; ``ChallengeError`` on bad syntax."""
    challenges: list[Challenge] = []
    for text in values:
        challenges.extend(_Parser(text).challenges())
    return challenges


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> ChallengeError:
        return ChallengeError(f"malformed authentication challenge at {self.pos}: {what} in {self.text[:200]!r}")

    def skip(self, pattern: re.Pattern[str] = _OWS) -> None:
        match = pattern.match(self.text, self.pos)
        if match:
            self.pos = match.end()

    def skip_list_separators(self) -> None:
        # "#rule" lists allow empty elements: ", ,Basic" is "Basic".
        while True:
            self.skip()
            if not self.text.startswith(",", self.pos):
                return
            self.pos += 1

    def at_end_of_element(self) -> bool:
        self.skip()
        return self.pos >= len(self.text) or self.text[self.pos] == ","

    def token(self) -> str | None:
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            return None
        self.pos = match.end()
        return match[0]

    def starts_param(self) -> bool:
        """Whether ``token BWS "=" BWS`` and a value follow: ``abc=`` or ``abc==`` end a token68."""
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            return False
        end = self.ows_end(match.end())
        if not self.text.startswith("=", end) or self.text.startswith("==", end):
            return False
        after = self.ows_end(end + 1)
        return after < len(self.text) and self.text[after] != ","

    def ows_end(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in " \t":
            pos += 1
        return pos

    def challenges(self) -> list[Challenge]:
        found: list[Challenge] = []
        self.skip_list_separators()
        while self.pos < len(self.text):
            scheme = self.token()
            if scheme is None:
                raise self.fail("expected an auth-scheme")
            if self.at_end_of_element():
                found.append(Challenge(scheme.lower()))
            elif self.text[self.pos - 1] not in " \t":
                raise self.fail("expected a space after the auth-scheme")
            elif not self.starts_param():
                match = _TOKEN68.match(self.text, self.pos)
                if match is None:
                    raise self.fail("expected a token68 or auth-params")
                self.pos = match.end()
                if not self.at_end_of_element():
                    raise self.fail("unexpected text after a token68")
                found.append(Challenge(scheme.lower(), token68=match[0]))
            else:
                found.append(Challenge(scheme.lower(), self.params()))
            self.skip_list_separators()
        return found

    def params(self) -> dict[str, str]:
        params: dict[str, str] = {}
        while True:
            name = self.token()
            if name is None:
                raise self.fail("expected a parameter name")
            self.skip()
            self.pos += 1  # the "=" that starts_param() saw
            self.skip()
            quoted = _QUOTED.match(self.text, self.pos)
            if quoted is not None:
                self.pos = quoted.end()
                value = _UNESCAPE.sub(r"\1", quoted[1])
            elif self.text.startswith('"', self.pos):
                raise self.fail("unterminated quoted-string")
            else:
                value = self.token() or ""
                if not value:
                    raise self.fail(f"parameter {name!r} has no value")
            # "Each parameter name MUST only occur once per challenge."
            if name.lower() in params:
                raise self.fail(f"parameter {name!r} occurs twice")
            params[name.lower()] = value
            if not self.at_end_of_element():
                raise self.fail("expected ',' between parameters")
            # After a comma: another parameter of this challenge, or the next challenge.
            self.skip_list_separators()
            if not self.starts_param():
                return params
