"""Engines and URLs: SQLite paths and URLs, ``:memory:``, PostgreSQL through psycopg 3 (internal).

:func:`check_database` is the one rule for what names a database (``open_store``,
``SqlStore``, the command's ``--db`` and ``$SUBSCRIPTIONKIT_DB``): a database URL,
``:memory:``, an existing file, or a new file with a SQLite extension. Anything else
(``'not a url at all'``) is refused before a file is created.

Opening a SQLite file reads before it writes: the engine sets only connection settings
(foreign keys, the busy timeout, ``secure_delete``), and :func:`use_wal` switches a database of the
library's own to WAL once it has been accepted (see ``_versions.decide_open``), so a
refused file is left byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from ..._checks import seconds
from ...errors import (
    InvalidArgument,
    InvalidDatabaseUrl,
    InvalidInput,
    MissingDependency,
    NotADatabase,
)

#: File name endings that make a new path a SQLite database.
SQLITE_SUFFIXES: Final = (".db", ".sqlite", ".sqlite3")
#: How long a write waits for a lock before :class:`~subscriptionkit.errors.DatabaseBusy`.
DEFAULT_LOCK_TIMEOUT: Final = 30.0


def lock_seconds(value: object) -> float:
    """Return a lock timeout in seconds (above 0, at most a day), or raise InvalidArgument."""
    return seconds(value, "lock_timeout")


def shown(url: str) -> str:
    """``url`` as messages show it: a password replaced by ``***``."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def check_database(value: object) -> str:
    """Return ``value`` if it names a database in an accepted form, else raise.

    Accepted: a URL (``scheme://...``), ``:memory:``, the path of an existing file, or
    the path of a new file ending in ``.db``, ``.sqlite`` or ``.sqlite3`` in an existing
    directory. Nothing is created or opened.

    Raises:
        InvalidArgument: not text.
        InvalidDatabaseUrl: text in none of the accepted forms.
        NotADatabase: the path of a directory.
    """
    if not isinstance(value, str):
        raise InvalidArgument(name="url", expected="a database URL or path (str)", got=value)
    if value == ":memory:" or "://" in value:
        return value
    if not value.strip() or "\x00" in value:
        raise InvalidDatabaseUrl(got=value, problem="is empty or holds a NUL character")
    path = Path(value)
    _check_path(path, value)
    if path.exists():
        return value
    if path.suffix.lower() not in SQLITE_SUFFIXES:
        raise InvalidDatabaseUrl(
            got=value,
            problem="is neither a database URL, nor an existing file, nor a new file with a "
            "SQLite extension",
        )
    if not path.parent.is_dir():
        raise InvalidDatabaseUrl(
            got=value, problem="names a file in a directory that does not exist"
        )
    return value


def _check_path(path: Path, value: str) -> None:
    if path.is_dir():
        raise NotADatabase(database=f"SQLite file {value!r}", detail="it is a directory")


def describe(engine: Engine) -> str:
    """The database of ``engine`` as messages name it (a password hidden)."""
    if engine.dialect.name == "sqlite":
        name = engine.url.database
        return f"SQLite file {name!r}" if name not in (None, "", ":memory:") else "SQLite in memory"
    return f"the database {engine.url.render_as_string(hide_password=True)!r}"


