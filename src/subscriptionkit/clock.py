"""Time: a :class:`Clock` to ask for *now*, and calendar arithmetic in the customer's zone.

Every function in subscriptionkit that needs the current moment takes it explicitly
(``at=...``) or takes a :class:`Clock`; nothing reads the system clock behind your back.
Datetimes must be timezone-aware: a naive one raises
:class:`~subscriptionkit.errors.NaiveDatetimeError`.

Calendar arithmetic (adding months, the start of a month) happens in the customer's
time zone through pendulum, so that a renewal on 31 January lands on the last day of
February (month-end clamping) and a 09:00 deadline stays at 09:00 across a DST change.

>>> import datetime as dt
>>> start = dt.datetime(2024, 1, 31, 9, 0, tzinfo=dt.timezone.utc)
>>> add_months(start, 1, tz="Europe/Amsterdam")
DateTime(2024, 2, 29, 10, 0, 0, tzinfo=Timezone('Europe/Amsterdam'))

Moments compare as **instants**, never as wall clocks. Python compares two datetimes
that share a tzinfo by their wall clocks and ignores ``fold`` (PEP 495): in the hour a
DST change repeats, 02:30+02:00 and 02:30+01:00 are "equal", and 02:59+02:00 sorts
after 02:00+01:00. Every equality, ordering, window and dedupe on moments in the library
goes through :func:`instant` (or epoch numbers); wall clocks are for display and
calendar steps only.

>>> from zoneinfo import ZoneInfo
>>> ams = ZoneInfo("Europe/Amsterdam")
>>> summer = dt.datetime(2025, 10, 26, 2, 30, tzinfo=ams)             # 02:30+02:00
>>> winter = dt.datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=ams)     # 02:30+01:00
>>> summer == winter, instant(summer) == instant(winter)
(True, False)
"""

from __future__ import annotations

import datetime as _dt
from typing import Final, Protocol, runtime_checkable

import attrs
import pendulum

from ._errors_base import _repr
from .errors import InvalidInput, InvalidTimezone, NaiveDatetimeError

__all__ = [
    "DEFAULT_TIMEZONE",
    "Clock",
    "FixedClock",
    "SystemClock",
    "add_days",
    "add_months",
    "day_end",
    "day_start",
    "ensure_aware",
    "instant",
    "local",
    "start_of_day",
    "start_of_month",
    "timezone",
]

#: The time zone used when a customer has none of its own.
DEFAULT_TIMEZONE: Final = "Europe/Amsterdam"


@runtime_checkable
class Clock(Protocol):
    """Anything that can tell the current, timezone-aware moment."""

    def now(self) -> pendulum.DateTime:
        """Return the current moment as an aware datetime."""
        ...


@attrs.frozen
class SystemClock:
    """The real clock, in UTC.

    >>> SystemClock().now().tzinfo is not None
    True
    """

    def now(self) -> pendulum.DateTime:
        """Return the current moment in UTC."""
        return pendulum.now("UTC")


def _fixed_at(value: _dt.datetime) -> pendulum.DateTime:
    return ensure_aware(value, "the moment of a FixedClock")


@attrs.define
class FixedClock:
    """A clock that stands still until you move it; for tests and what-ifs.

    >>> import datetime as dt
    >>> clock = FixedClock(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    >>> clock.advance(days=31).isoformat()
    '2026-02-01T00:00:00+00:00'
    """

    _at: pendulum.DateTime = attrs.field(converter=_fixed_at)

    def now(self) -> pendulum.DateTime:
        """Return the moment the clock is set to."""
        return self._at

    def set(self, at: _dt.datetime) -> None:
        """Move the clock to ``at`` (aware)."""
        self._at = ensure_aware(at, "at")

    def advance(self, *, days: int = 0, hours: int = 0, seconds: int = 0) -> pendulum.DateTime:
        """Move the clock forward by an exact duration and return the new moment."""
        # pendulum's days are calendar days (23 or 25 hours across DST); hours are exact.
        self._at = self._at.add(hours=24 * days + hours, seconds=seconds)
        return self._at


