"""Teams, their members, invitations and registration links, and course progress (version 6).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

#: Width of a stored moment: ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``.
_MOMENT_WIDTH = 32
_ID = 200


def _moment(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(_MOMENT_WIDTH), nullable=nullable)


def upgrade() -> None:
    """Create the team and progress tables; the definitions are frozen here, as this step made them.

    No token is stored: invitations and links keep the key id and HMAC digest only.
    """
    op.create_table(
        "sk_teams",
        sa.Column("id", sa.String(_ID), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("subscription_id", sa.String(_ID), nullable=False, index=True),
        sa.Column("seats", sa.Integer, nullable=False),
        _moment("created_at"),
        sa.Column("co_managers", sa.Boolean, nullable=False),
        sa.Column("invitation_validity_us", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "sk_team_members",
        sa.Column("team_id", sa.String(_ID), sa.ForeignKey("sk_teams.id"), primary_key=True),
        sa.Column("account_id", sa.String(_ID), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("email_key", sa.Text, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _moment("added_at"),
        _moment("joined_at", nullable=True),
        sa.UniqueConstraint("team_id", "email_key", name="uq_sk_team_members_email"),
        sa.Index("ix_sk_team_members_account", "account_id"),
    )
    op.create_table(
        "sk_team_invitations",
        sa.Column("id", sa.String(_ID), primary_key=True),
        sa.Column(
            "team_id", sa.String(_ID), sa.ForeignKey("sk_teams.id"), nullable=False, index=True
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("token_key_id", sa.String(100), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(_ID), nullable=False),
        _moment("created_at"),
        _moment("expires_at"),
        _moment("used_at", nullable=True),
        sa.Column("used_by", sa.String(_ID), nullable=True),
        _moment("revoked_at", nullable=True),
    )
    op.create_table(
        "sk_team_links",
        sa.Column("id", sa.String(_ID), primary_key=True),
        sa.Column(
            "team_id", sa.String(_ID), sa.ForeignKey("sk_teams.id"), nullable=False, index=True
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("token_key_id", sa.String(100), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(_ID), nullable=False),
        _moment("created_at"),
        _moment("expires_at", nullable=True),
        sa.Column("max_uses", sa.Integer, nullable=True),
        sa.Column("uses", sa.Integer, nullable=False),
        _moment("revoked_at", nullable=True),
        _moment("rotated_at", nullable=True),
    )
    op.create_table(
        "sk_course_progress",
        sa.Column("account_id", sa.String(_ID), primary_key=True),
        sa.Column("course_id", sa.String(_ID), primary_key=True),
        _moment("enrolled_at"),
        sa.Column("percent", sa.String(40), nullable=False),
        _moment("last_activity_at", nullable=True),
        _moment("completed_at", nullable=True),
    )
