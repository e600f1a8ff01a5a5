"""Engines and URLs: SQLite paths and URLs, ``:memory:``, PostgreSQL through psycopg 3 (internal)."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from ...errors import DatabaseBusy, InvalidInput


def make_engine(url: str) -> Engine:
    """Create an engine for a SQLite path or URL, ``:memory:``, or a PostgreSQL URL.

    ``postgresql://`` URLs use the psycopg 3 driver. SQLite gets real transactions
    (``BEGIN`` on begin, savepoints that work), foreign keys and a busy timeout.

    Raises:
        InvalidInput: the URL names a database this library does not support.
    """
    if not isinstance(url, str) or not url:
        raise InvalidInput(f"a database must be a path or a URL, got {url!r}")
    if url == ":memory:":
        url = "sqlite+pysqlite://"
    elif "://" not in url:
        url = f"sqlite+pysqlite:///{url}"
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        shown = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)  # never echo a password
        raise InvalidInput(
            f"the database URL cannot be read: expected a SQLite path, ':memory:' or a URL "
            f"such as 'postgresql://user@host/db', got {shown!r}"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        engine = sa.create_engine(
            parsed,
            poolclass=StaticPool if in_memory else None,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        _sqlite_transactions(engine)
        return engine
    if backend == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True)
    raise InvalidInput(
        f"the database must be SQLite or PostgreSQL, got {parsed.render_as_string(hide_password=True)!r}"
    )


def _sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take over,
    # as the SQLAlchemy documentation recommends.
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    @sa.event.listens_for(engine, "handle_error")
    def _busy(context: sa.engine.ExceptionContext) -> None:
        # A write that waited out the busy timeout, or that came from a unit of work whose
        # snapshot another writer made stale (WAL), fails with "database is locked".
        original = context.original_exception
        if isinstance(original, sqlite3.OperationalError) and "locked" in str(original):
            raise DatabaseBusy(detail=str(original)) from original