def timezone(name: str | _dt.tzinfo) -> pendulum.Timezone | pendulum.FixedTimezone:
    """Return the pendulum time zone for an IANA name (or pass a tzinfo through).

    Raises:
        InvalidTimezone: the name is not an IANA time zone.
    """
    if isinstance(name, pendulum.Timezone | pendulum.FixedTimezone):
        return name
    if isinstance(name, _dt.tzinfo):
        key = getattr(name, "key", None) or getattr(name, "zone", None)
        if isinstance(key, str):
            return timezone(key)
        offset = name.utcoffset(None)
        if offset is None:
            raise InvalidTimezone(got=name)
        return pendulum.FixedTimezone(int(offset.total_seconds()))
    if not isinstance(name, str):
        raise InvalidTimezone(got=name)
    try:
        return pendulum.timezone(name)
    except Exception as exc:  # pendulum raises its own InvalidTimezone / ValueError
        raise InvalidTimezone(got=name) from exc


def ensure_aware(value: object, name: str = "datetime") -> pendulum.DateTime:
    """Check that ``value`` is an aware datetime and return it as a pendulum DateTime.

    Args:
        value: the datetime to check.
        name: the argument's name, used in the error message.

    Raises:
        NaiveDatetimeError: ``value`` has no time zone.
        InvalidInput: ``value`` is not a datetime at all (a plain date, say).

    >>> import datetime as dt
    >>> ensure_aware(dt.datetime(2026, 1, 1), "at")
    Traceback (most recent call last):
    ...
    subscriptionkit.errors.NaiveDatetimeError: at must be a timezone-aware datetime ...
    """
    if not isinstance(value, _dt.datetime):
        raise InvalidInput(
            f"{name} must be a timezone-aware datetime, got {type(value).__name__}: {_repr(value)}"
        )
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(name=name, got=value)
    if isinstance(value, pendulum.DateTime):
        return value
    result = pendulum.instance(value)
    utc = value.astimezone(_dt.UTC)
    if result.astimezone(_dt.UTC) != utc:
        # A wall time in a DST gap: pendulum reads it unlike Python (PEP 495) and would
        # shift the instant by the gap; keep Python's instant, shown in the same zone.
        result = pendulum.instance(utc).in_timezone(result.timezone or "UTC")
    return result


def instant(value: _dt.datetime, name: str = "moment") -> _dt.datetime:
    """Return the instant of an aware datetime, as a datetime in UTC.

    The one helper for comparing moments: ``instant(a) < instant(b)``,
    ``instant(a) == instant(b)``, ``sorted(moments, key=instant)``, ``min(..., key=instant)``,
    and as an attrs ``eq=`` key for fields that hold moments. Two datetimes in UTC share
    no folds, so Python's comparison of them is a comparison of instants.

    Args:
        value: an aware datetime (a pendulum DateTime or a plain one, any zone, any fold).
        name: the argument's name, used in the error message.

    Raises:
        NaiveDatetimeError: ``value`` has no time zone.
        InvalidInput: ``value`` is not a datetime.

    >>> import datetime as dt
    >>> instant(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.timezone.utc)
    """
    if not isinstance(value, _dt.datetime):
        raise InvalidInput(
            f"{name} must be a timezone-aware datetime, got {type(value).__name__}: {_repr(value)}"
        )
    if value.tzinfo is _dt.UTC and type(value) is _dt.datetime:
        return value
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(name=name, got=value)
    # datetime.astimezone honours ``fold`` for zoneinfo and pendulum zones alike; the
    # result is a plain datetime so that equal instants are equal whatever class came in.
    utc = _dt.datetime.astimezone(value, _dt.UTC)
    return _dt.datetime(
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, _dt.UTC
    )


def local(value: _dt.datetime, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE) -> pendulum.DateTime:
    """Return ``value`` (aware) seen on the wall clock of ``tz``."""
    return ensure_aware(value).in_timezone(timezone(tz))


def add_months(
    value: _dt.datetime, months: int, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
) -> pendulum.DateTime:
    """Add calendar months in ``tz``, clamping to the month's end (Jan 31 + 1 = Feb 28/29).

    The wall-clock time is kept; if it does not exist on the target day (a DST gap),
    pendulum moves it forward by the gap. Negative ``months`` subtract.
    """
    if not isinstance(months, int) or isinstance(months, bool):
        raise InvalidInput(f"months must be a whole number, got {months!r}")
    return local(value, tz).add(months=months)


