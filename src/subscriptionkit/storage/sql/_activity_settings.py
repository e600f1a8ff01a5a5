"""PostgreSQL settings for a few statements only, never for the rest of the transaction
(internal).

``SET LOCAL`` lasts until the transaction ends, and the transaction may be the host
application's (:meth:`~subscriptionkit.storage.sql.SqlStore.unit_of_work` with
``connection=``): a ``work_mem`` raised for one sort would stay raised for every statement
the host runs after it. :func:`statement_settings` is the one way the adapter changes a
setting for some of its statements.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

#: What a large sort or hash in the adapter runs with: in memory rather than in temporary
#: files (per sort or hash node, while the statement runs), and no JIT compilation, which
#: costs more than it saves on these statements.
LARGE_SORTS: Final[Mapping[str, str]] = {"work_mem": "256MB", "jit": "off"}


@contextmanager
def statement_settings(conn: Connection, settings: Mapping[str, str]) -> Iterator[None]:
    """Run the enclosed statements with PostgreSQL ``settings`` (name to value, as ``SET``
    takes it), then give the transaction back the values it had.

    Inside a savepoint: each value is set with ``set_config(name, value, true)`` and the
    previous one put back the same way at the end; if the enclosed code raises, rolling
    back to the savepoint undoes the change. Other dialects: nothing is set.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    with conn.begin_nested():
        saved = {
            name: conn.execute(
                sa.text("SELECT current_setting(:name)"), {"name": name}
            ).scalar_one()
            for name in settings
        }
        _set(conn, settings)
        yield
        _set(conn, saved)


def _set(conn: Connection, settings: Mapping[str, str]) -> None:
    for name, value in settings.items():
        conn.execute(
            sa.text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
        )
