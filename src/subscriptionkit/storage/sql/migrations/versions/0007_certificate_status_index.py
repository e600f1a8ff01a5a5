"""Certificate status indexes assigned by the store, unique (schema version 7).

Revision ID: 0007
Revises: 0006

Each stored certificate gets a column ``status_index``, NOT NULL and unique: its place in
the issuer's Bitstring Status List. Certificates already stored keep the index their
document names, if any, when no earlier certificate (by issue time, then id) names the
same one; every other certificate gets the next free index, in order of issue. A
certificate whose document named an index an earlier one holds therefore gets a new one:
tokens signed for it before carry the old index and must be signed again (the index was
the caller's to choose then, and nothing kept two certificates from sharing it).

The steps are SQL only, so ``db sql`` prints them for a database administrator as they
run here. The document is left as it is: reads take the index from the column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_TABLE = "sk_certificates"
_NEW = "sk_status_index_new"

#: The index a certificate's document names, per dialect (NULL when it names none).
_DOCUMENT_INDEX = {
    "sqlite": "json_extract(document, '$.status_index')",
    "postgresql": "CAST(CAST(document AS json) ->> 'status_index' AS INTEGER)",
}

#: The table as step 2 made it, plus the new column: what SQLite's table copy starts from.
_FROZEN = sa.Table(
    _TABLE,
    sa.MetaData(),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("holder_id", sa.Text, nullable=False),
    sa.Column("issued_at", sa.String(32), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("status_index", sa.Integer, nullable=True),
    sa.Index("ix_sk_certificates_holder_id", "holder_id"),
)


def upgrade() -> None:
    """Add, fill and constrain ``sk_certificates.status_index``."""
    dialect = context.get_context().dialect.name
    op.add_column(_TABLE, sa.Column("status_index", sa.Integer, nullable=True))
    # 1. The index each document names.
    op.execute(f"UPDATE {_TABLE} SET status_index = {_DOCUMENT_INDEX[dialect]}")
    # 2. Of certificates naming one index, the earliest keeps it.
    op.execute(
        f"UPDATE {_TABLE} SET status_index = NULL WHERE EXISTS (SELECT 1 FROM {_TABLE} e "
        f"WHERE e.status_index = {_TABLE}.status_index AND (e.issued_at < {_TABLE}.issued_at "
        f"OR (e.issued_at = {_TABLE}.issued_at AND e.id < {_TABLE}.id)))"
    )
    # 3. The others get the next free indexes, in order of issue (numbered first, in a
    #    table of their own, so no statement reads what it writes).
    op.execute(
        f"CREATE TEMPORARY TABLE {_NEW} AS SELECT c.id AS id, b.base + ROW_NUMBER() OVER "
        f"(ORDER BY c.issued_at, c.id) - 1 AS status_index FROM {_TABLE} c CROSS JOIN "
        f"(SELECT COALESCE(MAX(status_index) + 1, 0) AS base FROM {_TABLE}) b "
        f"WHERE c.status_index IS NULL"
    )
    op.execute(
        f"UPDATE {_TABLE} SET status_index = (SELECT n.status_index FROM {_NEW} n "
        f"WHERE n.id = {_TABLE}.id) WHERE status_index IS NULL"
    )
    op.execute(f"DROP TABLE {_NEW}")
    # 4. From now on every certificate has one, and no two share it.
    with op.batch_alter_table(_TABLE, copy_from=_FROZEN) as batch:
        batch.alter_column("status_index", existing_type=sa.Integer, nullable=False)
        batch.create_unique_constraint("uq_sk_certificates_status_index", ["status_index"])
