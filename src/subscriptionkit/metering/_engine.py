"""The streaming counter: billable pupils per school per month, in pure Python (internal).

How it works. For the count moments ``M_0 < M_1 < ...`` and window starts
``W_m = M_m − 9 months`` (both ascending) an event at ``t`` counts for the contiguous
months ``[first m with M_m > t, last m with W_m <= t]``. The boundaries cut time into
*buckets* whose events all count for the same months; a lookup table from
``(t − t0) >> 12`` (68-minute slots) to the bucket answers almost every event without a
bisect. Events are partitioned by school per chunk so that each school's small dict is
hot in the cache while its events are merged.

* Totals only: each (school, pupil) slot keeps an int whose bit ``m`` says "counts in
  month m"; OR-ing is idempotent, so a redelivered event changes nothing. The bits are
  added per school with a carry-save (bit-sliced) counter.
* By grade: each slot keeps, per bucket, the latest ``t * 16 + grade``; month ``m``
  takes the latest bucket whose events lie before ``M_m`` and counts the pupil in that
  event's grade if the event is inside the window (``t >= W_m``).

Memory is O(slots) for totals and O(distinct slot-buckets) by grade; events are never
kept.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from itertools import islice
from typing import Any, Final

import attrs

from .._checks import accepts, items
from ..errors import InvalidEvent
from ._events import BILLABLE_CATEGORIES, GRADES, ActivityEvent, epoch_seconds
from ._window import Month, Timeline

#: Rows per chunk: big enough to amortise the per-chunk work, small enough for the cache.
CHUNK: Final = 1 << 16
_SHIFT: Final = 12


@attrs.frozen
class CountTable:
    """Billable pupils per school per month (and per grade), as computed by an engine.

    Attributes:
        months: the months counted, consecutive and ascending.
        totals: per school, the number of billable pupils in each month (aligned with
            ``months``). Schools without any billable pupil are left out.
        by_grade: per school, per grade, the pupils counted in that grade each month,
            or ``None`` when only totals were computed.
    """

    months: tuple[Month, ...]
    totals: Mapping[Hashable, tuple[int, ...]]
    by_grade: Mapping[Hashable, Mapping[int, tuple[int, ...]]] | None = None


def _time_to_epoch(value: object, index: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return math.floor(value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise InvalidEvent(
                field="processed_at",
                got=value,
                expected="a timezone-aware datetime (naive datetimes are refused)",
                index=index,
            )
        return epoch_seconds(value)
    # Numpy scalars and other numbers that know how to be ints.
    if hasattr(value, "__index__"):
        return int(value.__index__())
    if hasattr(value, "__float__") and not isinstance(value, str | bytes):
        f = float(value)  # ok: epoch seconds (a time), not money
        if math.isfinite(f):
            return math.floor(f)
    raise InvalidEvent(
        field="processed_at",
        got=value,
        expected="epoch seconds (int or float) or a timezone-aware datetime",
        index=index,
    )


def _to_list(column: Iterable[Any]) -> list[Any]:
    tolist = getattr(column, "tolist", None)  # numpy / array.array: fast, native ints
    if callable(tolist):
        out = tolist()
        if isinstance(out, list):
            return out
    return list(column)


class BillableCounter:
    """Stream events in, get billable pupils per school per month out.

    Feed it any number of times, with :meth:`add_columns` (parallel columns: lists,
    numpy arrays, ``array.array``...), :meth:`add_rows` (rows in
    ``event_id, school_id, pupil_id, grade, category, processed_at`` order, as from a CSV
    reader or a database cursor) or :meth:`add_events`; then call :meth:`table`.
    Input is consumed in chunks and never kept. Feeding the same event twice changes
    nothing (all updates are idempotent), so redelivered input is harmless.

    Args:
        timeline: the months and their boundaries (:meth:`Timeline.build`).
        grades: grades that count (a plan's grades); events of other grades are skipped.
            Default: all of 1–8.
        by_grade: also count per grade, the grade being that of the pupil's latest
            counting event in the window (slower, more memory).
        billable: the category values that count. Default: the three :class:`Category`
            values; pass your own codes when categories are encoded (e.g. ``{0, 1, 2}``).

    Raises:
        InvalidEvent: (while adding) a counting event has a grade outside 1–8 or an
            unusable time; ``index`` is the row's position in that call's input.
    """

    @accepts(timeline=(Timeline, "a Timeline (Timeline.build)"), by_grade=(bool, "True or False"))
    def __init__(
        self,
        timeline: Timeline,
        *,
        grades: Collection[int] | None = None,
        by_grade: bool = False,
        billable: Collection[object] = BILLABLE_CATEGORIES,
    ) -> None:
        self.timeline = timeline
        self.by_grade = by_grade
        self._billable = frozenset(items(billable, "billable", "category values"))
        wanted = GRADES if grades is None else frozenset(items(grades, "grades", "grades 1-8"))
        self._grades: dict[object, bool] = {g: g in wanted for g in GRADES}
        self._schools: dict[Hashable, dict[Hashable, Any]] = {}
        self._t0 = timeline.bounds[0]
        self._t1 = timeline.bounds[-1]
        self._table = self._build_table()

    def _build_table(self) -> list[int | None]:
        """Bucket (by_grade) or month mask (totals) per 2**_SHIFT-second slot; None: ask."""
        tl = self.timeline
        bounds = tl.bounds
        masks = [
            ((1 << (hi + 1)) - 1) ^ ((1 << lo) - 1) if hi >= lo else 0
            for lo, hi in zip(tl.bucket_lo, tl.bucket_hi, strict=True)
        ]
        size = ((self._t1 - self._t0) >> _SHIFT) + 1
        table: list[int | None] = []
        k = 0
        for slot in range(size):
            a = self._t0 + (slot << _SHIFT)
            b = min(a + (1 << _SHIFT), self._t1)  # slot covers [a, b)
            while k + 1 < len(bounds) - 1 and bounds[k + 1] <= a:
                k += 1
            if bounds[k + 1] >= b:  # the whole slot lies in bucket k
                table.append(k if self.by_grade else masks[k])
            else:
                table.append(None)
        return table

    # -- input ---------------------------------------------------------------------

    def add_columns(
        self,
        school_ids: Iterable[Hashable],
        pupil_ids: Iterable[Hashable],
        grades: Iterable[int],
        categories: Iterable[object],
        times: Iterable[object],
    ) -> None:
        """Add events given as parallel columns (equal lengths).

        ``times`` are epoch seconds (int or float) or aware datetimes. Numpy arrays are
        converted a chunk at a time, never whole.
        """
        if all(
            hasattr(c, "__len__") and hasattr(c, "__getitem__")
            for c in (school_ids, pupil_ids, grades, categories, times)
        ):
            cols: list[Any] = [school_ids, pupil_ids, grades, categories, times]
            n = len(cols[0])
            for col in cols[1:]:
                if len(col) != n:
                    raise InvalidEvent(
                        field="columns",
                        got=len(col),
                        expected=f"{n} values like the first column",
                        index=None,
                    )
            for start in range(0, n, CHUNK):
                chunk = [_to_list(c[start : start + CHUNK]) for c in cols]
                self._add_chunk(*chunk, base=start)
            return
        rows = zip(school_ids, pupil_ids, grades, categories, times, strict=True)
        base = 0
        while True:
            block = list(islice(rows, CHUNK))
            if not block:
                return
            s, p, g, c, t = (list(x) for x in zip(*block, strict=True))
            self._add_chunk(s, p, g, c, t, base=base)
            base += len(block)

    def add_rows(self, rows: Iterable[Sequence[Any] | ActivityEvent]) -> None:
        """Add rows in ``event_id, school_id, pupil_id, grade, category, processed_at``
        order (the event id is not needed: counting is idempotent anyway), or
        :class:`ActivityEvent` objects; both may be mixed.

        Raises:
            InvalidEvent: an item is neither a row of six values nor an event (field
                ``row``, with its index): nothing is ever skipped without a word.
        """
        if isinstance(rows, str | bytes) or not hasattr(rows, "__iter__"):
            raise InvalidEvent(field="rows", got=rows, expected="an iterable of events or rows")
        it = iter(rows)
        base = 0
        while True:
            block: list[Any] = list(islice(it, CHUNK))
            if not block:
                return
            for i, row in enumerate(block):
                kind = type(row)
                if kind is tuple or kind is list:  # the fast, common case
                    if len(row) == 6:
                        continue
                elif isinstance(row, ActivityEvent):
                    block[i] = (
                        row.event_id,
                        row.school_id,
                        row.pupil_id,
                        row.grade,
                        row.category,
                        row.epoch,
                    )
                    continue
                elif (
                    isinstance(row, Sequence) and not isinstance(row, str | bytes) and len(row) == 6
                ):
                    continue
                raise InvalidEvent(
                    field="row",
                    got=row,
                    expected="an ActivityEvent or 6 values (event_id, school_id, "
                    "pupil_id, grade, category, processed_at)",
                    index=base + i,
                )
            _, s, p, g, c, t = (list(x) for x in zip(*block, strict=True))
            self._add_chunk(s, p, g, c, t, base=base)
            base += len(block)

    def add_events(self, events: Iterable[ActivityEvent]) -> None:
        """Add :class:`ActivityEvent` objects (already validated)."""
        self.add_rows(
            (e.event_id, e.school_id, e.pupil_id, e.grade, e.category, e.epoch) for e in events
        )

    def _add_chunk(
        self,
        schools: list[Any],
        pupils: list[Any],
        grades: list[Any],
        cats: list[Any],
        times: list[Any],
        *,
        base: int,
    ) -> None:
        try:
            parts = self._partition(schools, pupils, grades, cats, times)
        except KeyError:
            self._raise_bad_grade(grades, cats, base)
            raise  # pragma: no cover - _raise_bad_grade always raises
        except TypeError:
            # Not all times are ints: convert (validating), then redo; updates are
            # idempotent, so the part already merged does no harm.
            times = [_time_to_epoch(t, base + i) for i, t in enumerate(times)]
            try:
                parts = self._partition(schools, pupils, grades, cats, times)
            except KeyError:
                self._raise_bad_grade(grades, cats, base)
                raise  # pragma: no cover
            except TypeError:  # an id or category that cannot be a key (a list...)
                _raise_unhashable(schools, pupils, cats, base)
                raise
        if self.by_grade:
            self._merge_by_grade(parts)
        else:
            self._merge_totals(parts)

    def _raise_bad_grade(self, grades: list[Any], cats: list[Any], base: int) -> None:
        for i, (g, c) in enumerate(zip(grades, cats, strict=True)):
            if c in self._billable and g not in self._grades:
                raise InvalidEvent(
                    field="grade", got=g, expected="a grade from 1 to 8", index=base + i
                )
        raise AssertionError("unreachable")  # pragma: no cover

    def _partition(
        self,
        schools: list[Any],
        pupils: list[Any],
        grades: list[Any],
        cats: list[Any],
        times: list[Any],
    ) -> dict[Hashable, list[Any]]:
        # The hot loop. Locals only; one dict lookup per event; a KeyError means an
        # unknown grade, a TypeError a time that is not an int.
        billable = self._billable
        allowed = self._grades
        table = self._table
        t0 = self._t0
        t1 = self._t1
        tl = self.timeline
        parts: dict[Hashable, list[Any]] = {}
        get = parts.get
        if not self.by_grade:
            mask = tl.mask
            for s, p, g, c, t in zip(schools, pupils, grades, cats, times, strict=True):
                if c in billable and allowed[g] and t0 <= t < t1:
                    m = table[(t - t0) >> _SHIFT]
                    if m is None:
                        m = mask(t)
                    lst = get(s)
                    if lst is None:
                        parts[s] = [p, m]
                    else:
                        lst.append(p)
                        lst.append(m)
            return parts
        bounds = tl.bounds
        from bisect import bisect_right

        for s, p, g, c, t in zip(schools, pupils, grades, cats, times, strict=True):
            if c in billable and allowed[g] and t0 <= t < t1:
                k = table[(t - t0) >> _SHIFT]
                if k is None:
                    k = bisect_right(bounds, t) - 1
                lst = get(s)
                if lst is None:
                    parts[s] = [p, k, t * 16 + g]
                else:
                    lst.append(p)
                    lst.append(k)
                    lst.append(t * 16 + g)
        return parts

    def _merge_totals(self, parts: dict[Hashable, list[Any]]) -> None:
        schools = self._schools
        for s, lst in parts.items():
            slots = schools.get(s)
            if slots is None:
                slots = schools[s] = {}
            get = slots.get
            it = iter(lst)
            for p, m in zip(it, it, strict=True):
                slots[p] = get(p, 0) | m

    def _merge_by_grade(self, parts: dict[Hashable, list[Any]]) -> None:
        schools = self._schools
        for s, lst in parts.items():
            slots = schools.get(s)
            if slots is None:
                slots = schools[s] = {}
            it = iter(lst)
            for p, k, v in zip(it, it, it, strict=True):
                buckets = slots.get(p)
                if buckets is None:
                    slots[p] = {k: v}
                else:
                    old = buckets.get(k)
                    if old is None or v > old:
                        buckets[k] = v

    # -- output --------------------------------------------------------------------

    def table(self) -> CountTable:
        """Return the counts so far (the counter can keep taking input afterwards)."""
        n = len(self.timeline.months)
        totals: dict[Hashable, tuple[int, ...]] = {}
        if not self.by_grade:
            for s, slots in self._schools.items():
                counts = _count_bits(slots.values(), n)
                if any(counts):
                    totals[s] = counts
            return CountTable(self.timeline.months, totals, None)
        by_grade: dict[Hashable, dict[int, tuple[int, ...]]] = {}
        for s, slots in self._schools.items():
            diff = {g: [0] * (n + 1) for g in GRADES}
            for buckets in slots.values():
                for lo, hi, grade in self._runs(buckets):
                    row = diff[grade]
                    row[lo] += 1
                    row[hi + 1] -= 1
            grades: dict[int, tuple[int, ...]] = {}
            for g, row in diff.items():
                acc = 0
                out = []
                for x in row[:n]:
                    acc += x
                    out.append(acc)
                if any(out):
                    grades[g] = tuple(out)
            if grades:
                by_grade[s] = grades
                totals[s] = tuple(sum(col) for col in zip(*grades.values(), strict=True))
        return CountTable(self.timeline.months, totals, by_grade)

    def _runs(self, buckets: dict[int, int]) -> list[tuple[int, int, int]]:
        """``(first month, last month, grade)`` runs of one pupil (by-grade mode)."""
        lo_of = self.timeline.bucket_lo
        hi_of = self.timeline.bucket_hi
        keys = sorted(buckets)
        out = []
        for i, k in enumerate(keys):
            lo = lo_of[k]
            hi = hi_of[k]
            if i + 1 < len(keys):
                hi = min(hi, lo_of[keys[i + 1]] - 1)
            if hi >= lo:
                out.append((lo, hi, buckets[k] & 15))
        return out

    def pupils(self, month_index: int) -> dict[Hashable, frozenset[Hashable]]:
        """Return, per school, the pupils billable in month ``months[month_index]``."""
        out: dict[Hashable, frozenset[Hashable]] = {}
        for s, slots in self._schools.items():
            if self.by_grade:
                found = frozenset(
                    p
                    for p, buckets in slots.items()
                    if any(lo <= month_index <= hi for lo, hi, _ in self._runs(buckets))
                )
            else:
                bit = 1 << month_index
                found = frozenset(p for p, m in slots.items() if m & bit)
            if found:
                out[s] = found
        return out

    def grades_of(self, month_index: int) -> dict[Hashable, dict[Hashable, int]]:
        """Per school, per pupil billable in that month, the grade it is counted in
        (by-grade mode only; empty otherwise)."""
        out: dict[Hashable, dict[Hashable, int]] = {}
        if not self.by_grade:
            return out
        for s, slots in self._schools.items():
            for p, buckets in slots.items():
                for lo, hi, grade in self._runs(buckets):
                    if lo <= month_index <= hi:
                        out.setdefault(s, {})[p] = grade
        return out


def _raise_unhashable(schools: list[Any], pupils: list[Any], cats: list[Any], base: int) -> None:
    for name, column in (("school_id", schools), ("pupil_id", pupils), ("category", cats)):
        for i, value in enumerate(column):
            try:
                hash(value)
            except TypeError:
                raise InvalidEvent(
                    field=name, got=value, expected="an id (text or int)", index=base + i
                ) from None


def _count_bits(masks: Iterable[int], n: int) -> tuple[int, ...]:
    """Per bit position ``0..n-1``, how many of ``masks`` have it set.

    A carry-save counter: ``planes[i]`` holds bit ``i`` of every position's count, so
    adding a mask costs about two big-int operations instead of ``n`` shifts.
    """
    planes: list[int] = []
    for m in masks:
        carry = m
        i = 0
        while carry:
            if i == len(planes):
                planes.append(carry)
                break
            x = planes[i]
            planes[i] = x ^ carry
            carry &= x
            i += 1
    return tuple(
        sum(((plane >> pos) & 1) << i for i, plane in enumerate(planes)) for pos in range(n)
    )
