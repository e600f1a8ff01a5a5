"""The SQL adapter: SQLAlchemy 2 Core over SQLite (the embedded default) and PostgreSQL.

One code path serves both databases. The library's schema is migrated by Alembic, from
migrations shipped inside this package, and recorded in its own version table,
``sk_alembic_version``, so it never collides with a host application's Alembic.
:meth:`SqlStore.migrate` runs them (no ``alembic.ini`` needed); :func:`schema_status`
reads what a database holds and :func:`upgrade_sql` prints the DDL for review. A
database whose schema is newer than this library raises
:class:`~subscriptionkit.errors.SchemaVersionError`; an older one is migrated when the
store opens (``migrate=True``, the default) or refused (``migrate=False``). A version no
release writes, or tables that do not match the version recorded, are refused: no step
ever runs twice, and nothing is created silently over an unversioned schema. Opening reads
before it writes: another application's database (tables, none of ours) is refused
(:class:`~subscriptionkit.errors.ForeignDatabase`) and left byte for byte as it was, unless
the open is explicit (``create=True``); a file that is no database is
:class:`~subscriptionkit.errors.NotADatabase`. No SQLAlchemy or driver error leaves the
adapter: each public method runs under one translator (``_errors``).

URLs: a file path or ``sqlite:///path.db`` (SQLite), ``:memory:`` (a private SQLite
database in memory), ``postgresql://user@host/db`` (PostgreSQL through psycopg 3).

>>> store = SqlStore(":memory:")
>>> store.schema_version() == SCHEMA_VERSION
True

Moments read back as the very same aware datetime on both databases. The subscription
columns, reminder rows and audit log keep them as ``timestamptz`` on PostgreSQL and as
fixed-width ISO 8601 text in UTC on SQLite (``2026-03-01T12:00:00.000000+00:00``, text
order is time order); documents are ``jsonb`` on PostgreSQL. The certificate tables keep
the UTC text on both.

A unit of work can join a transaction the host application holds:
``store.unit_of_work(connection=conn)`` (see :class:`SqlUnitOfWork`).

Inside, one private module per concern: ``_engine`` (engines, URLs and the accepted
database forms), ``_errors`` (the error translator), ``_tables`` (the
tables and column types), ``_versions`` (the schema versions; Alembic's scripts are in ``migrations/``), one
module per aggregate
(``_subscriptions``, with its reminder rows and daily queries in ``_schedule``;
``_certificates`` for certificates, revocations and keys; ``_activity``; ``_audit`` for
the audit log), and ``_store`` (the store and its unit of work).
"""

from __future__ import annotations

from . import _requires  # noqa: F401  (first: without the sql extra, names the extra)
from ._engine import DEFAULT_LOCK_TIMEOUT, SQLITE_SUFFIXES, check_database, make_engine
from ._store import SqlStore, SqlUnitOfWork
from ._tables import metadata
from ._versions import (
    LIBRARY_TABLES,
    REVISIONS,
    SCHEMA_VERSION,
    VERSION_TABLE,
    SchemaStatus,
    schema_status,
    upgrade_sql,
)

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "LIBRARY_TABLES",
    "REVISIONS",
    "SCHEMA_VERSION",
    "SQLITE_SUFFIXES",
    "VERSION_TABLE",
    "SchemaStatus",
    "SqlStore",
    "SqlUnitOfWork",
    "check_database",
    "make_engine",
    "metadata",
    "schema_status",
    "upgrade_sql",
]
