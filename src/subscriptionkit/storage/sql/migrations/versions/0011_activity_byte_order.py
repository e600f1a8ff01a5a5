"""Activity event ids in byte order, one narrow index (schema version 11).

Revision ID: 0011
Revises: 0010

``sk_activity_events`` on PostgreSQL: the id columns (``event_id``, ``school_id``,
``pupil_id``) compare byte by byte (``COLLATE "C"``): the primary key and every sort of
ids compare with ``memcmp`` instead of the database's linguistic collation; ids are only
ever compared for equality and ordered for locking, which byte order does for every
writer alike. On every database the index on ``(school_id, processed_epoch)`` becomes an
index on ``school_id``: one entry per school holding its rows (B-tree deduplication), a
fraction of the size, so that it stays in the server's buffers while a large ingestion
adds to it in id order; reading one school's events in a time range filters that school's
rows.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

_TABLE = "sk_activity_events"


def upgrade() -> None:
    """Drop the (school, time) index, give the ids byte order (PostgreSQL), index schools."""
    op.drop_index("ix_sk_activity_school_epoch", table_name=_TABLE)
    if op.get_context().dialect.name == "postgresql":
        # One statement: the primary key is rebuilt once.
        op.execute(
            f"ALTER TABLE {_TABLE} "
            + ", ".join(
                f'ALTER COLUMN {column} TYPE VARCHAR(200) COLLATE "C"'
                for column in ("event_id", "school_id", "pupil_id")
            )
        )
    op.create_index("ix_sk_activity_school", _TABLE, ["school_id"])
