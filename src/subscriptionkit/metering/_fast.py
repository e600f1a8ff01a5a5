"""The numpy fast path of the counter (internal; needs the ``numpy`` extra).

Same rule, same results as :class:`~subscriptionkit.metering._engine.BillableCounter`,
computed by one sort instead of hashing, as an *interval sweep*:

1. each counting event gets its bucket (the timeline's boundaries cut time into buckets
   whose events count for the same months ``[lo, hi]``) from a tiny lookup table, not a
   binary search;
2. school, pupil and bucket are packed into one int64 key (by grade: with the event's
   offset in its bucket and its grade below them) and the keys are sorted in place:
   ``np.sort`` of int64 is the one expensive step, everything else is linear;
3. equal neighbours are dropped (by grade: the last of each school-pupil-bucket group is
   its latest event), so each pupil keeps one run of months per bucket, clipped where its
   next bucket takes over: the runs of one pupil never overlap;
4. each run adds ``+1`` at its first month and ``-1`` after its last: two
   ``np.bincount`` calls over ``school × (grade) × month`` and a cumulative sum give
   the counts.

No per-month matrix is ever built, so the number of months is not limited and memory
is a few arrays as long as the counting events. numpy is imported when a function here
is first called, never at import time.
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

#: Widest packed key, in bits: below 2**63, int64 keys stay non-negative.
_KEY_BITS = 63
#: Largest bucket lookup table (entries); past it buckets come from a binary search.
_MAX_TABLE = 1 << 20
#: Grade bits below the time offset in a by-grade key (grades 1-8 fit in 4).
_GRADE_BITS = 4


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
    ``numpy.asarray`` takes). ``times`` are epoch seconds or ``datetime64`` (UTC). The
    input arrays are never modified.

    Raises:
        InvalidEvent: a column's length differs from the times', or a counting event has
            a grade outside 1–8 (``index`` is the first).
    """
    import numpy as np

    t = _epoch(times)
    g = np.asarray(grades)
    if g.dtype.kind not in "iu":
        g = g.astype(np.int64)
    cats = np.asarray(categories)
    schools_in = np.asarray(school_ids)
    pupils_in = np.asarray(pupil_ids)
    n = t.shape[0]
    for name, col in (
        ("school_id", schools_in),
        ("pupil_id", pupils_in),
        ("grade", g),
        ("category", cats),
    ):
        if np.shape(col)[0] != n:
            raise InvalidEvent(
                field=name, got=np.shape(col)[0], expected=f"a column of {n} values like times"
            )
    sel = counting(timeline, g, cats, t, allowed_grades=allowed_grades, billable=billable)
    months = timeline.months
    if not sel.any():
        return CountTable(months, {}, {} if by_grade else None)

    t = t[sel]
    school, school_values = _codes(schools_in[sel])
    pupil, _ = _codes(pupils_in[sel])  # pupils are only told apart here
    bounds = np.array(timeline.bounds, dtype=np.int64)
    bucket = _buckets(bounds, t)
    kb = max(1, (len(bounds) - 2).bit_length())
    # By grade the key also carries (offset of the event in its bucket, grade), so that
    # the last key of a school-pupil-bucket group is its latest event (same second: the
    # higher grade), without a second sort.
    vb = (int(np.diff(bounds).max()) - 1).bit_length() + _GRADE_BITS if by_grade else 0
    pb = _bits(pupil)
    if _bits(school) + pb + kb + vb > _KEY_BITS:  # too wide: number the pupils densely
        pupil = np.unique(pupil, return_inverse=True)[1].reshape(-1).astype(np.int64)
        pb = _bits(pupil)
    if _bits(school) + pb + kb + vb > _KEY_BITS:  # still too wide: the schools too
        uniques, inverse = np.unique(school, return_inverse=True)
        school_values = (
            [school_values[c] for c in uniques.tolist()]
            if school_values is not None
            else uniques.tolist()
        )
        school = inverse.reshape(-1).astype(np.int64)
    wide = _bits(school) + pb + kb + vb > _KEY_BITS  # by grade only: sort in two parts

    key = school  # a fresh array (a masked copy): packed in place
    key <<= pb
    key |= pupil
    del pupil
    key <<= kb
    key |= bucket
    value = None
    if by_grade:
        value = t - bounds[bucket]
        value <<= _GRADE_BITS
        value |= g[sel]
        if wide:
            order = np.lexsort((value, key))
            key = key[order]
            value = value[order]
            del order
        else:
            key <<= vb
            key |= value
            value = None
    del t, bucket, sel
    if value is None:
        key.sort()

    if by_grade:
        group = key >> vb if value is None else key
        last = np.empty(group.shape[0], dtype=bool)
        np.not_equal(group[1:], group[:-1], out=last[:-1])
        last[-1] = True
        latest = key[last] if value is None else value[last]
        grade = latest & ((1 << _GRADE_BITS) - 1)
        group = group[last]
        del key, last, latest
    else:
        first = np.empty(key.shape[0], dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        group = key[first]
        grade = None
        del key, first
    return _sweep(timeline, group, kb, pb, grade, school_values)


def counting(
    timeline: Timeline,
    grades: npt.NDArray[np.int64],
    categories: npt.NDArray[Any],
    times: npt.NDArray[np.int64],
    *,
    allowed_grades: Collection[int] | None = None,
    billable: Collection[object] = BILLABLE_CATEGORIES,
) -> npt.NDArray[np.bool_]:
    """Which events count (billable, of an allowed grade, within the timeline), as a mask.

    Raises:
        InvalidEvent: a billable event has a grade outside 1–8 (``index`` is the first).
    """
    import numpy as np

    g = grades
    sel = _billable_mask(categories, billable)
    if g.shape[0] and (g.min() < 1 or g.max() > 8):  # find the culprit only if needed
        bad = sel & ((g < 1) | (g > 8))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidEvent(
                field="grade", got=int(g[i]), expected="a grade from 1 to 8", index=i
            )
    wanted = GRADES if allowed_grades is None else frozenset(allowed_grades)
    if wanted != GRADES:
        sel &= np.isin(g, np.array(sorted(wanted), dtype=np.int64))
    sel &= times >= timeline.bounds[0]
    sel &= times < timeline.bounds[-1]
    return sel


def _sweep(
    timeline: Timeline,
    group: npt.NDArray[np.int64],
    kb: int,
    pb: int,
    grade: npt.NDArray[np.int64] | None,
    school_values: list[Hashable] | None,
) -> CountTable:
    """Turn sorted, distinct ``school | pupil | bucket`` keys into counts (see the module)."""
    import numpy as np

    months = timeline.months
    n = len(months)
    bucket = group & ((1 << kb) - 1)
    lo = np.array(timeline.bucket_lo, dtype=np.int64)[bucket]
    hi = np.array(timeline.bucket_hi, dtype=np.int64)[bucket]
    del bucket
    slot = group >> kb
    del group
    # A pupil's next bucket takes over from its first month on.
    until = lo[1:] - 1
    np.copyto(until, n, where=slot[1:] != slot[:-1])
    np.minimum(hi[:-1], until, out=hi[:-1])
    del until
    np.maximum(hi, lo - 1, out=hi)  # an empty run: its +1 and -1 cancel
    school = slot >> pb
    del slot
    new = np.empty(school.shape[0], dtype=bool)
    new[0] = True
    np.not_equal(school[1:], school[:-1], out=new[1:])
    codes = school[new].tolist()
    row = np.cumsum(new) - 1
    del new, school
    width = n + 1
    rows = len(codes) * (9 if grade is not None else 1)
    if grade is not None:
        row *= 9
        row += grade
    row *= width
    lo += row
    hi += row
    hi += 1
    del row
    diff = np.bincount(lo, minlength=rows * width)
    diff -= np.bincount(hi, minlength=rows * width)
    if grade is None:
        counts = np.cumsum(diff.reshape(-1, width), axis=1)[:, :n].tolist()
    else:
        counts = np.cumsum(diff.reshape(-1, 9, width), axis=2)[:, :, :n].tolist()

    def name(code: int) -> Hashable:
        return school_values[code] if school_values is not None else code

    totals: dict[Hashable, tuple[int, ...]] = {}
    if grade is None:
        for code, counted in zip(codes, counts, strict=True):
            if any(counted):
                totals[name(code)] = tuple(counted)
        return CountTable(months, totals, None)
    by_grade: dict[Hashable, dict[int, tuple[int, ...]]] = {}
    for code, per_grade in zip(codes, counts, strict=True):
        grades = {gr: tuple(r) for gr, r in enumerate(per_grade) if gr and any(r)}
        if grades:
            by_grade[name(code)] = grades
            totals[name(code)] = tuple(sum(col) for col in zip(*grades.values(), strict=True))
    return CountTable(months, totals, by_grade)


def _buckets(bounds: npt.NDArray[np.int64], t: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The bucket of each time (``bounds[0] <= t < bounds[-1]``).

    Time is cut into slots of ``2**shift`` seconds, no wider than the narrowest bucket,
    so a slot holds at most one boundary after its start: the bucket is the slot start's
    bucket, plus one past that boundary. Two lookups in a small table instead of a
    binary search per event.
    """
    import numpy as np

    t0 = int(bounds[0])
    shift = int(np.diff(bounds).min()).bit_length() - 1
    size = ((int(bounds[-1]) - t0) >> shift) + 1
    if size > _MAX_TABLE:
        found: npt.NDArray[np.int64] = np.searchsorted(bounds, t, side="right") - 1
        return found
    starts = t0 + (np.arange(size, dtype=np.int64) << shift)
    first = np.searchsorted(bounds, starts, side="right") - 1
    after = bounds[np.minimum(first + 1, len(bounds) - 1)]
    slot = t - t0
    slot >>= shift
    past = after.take(slot)
    np.greater_equal(t, past, out=past)  # 0 or 1, in place
    bucket = first.take(slot)
    bucket += past
    return bucket


def _billable_mask(cats: npt.NDArray[Any], billable: Collection[object]) -> npt.NDArray[np.bool_]:
    import numpy as np

    wanted = frozenset(billable)
    if cats.dtype.kind in "iu":
        codes = sorted(c for c in wanted if isinstance(c, int) and not isinstance(c, bool))
        if codes and codes == list(range(codes[0], codes[-1] + 1)):  # a range: two compares
            mask: npt.NDArray[np.bool_] = cats >= codes[0]
            mask &= cats <= codes[-1]
            return mask
        return _any_equal(cats, codes)
    if cats.dtype.kind in "US":
        return _any_equal(cats, sorted(c for c in wanted if isinstance(c, str)))
    test = np.frompyfunc(lambda c: c in wanted, 1, 1)
    return np.asarray(test(cats), dtype=bool)


def _any_equal(column: npt.NDArray[Any], values: list[Any]) -> npt.NDArray[np.bool_]:
    """``np.isin`` for a few values: one compare per value (isin sorts or builds a table)."""
    import numpy as np

    if len(values) > 8:
        return np.isin(column, np.array(values))
    mask = np.zeros(column.shape[0], dtype=bool)
    for value in values:
        mask |= column == value
    return mask


def _bits(arr: npt.NDArray[np.int64]) -> int:
    return int(arr.max()).bit_length() if arr.size else 0