def make_engine(url: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
    """Create an engine for a SQLite path or URL, ``:memory:``, or a PostgreSQL URL.

    ``postgresql://`` URLs use the psycopg 3 driver. SQLite gets real transactions
    (``BEGIN`` on begin, savepoints that work), foreign keys and a busy timeout of
    ``lock_timeout`` seconds. Nothing is connected, created or written.

    Raises:
        InvalidInput: the URL cannot be read, or names a database this library does not
            support (:class:`~subscriptionkit.errors.InvalidDatabaseUrl`: in none of the
            accepted forms, see :func:`check_database`).
        NotADatabase: the path of a directory.
    """
    if not isinstance(url, str) or not url:
        raise InvalidInput(f"a database must be a path or a URL, got {url!r}")
    check_database(url)
    timeout = lock_seconds(lock_timeout)
    if url == ":memory:":
        url = "sqlite+pysqlite://"
    elif "://" not in url:
        url = f"sqlite+pysqlite:///{url}"
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise InvalidInput(
            f"the database URL cannot be read: expected a SQLite path, ':memory:' or a URL "
            f"such as 'postgresql://user@host/db', got {shown(url)!r}"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        if not in_memory:
            _check_path(Path(str(parsed.database)), str(parsed.database))
        with _driver(parsed):
            engine = sa.create_engine(
                parsed,
                poolclass=StaticPool if in_memory else None,
                connect_args={"check_same_thread": False, "timeout": timeout},
            )
        _sqlite_transactions(engine)
        return engine
    if backend == "postgresql":
        with _driver(parsed):
            return sa.create_engine(parsed, pool_pre_ping=True)
    raise InvalidInput(
        f"the database must be SQLite or PostgreSQL, got {parsed.render_as_string(hide_password=True)!r}"
    )


@contextlib.contextmanager
def _driver(url: sa.URL) -> Iterator[None]:
    """A driver that is not installed (``postgresql+asyncpg://``): InvalidInput naming it."""
    try:
        yield
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        if url.drivername == "postgresql+psycopg":
            raise MissingDependency(
                package="psycopg", extra="postgres", feature="PostgreSQL"
            ) from None
        raise InvalidInput(
            f"the database driver of {url.render_as_string(hide_password=True)!r} cannot be "
            f"loaded ({exc}); expected postgresql:// (psycopg 3: pip install "
            "'subscriptionkit[postgres]') or a SQLite path"
        ) from None


def use_wal(engine: Engine) -> None:
    """Switch a SQLite file of the library's own to WAL (readers do not block the writer).

    Run once the open is accepted; WAL is kept in the file, so later connections have it.
    A file in WAL already is only read, and a read-only file keeps its mode (it opens).
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    with _raw_cursor(engine) as cur:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if "readonly" not in str(exc):
                raise
            # A read-only file keeps its journal mode: reading works, a write is refused.


@contextlib.contextmanager
def _raw_cursor(engine: Engine) -> Iterator[Any]:
    """A cursor of a pooled SQLite connection, outside a transaction (as pragmas need)."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cur = raw.cursor()
        try:
            yield cur
        finally:
            cur.close()


def scrub(engine: Engine, *, wait: float = 1.0) -> bool:
    """Remove old versions of changed rows from a SQLite file's WAL, if no reader needs them.

    Runs ``PRAGMA wal_checkpoint(TRUNCATE)``: the pages written since the last checkpoint
    (zeroed where content was deleted, ``secure_delete`` being on) are copied into the
    main file and the ``-wal`` file is emptied. A connection in another process or thread
    that holds a read transaction begun before the change blocks that: the old pages stay
    until a later checkpoint (the next :func:`scrub`, SQLite's automatic one, or the last
    connection closing). Readers that end within ``wait`` seconds (default 1) are waited
    for.

    Returns:
        True: the file holds no old version (also: SQLite in memory, a file not in WAL);
        False: a reader or writer blocked the checkpoint; PostgreSQL (old row versions stay
        in the table files until ``VACUUM``: see docs/privacy.md).
    """
    if engine.dialect.name != "sqlite":
        return False
    with _raw_cursor(engine) as cur:
        kept = cur.execute("PRAGMA busy_timeout").fetchone()[0]
        cur.execute(f"PRAGMA busy_timeout={round(seconds(wait, 'wait') * 1000)}")
        try:
            busy, log, done = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            cur.execute(f"PRAGMA busy_timeout={int(kept)}")
    return bool(busy == 0 and log == done)


def _sqlite_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take over,
    # as the SQLAlchemy documentation recommends. Connection settings only: nothing here
    # writes to the file.
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten content is zeroed, not left in free space and free
        # pages, so an erased name leaves the file (with a checkpoint: see scrub()).
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")
