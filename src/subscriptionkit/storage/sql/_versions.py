"""The schema versions: Alembic migrations shipped inside the package (internal).

Alembic migrates the library's tables from the revisions in ``migrations/versions`` (one
file per step, each with its DDL frozen as that step made it), and records the revision
in the library's own version table, ``sk_alembic_version``, so it never meets a host
application's ``alembic_version``. No ``alembic.ini`` is needed: the configuration is
built here. Alembic is imported only when a migration runs (it is slow to import):
opening a store whose schema is current reads the version table with one query.

Releases before Alembic recorded a plain number in ``sk_schema_version`` (1 to 3, the
same steps as revisions 0001 to 0003). Upgrading such a database stamps the matching
revision and drops that table, in the same transaction as the remaining steps.

:func:`decide_open` is the one place that decides what opening a store does with the
schema it finds: use it, migrate it first, or refuse it.

To add step N: copy the last file in ``migrations/versions`` to ``000N_what.py`` with
``revision = "000N"`` and ``down_revision`` the previous one, write its DDL there (frozen:
never import the live tables), update the live tables in ``_tables.py`` to match, and
append ``("000N", (tables it creates...))`` to :data:`REVISIONS`. The schema tests check
that the files and :data:`REVISIONS` agree and that a migrated database matches the live
tables.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ...errors import (
    ForeignDatabase,
    MissingSchemaVersion,
    SchemaMismatch,
    SchemaVersionError,
    StorageError,
    UnknownSchemaVersion,
)
from . import _privacy as _privacy  # privacy's tables: on the same metadata
from . import _teams as _teams  # its tables live on the same metadata: register them first
from ._tables import metadata

if TYPE_CHECKING:
    from alembic.config import Config

#: The library's Alembic version table (never the host application's ``alembic_version``).
VERSION_TABLE: Final = "sk_alembic_version"
#: Where releases before Alembic recorded the schema version (a number, 1 to 3).
LEGACY_VERSION_TABLE: Final = "sk_schema_version"
#: The last number a release before Alembic recorded (revisions after it never had one).
LAST_LEGACY_VERSION: Final = 3
#: The revisions shipped, in order, each with the tables it creates. A step whose tables
#: exist already never runs: the database is refused instead.
REVISIONS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("0001", ("sk_subscriptions",)),
    ("0002", ("sk_certificates", "sk_revocations", "sk_keys")),
    ("0003", ("sk_activity_events",)),
    ("0004", ("sk_reminders", "sk_audit_log")),
    ("0005", ("sk_invoice_series", "sk_invoices")),
    (
        "0006",
        (
            "sk_teams",
            "sk_team_members",
            "sk_team_invitations",
            "sk_team_links",
            "sk_course_progress",
        ),
    ),
    ("0007", ()),  # certificate status indexes: a column, no new table
    ("0008", ()),  # several (partial) credit notes per invoice: an index for a constraint
    (
        "0009",
        (
            "sk_privacy_consents",
            "sk_privacy_requests",
            "sk_privacy_keys",
            "sk_privacy_erasures",
        ),
    ),
    ("0010", ("sk_discounts",)),
    ("0011", ()),  # activity ids in byte order (PostgreSQL), an index on school alone
)
_IDS: Final = tuple(revision for revision, _ in REVISIONS)
#: The schema version this library writes: the number of the last revision.
SCHEMA_VERSION: Final = len(REVISIONS)
#: Every table the library owns, its version tables included: what a host application's
#: Alembic must leave alone (see its ``include_name`` hook in ``docs/storage.md``).
LIBRARY_TABLES: Final = frozenset(metadata.tables) | {VERSION_TABLE, LEGACY_VERSION_TABLE}
#: The Alembic script directory (``env.py`` and ``versions/``) inside the package.
MIGRATIONS_DIR: Final = Path(__file__).parent / "migrations"
#: PostgreSQL advisory lock key: one migrating process at a time.
_LOCK_KEY: Final = 7120250001


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's ``include_name`` hook of the library's environment: its own tables only.

    So that comparing the schema (autogenerate, when a maintainer writes a revision)
    never proposes to touch a host application's tables.
    """
    return type_ != "table" or name in metadata.tables


