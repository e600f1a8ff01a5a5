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
from typing import TYPE_CHECKING, Any, Final, TextIO

from .._i18n import Translator
from ..errors import InvalidInput
from ._common import add_locale_option, command_group
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


def _version(status: SchemaStatus, t: Translator) -> str:
    version = status.version
    if version == 0:
        if status.other_tables:
            return t.ngettext(
                "0 (no subscriptionkit tables; {count} table of another application: only "
                "`subscriptionkit db upgrade` installs beside it)",
                "0 (no subscriptionkit tables; {count} tables of another application: only "
                "`subscriptionkit db upgrade` installs beside them)",
                len(status.other_tables),
            ).format(count=len(status.other_tables))
        return t.gettext("0 (no subscriptionkit tables)")
    if status.revision is None:
        return t.gettext("{version} (recorded before Alembic, in sk_schema_version)").format(
            version=version
        )
    return t.gettext("{version} (revision {revision})").format(
        version=version, revision=status.revision
    )


def _cmd_current(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..storage.sql import SCHEMA_VERSION, schema_status

    t = Translator(args.locale)
    engine = _engine(args)
    shown = engine.url.render_as_string(hide_password=True)
    out.write(t.gettext("Database: {db}").format(db=shown) + "\n")
    schema = t.gettext("Schema version: {version}")
    if _missing_file(engine):
        missing = t.gettext("0 (the file does not exist yet)")
        out.write(schema.format(version=missing) + "\n")
        return 0
    try:
        status = schema_status(engine)
        out.write(schema.format(version=_version(status, t)) + "\n")
        if status.current:
            line = t.gettext("Up to date (this library writes version {version}).").format(
                version=SCHEMA_VERSION
            )
        elif status.pending:
            line = t.gettext("Pending: {revisions}; run `subscriptionkit db upgrade`.").format(
                revisions=", ".join(status.pending)
            )
        else:
            line = t.gettext(
                "Run `subscriptionkit db upgrade` to record it as revision {revision}."
            ).format(revision=_head())
        out.write(line + "\n")
    finally:
        engine.dispose()
    return 0


def _cmd_upgrade(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..storage.sql import SCHEMA_VERSION, SqlStore, schema_status

    t = Translator(args.locale)
    engine = _engine(args)
    try:
        before = schema_status(engine)
        pending = before.pending  # raises (nothing runs) for a schema it must not touch
        SqlStore(engine, create=True).close()  # explicit: beside a host's tables too
        after = schema_status(engine)
    finally:
        engine.dispose()
    if before.current:
        line = t.gettext("Schema version {version} (revision {revision}): up to date.").format(
            version=SCHEMA_VERSION, revision=after.revision
        )
    elif pending:
        line = t.gettext(
            "Upgraded the schema from version {old} to {new}: applied {revisions}."
        ).format(old=before.version, new=after.version, revisions=", ".join(pending))
    else:
        line = t.gettext(
            "Schema version {version}: recorded as revision {revision} (was in sk_schema_version)."
        ).format(version=after.version, revision=after.revision)
    out.write(line + "\n")
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


#: What ``--locale`` of ``db upgrade`` and ``db current`` sets (``db sql`` prints SQL only).
LANGUAGE: Final = "the language of what it prints"


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
    add_locale_option(p, LANGUAGE)
    p.set_defaults(handler=_cmd_upgrade)

    p = cmds.add_parser("current", help="show the schema version; changes nothing")
    add_locale_option(p, LANGUAGE)
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
