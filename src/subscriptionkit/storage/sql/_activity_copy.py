"""Columnar ingestion of activity events into PostgreSQL (internal; the ``arrow`` extra).

A CSV file read by pyarrow (:func:`subscriptionkit.metering._arrow.read_event_table`,
validated column by column with the rules of the streaming reader) is sorted by id in
byte order (the order of the ids' ``"C"`` collation, the order every writer locks ids in)
and written with ``COPY ... (FORMAT csv)`` in blocks that pyarrow's CSV writer formats
(the next block while one is written):

* **new events** (no id repeated in the file, none of a sample of its ids stored): straight
  into the events table, under a savepoint. An id stored meanwhile (another writer's,
  committed while this one waited for it) stops the ``COPY`` with a unique violation: the
  savepoint is rolled back and the file takes the merge below;
* **anything else**: into the staging table, then merged by the one ordered statement every
  ingestion uses (:func:`~._activity.merge_staged`): the same duplicates, the same refusal
  of an id reused by another event, the same locking as ``add``.

Neither builds an event object per row.
"""

from __future__ import annotations

import io
from typing import Any, Final

from sqlalchemy.engine import Connection

from ._activity import _COLUMNS, STAGING, STAGING_COLUMNS, merge_staged
from ._tables import activity_table

#: Rows per block formatted by pyarrow and handed to ``COPY``.
BLOCK_ROWS: Final = 1 << 18
#: Ids (spread over the sorted ids) looked up before copying straight into the table.
STORED_SAMPLE: Final = 1000


def insert_table(conn: Connection, table: Any) -> int:
    """Store the rows of a pyarrow table of event values; return how many were new (the
    columns of ``read_event_table``, in file order)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    # A stable sort: the rows of one id keep their file order (the first one stands).
    order = pc.sort_indices(table["event_id"])
    ids = table["event_id"].take(order)
    if table.num_rows and _all_new(conn, ids) and _copied_new(conn, table, order):
        return int(table.num_rows)
    staged = table.add_column(0, "seq", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    staged = staged.select(list(STAGING_COLUMNS))

    def fill(cursor: Any) -> int:
        _copy(cursor, STAGING, staged, order)
        return int(staged.num_rows)

    return merge_staged(conn, fill)


def _all_new(conn: Connection, ids: Any) -> bool:
    """Whether the sorted ``ids`` look new: none repeated, none of a sample stored."""
    import pyarrow.compute as pc

    n = len(ids)
    if n > 1 and pc.any(pc.equal(ids[1:], ids[: n - 1])).as_py():
        return False
    step = max(1, n // STORED_SAMPLE)
    sample = ids[::step].to_pylist()
    query = f"SELECT EXISTS (SELECT 1 FROM {activity_table.name} WHERE event_id = ANY(%s))"
    stored = conn.exec_driver_sql(query, (sample,)).scalar_one()
    return not stored


def _copied_new(conn: Connection, table: Any, order: Any) -> bool:
    """``COPY`` the rows, in id order, straight into the events table under a savepoint;
    ``False`` (nothing kept) if an id turned out to be stored."""
    import psycopg

    try:
        with conn.begin_nested():
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                _copy(cursor, activity_table.name, table.select(list(_COLUMNS)), order)
            finally:
                cursor.close()
    except psycopg.errors.UniqueViolation:
        return False
    return True


def _copy(cursor: Any, target: str, table: Any, order: Any) -> None:
    """``COPY`` the rows of ``table`` in ``order`` into ``target`` (its columns by name).

    The next block is formatted in a second thread while one is written: pyarrow releases
    the GIL as it formats, psycopg as it waits for the server. At most two blocks are held.
    """
    from concurrent.futures import ThreadPoolExecutor

    columns = ", ".join(table.column_names)
    starts = range(0, table.num_rows, BLOCK_ROWS)
    with (
        ThreadPoolExecutor(max_workers=1) as pool,
        cursor.copy(f"COPY {target} ({columns}) FROM STDIN (FORMAT csv)") as copy,
    ):
        pending = [pool.submit(_block, table, order, start) for start in starts[:1]]
        for start in starts[1:]:
            block = pending.pop().result()
            pending.append(pool.submit(_block, table, order, start))
            copy.write(block)
        for future in pending:
            copy.write(future.result())


def _block(table: Any, order: Any, start: int) -> memoryview:
    """The rows of ``table`` at ``order[start : start + BLOCK_ROWS]`` as CSV text (no
    header)."""
    import pyarrow.csv as pcsv

    options = pcsv.WriteOptions(include_header=False, quoting_style="needed")
    sink = io.BytesIO()
    pcsv.write_csv(table.take(order[start : start + BLOCK_ROWS]), sink, options)
    return sink.getbuffer()
