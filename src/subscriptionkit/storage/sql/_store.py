"""The SQL store and its unit of work (internal; import them from :mod:`subscriptionkit.storage.sql`)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ...errors import SchemaVersionError, StorageError
from ._activity import _Activity
from ._certificates import _Certificates, _Keys, _Revocations
from ._engine import make_engine
from ._subscriptions import _Subscriptions
from ._tables import schema_version_table
from ._versions import MIGRATIONS, SCHEMA_VERSION, Migration, _read_version


class SqlStore:
    """Subscriptions, certificates, revocations and keys in SQLite or PostgreSQL.

    Args:
        url: a SQLite path or URL, ``:memory:``, or a PostgreSQL URL; or an Engine.
        migrate: bring an older schema up to date on open (default). With ``False`` an
            older schema raises :class:`SchemaVersionError`.
    """

    def __init__(self, url: str | Engine, *, migrate: bool = True) -> None:
        self.engine = url if isinstance(url, Engine) else make_engine(url)
        found = self.schema_version()
        if found > SCHEMA_VERSION or (found < SCHEMA_VERSION and not migrate):
            raise SchemaVersionError(found=found, supported=SCHEMA_VERSION)
        if found < SCHEMA_VERSION:
            self.migrate()

    def __repr__(self) -> str:
        return f"<SqlStore {self.engine.url.render_as_string(hide_password=True)}>"

    def schema_version(self) -> int:
        """Return the schema version found in the database (0 for an empty one).

        Raises:
            SchemaVersionError: library tables exist without a version record.
        """
        with self.engine.connect() as conn:
            return _read_version(conn)

    def migrate(self) -> list[Migration]:
        """Apply the missing forward migrations, each in its own transaction.

        Returns the migrations applied (none when the schema is current).
        """
        applied: list[Migration] = []
        for step in MIGRATIONS:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(7120250001)"))
                current = _read_version(conn)
                if current > SCHEMA_VERSION:
                    raise SchemaVersionError(found=current, supported=SCHEMA_VERSION)
                if current >= step.version:
                    continue
                if current == 0:
                    schema_version_table.create(conn, checkfirst=True)
                    conn.execute(schema_version_table.insert().values(version=0))
                step.apply(conn)
                conn.execute(schema_version_table.update().values(version=step.version))
                applied.append(step)
        return applied

    def unit_of_work(self) -> SqlUnitOfWork:
        """Return a new unit of work (one connection, one transaction at a time)."""
        return SqlUnitOfWork(self.engine)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


class SqlUnitOfWork:
    """A unit of work over one connection: a transaction that only :meth:`commit` keeps.

    Attributes:
        subscriptions: the subscriptions, as this unit of work sees them.
        certificates: the certificates.
        revocations: the certificate revocations.
        keys: the signing keys (private ones only where the caller saved them).
        activity: the activity events for metering.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._tx: sa.RootTransaction | None = None
        self.subscriptions = _Subscriptions(self)
        self.certificates = _Certificates(self)
        self.revocations = _Revocations(self)
        self.keys = _Keys(self)
        self.activity = _Activity(self)

    def __repr__(self) -> str:
        url = self._engine.url.render_as_string(hide_password=True)
        return f"<SqlUnitOfWork {url} {'open' if self._tx is not None else 'closed'}>"

    @property
    def connection(self) -> Connection:
        """The connection of the running transaction."""
        if self._conn is None or self._tx is None:
            raise StorageError(
                "a unit of work must be used inside its `with` block; it was used outside it"
            )
        return self._conn

    def __enter__(self) -> Self:
        self._conn = self._engine.connect()
        self._tx = self._conn.begin()
        return self

    def commit(self) -> None:
        """Commit everything written so far, then continue in a new transaction."""
        self.connection  # noqa: B018  (raises outside the with block)
        assert self._tx is not None
        assert self._conn is not None
        self._tx.commit()
        self._tx = self._conn.begin()

    def rollback(self) -> None:
        """Discard everything written since the last commit."""
        if self._tx is not None and self._conn is not None:
            self._tx.rollback()
            self._tx = self._conn.begin()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None:
                self._tx.rollback()
        finally:
            self._tx = None
            if self._conn is not None:
                self._conn.close()
            self._conn = None
