"""The tables of the SQL schema, on one MetaData, and the column types they use (internal).

Two kinds of moment column. :class:`Moment` (the subscription columns, the reminder rows,
the audit log) is ``timestamptz`` on PostgreSQL and fixed-width ISO 8601 text in UTC on
SQLite; :class:`_UtcMoment` (certificates, revocations) is that UTC text on both
(``2026-03-01T12:00:00.000000+00:00``). Either reads back to the very same aware datetime
and compares as instants in SQL. Documents are ``jsonb`` on PostgreSQL, JSON text on
SQLite (:data:`Document`).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ...clock import ensure_aware

#: Every table the library owns is defined on this MetaData.
metadata: sa.MetaData = sa.MetaData()


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


class Moment(sa.TypeDecorator[_dt.datetime]):
    """An aware datetime: ``timestamptz`` on PostgreSQL, UTC ISO 8601 text elsewhere.

    Both read back to an equal aware datetime in UTC (microseconds included) and sort in
    time order, so ``<=`` in SQL compares instants on either database.
    """

    impl = sa.String(_MOMENT_WIDTH)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(sa.String(_MOMENT_WIDTH))

    def process_bind_param(self, value: _dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        utc = ensure_aware(value, "a stored moment").astimezone(_dt.UTC)
        plain = _dt.datetime(  # a plain datetime: drivers need not know pendulum
            utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond,
            tzinfo=_dt.UTC,
        )  # fmt: skip
        if dialect.name == "postgresql":
            return plain
        return plain.isoformat(timespec="microseconds")

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> _dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return _dt.datetime.fromisoformat(value)
        assert isinstance(value, _dt.datetime)
        return value.astimezone(_dt.UTC)


#: A JSON document: ``jsonb`` on PostgreSQL, JSON text on SQLite; Python dicts both ways.
Document: Final = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

#: The subscription columns copied from the document on every write (besides customer,
#: plan, status and version, which the table had from the start).
INDEX_COLUMNS: Final = (
    "period_start",
    "paid_through",
    "next_renewal",
    "cancellation_deadline",
    "next_reminder_on",
    "due_at",
)

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
    sa.Column("document", Document, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # Copies of the document for queries, written with it (see _schedule.index_values).
    sa.Column("period_start", Moment, nullable=True),
    sa.Column("paid_through", Moment, nullable=True),
    sa.Column("next_renewal", Moment, nullable=True),
    sa.Column("cancellation_deadline", Moment, nullable=True),
    sa.Column("next_reminder_on", sa.Date, nullable=True),
    sa.Column("due_at", Moment, nullable=True),
    sa.Index("ix_sk_subscriptions_plan_id", "plan_id"),
    sa.Index("ix_sk_subscriptions_period_start", "period_start"),
    sa.Index("ix_sk_subscriptions_paid_through", "paid_through"),
    sa.Index("ix_sk_subscriptions_next_renewal", "next_renewal"),
    sa.Index("ix_sk_subscriptions_cancellation_deadline", "cancellation_deadline"),
    sa.Index("ix_sk_subscriptions_next_reminder_on", "next_reminder_on"),
    sa.Index("ix_sk_subscriptions_due_at", "due_at"),
)


certificates_table = sa.Table(
    "sk_certificates",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("holder_id", sa.Text, nullable=False, index=True),
    sa.Column("issued_at", _UtcMoment, nullable=False),
    # Certificate.to_dict() as JSON; the columns above are copies for queries.
    sa.Column("document", sa.Text, nullable=False),
    # The certificate's place in the issuer's status list, assigned by the store (the next
    # free one) and unique (schema step 7). It is what a read returns, whatever the
    # document says (documents of certificates stored before step 7 have none).
    sa.Column("status_index", sa.Integer, nullable=False),
    sa.UniqueConstraint("status_index", name="uq_sk_certificates_status_index"),
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


#: An activity id column: text of up to 200 characters, in byte order on PostgreSQL.
_ID: Final = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")

#: The activity events table (created by schema migration 3).
activity_table: Final = sa.Table(
    "sk_activity_events",
    metadata,
    # Ids compare byte by byte on PostgreSQL (collation "C", schema step 0011).
    sa.Column("event_id", _ID, primary_key=True),
    sa.Column("school_id", _ID, nullable=False),
    sa.Column("pupil_id", _ID, nullable=False),
    sa.Column("grade", sa.SmallInteger, nullable=False),
    sa.Column("category", sa.String(100), nullable=False),
    # The whole UTC epoch second (floor), for windows; and the exact moment, as given.
    sa.Column("processed_epoch", sa.BigInteger, nullable=False),
    sa.Column("processed_at", sa.String(40), nullable=False),
    sa.Index("ix_sk_activity_school", "school_id"),
)


#: Pending and sent reminders: one row per subscription, kind and due day.
reminders_table: Final = sa.Table(
    "sk_reminders",
    metadata,
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
    sa.Column("renews_at", Moment, nullable=False),
    sa.Column("deadline", Moment, nullable=False),
    sa.Column("sent_at", Moment, nullable=True),
    # due_reminders(on=...) reads "sent_at IS NULL AND due_on <= :on" from this index.
    sa.Index("ix_sk_reminders_pending", "sent_at", "due_on"),
)

#: One row per entry; ``sequence`` numbers them in the order they were appended.
audit_table: Final = sa.Table(
    "sk_audit_log",
    metadata,
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
    sa.Column("at", Moment, nullable=False),
    sa.Column("data", Document, nullable=False),
    sa.Index("ix_sk_audit_log_subject", "subject_type", "subject_id", "sequence"),
    sa.Index("ix_sk_audit_log_customer", "customer_id", "sequence"),
)

# The invoice ledger (schema step 0005): the last number of each series, and the issued
# documents (IssuedInvoice.to_dict() as JSON beside the columns queries need).
invoice_series_table: Final = sa.Table(
    "sk_invoice_series",
    metadata,
    sa.Column("series", sa.String(40), primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)

invoices_table: Final = sa.Table(
    "sk_invoices",
    metadata,
    sa.Column("number", sa.String(60), primary_key=True),
    sa.Column("series", sa.String(40), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("customer_id", sa.String(200), nullable=False, index=True),
    sa.Column("subscription_id", sa.String(100), nullable=False, index=True),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("issued_on", sa.String(10), nullable=False),
    # The invoice a credit note credits; several partial credit notes may credit one
    # (schema step 8 dropped the unique constraint of step 5).
    sa.Column("credits", sa.String(60), nullable=True, index=True),
    sa.Column("status", sa.String(10), nullable=False),
    # IssuedInvoice.to_dict() as JSON; the columns above are copies for queries.
    sa.Column("document", sa.Text, nullable=False),
    sa.UniqueConstraint("series", "sequence", name="uq_sk_invoices_series_sequence"),
    sa.CheckConstraint("status IN ('open', 'paid', 'credited')", name="ck_sk_invoices_status"),
)

# The discounts of subscriptions (schema step 0010): the value exactly as text (a
# percentage, or a money amount with its currency), the end as an instant.
discounts_table: Final = sa.Table(
    "sk_discounts",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("subscription_id", sa.String(100), nullable=False, index=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("value", sa.String(60), nullable=False),
    sa.Column("currency", sa.String(3), nullable=True),
    sa.Column("first_term", sa.Integer, nullable=False),
    sa.Column("terms", sa.Integer, nullable=True),
    sa.Column("ended_at", Moment, nullable=True),
    sa.CheckConstraint("kind IN ('percent', 'per_seat')", name="ck_sk_discounts_kind"),
)
