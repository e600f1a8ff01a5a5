"""The discounts of subscriptions (schema version 10).

Revision ID: 0010
Revises: 0009

One table, ``sk_discounts``: a row per discount of a subscription, its value as exact
decimal text (with a currency for an amount per seat), its end as an instant.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

#: Width of a moment stored as text on SQLite: ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``.
_MOMENT_WIDTH = 32


def upgrade() -> None:
    """Create ``sk_discounts``; frozen here, as this step made it."""
    postgres = op.get_context().dialect.name == "postgresql"
    moment: sa.types.TypeEngine[Any] = (
        postgresql.TIMESTAMP(timezone=True) if postgres else sa.String(_MOMENT_WIDTH)
    )
    op.create_table(
        "sk_discounts",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("subscription_id", sa.String(100), nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.String(60), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("first_term", sa.Integer, nullable=False),
        sa.Column("terms", sa.Integer, nullable=True),
        sa.Column("ended_at", moment, nullable=True),
        sa.CheckConstraint("kind IN ('percent', 'per_seat')", name="ck_sk_discounts_kind"),
    )
