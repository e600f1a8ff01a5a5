"""The tables of the SQL schema, on one MetaData, and the column types they use (internal).

Moments are stored as fixed-width ISO 8601 text in UTC with microseconds
(``2026-03-01T12:00:00.000000+00:00``): the same text on SQLite and PostgreSQL, read back
to the very same aware datetime, and sorting as text sorts in time.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

import sqlalchemy as sa

from ...clock import ensure_aware

#: Every table the library owns is defined on this MetaData.
metadata = sa.MetaData()


class _HiddenText(str):
    """Text whose ``repr`` hides it: SQLAlchemy logs and error messages show bound
    parameters and rows through ``repr``, and key documents must never appear there."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<hidden>'"


class _Secret(sa.TypeDecorator[str]):
    """Text that holds key material: hidden from SQL logs and error messages both ways."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else _HiddenText(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else _HiddenText(value)


#: Width of a stored moment: ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``.
_MOMENT_WIDTH: Final = 32


class _UtcMoment(sa.TypeDecorator[_dt.datetime]):
    """An aware datetime as fixed-width ISO 8601 text in UTC.

    One representation for SQLite (which has no time zone type) and PostgreSQL: it reads
    back to an equal aware datetime (microseconds included), and text order is time order.
    """

    impl = sa.String(_MOMENT_WIDTH)
    cache_ok = True

    def process_bind_param(self, value: _dt.datetime | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        moment = ensure_aware(value, "a stored moment").astimezone(_dt.UTC)
        return moment.isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> _dt.datetime | None:
        return None if value is None else _dt.datetime.fromisoformat(value)


subscriptions_table = sa.Table(
    "sk_subscriptions",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("customer_id", sa.String(200), nullable=False, index=True),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    # Set only on a subscription that carries a trial: the unique constraint keeps one
    # trial per customer even between concurrent writers.
    sa.Column("trial_customer_id", sa.String(200), nullable=True, unique=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)


certificates_table = sa.Table(
    "sk_certificates",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("holder_id", sa.Text, nullable=False, index=True),
    sa.Column("issued_at", _UtcMoment, nullable=False),
    # Certificate.to_dict() as JSON; the columns above are copies for queries.
    sa.Column("document", sa.Text, nullable=False),
)

revocations_table = sa.Table(
    "sk_revocations",
    metadata,
    # No foreign key: revocations imported from other issuers name certificates kept elsewhere.
    sa.Column("certificate_id", sa.Text, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("revoked_at", _UtcMoment, nullable=False),
)

keys_table = sa.Table(
    "sk_keys",
    metadata,
    # One row per key: kind 'public' rows make the public key set, 'private' rows the key
    # ring (only when the caller saved one). A key of the ring has a row of each kind
    # when both were saved. Saving a set replaces every row of its kind.
    sa.Column("kind", sa.String(10), primary_key=True),
    sa.Column("kid", sa.Text, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    # The key's JWK as JSON: public part only for 'public', with "d" for 'private'.
    sa.Column("document", _Secret, nullable=False),
    sa.CheckConstraint("kind IN ('public', 'private')", name="ck_sk_keys_kind"),
)


#: The activity events table (created by schema migration 3).
activity_table: Final = sa.Table(
    "sk_activity_events",
    metadata,
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
