"""Incremental metering of one school, month by month (internal)."""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_right
from collections.abc import Collection, Hashable, Iterable

from .._checks import items
from ..clock import DEFAULT_TIMEZONE, timezone
from ..errors import InvalidArgument, InvalidEvent
from ._engine import _time_to_epoch
from ._events import BILLABLE_CATEGORIES, GRADES, ActivityEvent
from ._window import CountMoment, Month


class SchoolMeter:
    """Keep one school's metering state and update it with each month's new events.

    Per pupil the meter keeps, for each month an event fell in, the latest
    ``(time, grade)``; a month is then counted from that state alone, without the
    events. Counting is idempotent (the same event twice counts once) and order-free
    (late events are fine). Call :meth:`prune` now and then to drop months that no
    window can reach any more.

    Args:
        tz: the school's time zone.
        policy: when months are counted; default :class:`CountMoment` ``()``.
        grades: the grades that count (a plan's grades); default all of 1–8.
        billable: the category values that count.

    >>> import datetime as dt
    >>> meter = SchoolMeter()
    >>> t = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
    >>> meter.add(["anna", "bram", "anna"], [2, 5, 3], ["engagement", "login", "engagement"],
    ...           [t, t, t + dt.timedelta(days=1)])
    >>> meter.count(Month(2026, 3)), meter.total(Month(2026, 11)), meter.total(Month(2026, 12))
    ({3: 1}, 1, 0)
    """

    def __init__(
        self,
        *,
        tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
        policy: CountMoment | None = None,
        grades: Collection[int] | None = None,
        billable: Collection[object] = BILLABLE_CATEGORIES,
    ) -> None:
        self._zone = timezone(tz)
        if policy is not None and not isinstance(policy, CountMoment):
            raise InvalidArgument(name="policy", expected="a CountMoment", got=policy)
        self._policy = policy or CountMoment()
        self._grades = GRADES if grades is None else frozenset(items(grades, "grades", "grades"))
        self._billable = frozenset(items(billable, "billable", "category values"))
        self._pupils: dict[Hashable, dict[int, int]] = {}
        self._first = 0  # ordinal of the month whose count moment is _ends[0]
        self._ends: list[int] = []

    def _end(self, ordinal: int) -> int:
        return self._policy.at(Month.from_ordinal(ordinal), self._zone).int_timestamp

    def _ordinal(self, t: int) -> int:
        """The month an instant is counted from: the first month whose count moment is later."""
        ends = self._ends
        if not ends:
            seen = _dt.datetime.fromtimestamp(t, _dt.UTC)
            self._first = Month(seen.year, seen.month).ordinal - 1
            ends.append(self._end(self._first))
        while t < ends[0]:
            self._first -= 1
            ends.insert(0, self._end(self._first))
        while t >= ends[-1]:
            ends.append(self._end(self._first + len(ends)))
        return self._first + bisect_right(ends, t)

    def add(
        self,
        pupil_ids: Iterable[Hashable],
        grades: Iterable[int],
        categories: Iterable[object],
        times: Iterable[object],
    ) -> None:
        """Add events given as columns; ``times`` are epoch seconds or aware datetimes.

        Raises:
            InvalidEvent: a counting event has a grade outside 1–8 or an unusable time.
        """
        billable = self._billable
        wanted = self._grades
        pupils = self._pupils
        ends = self._ends
        for index, (p, g, c, t) in enumerate(
            zip(pupil_ids, grades, categories, times, strict=True)
        ):
            if c not in billable:
                continue
            if g not in GRADES:
                raise InvalidEvent(
                    field="grade", got=g, expected="a grade from 1 to 8", index=index
                )
            if g not in wanted:
                continue
            if type(t) is not int:
                t = _time_to_epoch(t, index)
            if ends and ends[0] <= t < ends[-1]:
                o = self._first + bisect_right(ends, t)
            else:
                o = self._ordinal(t)
            v = t * 16 + g
            months = pupils.get(p)
            if months is None:
                pupils[p] = {o: v}
            else:
                old = months.get(o)
                if old is None or v > old:
                    months[o] = v

    def add_events(self, events: Iterable[ActivityEvent]) -> None:
        """Add :class:`ActivityEvent` objects (their school is not checked)."""
        batch = list(events)
        self.add(
            [e.pupil_id for e in batch],
            [e.grade for e in batch],
            [e.category for e in batch],
            [e.epoch for e in batch],
        )

    def pupils(self, month: Month) -> dict[Hashable, int]:
        """Return the billable pupils of ``month`` with the grade each is counted in."""
        start, _ = self._policy.window(month, self._zone)
        w = start.int_timestamp
        top = month.ordinal  # entries of later months lie after the count moment
        out: dict[Hashable, int] = {}
        for p, months in self._pupils.items():
            best = -1
            for o in months:
                if best < o <= top:
                    best = o
            if best >= 0:
                v = months[best]
                if v >> 4 >= w:
                    out[p] = v & 15
        return out

    def count(self, month: Month) -> dict[int, int]:
        """Return billable pupils per grade (the grade of each pupil's latest event)."""
        out: dict[int, int] = {}
        for g in self.pupils(month).values():
            out[g] = out.get(g, 0) + 1
        return dict(sorted(out.items()))

    def total(self, month: Month) -> int:
        """Return the number of billable pupils of ``month``."""
        return len(self.pupils(month))

    def prune(self, keep_from: Month) -> int:
        """Forget what no count of ``keep_from`` or later can use; return entries dropped."""
        start, _ = self._policy.window(keep_from, self._zone)
        oldest = self._ordinal(start.int_timestamp)
        dropped = 0
        for p in list(self._pupils):
            months = self._pupils[p]
            for o in [o for o in months if o < oldest]:
                del months[o]
                dropped += 1
            if not months:
                del self._pupils[p]
        return dropped
