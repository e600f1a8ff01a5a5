"""Queryable subscription columns, reminder rows and the audit log (schema version 4).

Revision ID: 0004
Revises: 0003

Adds indexed copies of what batch jobs and support desks query to ``sk_subscriptions``
(period start, paid-through, next renewal, cancellation deadline, next reminder day and
``due_at``, the moment the next lifecycle step falls due), turns the document into
``jsonb`` on PostgreSQL, and creates ``sk_reminders`` (a subscription's reminders, sent or
not) and ``sk_audit_log`` (the append-only audit log). Then, online only, it fills the
columns and reminder rows of the subscriptions already stored, from their documents,
through the library's rules (``reindex_subscriptions``); reminders due before the day of
the upgrade are recorded as sent, since the command before this release sent them on
their day. Offline (``db sql``) prints the DDL only: run ``db upgrade`` to fill the rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

#: Width of a moment stored as text on SQLite: ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``.
_MOMENT_WIDTH = 32
_COLUMNS = (
    "period_start",
    "paid_through",
    "next_renewal",
    "cancellation_deadline",
    "next_reminder_on",
    "due_at",
)


def upgrade() -> None:
    """Add the columns and tables (frozen here, as this step made them), then fill them."""
    context = op.get_context()
    postgres = context.dialect.name == "postgresql"
    moment: sa.types.TypeEngine[Any] = (
        postgresql.TIMESTAMP(timezone=True) if postgres else sa.String(_MOMENT_WIDTH)
    )
    if postgres:
        op.alter_column(
            "sk_subscriptions",
            "document",
            type_=postgresql.JSONB(),
            existing_type=sa.Text(),
            existing_nullable=False,
            postgresql_using="document::jsonb",
        )
    for name in _COLUMNS:
        kind = sa.Date() if name == "next_reminder_on" else moment
        op.add_column("sk_subscriptions", sa.Column(name, kind, nullable=True))
    for name in ("plan_id", *_COLUMNS):
        op.create_index(f"ix_sk_subscriptions_{name}", "sk_subscriptions", [name])
    op.create_table(
        "sk_reminders",
        sa.Column(
            "subscription_id",
            sa.String(100),
            sa.ForeignKey("sk_subscriptions.id", name="fk_sk_reminders_subscription"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("due_on", sa.Date, primary_key=True),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("plan_name", sa.Text, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("renews_at", moment, nullable=False),
        sa.Column("deadline", moment, nullable=False),
        sa.Column("sent_at", moment, nullable=True),
        sa.Index("ix_sk_reminders_pending", "sent_at", "due_on"),
    )
    op.create_table(
        "sk_audit_log",
        sa.Column(
            "sequence",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),  # SQLite: the rowid
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("subject_type", sa.String(60), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("at", moment, nullable=False),
        sa.Column("data", postgresql.JSONB() if postgres else sa.JSON(), nullable=False),
        sa.Index("ix_sk_audit_log_subject", "subject_type", "subject_id", "sequence"),
        sa.Index("ix_sk_audit_log_customer", "customer_id", "sequence"),
    )
    if not context.as_sql:
        from subscriptionkit.storage.sql._schedule import reindex_subscriptions

        reindex_subscriptions(op.get_bind(), now=dt.datetime.now(dt.UTC))
