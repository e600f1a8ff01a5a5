"""Monthly billable counts computed inside the database, in one query (internal).

The count runs as **one query** in portable SQL (SQLAlchemy Core: CASE, window functions,
UNION ALL, GROUP BY), the same on SQLite and PostgreSQL, with the same results as the
Python engine (:func:`subscriptionkit.metering.monthly_counts`) on the same data.

How. The count moments of the months asked for (and of the nine before the first) cut
time into *buckets*; bucket ``j`` holds the events in ``[M_(j-1), M_j)``. With
:class:`~subscriptionkit.metering.CountMoment` windows every window is exactly nine
buckets, so a pupil counts in month ``m`` when it has a counting event in buckets
``m-8 .. m``, in the grade of its latest one. The query

1. puts each counting event (billable category, a grade of the plan) in its bucket
   (PostgreSQL: ``width_bucket``, a binary search; elsewhere a ``CASE``) and keeps, per
   school, pupil and bucket, one row: a ``DISTINCT`` for a one-band plan, else the latest
   event as ``MAX(epoch * 16 + grade)`` (same second: the higher grade, as the Python
   engine does);
2. takes ``lead()`` of each pupil's buckets: bucket ``b`` decides the months from
   ``b - 8`` until the next bucket takes over, at most nine (a pupil's runs never overlap);
3. emits ``+1`` where each run starts and ``-1`` where it ends (a ``UNION ALL`` over the
   runs, a CTE computed once), and sums them per school, band and bucket.

A running sum over the months (done in Python on the few aggregated rows) gives the
counts. The database never expands an event into nine rows. This is the best query we
could write by hand for the rule (``benchmarks/sql_pushdown.py`` times it against
hand-written variants on the same table).
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Hashable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...clock import DEFAULT_TIMEZONE
from ...errors import InvalidInput
from ...metering import BILLABLE_CATEGORIES, CountMoment, Month, MonthlyCounts, month_range
from ...plans import PupilPlan
from ._activity_settings import statement_settings
from ._tables import activity_table


def monthly_counts_query(
    conn: Connection,
    plan: PupilPlan,
    months: Iterable[Month],
    *,
    tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
    policy: CountMoment | None = None,
    school_id: str | None = None,
) -> MonthlyCounts:
    """Count billable pupils per school, month and band inside the database (one query)."""
    policy = policy or CountMoment()
    wanted = tuple(months)
    if not wanted or wanted != month_range(wanted[0], wanted[-1]):
        raise InvalidInput(
            "months must be consecutive and ascending, at least one; "
            f"got {', '.join(map(str, wanted)) or 'none'}"
        )
    window = policy.window_months
    n = len(wanted)
    # Each window starts at the count moment `window` months earlier, so the bucket edges
    # are the count moments of months first - window .. last: bucket j holds the events
    # of month index j - window + 1 (relative to the first month asked for).
    bounds = [policy.at(wanted[0] + (j - window), tz).int_timestamp for j in range(n + window)]
    t = activity_table.c
    bucket: Any
    if conn.dialect.name == "postgresql":
        # A binary search over the edges: cheaper than a CASE of n + 8 comparisons.
        edges = ", ".join(str(int(x)) for x in bounds)
        bucket = sa.func.width_bucket(
            t.processed_epoch, sa.literal_column(f"ARRAY[{edges}]::bigint[]")
        ) - sa.literal(1)
    else:
        bucket = sa.case(
            *((t.processed_epoch < b, j) for j, b in enumerate(bounds[1:])),
            else_=sa.literal(None),
        )
    grades = sorted(plan.grades)
    conditions = [
        t.category.in_(sorted(BILLABLE_CATEGORIES)),
        # A range where the grades are consecutive: two comparisons instead of a list.
        t.grade.between(grades[0], grades[-1])
        if grades == list(range(grades[0], grades[-1] + 1))
        else t.grade.in_(grades),
        t.processed_epoch >= bounds[0],
        t.processed_epoch < bounds[-1],
    ]
    if school_id is not None:
        conditions.append(t.school_id == school_id)
    school_col: Any = t.school_id
    pupil_col: Any = t.pupil_id
    if conn.dialect.name == "postgresql":
        # The one sort, by school and pupil, is a text sort: under the database's
        # linguistic collation most of the query's time. Ids are only compared for
        # equality, which byte order ("C") decides the same way, much faster.
        school_col = sa.collate(t.school_id, "C").label("school_id")
        pupil_col = sa.collate(t.pupil_id, "C").label("pupil_id")
    one_band = len(plan.bands) == 1
    columns = [school_col, pupil_col, bucket.label("b")]
    if one_band:
        # One band: the grade decides nothing, so the pupil's buckets are all that is
        # needed (a DISTINCT, no per-bucket maximum to carry).
        latest = sa.select(*columns).where(*conditions).distinct().subquery("latest")
        band_of: Any = sa.literal(0)
    else:
        # The latest event of a bucket wins; in the same second the higher grade (the
        # Python engine keeps the same key).
        bucketed = (
            sa.select(*columns, (t.processed_epoch * 16 + t.grade).label("k"))
            .where(*conditions)
            .subquery("bucketed")
        )
        keys = (bucketed.c.school_id, bucketed.c.pupil_id, bucketed.c.b)
        latest = (
            sa.select(*keys, (sa.func.max(bucketed.c.k) % 16).label("grade"))
            .group_by(*keys)
            .subquery("latest")
        )
        band_of = sa.case(
            *((latest.c.grade.in_(band.grades), i) for i, band in enumerate(plan.bands)),
            else_=sa.literal(None),
        )
    # Bucket b decides the months b - window + 1 .. until the pupil's next bucket takes
    # over (at most `window` months): a +1 where it starts, a -1 where it ends.
    next_b = sa.func.lead(latest.c.b).over(
        partition_by=(latest.c.school_id, latest.c.pupil_id), order_by=latest.c.b
    )
    runs = sa.select(latest.c.school_id, band_of.label("band"), latest.c.b, next_b.label("nb")).cte(
        "runs"
    )
    end = sa.case((runs.c.nb < runs.c.b + window, runs.c.nb), else_=runs.c.b + window)
    deltas = sa.union_all(
        sa.select(runs.c.school_id, runs.c.band, runs.c.b.label("m"), sa.literal(1).label("d")),
        sa.select(runs.c.school_id, runs.c.band, end, sa.literal(-1)),
    ).subquery("deltas")
    # One band: no band column to carry through the sums.
    group: tuple[Any, ...] = (
        (deltas.c.school_id, deltas.c.m)
        if one_band
        else (deltas.c.school_id, deltas.c.band, deltas.c.m)
    )
    query = sa.select(
        deltas.c.school_id,
        sa.literal(0) if one_band else deltas.c.band,
        deltas.c.m,
        # An integer on every database (a sum of bigints would be numeric on PostgreSQL).
        sa.cast(sa.func.sum(deltas.c.d), sa.Integer),
    ).group_by(*group)
    # One sort of (school, pupil, bucket) rows: let it happen in memory (PostgreSQL; the
    # host's transaction keeps its own work_mem).
    with statement_settings(conn, {"work_mem": "256MB"}):
        rows = conn.execute(query).all()
    # The running sums, per school and band (every value is an int: no conversions).
    running: dict[tuple[Hashable, int], list[int]] = {}
    for school, band, b, d in rows:
        m = b - (window - 1)  # the month index the +1 or -1 falls on
        if m < n:
            key = (school, band)
            column = running.get(key)
            if column is None:
                column = running[key] = [0] * n
            column[m if m > 0 else 0] += d
    labels = tuple(b.label for b in plan.bands)
    schools = sorted({s for s, _ in running}, key=lambda s: (type(s).__name__, str(s)))
    zeros = [0] * n
    counts: dict[tuple[Hashable, Month, str], int] = {}
    for school in schools:
        per_band = [
            list(itertools.accumulate(running.get((school, i), zeros))) for i in range(len(labels))
        ]
        # The same order as the Python engine's result: school, month, band.
        for k, month in enumerate(wanted):
            for i, label in enumerate(labels):
                counts[(school, month, label)] = per_band[i][k]
    return MonthlyCounts(plan.id, wanted, labels, counts)
