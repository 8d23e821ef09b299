"""The cookie date of an ``Expires`` attribute, parsed as RFC 6265 §5.1.1 says.

Servers write every date format there is; the RFC's algorithm is deliberately lenient (it
picks a time, a day, a month and a year out of any tokens) and deliberately strict about
the values it finds. A date that fails the algorithm makes the attribute ignored, not the
cookie.
"""

from __future__ import annotations

import calendar
import re

__all__ = ["parse_cookie_date"]

# delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
_DELIMITERS = re.compile(r"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
# time = hms-time ( non-digit *OCTET ); hms-time = time-field ":" time-field ":" time-field
# (ASCII digits only: \d would also take other scripts' digits.)
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[^0-9].*)?", re.DOTALL)
_DAY = re.compile(r"([0-9]{1,2})(?:[^0-9].*)?", re.DOTALL)
_YEAR = re.compile(r"([0-9]{2,4})(?:[^0-9].*)?", re.DOTALL)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_cookie_date(text: str) -> float | None:
    """Seconds since the epoch (UTC) for a cookie-date, or None where §5.1.1 says "fail"."""
    time: tuple[int, int, int] | None = None
    day: int | None = None
    month: int | None = None
    year: int | None = None
    for token in _DELIMITERS.split(text):
        if not token:
            continue
        # Each token is tried against the productions in this order; the first one not yet
        # found that matches takes it (§5.1.1 step 2).
        if time is None and (match := _TIME.fullmatch(token)):
            time = (int(match[1]), int(match[2]), int(match[3]))
        elif day is None and (match := _DAY.fullmatch(token)):
            day = int(match[1])
        elif month is None and token[:3].lower() in _MONTHS:
            month = _MONTHS.index(token[:3].lower()) + 1
        elif year is None and (match := _YEAR.fullmatch(token)):
            year = int(match[1])
    if time is None or day is None or month is None or year is None:
        return None
    # "If the year-value is greater than or equal to 70 and less than or equal to 99, increment
    # the year-value by 1900. If ... greater than or equal to 0 and less than or equal to 69,
    # increment the year-value by 2000."
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    hour, minute, second = time
    if not 1 <= day <= 31 or year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    # "If the parsed-cookie-date does not exist (e.g. the day-of-month is 31 in a 30-day month),
    # abort these steps and fail to parse the cookie-date."
    if day > calendar.monthrange(year, month)[1]:
        return None
    return float(calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)))
