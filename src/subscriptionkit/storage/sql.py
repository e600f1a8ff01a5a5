"""The SQL adapter: SQLAlchemy 2 Core over SQLite (the embedded default) and PostgreSQL.

One code path serves both databases. The library creates and versions its own schema:
a ``sk_schema_version`` table records the version, and :meth:`SqlStore.migrate` applies
the forward migrations in order, each in its own transaction. A database whose schema is
newer than this library raises :class:`~subscriptionkit.errors.SchemaVersionError`; an
older one is migrated when the store opens (``migrate=True``, the default) or refused
(``migrate=False``). Nothing is ever created silently over an unversioned schema.

URLs: a file path or ``sqlite:///path.db`` (SQLite), ``:memory:`` (a private SQLite
database in memory), ``postgresql://user@host/db`` (PostgreSQL through psycopg 3).

>>> store = SqlStore(":memory:")
>>> store.schema_version()
1
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Final, Self

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from ..errors import (
    AlreadyExists,
    ConcurrentUpdate,
    InvalidInput,
    NotFound,
    SchemaVersionError,
    StorageError,
    TrialAlreadyUsed,
)
from ..subscriptions import Subscription

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "SqlStore", "SqlUnitOfWork", "make_engine"]

_KIND = "subscription"

metadata = sa.MetaData()

schema_version_table = sa.Table(
    "sk_schema_version",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

subscriptions_table = sa.Table(
    "sk_subscriptions",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("customer_id", sa.String(200), nullable=False, index=True),
    sa.Column("plan_id", sa.String(100), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    # Set only on a subscription that carries a trial: the unique constraint keeps one
    # trial per customer even between concurrent writers.
    sa.Column("trial_customer_id", sa.String(200), nullable=True, unique=True),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)


@attrs.frozen
class Migration:
    """One forward step of the schema: from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    subscriptions_table.create(conn)


#: The forward migrations, in order. Later features append here; never edit a step.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "subscriptions, with one trial per customer", _v1),
)
#: The schema version this library writes.
SCHEMA_VERSION: Final = MIGRATIONS[-1].version


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
    parsed = sa.make_url(url)
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


class SqlStore:
    """Subscriptions (and, as they land, other records) in SQLite or PostgreSQL.

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


def _read_version(conn: Connection) -> int:
    inspector = sa.inspect(conn)
    if not inspector.has_table(schema_version_table.name):
        ours = [
            t for t in metadata.tables if t != schema_version_table.name and inspector.has_table(t)
        ]
        if ours:
            raise StorageError(
                f"the database has subscriptionkit tables ({', '.join(sorted(ours))}) but no "
                f"schema version record; expected a schema made by this library"
            )
        return 0
    value = conn.execute(sa.select(sa.func.max(schema_version_table.c.version))).scalar()
    return int(value or 0)


def _row_values(sub: Subscription) -> dict[str, Any]:
    doc = sub.to_dict()
    doc.pop("version")
    return {
        "customer_id": sub.customer_id,
        "plan_id": sub.plan.id,
        "status": sub.status.value,
        "trial_customer_id": sub.customer_id if sub.trial_started_at is not None else None,
        "document": json.dumps(doc, sort_keys=True),
    }


def _from_row(row: sa.Row[Any]) -> Subscription:
    doc = json.loads(row.document)
    doc["version"] = row.version
    return Subscription.from_dict(doc)


class _Subscriptions:
    """The subscription repository of one SQL unit of work."""

    _t = subscriptions_table

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _trial_holder(self, conn: Connection, sub: Subscription) -> Subscription | None:
        row = conn.execute(
            sa.select(self._t).where(
                self._t.c.trial_customer_id == sub.customer_id, self._t.c.id != sub.id
            )
        ).first()
        return None if row is None else _from_row(row)

    def _write(self, sub: Subscription, statement: Any) -> int:
        conn = self._uow.connection
        if sub.trial_started_at is not None and (holder := self._trial_holder(conn, sub)):
            raise TrialAlreadyUsed(
                customer_id=sub.customer_id, trial_started=holder.trial_started_at
            )
        try:
            with conn.begin_nested():
                return int(conn.execute(statement).rowcount)
        except sa.exc.IntegrityError:
            holder = self._trial_holder(conn, sub)
            if holder is not None:
                raise TrialAlreadyUsed(
                    customer_id=sub.customer_id, trial_started=holder.trial_started_at
                ) from None
            raise AlreadyExists(kind=_KIND, key=sub.id) from None

    def add(self, subscription: Subscription) -> Subscription:
        values = _row_values(subscription)
        self._write(subscription, self._t.insert().values(id=subscription.id, version=1, **values))
        return attrs.evolve(subscription, version=1)

    def get(self, subscription_id: str) -> Subscription:
        row = self._uow.connection.execute(
            sa.select(self._t).where(self._t.c.id == subscription_id)
        ).first()
        if row is None:
            raise NotFound(kind=_KIND, key=subscription_id)
        return _from_row(row)

    def update(self, subscription: Subscription) -> Subscription:
        statement = (
            self._t.update()
            .where(self._t.c.id == subscription.id, self._t.c.version == subscription.version)
            .values(version=self._t.c.version + 1, **_row_values(subscription))
        )
        if self._write(subscription, statement) == 0:
            found = self._uow.connection.execute(
                sa.select(self._t.c.version).where(self._t.c.id == subscription.id)
            ).scalar()
            if found is None:
                raise NotFound(kind=_KIND, key=subscription.id)
            raise ConcurrentUpdate(
                kind=_KIND,
                key=subscription.id,
                expected_version=subscription.version,
                found_version=int(found),
            )
        return attrs.evolve(subscription, version=subscription.version + 1)

    def for_customer(self, customer_id: str) -> Sequence[Subscription]:
        rows = self._uow.connection.execute(
            sa.select(self._t).where(self._t.c.customer_id == customer_id)
        )
        found = [_from_row(r) for r in rows]
        return sorted(found, key=lambda s: (s.trial_started_at or s.started_at, s.id))

    def list(self, *, statuses: Iterable[str] | None = None) -> Iterator[Subscription]:
        query = sa.select(self._t).order_by(self._t.c.id)
        if statuses is not None:
            query = query.where(self._t.c.status.in_([str(s) for s in statuses]))
        return iter([_from_row(r) for r in self._uow.connection.execute(query)])


class SqlUnitOfWork:
    """A unit of work over one connection: a transaction that only :meth:`commit` keeps."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._tx: sa.RootTransaction | None = None
        self.subscriptions = _Subscriptions(self)

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
