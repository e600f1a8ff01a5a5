"""Columnar ingestion of activity events into PostgreSQL (internal; the ``arrow`` extra).

A CSV file read by pyarrow (:func:`subscriptionkit.metering._arrow.read_event_table`,
validated column by column with the rules of the streaming reader) is written to the
staging table with ``COPY ... (FORMAT csv)`` in blocks that pyarrow's CSV writer formats,
then merged by the one ordered statement every ingestion uses
(:func:`~._activity.merge_staged`): the same duplicates, the same refusal of an id reused
by another event, the same locking as ``add``, without building an event object per row.
"""

from __future__ import annotations

import io
from typing import Any, Final

from sqlalchemy.engine import Connection

from ._activity import STAGING, STAGING_COLUMNS, merge_staged

#: Rows per block formatted by pyarrow and handed to ``COPY``.
BLOCK_ROWS: Final = 1 << 18


def insert_table(conn: Connection, table: Any) -> int:
    """Stage the rows of a pyarrow table of event values and merge them; return how many
    were new (the columns of ``read_event_table``, in file order)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    staged = table.add_column(0, "seq", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    staged = staged.select(list(STAGING_COLUMNS))
    options = pcsv.WriteOptions(include_header=False, quoting_style="needed")

    def fill(cursor: Any) -> int:
        columns = ", ".join(STAGING_COLUMNS)
        with cursor.copy(f"COPY {STAGING} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            for batch in staged.to_batches(max_chunksize=BLOCK_ROWS):
                sink = io.BytesIO()
                pcsv.write_csv(batch, sink, options)
                copy.write(sink.getbuffer())
        return int(staged.num_rows)

    return merge_staged(conn, fill)
