"""The schema versions: the forward migrations and the version the database records (internal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...errors import StorageError
from ._tables import (
    _MOMENT_WIDTH,
    activity_table,
    metadata,
    schema_version_table,
    subscriptions_table,
)


@attrs.frozen
class Migration:
    """One forward step of the schema: from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    subscriptions_table.create(conn)


def _v2(conn: Connection) -> None:
    # The tables exactly as this step creates them, frozen here: a later step may change
    # the live definitions above (a column, an index), never what step 2 did.
    frozen = sa.MetaData()
    sa.Table(
        "sk_certificates",
        frozen,
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("holder_id", sa.Text, nullable=False, index=True),
        sa.Column("issued_at", sa.String(_MOMENT_WIDTH), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    sa.Table(
        "sk_revocations",
        frozen,
        sa.Column("certificate_id", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.String(_MOMENT_WIDTH), nullable=False),
    )
    sa.Table(
        "sk_keys",
        frozen,
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("kid", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.CheckConstraint("kind IN ('public', 'private')", name="ck_sk_keys_kind"),
    )
    frozen.create_all(conn)


def _v3(conn: Connection) -> None:
    # The live definition is step 3's own until a later step changes the table; freeze
    # it here (as _v2 does) before such a change.
    activity_table.create(conn)


#: The forward migrations, in order. Later features append here; never edit a step.
#:
#: To add step N: write ``_vN(conn)`` creating or altering tables with its own frozen
#: definitions (as :func:`_v2` does), update the live table definitions above to match,
#: and append ``Migration(N, "what it adds", _vN)``. ``SCHEMA_VERSION`` follows, and the
#: schema tests check that a migrated database matches the live definitions.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "subscriptions, with one trial per customer", _v1),
    Migration(2, "certificates, revocations and signing keys", _v2),
    Migration(3, "activity events for metering", _v3),
)
#: The schema version this library writes.
SCHEMA_VERSION: Final = MIGRATIONS[-1].version


def _read_version(conn: Connection) -> int:
    inspector = sa.inspect(conn)
    if not inspector.has_table(schema_version_table.name):
        ours = [
            t for t in metadata.tables if t != schema_version_table.name and inspector.has_table(t)
        ]
        if ours:
            raise StorageError(
                f"the database has subscriptionkit tables ({', '.join(sorted(ours))}) but no "
                f"schema version record; expected a schema made by this library"
            )
        return 0
    value = conn.execute(sa.select(sa.func.max(schema_version_table.c.version))).scalar()
    return int(value or 0)
