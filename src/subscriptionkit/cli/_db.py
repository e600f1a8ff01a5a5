"""The ``db`` command: the library's schema in a database (internal).

::

    subscriptionkit --db school.db db current
    subscriptionkit --db postgresql://db.example/app db upgrade
    subscriptionkit db sql --dialect postgresql > subscriptionkit.sql

``upgrade`` and ``current`` use the database named by ``--db`` (as every command does);
``sql`` prints the DDL an upgrade runs, for a DBA to review, and never connects.
``upgrade`` is the *explicit* install: it puts the library's tables beside a host
application's, where every other command (an implicit open) refuses such a database.

SQLAlchemy and Alembic are imported when a ``db`` command runs, never when the command
line is built: the command's start-up stays cheap.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import InvalidInput
from ._common import command_group
from ._subscriptions import database

if TYPE_CHECKING:
    import sqlalchemy as sa

    from ..storage.sql import SchemaStatus


def _engine(args: argparse.Namespace) -> sa.Engine:
    url = database(args)
    if url == "memory":
        raise InvalidInput(
            "the db commands need a SQL database: expected a SQLite path or a database URL "
            "in --db, got 'memory'"
        )
    from .._translate import require

    require("sqlalchemy", extra="sql", feature="the db commands")  # before any import of it
    from ..storage.sql import make_engine

    return make_engine(url)


def _missing_file(engine: sa.Engine) -> bool:
    """Whether the engine names a SQLite file that does not exist (yet)."""
    name = engine.url.database
    return (
        engine.dialect.name == "sqlite"
        and name not in (None, "", ":memory:")
        and not (Path(str(name)).exists())
    )


def _version(status: SchemaStatus) -> str:
    version = status.version
    if version == 0:
        if status.other_tables:
            return (
                f"0 (no subscriptionkit tables; {len(status.other_tables)} tables of another "
                "application: only `subscriptionkit db upgrade` installs beside them)"
            )
        return "0 (no subscriptionkit tables)"
    if status.revision is None:
        return f"{version} (recorded before Alembic, in sk_schema_version)"
    return f"{version} (revision {status.revision})"


def _cmd_current(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..storage.sql import SCHEMA_VERSION, schema_status

    engine = _engine(args)
    out.write(f"Database: {engine.url.render_as_string(hide_password=True)}\n")
    if _missing_file(engine):
        out.write("Schema version: 0 (the file does not exist yet)\n")
        return 0
    try:
        status = schema_status(engine)
        out.write(f"Schema version: {_version(status)}\n")
        if status.current:
            out.write(f"Up to date (this library writes version {SCHEMA_VERSION}).\n")
        elif status.pending:
            out.write(f"Pending: {', '.join(status.pending)}; run `subscriptionkit db upgrade`.\n")
        else:
            out.write(f"Run `subscriptionkit db upgrade` to record it as revision {_head()}.\n")
    finally:
        engine.dispose()
    return 0


def _cmd_upgrade(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..storage.sql import SCHEMA_VERSION, SqlStore, schema_status

    engine = _engine(args)
    try:
        before = schema_status(engine)
        pending = before.pending  # raises (nothing runs) for a schema it must not touch
        SqlStore(engine, create=True).close()  # explicit: beside a host's tables too
        after = schema_status(engine)
    finally:
        engine.dispose()
    if before.current:
        out.write(f"Schema version {SCHEMA_VERSION} (revision {after.revision}): up to date.\n")
    elif pending:
        out.write(
            f"Upgraded the schema from version {before.version} to {after.version}: "
            f"applied {', '.join(pending)}.\n"
        )
    else:
        out.write(
            f"Schema version {after.version}: recorded as revision {after.revision} "
            f"(was in sk_schema_version).\n"
        )
    return 0


def _cmd_sql(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..storage.sql import upgrade_sql

    dialect = args.dialect
    if dialect is None:
        engine = _engine(args)  # reads the URL only: nothing connects
        dialect = engine.dialect.name
        engine.dispose()
    out.write(upgrade_sql(dialect, since=args.since))
    return 0


def _head() -> str:
    from ..storage.sql import REVISIONS

    return str(REVISIONS[-1][0])


def _revision(value: str) -> str:
    """An argparse type: one of the shipped revisions (read when ``--since`` is given)."""
    from ..storage.sql import REVISIONS

    known = [revision for revision, _ in REVISIONS]
    if value not in known:
        raise argparse.ArgumentTypeError(
            f"expected one of the revisions {', '.join(known)}, got {value!r}"
        )
    return value


def add_commands(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``db upgrade``, ``db current`` and ``db sql`` to the command line."""
    group = sub.add_parser(
        "db", help="upgrade and inspect the library's schema in the database (--db)"
    )
    cmds = command_group(group, "db commands")

    p = cmds.add_parser(
        "upgrade",
        help="create or upgrade the library's tables (also beside another application's)",
    )
    p.set_defaults(handler=_cmd_upgrade)

    p = cmds.add_parser("current", help="show the schema version; changes nothing")
    p.set_defaults(handler=_cmd_current)

    p = cmds.add_parser(
        "sql", help="print the SQL an upgrade runs, without a database (for review)"
    )
    p.add_argument(
        "--dialect",
        choices=["sqlite", "postgresql"],
        help="the database kind (default: that of --db)",
    )
    p.add_argument(
        "--since",
        type=_revision,
        metavar="REVISION",
        help="the revision the database is at, such as 0003 (default: an empty database)",
    )
    p.set_defaults(handler=_cmd_sql)
