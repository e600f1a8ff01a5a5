"""Privacy: consents, data-subject requests, the pseudonym key, erased subjects (version 9).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

#: Width of a stored moment: ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``.
_MOMENT_WIDTH = 32
_ID = 200


def _moment(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(_MOMENT_WIDTH), nullable=nullable)


def upgrade() -> None:
    """Create the privacy tables; the definitions are frozen here, as this step made them.

    A request's identity check has columns for when, by whom and how: none for the copy.
    Erased subjects are kept as their pseudonyms only.
    """
    op.create_table(
        "sk_privacy_consents",
        sa.Column("consent_id", sa.String(_ID), primary_key=True),
        sa.Column("subject_id", sa.String(_ID), nullable=False, index=True),
        sa.Column("purpose", sa.String(_ID), nullable=False),
        _moment("given_at"),
        _moment("withdrawn_at", nullable=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_table(
        "sk_privacy_requests",
        sa.Column("request_id", sa.String(_ID), primary_key=True),
        sa.Column("subject_id", sa.String(_ID), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        _moment("received_at"),
        _moment("due_at"),
        _moment("identity_checked_at", nullable=True),
        sa.Column("identity_checked_by", sa.String(_ID), nullable=True),
        sa.Column("identity_check_method", sa.Text, nullable=True),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_table(
        "sk_privacy_keys",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("secret", sa.Text, nullable=False),
    )
    op.create_table(
        "sk_privacy_erasures",
        sa.Column("pseudonym", sa.String(40), primary_key=True),
        _moment("erased_at"),
    )
