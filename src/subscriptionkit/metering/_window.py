"""Months, count moments and the rolling window (internal; re-exported by ``metering``)."""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import Final

import attrs
import pendulum

from .._checks import accepts, argument, items, whole_number
from .._iso import month_fault
from ..clock import DEFAULT_TIMEZONE, day_start, ensure_aware, timezone
from ..errors import InvalidInput

#: Months looked back from a count moment: "de afgelopen 9 maanden" (seed 002).
WINDOW_MONTHS: Final = 9

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _check_month(instance: Month, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 12:
        raise InvalidInput(f"month must be a whole number from 1 to 12, got {value!r}")


def _check_year(instance: Month, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1900 <= value <= 9998:
        raise InvalidInput(f"year must be a whole number from 1900 to 9998, got {value!r}")


@attrs.frozen(order=True, cache_hash=True)  # months key big count dicts
class Month:
    """A calendar month, the unit of metering: ``Month(2026, 3)`` is March 2026.

    Months order, add and subtract like numbers of months, and print as ``YYYY-MM``.

    >>> Month(2025, 12) + 1
    Month(year=2026, month=1)
    >>> str(Month.parse("2026-03"))
    '2026-03'
    >>> Month(2026, 3) - Month(2025, 6)
    9
    """

    year: int = attrs.field(validator=_check_year)
    month: int = attrs.field(validator=_check_month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """Parse ``"YYYY-MM"``.

        Raises:
            InvalidInput: the text is not a month in that form.
        """
        match = _MONTH_RE.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise InvalidInput(f"month must be written YYYY-MM, such as 2026-03, got {text!r}")
        fault = month_fault(text)
        if fault is not None:  # the shape is right, a part is out of range: name it
            raise InvalidInput(f"{text!r} is not a month: {fault}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: _dt.datetime, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE) -> Month:
        """Return the month that the aware ``moment`` falls in, on the wall clock of ``tz``."""
        local = ensure_aware(moment, "moment").in_timezone(timezone(tz))
        return cls(local.year, local.month)

    @classmethod
    def from_ordinal(cls, ordinal: int) -> Month:
        """Inverse of :attr:`ordinal`."""
        whole_number(ordinal, "ordinal")
        year, month0 = divmod(ordinal, 12)
        return cls(year, month0 + 1)

    @property
    def ordinal(self) -> int:
        """A number of months since year 0: consecutive months have consecutive ordinals."""
        return self.year * 12 + self.month - 1

    def __add__(self, months: int) -> Month:
        if not isinstance(months, int) or isinstance(months, bool):
            return NotImplemented
        return Month.from_ordinal(self.ordinal + months)

    def __sub__(self, other: Month) -> int:
        if not isinstance(other, Month):
            return NotImplemented
        return self.ordinal - other.ordinal

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def first_day(self, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE) -> pendulum.DateTime:
        """The first instant of the month in ``tz``: local midnight of its first day.

        Where DST skips or repeats that midnight, the first instant of the day (see
        :func:`~subscriptionkit.clock.day_start`).
        """
        return day_start(_dt.date(self.year, self.month, 1), tz=tz)


@accepts(first=(Month, "a Month"), last=(Month, "a Month"))
def month_range(first: Month, last: Month) -> tuple[Month, ...]:
    """All months from ``first`` to ``last``, both included.

    Raises:
        InvalidInput: ``last`` is before ``first``.

    >>> [str(m) for m in month_range(Month(2025, 11), Month(2026, 2))]
    ['2025-11', '2025-12', '2026-01', '2026-02']
    """
    if last < first:
        raise InvalidInput(f"the last month must not be before the first ({first}), got {last}")
    return tuple(first + k for k in range(last - first + 1))


def _check_day(instance: CountMoment, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 28:
        raise InvalidInput(
            f"the count day must be a whole number from 1 to 28 (every month has it), got {value!r}"
        )


def _check_window(instance: CountMoment, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 60:
        raise InvalidInput(f"window_months must be a whole number from 1 to 60, got {value!r}")


@attrs.frozen
class CountMoment:
    """When a month's billable pupils are counted, and how far the window looks back.

    The count of month *M* is taken at local midnight starting day :attr:`day` of the
    month after *M*, in the customer's time zone. With the default ``day=1`` that is
    the very end of *M* (midnight between the last day of *M* and the first of the next).
    The window of that count is the half-open interval
    ``[count moment − window_months calendar months, count moment)``, computed with
    pendulum on the local wall clock; with the defaults it is exactly the nine whole
    calendar months ending with *M*.

    Attributes:
        day: day of the following month whose first instant is the count moment (1–28).
        window_months: calendar months the window looks back (9 in the published terms).

    >>> import datetime as dt
    >>> cm = CountMoment()
    >>> cm.at(Month(2026, 2)).isoformat()
    '2026-03-01T00:00:00+01:00'
    >>> [d.isoformat() for d in cm.window(Month(2026, 2))]
    ['2025-06-01T00:00:00+02:00', '2026-03-01T00:00:00+01:00']
    """

    day: int = attrs.field(default=1, validator=_check_day)
    window_months: int = attrs.field(default=WINDOW_MONTHS, validator=_check_window)

    def at(self, month: Month, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE) -> pendulum.DateTime:
        """Return the count moment of ``month`` as an aware datetime in ``tz``."""
        nxt = month + 1
        # The first instant of that day: where DST skips midnight (America/Asuncion on
        # 1 October 2023) or repeats it (America/Havana on 1 November 2015), a wall-clock
        # 00:00 would be an hour off.
        return day_start(_dt.date(nxt.year, nxt.month, self.day), tz=tz)

    def window(
        self, month: Month, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> tuple[pendulum.DateTime, pendulum.DateTime]:
        """Return ``(start, end)`` of the half-open window counted for ``month``.

        The start is the count moment ``window_months`` months earlier: the first instant
        of the same day of that month.
        """
        return self.at(month + -self.window_months, tz), self.at(month, tz)


@attrs.frozen
class Timeline:
    """Count moments and window starts of a run of consecutive months, as epoch seconds.

    Built once per computation (pendulum is slow per call, integer comparisons are not).
    Every boundary is a whole second, so comparing ``floor(t)`` with a boundary gives the
    same answer as comparing ``t`` itself. The boundaries split time into *buckets*; all
    instants of a bucket count for the same contiguous run of months ``[lo, hi]``.

    Attributes:
        months: the months, consecutive and ascending.
        ends: count moment of each month (epoch seconds, ascending).
        starts: window start of each month (epoch seconds, ascending).
        bounds: the sorted union of ``ends`` and ``starts``: the bucket edges.
        bucket_lo: per bucket ``k`` (``bounds[k] <= t < bounds[k + 1]``), the first month
            counting it.
        bucket_hi: per bucket, the last month counting it (``hi < lo``: none).
    """

    months: tuple[Month, ...]
    ends: tuple[int, ...]
    starts: tuple[int, ...]
    bounds: tuple[int, ...]
    bucket_lo: tuple[int, ...]
    bucket_hi: tuple[int, ...]

    @classmethod
    def build(
        cls,
        months: tuple[Month, ...],
        tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
        policy: CountMoment | None = None,
    ) -> Timeline:
        """Compute the boundaries of ``months`` (consecutive, ascending) in ``tz``.

        Raises:
            InvalidInput: no months, or months that are not consecutive and ascending.
        """
        months = items(months, "months", "an iterable of Month (see month_range)")
        for month in months:
            argument(month, Month, "each month", "a Month")
        if policy is not None:
            argument(policy, CountMoment, "policy", "a CountMoment")
        policy = policy or CountMoment()
        if not months:
            raise InvalidInput("metering needs at least one month, got none")
        for a, b in itertools.pairwise(months):
            if b - a != 1:
                raise InvalidInput(
                    f"months must be consecutive and ascending, got {a} followed by {b}"
                )
        zone = timezone(tz)
        windows = [policy.window(m, zone) for m in months]
        starts = tuple(w[0].int_timestamp for w in windows)
        ends = tuple(w[1].int_timestamp for w in windows)
        return cls._from_edges(months, starts, ends)

    def part(self, first: int, last: int) -> Timeline:
        """Return the timeline of ``months[first:last]`` (same boundaries)."""
        return Timeline._from_edges(
            self.months[first:last], self.starts[first:last], self.ends[first:last]
        )

    @classmethod
    def _from_edges(
        cls, months: tuple[Month, ...], starts: tuple[int, ...], ends: tuple[int, ...]
    ) -> Timeline:
        bounds = tuple(sorted(set(starts) | set(ends)))
        lo: list[int] = []
        hi: list[int] = []
        for edge in bounds[:-1]:
            lo.append(bisect_right(ends, edge))
            hi.append(bisect_right(starts, edge) - 1)
        return cls(months, ends, starts, bounds, tuple(lo), tuple(hi))

    def span(self, t: int) -> tuple[int, int]:
        """Return ``(lo, hi)``: the months counting an event at epoch second ``t``."""
        return bisect_right(self.ends, t), bisect_right(self.starts, t) - 1

    def mask(self, t: int) -> int:
        """Return the bitmask of the months counting an event at ``t`` (bit ``i``: month ``i``)."""
        lo, hi = self.span(t)
        if hi < lo:
            return 0
        return ((1 << (hi + 1)) - 1) ^ ((1 << lo) - 1)

    def buckets(self) -> Iterator[tuple[int, int, int, int]]:
        """Yield ``(start, end, lo, hi)`` for every bucket."""
        for k in range(len(self.bounds) - 1):
            yield self.bounds[k], self.bounds[k + 1], self.bucket_lo[k], self.bucket_hi[k]
