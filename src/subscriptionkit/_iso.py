"""Days, months and moments read from ISO 8601 text, naming the real fault (internal).

Every reader of such text (the command's ``--at``, ``--on``, ``--from``... options, the
metering CSV's ``processed_at``, :meth:`Month.parse <subscriptionkit.metering.Month.parse>`)
asks :func:`day_fault`, :func:`moment_fault` or :func:`month_fault` why a text is refused,
so ``2026-13-06T10:00+01:00`` is told that month 13 does not exist, never that it lacks
an offset, and ``2026-09-01T09:00`` is told that its offset is missing.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from typing import Final

import pendulum

from .errors import InvalidInput

#: A moment as people write it: a day, a time and an offset (each part checked apart).
_MOMENT: Final = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
    r"(?P<offset>[Zz]|[+-](?P<oh>\d{2})(?::?(?P<om>\d{2}))?)?)?"
)
#: A day (``YYYY-MM-DD``) and a month (``YYYY-MM``).
_DAY: Final = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")
_MONTH: Final = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})")

#: An example of each, as the messages show them.
MOMENT_EXAMPLE: Final = "2026-09-01T09:00+02:00"
DAY_EXAMPLE: Final = "2026-09-01"
MONTH_EXAMPLE: Final = "2026-09"


def _out_of(what: str, value: int, low: int, high: int) -> str | None:
    if low <= value <= high:
        return None
    return f"there is no {what} {value:02d}; {what}s are {low:02d} to {high:02d}"


def _date_fault(year: int, month: int, day: int | None) -> str | None:
    fault = _out_of("year", year, 1, 9999) or _out_of("month", month, 1, 12)
    if fault or day is None:
        return fault
    last = calendar.monthrange(year, month)[1]
    if 1 <= day <= last:
        return None
    return f"there is no day {day:02d} in {calendar.month_name[month]} {year}; it has {last} days"


def month_fault(text: str) -> str | None:
    """Why ``text`` is not a month ``YYYY-MM`` (``None`` when it is one)."""
    match = _MONTH.fullmatch(text.strip())
    if match is None:
        return f"expected a month written YYYY-MM, such as {MONTH_EXAMPLE}"
    return _date_fault(int(match["year"]), int(match["month"]), None)


def day_fault(text: str) -> str | None:
    """Why ``text`` is not a day ``YYYY-MM-DD`` (``None`` when it is one)."""
    match = _DAY.fullmatch(text.strip())
    if match is None:
        return f"expected a day written YYYY-MM-DD, such as {DAY_EXAMPLE}"
    return _date_fault(int(match["year"]), int(match["month"]), int(match["day"]))


def moment_fault(text: str) -> str | None:
    """Why ``text`` is not an ISO 8601 moment with its UTC offset (``None`` when it is).

    The fault named is the first real one: a month, day, hour, minute, second or offset
    out of range before a missing offset; a text of another shape gets the form expected.
    """
    text = text.strip()
    match = _MOMENT.fullmatch(text)
    if match is None:
        parsed = _pendulum(text)  # the other ISO 8601 forms: 20260901T0900+0200, weeks...
        if isinstance(parsed, pendulum.DateTime):
            return None if parsed.tzinfo is not None else _NO_OFFSET
        return _UNREADABLE
    fault = _date_fault(int(match["year"]), int(match["month"]), int(match["day"]))
    if fault is None and match["hour"] is None:
        return (
            f"it is a day without a time and UTC offset; expected a moment such as {MOMENT_EXAMPLE}"
        )
    fault = (
        fault
        or _out_of("hour", int(match["hour"]), 0, 23)
        or _out_of("minute", int(match["minute"]), 0, 59)
        or (_out_of("second", int(match["second"]), 0, 59) if match["second"] else None)
    )
    if fault is None and match["oh"] is not None:
        hours, minutes = int(match["oh"]), int(match["om"] or 0)
        if hours > 23 or minutes > 59:
            return f"the UTC offset {match['offset']} is out of range; offsets are -23:59 to +23:59"
    if fault is None and match["offset"] is None:
        return _NO_OFFSET
    return fault


_UNREADABLE: Final = (
    f"expected an ISO 8601 moment with its UTC offset, such as {MOMENT_EXAMPLE}, or Z for UTC"
)
_NO_OFFSET: Final = (
    f"it has no UTC offset; expected one after the time, such as {MOMENT_EXAMPLE}, or Z for UTC"
)


def _pendulum(text: str) -> object:
    try:
        return pendulum.parse(text, tz=None)  # no default zone: a missing offset stays naive
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return None


def parse_moment(text: str) -> pendulum.DateTime:
    """Parse an ISO 8601 moment with its UTC offset (``2026-09-01T09:00+02:00``, ``...Z``).

    Raises:
        InvalidInput: not such a moment; the message names the fault (see
            :func:`moment_fault`) and the text given.
    """
    fault = moment_fault(text)
    if fault is None:
        parsed = _pendulum(text.strip())
        if isinstance(parsed, pendulum.DateTime) and parsed.tzinfo is not None:
            return parsed
        fault = _UNREADABLE
    raise InvalidInput(f"{text!r} is not a moment: {fault}")


def parse_day(text: str) -> _dt.date:
    """Parse a day written ``YYYY-MM-DD``.

    Raises:
        InvalidInput: not such a day; the message names the fault and the text given.
    """
    fault = day_fault(text)
    if fault is not None:
        raise InvalidInput(f"{text!r} is not a day: {fault}")
    return _dt.date.fromisoformat(text.strip())
