"""The SQL store and its unit of work (internal; import them from :mod:`subscriptionkit.storage.sql`)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..._checks import argument
from ..._translate import translated
from ...errors import StorageError
from ._activity import _Activity
from ._audit import _Audit
from ._certificates import _Certificates, _Keys, _Revocations
from ._discounts import SqlDiscounts
from ._engine import DEFAULT_LOCK_TIMEOUT, describe, lock_seconds, make_engine, scrub, use_wal
from ._errors import sql_errors, translating
from ._ledger import SqlLedger
from ._privacy import _Consents, _Pseudonyms, _Requests
from ._subscriptions import _Subscriptions
from ._teams import _Progress, _Teams
from ._versions import decide_open, read_status, upgrade


@translating
class SqlStore:
    """Subscriptions, certificates, revocations, keys, activity and the audit log in SQL.

    Opening reads the database before it writes anything, and one rule (``decide_open``
    in ``_versions``) decides what to do: an empty database (a new file) gets the
    library's tables silently; an older schema is migrated (``migrate=True``) or refused;
    a database that holds other tables and none of ours is refused, and left byte for
    byte as it was, unless ``create=True`` asks for an *explicit* install beside a host
    application's tables.

    Args:
        url: a SQLite path or URL, ``:memory:``, or a PostgreSQL URL (the forms
            :func:`~subscriptionkit.storage.sql.check_database` accepts); or an Engine.
        migrate: bring an older schema up to date on open (default). With ``False`` an
            older schema raises :class:`~subscriptionkit.errors.SchemaVersionError`.
        create: install the library's tables into a database that holds other tables
            (explicit; default ``False``: such a database is refused).
        lock_timeout: how long a write waits for a lock held by another transaction, in
            seconds (default 30), before :class:`~subscriptionkit.errors.DatabaseBusy`:
            SQLite's busy timeout (for a URL; an Engine keeps its own), PostgreSQL's
            ``lock_timeout`` in each unit of work that owns its transaction.

    Raises:
        InvalidArgument, InvalidDatabaseUrl: ``url`` in none of the accepted forms.
        ForeignDatabase: another application's database and ``create=False``; unchanged.
        NotADatabase: a file that is no SQLite database (text, an image, a directory).
        SchemaVersionError, UnknownSchemaVersion, MissingSchemaVersion, SchemaMismatch:
            a schema this library must not touch; unchanged.
        ReadOnlyDatabase: a read-only database that needs a migration.
        DatabaseUnavailable: the database cannot be reached or opened.
    """

    def __init__(
        self,
        url: str | Engine,
        *,
        migrate: bool = True,
        create: bool = False,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        argument(url, (str, Engine), "url", "a database URL or path (str), or an Engine")
        argument(migrate, bool, "migrate", "True or False")
        argument(create, bool, "create", "True or False")
        self.lock_timeout: float = lock_seconds(lock_timeout)
        self.engine: Engine = (
            url if isinstance(url, Engine) else make_engine(url, lock_timeout=self.lock_timeout)
        )
        try:
            self._open(migrate=migrate, create=create)
        except BaseException:
            if self.engine is not url:  # ours: leave no connection (nor -wal file) behind
                self.engine.dispose()
            raise

    def _open(self, *, migrate: bool, create: bool) -> None:
        # Read first; write (WAL, tables) only once decide_open accepts the database.
        where = describe(self.engine)
        with translated(sql_errors(where)):
            with self.engine.connect() as conn:
                status = read_status(conn)
            needed = decide_open(status, migrate=migrate, create=create, database=where)
            if not status.other_tables:  # a database of the library's own
                use_wal(self.engine)
            if needed:
                self.migrate()

    def __repr__(self) -> str:
        return f"<SqlStore {self.engine.url.render_as_string(hide_password=True)}>"

    def schema_version(self) -> int:
        """Return the schema version found in the database (0 for an empty one).

        Raises:
            SchemaVersionError: a schema newer than this library.
            UnknownSchemaVersion: a recorded version no release writes.
            MissingSchemaVersion: library tables without a version record.
            SchemaMismatch: tables that do not match the version recorded.
        """
        with self.engine.connect() as conn:
            return read_status(conn).version

    def migrate(self) -> list[str]:
        """Bring the schema up to date with Alembic, in one transaction.

        Runs the library's own migrations (``sk_alembic_version``; no ``alembic.ini``
        needed). A database made before Alembic (``sk_schema_version``) is recorded as
        the matching revision first, keeping every row.

        Returns:
            The revisions applied, in order (none when the schema is current).

        Raises:
            SchemaVersionError: a schema newer than this library; nothing is run.
            UnknownSchemaVersion: a recorded version no release writes; nothing is run.
            MissingSchemaVersion, SchemaMismatch: library tables without a version record,
                or tables that do not match the version recorded; nothing is run.
        """
        return upgrade(self.engine)

    def unit_of_work(self, *, connection: Connection | None = None) -> SqlUnitOfWork:
        """Return a new unit of work (one connection, one transaction at a time).

        Args:
            connection: a connection of the host application, on the same database, whose
                transaction the unit of work joins (see :class:`SqlUnitOfWork`); from an
                ORM session, ``session.connection()``. Default: a connection of its own.
        """
        return SqlUnitOfWork(self.engine, connection, lock_timeout=self.lock_timeout)

    def scrub(self, *, wait: float = 1.0) -> bool:
        """Remove the old versions of changed and deleted rows from the database's files,
        as far as the database allows; the privacy functions call it after an erasure,
        rectification or purge commits.

        SQLite zeroes deleted content as it writes (``secure_delete`` on every connection);
        this runs a checkpoint that copies the new pages into the file and empties the
        ``-wal`` file. A reader (another process or connection) whose read transaction
        began before the change blocks it beyond ``wait`` seconds: the old pages stay in
        the file until the next scrub or checkpoint (the last connection to close makes
        one). PostgreSQL keeps old row versions in the table files until ``VACUUM``
        reclaims them (and in its WAL and backups): nothing is done here; see the privacy
        explanation in the docs for what an operator should do.

        Returns:
            True when no old version is left in the files (SQLite, checkpoint complete);
            False when a reader blocked the checkpoint, and always on PostgreSQL.

        Raises:
            InvalidArgument: ``wait`` not a number of seconds above 0.
            StorageError: the database failed.
        """
        return scrub(self.engine, wait=wait)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


@translating
class SqlUnitOfWork:
    """A unit of work over one connection: a transaction that only :meth:`commit` keeps.

    Given a ``connection``, the unit of work **joins the host application's transaction**
    instead of opening its own: it works inside a savepoint of that connection,
    :meth:`commit` releases the savepoint into the host's transaction and
    :meth:`rollback` (or leaving the block without a commit) rolls back to it. The host
    commits or rolls back its own changes and the library's as one; the unit of work
    never commits, rolls back or closes the host's transaction or connection.

    Attributes:
        subscriptions: the subscriptions, as this unit of work sees them.
        certificates: the certificates.
        revocations: the certificate revocations.
        keys: the signing keys (private ones only where the caller saved them).
        activity: the activity events for metering.
        audit: the append-only audit log.
        ledger: the issued invoices and credit notes.
        teams: the teams, with their members, invitations and links.
        progress: course progress per account.
        consents: consents per subject and purpose.
        requests: data-subject requests.
        pseudonyms: the pseudonym key and the erased subjects.
        discounts: the discounts of subscriptions.
    """

    def __init__(
        self,
        engine: Engine,
        connection: Connection | None = None,
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self._engine = engine
        self._host = connection
        self._lock_timeout_ms = max(1, round(lock_seconds(lock_timeout) * 1000))
        self._conn: Connection | None = None
        self._tx: sa.RootTransaction | sa.NestedTransaction | None = None
        self.subscriptions: _Subscriptions = _Subscriptions(self)
        self.certificates: _Certificates = _Certificates(self)
        self.revocations: _Revocations = _Revocations(self)
        self.keys: _Keys = _Keys(self)
        self.activity: _Activity = _Activity(self)
        self.audit: _Audit = _Audit(self)
        self.ledger: SqlLedger = SqlLedger(lambda: self.connection)
        self.teams: _Teams = _Teams(self)
        self.progress: _Progress = _Progress(self)
        self.consents: _Consents = _Consents(self)
        self.requests: _Requests = _Requests(self)
        self.pseudonyms: _Pseudonyms = _Pseudonyms(self)
        self.discounts: SqlDiscounts = SqlDiscounts(lambda: self.connection)

    def __repr__(self) -> str:
        url = self._engine.url.render_as_string(hide_password=True)
        joined = " joined" if self._host is not None else ""
        return f"<SqlUnitOfWork {url}{joined} {'open' if self._tx is not None else 'closed'}>"

    @property
    def connection(self) -> Connection:
        """The connection of the running transaction."""
        if self._conn is None or self._tx is None:
            raise StorageError(
                "a unit of work must be used inside its `with` block; it was used outside it"
            )
        return self._conn

    def _begin(self, conn: Connection) -> sa.RootTransaction | sa.NestedTransaction:
        # Joined: a savepoint inside the host's transaction (begun by SQLAlchemy's
        # autobegin if the host had not begun one); else our own transaction, whose lock
        # waits end in DatabaseBusy after the lock timeout (SQLite: the busy timeout).
        if self._host is not None:
            return conn.begin_nested()
        tx = conn.begin()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {self._lock_timeout_ms}")
        return tx

    def __enter__(self) -> Self:
        self._conn = self._host if self._host is not None else self._engine.connect()
        self._tx = self._begin(self._conn)
        return self

    def commit(self) -> None:
        """Commit everything written so far, then continue in a new transaction.

        Joined to a host's transaction: release the work into it (the host commits).
        """
        self.connection  # noqa: B018  (raises outside the with block)
        assert self._tx is not None
        assert self._conn is not None
        self._tx.commit()
        self._tx = self._begin(self._conn)

    def rollback(self) -> None:
        """Discard everything written since the last commit."""
        if self._tx is not None and self._conn is not None:
            self._tx.rollback()
            self._tx = self._begin(self._conn)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            self._tx = None
            if self._conn is not None and self._host is None:
                self._conn.close()
            self._conn = None
