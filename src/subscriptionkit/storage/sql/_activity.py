"""Activity events in SQL: ingestion (``add``: a staging table and one ordered merge on
PostgreSQL, batches on SQLite) and reading them back (internal). The monthly count runs
inside the database as one query, :func:`._activity_query.monthly_counts_query`.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection

from ...clock import DEFAULT_TIMEZONE, ensure_aware, instant
from ...errors import InvalidInput
from ...metering import (
    ActivityEvent,
    CountMoment,
    Month,
    MonthlyCounts,
    epoch_seconds,
)
from ...metering._events import reused_id
from ...plans import PupilPlan
from .._activity_csv import add_csv
from ._activity_pupils import PupilReads
from ._activity_query import monthly_counts_query
from ._activity_settings import LARGE_SORTS, statement_settings
from ._errors import busy, translating
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
            f"activity events stored must be ActivityEvent values, got {type(event).__name__} "
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


#: Staged rows looked up first (the first ones copied): when every one is stored, written
#: alike, the input is probably a redelivery, compared whole before anything is inserted.
REDELIVERY_SAMPLE: Final = 1000


def _stored_alike(conn: Connection, limit: int | None) -> int:
    """How many staged rows (the first ``limit`` found, or all) are stored, written alike."""
    table = activity_table.name
    staged = ", ".join("s." + c for c in _COLUMNS)
    stored = ", ".join("a." + c for c in _COLUMNS)
    rows = f"(SELECT * FROM {STAGING} LIMIT {int(limit)})" if limit is not None else STAGING
    result = conn.exec_driver_sql(
        f"SELECT count(*) FROM {rows} s JOIN {table} a ON a.event_id = s.event_id "
        f"WHERE ({staged}) IS NOT DISTINCT FROM ({stored})"
    )
    return int(result.scalar_one())


def _redelivered(conn: Connection, copied: int) -> bool:
    """Whether every one of the ``copied`` staged rows is stored already, written alike:
    nothing to insert and nothing to refuse.

    One join of the staged rows with the stored ones, taken only when a sample of the
    staged rows is all stored: a redelivered file costs that join instead of an insert
    that skips every row and a join to check them; anything else pays for the sample.
    """
    sample = min(copied, REDELIVERY_SAMPLE)
    if sample == 0 or _stored_alike(conn, sample) < sample:
        return False
    return _stored_alike(conn, None) == copied


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
        DatabaseBusy: a deadlock, serialization failure, lock or statement timeout
            (:func:`~._errors.busy`); retry the whole unit of work.
    """
    table = activity_table.name
    cols = ", ".join(_COLUMNS)
    try:
        with conn.begin_nested(), statement_settings(conn, LARGE_SORTS):
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
            new = 0
            if not _redelivered(conn, copied):
                # DISTINCT ON keeps the first of a repeated id (the first one stands); the
                # merge inserts in id order, so concurrent writers lock ids in the same
                # order. Byte order ("C", the ids' collation since schema version 11) is
                # that order for every writer; equal ids are equal in every collation.
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
        retry = busy(exc)  # the adapter's one classification of "retry the unit of work"
        if retry is None:
            raise
        raise retry from None


def select_events(
    conn: Connection,
    *,
    school_id: str | None = None,
    since: _dt.datetime | None = None,
    until: _dt.datetime | None = None,
    pupil_id: str | None = None,
) -> Sequence[ActivityEvent]:
    """Read stored events (by school, pupil and half-open time range), oldest first."""
    t = activity_table.c
    query = sa.select(activity_table).order_by(t.processed_epoch, t.event_id)
    if school_id is not None:
        query = query.where(t.school_id == school_id)
    if pupil_id is not None:
        query = query.where(t.pupil_id == pupil_id)
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
class _Activity(PupilReads):
    """The activity events of one SQL unit of work; counts run inside the database."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql activity>"

    def add(self, events: Iterable[ActivityEvent]) -> int:
        pupils: set[tuple[str, str]] = set()

        def noting(items: Iterable[ActivityEvent]) -> Iterator[ActivityEvent]:
            for event in items:
                if isinstance(event, ActivityEvent):
                    pupils.add((event.school_id, event.pupil_id))
                yield event

        added = insert_events(self._uow.connection, noting(events))
        self._erased_later(pupils)
        return added

    def _erased_later(self, pupils: Iterable[tuple[str, str]] | None) -> None:
        """Store the new events of (school, pupil) pairs erased before under their
        pseudonyms (``None``: look at every pair). Looked up after the insert, so SQLite's
        writer takes its lock first, as before."""
        erased = self._uow.pseudonyms
        if pupils is None:
            if not erased._any_erasure():
                return
            t = activity_table
            rows = self._uow.connection.execute(sa.select(t.c.school_id, t.c.pupil_id).distinct())
            pupils = [(r.school_id, r.pupil_id) for r in rows]
        pairs: list[tuple[str | None, str]] = sorted(pupils)
        for (school_id, pupil_id), pseudonym in erased.erased_pseudonyms(pairs).items():
            assert school_id is not None  # every pair asked about names its school
            self.pseudonymise(school_id, pupil_id, pseudonym)

    def pseudonymise(self, school_id: str, pupil_id: str, pseudonym: str) -> int:
        t = activity_table
        done = self._uow.connection.execute(
            t.update()
            .where(t.c.school_id == school_id, t.c.pupil_id == pupil_id)
            .values(pupil_id=pseudonym)
        )
        return int(done.rowcount)

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
                added = insert_table(conn, table)
                self._erased_later(None)  # the columns bypass add(): catch up erased pupils
                return added

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
