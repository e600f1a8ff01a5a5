"""Several (partial) credit notes per invoice (schema version 8).

Revision ID: 0008
Revises: 0007

Step 5 allowed one credit note per invoice (``sk_invoices.credits`` unique). Credit notes
may now credit part of an invoice, so one invoice may have several: the unique
constraint becomes a plain index. The ledger keeps two writers from crediting more than
an invoice holds by locking the invoice's row while it credits.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_TABLE = "sk_invoices"

#: The table as step 5 made it, with ``credits`` indexed instead of unique: what SQLite's
#: table copy builds (SQLite cannot drop a constraint in place).
_NEW = sa.Table(
    _TABLE,
    sa.MetaData(),
    sa.Column("number", sa.String(60), primary_key=True),
    sa.Column("series", sa.String(40), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("customer_id", sa.String(200), nullable=False),
    sa.Column("subscription_id", sa.String(100), nullable=False),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("issued_on", sa.String(10), nullable=False),
    sa.Column("credits", sa.String(60), nullable=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.UniqueConstraint("series", "sequence", name="uq_sk_invoices_series_sequence"),
    sa.CheckConstraint("status IN ('open', 'paid', 'credited')", name="ck_sk_invoices_status"),
    sa.Index("ix_sk_invoices_customer_id", "customer_id"),
    sa.Index("ix_sk_invoices_subscription_id", "subscription_id"),
    sa.Index("ix_sk_invoices_credits", "credits"),
)


def upgrade() -> None:
    """Replace the unique constraint on ``sk_invoices.credits`` with an index."""
    if context.get_context().dialect.name == "sqlite":
        with op.batch_alter_table(_TABLE, copy_from=_NEW, recreate="always"):
            pass
    else:
        # PostgreSQL's name for step 5's unnamed UNIQUE (credits).
        op.drop_constraint("sk_invoices_credits_key", _TABLE, type_="unique")
        op.create_index("ix_sk_invoices_credits", _TABLE, ["credits"])
