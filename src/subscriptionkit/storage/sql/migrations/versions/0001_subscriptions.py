"""Subscriptions, with one trial per customer (schema version 1).

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``sk_subscriptions``; the definition is frozen here, as this step made it."""
    op.create_table(
        "sk_subscriptions",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("customer_id", sa.String(200), nullable=False, index=True),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        # Set only on a subscription that carries a trial: one trial per customer.
        sa.Column("trial_customer_id", sa.String(200), nullable=True, unique=True),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