def add_days(
    value: _dt.datetime, days: int, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
) -> pendulum.DateTime:
    """Add calendar days in ``tz``, keeping the wall-clock time across DST changes."""
    if not isinstance(days, int) or isinstance(days, bool):
        raise InvalidInput(f"days must be a whole number, got {days!r}")
    return local(value, tz).add(days=days)


def start_of_day(
    value: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
) -> pendulum.DateTime:
    """Return the first instant of the local day ``value`` falls on in ``tz``.

    That is local midnight, or, where a DST change skips midnight (America/Santiago,
    Asia/Beirut...), the first instant after the gap; see :func:`day_start`.
    """
    return day_start(local(value, tz).date(), tz=tz)


_ONE_MICROSECOND: Final = _dt.timedelta(microseconds=1)


def _calendar_day(day: object) -> _dt.date:
    if isinstance(day, _dt.datetime) or not isinstance(day, _dt.date):
        raise InvalidInput(
            f"day must be a calendar day (datetime.date), got {type(day).__name__}: {_repr(day)}"
        )
    return day


def day_start(day: _dt.date, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE) -> pendulum.DateTime:
    """Return the first instant of the calendar day ``day`` on the wall clock of ``tz``.

    Usually local midnight. Where a DST change skips midnight (00:00 → 01:00 in
    America/Santiago, America/Asuncion, Asia/Beirut, America/Havana...), the day starts
    at the end of the gap (01:00); where it repeats midnight (01:00 → 00:00), at the
    first 00:00. Whole-day deadlines and day windows are built on this.

    Raises:
        InvalidInput: ``day`` is not a date (a datetime is refused: it is not a day).

    >>> import datetime as dt
    >>> day_start(dt.date(2022, 9, 11), tz="America/Santiago").isoformat()
    '2022-09-11T01:00:00-03:00'
    """
    _calendar_day(day)
    zone = timezone(tz)
    # fold=0 reads a midnight in a gap with the offset before the gap, which lands on
    # the gap's end when the gap starts at midnight (the usual case).
    midnight = _dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    candidate = midnight.astimezone(_dt.UTC)
    if _starts(candidate, day, zone):
        return pendulum.instance(candidate).in_timezone(zone)
    # Rare shapes (a gap that starts before midnight): search the instants for the
    # first one whose local day is ``day``, to the microsecond.
    low = candidate - _dt.timedelta(days=1)
    high = candidate + _dt.timedelta(days=1)
    while high - low > _ONE_MICROSECOND:
        mid = low + (high - low) // 2
        if mid.astimezone(zone).date() >= day:
            high = mid
        else:
            low = mid
    return pendulum.instance(high).in_timezone(zone)


def _starts(candidate: _dt.datetime, day: _dt.date, zone: _dt.tzinfo) -> bool:
    """Whether the UTC instant ``candidate`` is the first instant of local ``day``."""
    return (
        candidate.astimezone(zone).date() == day
        and (candidate - _ONE_MICROSECOND).astimezone(zone).date() < day
    )


def day_end(day: _dt.date, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE) -> pendulum.DateTime:
    """Return the last instant (to the microsecond) of the calendar day ``day`` in ``tz``.

    The whole of a day counts until here, inclusive: ``instant(at) <= instant(day_end(d))``
    exactly when ``at`` falls on ``d`` or before. It is the microsecond before
    :func:`day_start` of the next day, so a day that DST makes 23 or 25 hours long, or
    one whose midnight is skipped or repeated, still ends right.

    Raises:
        InvalidInput: ``day`` is not a date (a datetime is not a day), or the last date.
        InvalidTimezone: ``tz`` is not a known zone.

    >>> import datetime as dt
    >>> day_end(dt.date(2027, 1, 5), tz="Europe/Amsterdam").isoformat()
    '2027-01-05T23:59:59.999999+01:00'
    """
    if _calendar_day(day) == _dt.date.max:
        raise InvalidInput(f"day must be before {_dt.date.max}, the last day Python can hold")
    following = day_start(day + _dt.timedelta(days=1), tz=tz)
    return pendulum.instance(instant(following) - _ONE_MICROSECOND).in_timezone(timezone(tz))


def start_of_month(
    value: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
) -> pendulum.DateTime:
    """Return the first instant of the month ``value`` falls in, in ``tz``.

    Local midnight of its first day, or the first instant of that day where DST skips or
    repeats midnight (see :func:`day_start`).
    """
    first = local(value, tz).date().replace(day=1)
    return day_start(first, tz=tz)