@attrs.frozen
class SchemaStatus:
    """What a database holds of the library's schema (see :func:`schema_status`).

    Attributes:
        revision: the Alembic revision recorded in ``sk_alembic_version``, or ``None``.
        legacy_version: the number recorded in ``sk_schema_version`` by a release before
            Alembic, or ``None``.
        tables: the library's tables present.
        other_tables: the tables and views the library does not own (a host
            application's).
    """

    revision: str | None
    legacy_version: int | None
    tables: frozenset[str]
    other_tables: frozenset[str]

    @property
    def version(self) -> int:
        """The schema version: 0 for an empty database, else 1 to :data:`SCHEMA_VERSION`.

        Raises:
            SchemaVersionError: a newer subscriptionkit made the schema.
            UnknownSchemaVersion: the recorded version is not one any release writes (an
                edited version table).
            MissingSchemaVersion: library tables exist without a version record.
            SchemaMismatch: the tables present do not match the version recorded.
        """
        if self.revision is not None:
            if self.revision not in _IDS:
                if self.revision.isdecimal() and int(self.revision) > SCHEMA_VERSION:
                    raise SchemaVersionError(found=int(self.revision), supported=SCHEMA_VERSION)
                raise UnknownSchemaVersion(found=self.revision, known=_IDS)
            version = _IDS.index(self.revision) + 1
        elif self.legacy_version is not None:
            if not 0 <= self.legacy_version <= LAST_LEGACY_VERSION:
                raise UnknownSchemaVersion(found=str(self.legacy_version), known=_IDS)
            version = self.legacy_version
        elif self.tables:
            raise MissingSchemaVersion(tables=self.tables)
        else:
            return 0
        later = {t for _, created in REVISIONS[version:] for t in created} & self.tables
        if later:
            raise SchemaMismatch(version=version, later_tables=later)
        return version

    @property
    def current(self) -> bool:
        """Whether the schema is the one this library writes, recorded by Alembic."""
        return self.revision == _IDS[-1] and self.version == SCHEMA_VERSION

    @property
    def pending(self) -> tuple[str, ...]:
        """The revisions an upgrade would apply, in order (raises as :attr:`version`)."""
        return _IDS[self.version :]


