"""Databases as the last release before Alembic made them (schema versions 1 to 3).

Shared by the migration tests: the DDL of that release, frozen, and its way of writing a
subscription (the document as JSON text, no query columns), so an upgrade is tested on
exactly what that release left behind.
"""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from subscriptionkit.certificates import Certificate
from subscriptionkit.subscriptions import Subscription

#: The schema as the last release before Alembic made it (schema version 3), frozen here
#: as that release's DDL: the upgrade must take such a database as it is.
RELEASE_DDL_BY_VERSION: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE TABLE sk_subscriptions (id VARCHAR(100) NOT NULL, customer_id VARCHAR(200) "
        "NOT NULL, plan_id VARCHAR(100) NOT NULL, status VARCHAR(20) NOT NULL, "
        "trial_customer_id VARCHAR(200), document TEXT NOT NULL, version INTEGER NOT NULL, "
        "PRIMARY KEY (id), UNIQUE (trial_customer_id))",
        "CREATE INDEX ix_sk_subscriptions_customer_id ON sk_subscriptions (customer_id)",
        "CREATE INDEX ix_sk_subscriptions_status ON sk_subscriptions (status)",
    ),
    2: (
        "CREATE TABLE sk_certificates (id TEXT NOT NULL, holder_id TEXT NOT NULL, "
        "issued_at VARCHAR(32) NOT NULL, document TEXT NOT NULL, PRIMARY KEY (id))",
        "CREATE INDEX ix_sk_certificates_holder_id ON sk_certificates (holder_id)",
        "CREATE TABLE sk_revocations (certificate_id TEXT NOT NULL, reason TEXT NOT NULL, "
        "revoked_at VARCHAR(32) NOT NULL, PRIMARY KEY (certificate_id))",
        "CREATE TABLE sk_keys (kind VARCHAR(10) NOT NULL, kid TEXT NOT NULL, position INTEGER "
        "NOT NULL, active BOOLEAN NOT NULL, document TEXT NOT NULL, PRIMARY KEY (kind, kid), "
        "CONSTRAINT ck_sk_keys_kind CHECK (kind IN ('public', 'private')))",
    ),
    3: (
        "CREATE TABLE sk_activity_events (event_id VARCHAR(200) NOT NULL, school_id "
        "VARCHAR(200) NOT NULL, pupil_id VARCHAR(200) NOT NULL, grade SMALLINT NOT NULL, "
        "category VARCHAR(100) NOT NULL, processed_epoch BIGINT NOT NULL, processed_at "
        "VARCHAR(40) NOT NULL, PRIMARY KEY (event_id))",
        "CREATE INDEX ix_sk_activity_school_epoch ON sk_activity_events "
        "(school_id, processed_epoch)",
    ),
}


def make_release_database(engine: sa.Engine, version: int) -> None:
    """Build the database the release before Alembic made, at schema ``version``."""
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sk_schema_version (version INTEGER NOT NULL)"))
        for step in range(1, version + 1):
            for statement in RELEASE_DDL_BY_VERSION[step]:
                conn.execute(sa.text(statement))
        conn.execute(sa.text("INSERT INTO sk_schema_version (version) VALUES (:v)"), {"v": version})


def add_release_subscription(conn: sa.Connection, sub: Subscription, version: int = 1) -> None:
    """Store ``sub`` as the release before version 4 did: the row and its JSON text."""
    doc = sub.to_dict()
    doc.pop("version")
    conn.execute(
        sa.text(
            "INSERT INTO sk_subscriptions (id, customer_id, plan_id, status, "
            "trial_customer_id, document, version) VALUES (:i, :c, :p, :s, :t, :d, :v)"
        ),
        {
            "i": sub.id,
            "c": sub.customer_id,
            "p": sub.plan_id,
            "s": sub.status.value,
            "t": sub.customer_id if sub.trial_started_at is not None else None,
            "d": json.dumps(doc, sort_keys=True),
            "v": version,
        },
    )


def add_release_certificate(conn: sa.Connection, certificate: Certificate) -> None:
    """Store ``certificate`` as releases before schema step 7 did: no status index column
    (its document names an index only if the caller chose one)."""
    conn.execute(
        sa.text(
            "INSERT INTO sk_certificates (id, holder_id, issued_at, document) "
            "VALUES (:i, :h, :a, :d)"
        ),
        {
            "i": certificate.certificate_id,
            "h": certificate.holder_id,
            "a": certificate.issued_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "d": json.dumps(certificate.to_dict(), sort_keys=True),
        },
    )
