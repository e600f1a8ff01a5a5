"""Activity events in SQL, and monthly billable counts computed inside the database (internal).

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
import os
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from ...clock import DEFAULT_TIMEZONE, ensure_aware, instant
from ...errors import DatabaseBusy, InvalidInput
from ...metering import (
    BILLABLE_CATEGORIES,
    ActivityEvent,
    CountMoment,
    Month,
    MonthlyCounts,
    epoch_seconds,
    month_range,
)
from ...metering._events import reused_id
from ...plans import PupilPlan
from .._activity_csv import add_csv
from ._errors import translating
from ._tables import activity_table

if TYPE_CHECKING:
    from ._store import SqlUnitOfWork


def insert_events(conn: Connection, events: Iterable[ActivityEvent], *, batch: int = 5000) -> int:
    """Insert events, skipping ids already stored; return how many were new.

    An id already stored (or given earlier in the call) with a *different* event is
    refused with the error :class:`~subscriptionkit.metering.EventLog` raises, moments compared as instants:
    ``02:30+02:00`` and ``02:30+01:00`` on the night the clocks go back are two events.

    All or nothing: the events go in under a savepoint, so an error while reading
    ``events`` (a broken generator, an item that is not an event) leaves the unit of work
    as it was. Concurrent units of work adding the same events never deadlock on each
    other and count each event as new once between them:

    * PostgreSQL: the events are copied (``COPY``) into a temporary staging table, then
      merged with one ``INSERT ... SELECT ... ORDER BY event_id ON CONFLICT DO NOTHING``
      (:func:`merge_staged`; then, if it skipped rows, the skipped rows that differ from
      the stored ones are read back and compared): every writer takes its row locks in
      the same (id) order, and a writer that meets an id another has inserted but not
      committed waits for it, and counts it as new only if that one rolls back;
    * SQLite: writers take turns (one writes at a time), each ``INSERT ... ON CONFLICT
      DO NOTHING RETURNING`` counts only the rows it inserted (a chunk that skipped rows
      is compared with the stored events).

    Raises:
        InvalidInput: an item is not an :class:`ActivityEvent`.
        InvalidEvent: an id already used by a different event (field ``event_id``,
            ``index`` the position in ``events``); nothing of the call is kept.
        DatabaseBusy: PostgreSQL still found a deadlock (several ``add`` calls in one unit
            of work crossing another's); retry the whole unit of work.
    """
    dialect = conn.dialect.name
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - make_engine refuses them
        raise InvalidInput(f"activity events need SQLite or PostgreSQL, got {dialect}")
    rows = (_row(i, event) for i, event in enumerate(events))
    if dialect == "postgresql":

        def fill(cursor: Any) -> int:
            copied = 0
            with cursor.copy(f"COPY {STAGING} (seq, {', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for seq, row in enumerate(rows):
                    copy.write_row((seq, *row))
                    copied += 1
            return copied

        return merge_staged(conn, fill)
    with conn.begin_nested():
        return _insert_batches(conn, rows, batch)


#: PostgreSQL SQLSTATEs that mean "another transaction was in the way; retry": deadlock,
#: serialization failure, lock not available (lock_timeout).
_RETRY_STATES: Final = frozenset({"40P01", "40001", "55P03"})

_COLUMNS: Final = (
    "event_id",
    "school_id",
    "pupil_id",
    "grade",
    "category",
    "processed_epoch",
    "processed_at",
)


def _row(index: int, event: object) -> tuple[Any, ...]:
    if not isinstance(event, ActivityEvent):
        raise InvalidInput(
            f"activity.add() takes ActivityEvent objects, got {type(event).__name__} "
            f"at position {index}"
        )
    return (
        event.event_id,
        event.school_id,
        event.pupil_id,
        event.grade,
        event.category,
        event.epoch,
        event.processed_at.isoformat(),
    )


def _insert_batches(conn: Connection, rows: Iterable[tuple[Any, ...]], batch: int) -> int:
    # RETURNING lists only the rows actually inserted: an exact count. ON CONFLICT skips
    # an id stored before or earlier in the same call; when a chunk skipped any, its rows
    # are compared with the stored ones.
    statement = (
        sqlite.insert(activity_table)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(activity_table.c.event_id)
    )
    new = start = 0
    chunk: list[tuple[Any, ...]] = []
    for row in itertools.chain(rows, (None,)):
        if row is not None:
            chunk.append(row)
        if chunk and (row is None or len(chunk) >= batch):
            values = [dict(zip(_COLUMNS, r, strict=True)) for r in chunk]
            count = len(conn.execute(statement, values).all())
            if count < len(chunk):
                _check_reused(conn, start, chunk)
            new += count
            start += len(chunk)
            chunk = []
    return new


def _check_reused(conn: Connection, start: int, chunk: Sequence[tuple[Any, ...]]) -> None:
    """Refuse a row of ``chunk`` (input positions from ``start``) whose id is stored with
    another event."""
    t = activity_table.c
    stored: dict[str, tuple[Any, ...]] = {}
    ids = sorted({r[0] for r in chunk})
    for i in range(0, len(ids), 500):
        query = sa.select(*(t[c] for c in _COLUMNS)).where(t.event_id.in_(ids[i : i + 500]))
        stored.update((r[0], tuple(r)) for r in conn.execute(query))
    for i, row in enumerate(chunk):
        _refuse_if_other(stored[row[0]], row, start + i)


def _refuse_if_other(stored: Sequence[Any], given: Sequence[Any], index: int) -> None:
    """Raise ``reused_id`` unless the two rows (in ``_COLUMNS`` order) are one event.

    The moment compares as an instant (:func:`~subscriptionkit.clock.instant`): the same
    instant written with another offset is the same event, the same wall clock with
    another offset is not.
    """
    if tuple(given) == tuple(stored):  # written alike: a redelivery
        return
    *fields, _, written = given
    *known, _, known_written = stored
    if fields == known and instant(_dt.datetime.fromisoformat(written)) == instant(
        _dt.datetime.fromisoformat(known_written)
    ):
        return
    raise reused_id(given[0], index)


#: The temporary table events are copied into before the merge (PostgreSQL): ``seq``
#: (the position in the input) and the columns of ``sk_activity_events``.
STAGING: Final = "sk_activity_staging"
#: The staging table's columns, in the order ``COPY`` fills them.
STAGING_COLUMNS: Final = ("seq", *_COLUMNS)


def _check_skipped(conn: Connection) -> None:
    """Refuse a staged row skipped by the merge whose id is stored with another event.

    The database keeps only the rows that differ as written (a redelivery is written the
    same); whether they differ as events decides :func:`_refuse_if_other`.
    """
    table = activity_table.name
    staged = ", ".join("s." + c for c in _COLUMNS)
    stored = ", ".join("a." + c for c in _COLUMNS)
    other = conn.exec_driver_sql(
        f"SELECT s.seq, {staged}, {stored} "
        f"FROM {STAGING} s JOIN {table} a ON a.event_id = s.event_id "
        f"WHERE ({staged}) IS DISTINCT FROM ({stored}) ORDER BY s.seq"
    )
    width = len(_COLUMNS)
    for seq, *both in other:
        _refuse_if_other(both[width:], both[:width], seq)


def merge_staged(conn: Connection, fill: Callable[[Any], int]) -> int:
    """Stage rows with ``fill``, then merge them into the events in one ordered statement
    (PostgreSQL); return how many were new.

    Under a savepoint: an error in ``fill`` or in the merge leaves the unit of work as it
    was. ``fill`` gets a psycopg cursor of the unit of work's connection, copies rows of
    :data:`STAGING_COLUMNS` into :data:`STAGING` (which exists, empty) and returns how
    many. The first row of an id (lowest ``seq``) stands; a row whose id is stored (or
    staged before it) is skipped if it is the same event, and refused if it is another.

    Raises:
        InvalidEvent: an id already used by a different event (field ``event_id``,
            ``index`` the row's ``seq``); nothing is kept.
        DatabaseBusy: a deadlock, serialization failure or lock timeout; retry the whole
            unit of work.
    """
    table = activity_table.name
    cols = ", ".join(_COLUMNS)
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} "
                f"(seq bigint NOT NULL, LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            conn.exec_driver_sql(f"TRUNCATE {STAGING}")
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                copied = fill(cursor)
            finally:
                cursor.close()
            # DISTINCT ON keeps the first of a repeated id (the first one stands); the
            # merge inserts in id order, so concurrent writers lock ids in the same order.
            # Byte order ("C") is that order for every writer and sorts much faster than a
            # linguistic collation; equal ids are equal in both.
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
            result = conn.exec_driver_sql(
                f"WITH inserted AS (INSERT INTO {table} ({cols}) "
                f'SELECT DISTINCT ON (event_id COLLATE "C") {cols} FROM {STAGING} '
                f'ORDER BY event_id COLLATE "C", seq '
                f"ON CONFLICT (event_id) DO NOTHING RETURNING 1) "
                f"SELECT count(*) FROM inserted"
            )
            new = int(result.scalar_one())
            if new < copied:
                _check_skipped(conn)
            conn.exec_driver_sql(f"TRUNCATE {STAGING}")
            return new
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) in _RETRY_STATES:
            raise DatabaseBusy(detail=f"PostgreSQL: {str(exc.orig).splitlines()[0]}") from None
        raise


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
        sa.func.sum(deltas.c.d),
    ).group_by(*group)
    if conn.dialect.name == "postgresql":
        # One sort of (school, pupil, bucket) rows: let it happen in memory.
        conn.execute(sa.text("SET LOCAL work_mem = '256MB'"))
    running: dict[tuple[Hashable, int], list[int]] = {}
    for school, band, b, d in conn.execute(query):
        m = int(b) - (window - 1)  # the month index the +1 or -1 falls on
        if m < n:
            running.setdefault((school, int(band)), [0] * (n + 1))[max(m, 0)] += int(d)
    labels = tuple(b.label for b in plan.bands)
    schools = sorted({s for s, _ in running}, key=lambda s: (type(s).__name__, str(s)))
    counts: dict[tuple[Hashable, Month, str], int] = {}
    for school in schools:
        per_band = []
        for i in range(len(labels)):
            delta = running.get((school, i), [0] * (n + 1))
            acc, column = 0, []
            for k in range(n):
                acc += delta[k]
                column.append(acc)
            per_band.append(column)
        # The same order as the Python engine's result: school, month, band.
        for k, month in enumerate(wanted):
            for i, label in enumerate(labels):
                counts[(school, month, label)] = per_band[i][k]
    return MonthlyCounts(plan.id, wanted, labels, counts)


def select_events(
    conn: Connection,
    *,
    school_id: str | None = None,
    since: _dt.datetime | None = None,
    until: _dt.datetime | None = None,
) -> Sequence[ActivityEvent]:
    """Read stored events (by school and half-open time range), oldest first."""
    t = activity_table.c
    query = sa.select(activity_table).order_by(t.processed_epoch, t.event_id)
    if school_id is not None:
        query = query.where(t.school_id == school_id)
    if since is not None:
        query = query.where(t.processed_epoch >= epoch_seconds(since))
    if until is not None:
        query = query.where(
            t.processed_epoch < epoch_seconds(until) + (1 if until.microsecond else 0)
        )
    rows = conn.execute(query)
    events = [
        ActivityEvent(
            event_id=r.event_id,
            school_id=r.school_id,
            pupil_id=r.pupil_id,
            grade=r.grade,
            category=r.category,
            processed_at=_dt.datetime.fromisoformat(r.processed_at),
        )
        for r in rows
    ]
    low = None if since is None else instant(since, "since")
    high = None if until is None else instant(until, "until")
    return [
        e
        for e in events
        if (low is None or instant(e.processed_at) >= low)
        and (high is None or instant(e.processed_at) < high)
    ]


@translating
class _Activity:
    """The activity events of one SQL unit of work; counts run inside the database."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql activity>"

    def add(self, events: Iterable[ActivityEvent]) -> int:
        return insert_events(self._uow.connection, events)

    def add_csv(
        self,
        source: str | os.PathLike[str] | IO[bytes],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        conn = self._uow.connection
        columnar = None
        if conn.dialect.name == "postgresql":
            from ._activity_copy import insert_table

            def columnar(table: Any) -> int:
                return insert_table(conn, table)

        return add_csv(source, self.add, progress=progress, columnar=columnar)

    def events(
        self,
        *,
        school_id: str | None = None,
        since: _dt.datetime | None = None,
        until: _dt.datetime | None = None,
    ) -> Sequence[ActivityEvent]:
        return select_events(
            self._uow.connection,
            school_id=school_id,
            since=None if since is None else ensure_aware(since, "since"),
            until=None if until is None else ensure_aware(until, "until"),
        )

    def count(self, *, school_id: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(activity_table)
        if school_id is not None:
            query = query.where(activity_table.c.school_id == school_id)
        return int(self._uow.connection.execute(query).scalar_one())

    def monthly_counts(
        self,
        plan: PupilPlan,
        months: Iterable[Month],
        *,
        tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
        policy: CountMoment | None = None,
        school_id: str | None = None,
    ) -> MonthlyCounts:
        return monthly_counts_query(
            self._uow.connection, plan, months, tz=tz, policy=policy, school_id=school_id
        )