def read_status(conn: Connection) -> SchemaStatus:
    """Read the schema status over an open connection (no Alembic needed; reads only)."""
    inspector = sa.inspect(conn)
    names = set(inspector.get_table_names())
    revision = None
    if VERSION_TABLE in names:
        rows = list(conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
        if len(rows) > 1:
            raise UnknownSchemaVersion(found=", ".join(sorted(map(str, rows))), known=_IDS)
        revision = str(rows[0]) if rows else None
    legacy = None
    if LEGACY_VERSION_TABLE in names:
        value = conn.execute(sa.text(f"SELECT MAX(version) FROM {LEGACY_VERSION_TABLE}")).scalar()
        legacy = None if value is None else int(value)
    return SchemaStatus(
        revision=revision,
        legacy_version=legacy,
        tables=frozenset(names & set(metadata.tables)),
        other_tables=frozenset((names | set(inspector.get_view_names())) - LIBRARY_TABLES),
    )


def schema_status(database: str | Engine) -> SchemaStatus:
    """Read what a database holds of the library's schema, changing nothing.

    Args:
        database: a path or URL (as :func:`~subscriptionkit.storage.sql.make_engine`
            takes), or an Engine.

    Raises:
        InvalidArgument, InvalidDatabaseUrl: ``database`` in none of the accepted forms.
        NotADatabase: a file that is no SQLite database.
        UnknownSchemaVersion: more than one version recorded.
        DatabaseUnavailable: the database cannot be reached or opened.

    >>> schema_status(":memory:").version
    0
    """
    from ..._checks import argument
    from ..._translate import translated
    from ._engine import describe, make_engine
    from ._errors import sql_errors

    argument(database, (str, Engine), "database", "a database URL or path (str), or an Engine")
    engine = database if isinstance(database, Engine) else make_engine(database)
    try:
        with translated(sql_errors(describe(engine))), engine.connect() as conn:
            return read_status(conn)
    finally:
        if engine is not database:
            engine.dispose()


def decide_open(
    status: SchemaStatus, *, migrate: bool, create: bool = False, database: str = "the database"
) -> bool:
    """Decide what opening a store does with the schema it finds.

    The one place that decides: ``False`` to use the database as it is, ``True`` to
    migrate it first (an empty database, an older schema, or a current one recorded by a
    release before Alembic), or raise to refuse it, before anything is written.

    An *implicit* open (``create=False``: ``open_store(path)``, the command's ``--db``) of
    a database that holds other tables and no schema of ours is refused: installing into
    a shared database is *explicit* (``create=True``, :func:`upgrade`, ``db upgrade``).

    Args:
        status: what the database holds (:func:`read_status`).
        migrate: bring an older schema up to date.
        create: install the library's tables beside other tables (explicit).
        database: the database as shown in messages (password hidden).

    Raises:
        ForeignDatabase: other tables, none of ours, and ``create=False``.
        SchemaVersionError: a newer schema; or an older one and ``migrate=False``.
        UnknownSchemaVersion: a recorded version no release writes.
        MissingSchemaVersion: library tables without a version record.
        SchemaMismatch: tables that do not match the version recorded.
    """
    version = status.version
    if version == 0 and status.other_tables and not create:
        raise ForeignDatabase(database=database, tables=status.other_tables)
    if version == SCHEMA_VERSION:
        return migrate and not status.current
    if not migrate:
        raise SchemaVersionError(found=version, supported=SCHEMA_VERSION)
    return True


def _config(**attributes: Any) -> Config:
    from alembic.config import Config  # slow to import: only when a migration runs

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes.update(attributes)
    return config


@contextlib.contextmanager
def _alembic_errors() -> Iterator[None]:
    from alembic.util import CommandError

    try:
        yield
    except CommandError as exc:
        raise StorageError(f"the schema migration failed: {exc}") from None


def upgrade(engine: Engine) -> list[str]:
    """Bring the schema up to date in one transaction; return the revisions applied.

    Raises:
        SchemaVersionError, UnknownSchemaVersion, MissingSchemaVersion, SchemaMismatch:
            as :func:`decide_open` refuses a database; nothing is run. An upgrade is
            explicit: other tables in the database are left as they are, beside ours.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        status = read_status(conn)
        pending = status.pending  # raises for a database that must not be touched
        if status.current:
            return []
        from alembic import command

        config = _config(connection=conn)
        with _alembic_errors():
            if status.revision is None and status.version > 0:
                # Made before Alembic: record the same step in Alembic's table instead.
                command.stamp(config, _IDS[status.version - 1])
            if status.legacy_version is not None:
                conn.execute(sa.text(f"DROP TABLE {LEGACY_VERSION_TABLE}"))
            command.upgrade(config, "head")
        return list(pending)


def upgrade_sql(dialect: str, *, since: str | None = None) -> str:
    """Return the SQL an upgrade runs on ``dialect``, as text, without a database.

    Args:
        dialect: ``"sqlite"`` or ``"postgresql"``.
        since: the revision the database is at (default: an empty database).

    Raises:
        InvalidInput: an unknown dialect or revision.
    """
    from ...errors import InvalidInput

    if dialect not in ("sqlite", "postgresql"):
        raise InvalidInput(f"the dialect must be 'sqlite' or 'postgresql', got {dialect!r}")
    if since is not None and since not in _IDS:
        raise InvalidInput(f"the starting revision must be one of {', '.join(_IDS)}, got {since!r}")
    if since == _IDS[-1]:
        return ""
    output = io.StringIO()
    from alembic import command

    config = _config(dialect_name=dialect, output_buffer=output)
    with _alembic_errors():
        command.upgrade(config, f"{since}:head" if since else "head", sql=True)
    return output.getvalue()
