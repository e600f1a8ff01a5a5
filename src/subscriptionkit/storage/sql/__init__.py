"""The SQL adapter: SQLAlchemy 2 Core over SQLite and PostgreSQL (see ``_store``)."""

from __future__ import annotations

from ._store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    SqlStore,
    SqlUnitOfWork,
    make_engine,
    metadata,
)

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Migration",
    "SqlStore",
    "SqlUnitOfWork",
    "make_engine",
    "metadata",
]
