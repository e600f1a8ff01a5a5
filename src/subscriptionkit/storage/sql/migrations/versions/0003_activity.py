"""Activity events for metering (schema version 3).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``sk_activity_events``; the definition is frozen here, as this step made it."""
    op.create_table(
        "sk_activity_events",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("school_id", sa.String(200), nullable=False),
        sa.Column("pupil_id", sa.String(200), nullable=False),
        sa.Column("grade", sa.SmallInteger, nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        # The whole UTC epoch second (floor), for windows; and the exact moment, as given.
        sa.Column("processed_epoch", sa.BigInteger, nullable=False),
        sa.Column("processed_at", sa.String(40), nullable=False),
        sa.Index("ix_sk_activity_school_epoch", "school_id", "processed_epoch"),
    )
