"""The numpy fast path of the counter (internal; needs the ``numpy`` extra).

Same rule, same results as :class:`~subscriptionkit.metering._engine.BillableCounter`,
computed by sorting instead of hashing: school and pupil become one int64 key, the
key and the event's bucket are packed into one int64 and sorted (``np.sort`` on int64
is much faster than ``np.unique`` or an argsort of strings), and groups are combined with
``bitwise_or.reduceat`` (totals) or ``maximum.reduceat`` (by grade). numpy is imported
when a function here is first called, never at import time.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from typing import TYPE_CHECKING, Any

from ..errors import InvalidEvent
from ._engine import CountTable
from ._events import BILLABLE_CATEGORIES, GRADES
from ._window import Timeline

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Months per pass of the bitmask method (int64 masks, one spare bit).
_MAX_MONTHS = 62


def _codes(values: Any) -> tuple[npt.NDArray[np.int64], list[Hashable] | None]:
    """Return int64 codes for a column and, if they were factorized, the original values."""
    import numpy as np

    arr = np.asarray(values)
    if arr.dtype.kind in "iu" and (arr.size == 0 or (arr.min() >= 0 and arr.max() < 2**31)):
        return arr.astype(np.int64, copy=False), None
    uniques, inverse = np.unique(arr, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), uniques.tolist()


def _epoch(times: Any) -> npt.NDArray[np.int64]:
    import numpy as np

    arr = np.asarray(times)
    if arr.dtype.kind in "iu":
        out: npt.NDArray[np.int64] = arr.astype(np.int64, copy=False)
        return out
    if arr.dtype.kind == "f":
        floored: npt.NDArray[np.int64] = np.floor(arr).astype(np.int64)
        return floored
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[s]").astype(np.int64)  # floor to the second
    raise InvalidEvent(
        field="processed_at",
        got=arr.dtype,
        expected="an array of epoch seconds (int or float) or datetime64 (UTC)",
    )


def count_arrays(
    timeline: Timeline,
    school_ids: Any,
    pupil_ids: Any,
    grades: Any,
    categories: Any,
    times: Any,
    *,
    allowed_grades: Collection[int] | None = None,
    by_grade: bool = False,
    billable: Collection[object] = BILLABLE_CATEGORIES,
) -> CountTable:
    """Count billable pupils per school per month from array columns, with numpy.

    Arguments are as for :class:`BillableCounter`, but whole columns at once (anything
    ``numpy.asarray`` takes). ``times`` are epoch seconds or ``datetime64`` (UTC).

    Raises:
        InvalidEvent: a counting event has a grade outside 1–8 (``index`` is the first).
    """
    import numpy as np

    t = _epoch(times)
    g = np.asarray(grades).astype(np.int64, copy=False)
    cats = np.asarray(categories)
    n = t.shape[0]
    for name, col in (
        ("school_id", school_ids),
        ("pupil_id", pupil_ids),
        ("grade", g),
        ("category", cats),
    ):
        if np.shape(col)[0] != n:
            raise InvalidEvent(
                field=name, got=np.shape(col)[0], expected=f"a column of {n} values like times"
            )
    sel = _billable_mask(cats, billable)
    bad = sel & ~np.isin(g, np.array(sorted(GRADES)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidEvent(field="grade", got=int(g[i]), expected="a grade from 1 to 8", index=i)
    wanted = GRADES if allowed_grades is None else frozenset(allowed_grades)
    if wanted != GRADES:
        sel &= np.isin(g, np.array(sorted(wanted), dtype=np.int64))
    sel &= (t >= timeline.bounds[0]) & (t < timeline.bounds[-1])
    idx = np.flatnonzero(sel)
    t = t[idx]
    g = g[idx]
    school, school_values = _codes(np.asarray(school_ids)[idx])
    pupil, _ = _codes(np.asarray(pupil_ids)[idx])  # pupils are only told apart here
    bounds = np.array(timeline.bounds, dtype=np.int64)
    bucket = np.searchsorted(bounds, t, side="right") - 1
    kb = max(1, (len(bounds) - 1).bit_length())
    pb = _bits(pupil)
    if _bits(school) + pb + kb > 62:  # too wide to pack: number the pupils densely
        pupil = np.unique(pupil, return_inverse=True)[1].reshape(-1).astype(np.int64)
        pb = _bits(pupil)
    if _bits(school) + pb + kb > 62:
        school_values = (
            [school_values[c] for c in np.unique(school).tolist()]
            if (school_values is not None)
            else np.unique(school).tolist()
        )
        school = np.unique(school, return_inverse=True)[1].reshape(-1).astype(np.int64)
    # One int64 per event: school | pupil | bucket, so sorting groups slots by school.
    packed = (school << (pb + kb)) | (pupil << kb) | bucket
    layout = (kb, pb + kb)

    def school_name(code: int) -> Hashable:
        return school_values[code] if school_values is not None else code

    months = timeline.months
    if not by_grade and len(months) <= _MAX_MONTHS:
        return _totals(timeline, packed, layout, school_name)
    if not by_grade:
        return _totals_in_parts(timeline, packed, layout, t, school_name)
    return _by_grade(timeline, packed, layout, t * 16 + g, school_name)


def _billable_mask(cats: npt.NDArray[Any], billable: Collection[object]) -> npt.NDArray[np.bool_]:
    import numpy as np

    wanted = frozenset(billable)
    if cats.dtype.kind in "iu":
        codes = [c for c in wanted if isinstance(c, int) and not isinstance(c, bool)]
        return np.isin(cats, np.array(codes, dtype=np.int64))
    if cats.dtype.kind in "US":
        return np.isin(cats, np.array([c for c in wanted if isinstance(c, str)], dtype=str))
    test = np.frompyfunc(lambda c: c in wanted, 1, 1)
    return np.asarray(test(cats), dtype=bool)


def _bits(arr: npt.NDArray[np.int64]) -> int:
    return int(arr.max()).bit_length() if arr.size else 0


def _totals(
    timeline: Timeline,
    packed: npt.NDArray[np.int64],
    layout: tuple[int, int],
    school_name: Any,
) -> CountTable:
    import numpy as np

    kb, sb = layout
    n = len(timeline.months)
    lo = np.array(timeline.bucket_lo, dtype=np.int64)
    hi = np.array(timeline.bucket_hi, dtype=np.int64)
    one = np.int64(1)
    bucket_mask = np.where(hi >= lo, (one << (hi + 1)) - (one << lo), np.int64(0))
    if packed.size == 0:
        return CountTable(timeline.months, {}, None)
    packed = np.sort(packed)
    masks = bucket_mask[packed & ((1 << kb) - 1)]
    slot = packed >> kb
    starts = np.flatnonzero(np.concatenate(([True], slot[1:] != slot[:-1])))
    slot_mask = np.bitwise_or.reduceat(masks, starts)
    slot_school = packed[starts] >> sb
    sstarts = np.flatnonzero(np.concatenate(([True], slot_school[1:] != slot_school[:-1])))
    bits = np.unpackbits(
        slot_mask.astype("<i8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little"
    )[:, :n]
    counts = np.add.reduceat(bits, sstarts, axis=0, dtype=np.int64)
    totals: dict[Hashable, tuple[int, ...]] = {}
    for code, row in zip(slot_school[sstarts].tolist(), counts.tolist(), strict=True):
        if any(row):
            totals[school_name(code)] = tuple(row)
    return CountTable(timeline.months, totals, None)


def _totals_in_parts(
    timeline: Timeline,
    packed: npt.NDArray[np.int64],
    layout: tuple[int, int],
    t: npt.NDArray[np.int64],
    school_name: Any,
) -> CountTable:
    """More months than an int64 mask holds: count each run of months on its own."""
    import numpy as np

    kb = layout[0]
    totals: dict[Hashable, list[int]] = {}
    n = len(timeline.months)
    slots = packed >> kb
    for first in range(0, n, _MAX_MONTHS):
        last = min(first + _MAX_MONTHS, n)
        part = timeline.part(first, last)
        sel = (t >= part.bounds[0]) & (t < part.bounds[-1])
        bounds = np.array(part.bounds, dtype=np.int64)
        bucket = np.searchsorted(bounds, t[sel], side="right") - 1
        table = _totals(part, (slots[sel] << kb) | bucket, layout, school_name)
        for s, row in table.totals.items():
            totals.setdefault(s, [0] * n)[first:last] = row
    return CountTable(timeline.months, {s: tuple(r) for s, r in totals.items() if any(r)}, None)


def _by_grade(
    timeline: Timeline,
    packed: npt.NDArray[np.int64],
    layout: tuple[int, int],
    value: npt.NDArray[np.int64],
    school_name: Any,
) -> CountTable:
    import numpy as np

    kb, sb = layout
    n = len(timeline.months)
    if packed.size == 0:
        return CountTable(timeline.months, {}, {})
    order = np.argsort(packed, kind="stable")
    packed = packed[order]
    starts = np.flatnonzero(np.concatenate(([True], packed[1:] != packed[:-1])))
    latest = np.maximum.reduceat(value[order], starts)
    group = packed[starts]
    slot = group >> kb
    k = group & ((1 << kb) - 1)
    lo = np.array(timeline.bucket_lo, dtype=np.int64)[k]
    hi = np.array(timeline.bucket_hi, dtype=np.int64)[k]
    nxt = np.flatnonzero(slot[1:] == slot[:-1])
    hi[nxt] = np.minimum(hi[nxt], lo[nxt + 1] - 1)
    keep = hi >= lo
    school_code = (group >> sb)[keep]
    grade = (latest & 15)[keep]
    lo = lo[keep]
    hi = hi[keep]
    schools, school_index = np.unique(school_code, return_inverse=True)
    width = n + 1
    base = (school_index.reshape(-1) * 9 + grade) * width
    size = len(schools) * 9 * width
    diff = np.bincount(base + lo, minlength=size) - np.bincount(base + hi + 1, minlength=size)
    counts = np.cumsum(diff.reshape(len(schools), 9, width), axis=2)[:, :, :n]
    totals: dict[Hashable, tuple[int, ...]] = {}
    by_grade: dict[Hashable, dict[int, tuple[int, ...]]] = {}
    for code, per_grade in zip(schools.tolist(), counts.tolist(), strict=True):
        grades = {gr: tuple(row) for gr, row in enumerate(per_grade) if gr and any(row)}
        if grades:
            name = school_name(code)
            by_grade[name] = grades
            totals[name] = tuple(sum(col) for col in zip(*grades.values(), strict=True))
    return CountTable(timeline.months, totals, by_grade)
