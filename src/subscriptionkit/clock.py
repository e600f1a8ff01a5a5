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
"""

from __future__ import annotations

import datetime as _dt
from typing import Final, Protocol, runtime_checkable

import attrs
import pendulum

from .errors import InvalidInput, InvalidTimezone, NaiveDatetimeError

__all__ = [
    "DEFAULT_TIMEZONE",
    "Clock",
    "FixedClock",
    "SystemClock",
    "add_days",
    "add_months",
    "ensure_aware",
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
    return ensure_aware(value, "FixedClock(at)")


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
            f"{name} must be a timezone-aware datetime, got {type(value).__name__}: {value!r}"
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
    """Return local midnight of the day ``value`` falls on in ``tz``."""
    return local(value, tz).start_of("day")


def start_of_month(
    value: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
) -> pendulum.DateTime:
    """Return local midnight of the first day of the month ``value`` falls in, in ``tz``."""
    return local(value, tz).start_of("month")
