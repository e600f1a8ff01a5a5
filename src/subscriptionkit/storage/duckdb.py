"""DuckDB as a metering engine: the SQL adapter's one-query count, in process.

For users whose events sit in Parquet files (or an Arrow table, a pandas DataFrame, a
dict of numpy arrays: anything DuckDB scans) and who want the speed of an in-process
columnar engine without running PostgreSQL. Nothing is stored: the events are read
where they are, through a temporary view, and counted by **the same portable query** the
SQL store runs on SQLite and PostgreSQL (see ``docs/storage.md``), executed through
SQLAlchemy's DuckDB dialect (the ``duckdb_engine`` package). Needs the ``duckdb`` extra.

>>> import datetime as dt
>>> import numpy as np
>>> from subscriptionkit import plans
>>> from subscriptionkit.metering import Month
>>> from subscriptionkit.storage import duckdb as sk_duckdb
>>> at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC).timestamp()
>>> events = {"school_id": np.array(["s1", "s1", "s2"]), "pupil_id": np.array(["anna", "bram", "anna"]),
...           "grade": np.array([3, 4, 5]), "category": np.array(["engagement", "login", "engagement"]),
...           "processed_at": np.array([at, at, at])}
>>> plan = plans.default_catalog()["focus-po-1-8"]
>>> counts = sk_duckdb.monthly_counts(events, plan, [Month(2026, 3), Month(2026, 4)])
>>> counts.to_dict()["s1"]
{'2026-03': {'1-8': 1}, '2026-04': {'1-8': 1}}
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Mapping
from typing import Any, Final

from .._checks import accepts
from .._translate import require
from ..clock import DEFAULT_TIMEZONE
from ..errors import InvalidEvent, InvalidInput
from ..metering import BILLABLE_CATEGORIES, CountMoment, Month, MonthlyCounts, Timeline
from ..plans import PupilPlan

__all__ = ["COLUMNS", "monthly_counts"]

#: The columns read from the source (others are ignored).
COLUMNS: Final = ("school_id", "pupil_id", "grade", "category", "processed_at")

_NUMBER = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE")


def _engines() -> Any:
    """Import SQLAlchemy with the DuckDB dialect, or raise MissingDependency naming the extra."""
    for package in ("duckdb", "duckdb_engine"):  # duckdb_engine registers the dialect
        require(package, extra="duckdb", feature="counting with DuckDB")
    return require("sqlalchemy", extra="duckdb", feature="counting with DuckDB")


def _epoch(column_type: str) -> str:
    """SQL for the whole epoch second of ``processed_at``, by its DuckDB type."""
    if column_type == "TIMESTAMP WITH TIME ZONE":
        # floor of exact microseconds (a double of seconds could round up a second).
        return "CAST(floor(epoch_us(processed_at) / 1000000.0) AS BIGINT)"
    if column_type in _NUMBER or column_type.startswith("DECIMAL"):
        return "CAST(floor(processed_at) AS BIGINT)"
    raise InvalidInput(
        "processed_at must be TIMESTAMP WITH TIME ZONE (an instant) or epoch seconds; "
        f"got {column_type} (a TIMESTAMP without time zone is a naive wall clock and is refused)"
    )


@accepts(
    plan=(PupilPlan, "a PupilPlan"),
    policy=(CountMoment, "a CountMoment"),
    school_id=(str, "a school id"),
)
def monthly_counts(
    source: str | os.PathLike[str] | Any,
    plan: PupilPlan,
    months: Iterable[Month],
    *,
    tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
    policy: CountMoment | None = None,
    school_id: str | None = None,
) -> MonthlyCounts:
    """Count billable pupils per school, month and band of ``plan`` with DuckDB.

    The same rule and the same counts as :func:`subscriptionkit.metering.monthly_counts`
    on the same events (school and pupil ids come back with the source's types).

    Args:
        source: a Parquet file, a glob of them (``"events/*.parquet"``) or a list of
            paths; or any object DuckDB can scan (an Arrow table, a pandas DataFrame, a
            dict of equal-length numpy arrays or lists). It needs the columns
            :data:`COLUMNS`; ``processed_at`` is ``TIMESTAMP WITH TIME ZONE`` or epoch
            seconds.
        plan: the plan; its grades filter and its bands group.
        months: consecutive, ascending months.
        tz: the customer's time zone.
        policy: when months are counted; default :class:`CountMoment` ``()``.
        school_id: count only this school.

    Raises:
        InvalidInput: a column is missing or ``processed_at`` has another type, the
            source cannot be read, or the months are not consecutive.
        MissingDependency: the ``duckdb`` extra is not installed.
        InvalidEvent: a counting event (billable category, inside no matter which
            window) has a grade outside 1–8 or a missing id or time (``index`` is
            ``None``: the source's rows have no position here).
    """
    sa = _engines()
    import duckdb

    wanted = _months(months)
    Timeline.build(wanted, tz, policy)  # months, zone and policy checked before any work

    from .sql._activity_query import monthly_counts_query  # the SQL adapter's portable query

    engine = sa.create_engine("duckdb:///:memory:")
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            conn.exec_driver_sql("SET enable_progress_bar = false")
            try:
                if isinstance(source, str | os.PathLike) or (
                    isinstance(source, list)
                    and all(isinstance(p, str | os.PathLike) for p in source)
                ):
                    paths = (
                        [os.fspath(p) for p in source]
                        if isinstance(source, list)
                        else os.fspath(source)
                    )
                    raw.read_parquet(paths).create_view("sk_source")
                else:
                    raw.register("sk_source", _scannable(source))
                types = {
                    row[0]: row[1] for row in raw.sql("DESCRIBE SELECT * FROM sk_source").fetchall()
                }
            except (duckdb.Error, TypeError, ValueError) as exc:  # TypeError: not scannable
                raise InvalidInput(
                    f"the events source must be Parquet files or a table DuckDB can scan; "
                    f"got {type(source).__name__} that DuckDB could not read "
                    f"({str(exc).splitlines()[0]})"
                ) from None
            missing = [c for c in COLUMNS if c not in types]
            if missing:
                raise InvalidInput(
                    f"the events source must have the columns {', '.join(COLUMNS)}; "
                    f"got {', '.join(types) or 'none'} (missing {', '.join(missing)})"
                )
            epoch = _epoch(types["processed_at"])
            try:
                _check(raw, sorted(BILLABLE_CATEGORIES))
                conn.exec_driver_sql(
                    "CREATE TEMP VIEW sk_activity_events AS SELECT school_id, pupil_id, grade, "
                    f"category, {epoch} AS processed_epoch FROM sk_source"
                )
                return monthly_counts_query(
                    conn, plan, wanted, tz=tz, policy=policy, school_id=school_id
                )
            except (duckdb.Error, sa.exc.DBAPIError) as exc:  # e.g. a text grade column
                raise InvalidInput(
                    "the events source's columns must be text ids, a whole-number grade and "
                    f"a text category; got types {', '.join(f'{c} {types[c]}' for c in COLUMNS)} "
                    f"that DuckDB could not count ({str(exc).splitlines()[0]})"
                ) from None
    finally:
        engine.dispose()


def _months(months: Iterable[Month]) -> tuple[Month, ...]:
    """The months as a tuple, checked as the other engines check them (and the zone later)."""
    from .._checks import items

    wanted = items(months, "months", "an iterable of Month (see month_range)")
    for m in wanted:
        if not isinstance(m, Month):
            raise InvalidInput(f"months must be Month values, got {type(m).__name__}: {m!r}")
    return wanted


def _scannable(source: Any) -> Any:
    """A mapping of columns as numpy arrays DuckDB scans well: lists become arrays (DuckDB
    cannot scan a dict of lists) and string columns object arrays (DuckDB scans fixed-width
    unicode arrays thousands of times slower: a million rows, seconds instead of ms)."""
    if not isinstance(source, Mapping):
        return source
    import numpy as np

    out = {}
    for name, column in source.items():
        array = column if hasattr(column, "dtype") else np.asarray(column)
        out[name] = array.astype(object) if array.dtype.kind in ("U", "S") else array
    return out


def _check(raw: Any, billable: list[str]) -> None:
    """Refuse a counting event with a bad grade or a missing id or time (one scan)."""
    row = raw.execute(
        "SELECT grade, school_id IS NULL, pupil_id IS NULL, processed_at IS NULL "
        "FROM sk_source WHERE list_contains(?, CAST(category AS VARCHAR)) AND ("
        "grade IS NULL OR grade < 1 OR grade > 8 OR school_id IS NULL OR pupil_id IS NULL "
        "OR processed_at IS NULL) LIMIT 1",
        [billable],
    ).fetchone()
    if row is None:
        return
    grade, no_school, no_pupil, no_time = row
    if no_school:
        raise InvalidEvent(field="school_id", got=None, expected="a non-empty string")
    if no_pupil:
        raise InvalidEvent(field="pupil_id", got=None, expected="a non-empty string")
    if no_time:
        raise InvalidEvent(field="processed_at", got=None, expected="an instant")
    raise InvalidEvent(field="grade", got=grade, expected="a grade from 1 to 8")
