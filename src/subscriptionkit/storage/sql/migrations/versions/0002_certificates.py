"""Certificates, revocations and signing keys (schema version 2).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


#: Width of a stored moment: ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``.
_MOMENT_WIDTH = 32


def upgrade() -> None:
    """Create the certificate tables; the definitions are frozen here, as this step made them."""
    op.create_table(
        "sk_certificates",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("holder_id", sa.Text, nullable=False, index=True),
        sa.Column("issued_at", sa.String(_MOMENT_WIDTH), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    op.create_table(
        "sk_revocations",
        sa.Column("certificate_id", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.String(_MOMENT_WIDTH), nullable=False),
    )
    op.create_table(
        "sk_keys",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("kid", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.CheckConstraint("kind IN ('public', 'private')", name="ck_sk_keys_kind"),
    )
