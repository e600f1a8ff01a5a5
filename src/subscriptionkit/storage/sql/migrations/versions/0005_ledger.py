"""The invoice ledger: numbered series and issued invoices (schema version 5).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``sk_invoice_series`` and ``sk_invoices``; frozen here, as this step made them."""
    op.create_table(
        "sk_invoice_series",
        sa.Column("series", sa.String(40), primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    op.create_table(
        "sk_invoices",
        sa.Column("number", sa.String(60), primary_key=True),
        sa.Column("series", sa.String(40), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.String(200), nullable=False, index=True),
        sa.Column("subscription_id", sa.String(100), nullable=False, index=True),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("issued_on", sa.String(10), nullable=False),
        # The invoice a credit note credits: unique, so one credit note per invoice.
        sa.Column("credits", sa.String(60), nullable=True, unique=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.UniqueConstraint("series", "sequence", name="uq_sk_invoices_series_sequence"),
        sa.CheckConstraint("status IN ('open', 'paid', 'credited')", name="ck_sk_invoices_status"),
    )
