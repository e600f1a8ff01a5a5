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
>>> store.schema_version() == SCHEMA_VERSION
True

Moments are stored as fixed-width ISO 8601 text in UTC with microseconds
(``2026-03-01T12:00:00.000000+00:00``): the same text on SQLite and PostgreSQL, read back
to the very same aware datetime, and sorting as text sorts in time.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Final, Self

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from ...certificates import (
    Certificate,
    KeyRing,
    PublicKeySet,
    Revocation,
    RevocationList,
    SigningKey,
    VerifyingKey,
)
from ...clock import DEFAULT_TIMEZONE, ensure_aware
from ...errors import (
    AlreadyExists,
    ConcurrentUpdate,
    DatabaseBusy,
    InvalidInput,
    NotFound,
    SchemaVersionError,
    StorageError,
    TrialAlreadyUsed,
)
from ...metering import ActivityEvent, CountMoment, Month, MonthlyCounts
from ...plans import PupilPlan
from ...subscriptions import Subscription
from ..ports import _require_keyring, _require_public_keyset
from ._activity import activity_table, insert_events, monthly_counts_query, select_events
from ._tables import metadata

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Migration",
    "SqlStore",
    "SqlUnitOfWork",
    "make_engine",
    "metadata",
]

_KIND = "subscription"
_CERTIFICATE = "certificate"
#: How NotFound names the one private key ring a store can hold.
_KEYRING_KIND, _KEYRING_KEY = "private key ring", "default"
_PUBLIC, _PRIVATE = "public", "private"


class _HiddenText(str):
    """Text whose ``repr`` hides it: SQLAlchemy logs and error messages show bound
    parameters and rows through ``repr``, and key documents must never appear there."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<hidden>'"


class _Secret(sa.TypeDecorator[str]):
    """Text that holds key material: hidden from SQL logs and error messages both ways."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else _HiddenText(value)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else _HiddenText(value)


#: Width of a stored moment: ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``.
_MOMENT_WIDTH: Final = 32


class _UtcMoment(sa.TypeDecorator[_dt.datetime]):
    """An aware datetime as fixed-width ISO 8601 text in UTC.

    One representation for SQLite (which has no time zone type) and PostgreSQL: it reads
    back to an equal aware datetime (microseconds included), and text order is time order.
    """

    impl = sa.String(_MOMENT_WIDTH)
    cache_ok = True

    def process_bind_param(self, value: _dt.datetime | None, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        moment = ensure_aware(value, "a stored moment").astimezone(_dt.UTC)
        return moment.isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> _dt.datetime | None:
        return None if value is None else _dt.datetime.fromisoformat(value)


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


certificates_table = sa.Table(
    "sk_certificates",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("holder_id", sa.Text, nullable=False, index=True),
    sa.Column("issued_at", _UtcMoment, nullable=False),
    # Certificate.to_dict() as JSON; the columns above are copies for queries.
    sa.Column("document", sa.Text, nullable=False),
)

revocations_table = sa.Table(
    "sk_revocations",
    metadata,
    # No foreign key: revocations imported from other issuers name certificates kept elsewhere.
    sa.Column("certificate_id", sa.Text, primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("revoked_at", _UtcMoment, nullable=False),
)

keys_table = sa.Table(
    "sk_keys",
    metadata,
    # One row per key: kind 'public' rows make the public key set, 'private' rows the key
    # ring (only when the caller saved one). A key of the ring has a row of each kind
    # when both were saved. Saving a set replaces every row of its kind.
    sa.Column("kind", sa.String(10), primary_key=True),
    sa.Column("kid", sa.Text, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    # The key's JWK as JSON: public part only for 'public', with "d" for 'private'.
    sa.Column("document", _Secret, nullable=False),
    sa.CheckConstraint("kind IN ('public', 'private')", name="ck_sk_keys_kind"),
)


@attrs.frozen
class Migration:
    """One forward step of the schema: from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1(conn: Connection) -> None:
    subscriptions_table.create(conn)


def _v2(conn: Connection) -> None:
    # The tables exactly as this step creates them, frozen here: a later step may change
    # the live definitions above (a column, an index), never what step 2 did.
    frozen = sa.MetaData()
    sa.Table(
        "sk_certificates",
        frozen,
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("holder_id", sa.Text, nullable=False, index=True),
        sa.Column("issued_at", sa.String(_MOMENT_WIDTH), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )
    sa.Table(
        "sk_revocations",
        frozen,
        sa.Column("certificate_id", sa.Text, primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.String(_MOMENT_WIDTH), nullable=False),
    )
    sa.Table(
        "sk_keys",
        frozen,
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("kid", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.CheckConstraint("kind IN ('public', 'private')", name="ck_sk_keys_kind"),
    )
    frozen.create_all(conn)


def _v3(conn: Connection) -> None:
    # The live definition is step 3's own until a later step changes the table; freeze
    # it here (as _v2 does) before such a change.
    activity_table.create(conn)


#: The forward migrations, in order. Later features append here; never edit a step.
#:
#: To add step N: write ``_vN(conn)`` creating or altering tables with its own frozen
#: definitions (as :func:`_v2` does), update the live table definitions above to match,
#: and append ``Migration(N, "what it adds", _vN)``. ``SCHEMA_VERSION`` follows, and the
#: schema tests check that a migrated database matches the live definitions.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "subscriptions, with one trial per customer", _v1),
    Migration(2, "certificates, revocations and signing keys", _v2),
    Migration(3, "activity events for metering", _v3),
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


def _certificate_from_row(row: sa.Row[Any]) -> Certificate:
    return Certificate.from_dict(json.loads(row.document))


class _Certificates:
    """The certificate repository of one SQL unit of work."""

    _t = certificates_table

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql certificates>"

    def add(self, certificate: Certificate) -> Certificate:
        if not isinstance(certificate, Certificate):
            raise InvalidInput(
                f"certificates.add() takes a Certificate, got {type(certificate).__name__}"
            )
        conn = self._uow.connection
        statement = self._t.insert().values(
            id=certificate.certificate_id,
            holder_id=certificate.holder_id,
            issued_at=certificate.issued_at,
            document=json.dumps(certificate.to_dict(), sort_keys=True),
        )
        try:
            with conn.begin_nested():
                conn.execute(statement)
        except sa.exc.IntegrityError:
            raise AlreadyExists(kind=_CERTIFICATE, key=certificate.certificate_id) from None
        return certificate

    def get(self, certificate_id: str) -> Certificate:
        row = self._uow.connection.execute(
            sa.select(self._t.c.document).where(self._t.c.id == certificate_id)
        ).first()
        if row is None:
            raise NotFound(kind=_CERTIFICATE, key=certificate_id)
        return _certificate_from_row(row)

    def for_holder(self, holder_id: str) -> Sequence[Certificate]:
        rows = self._uow.connection.execute(
            sa.select(self._t.c.document).where(self._t.c.holder_id == holder_id)
        )
        # Sorted here, not in SQL: PostgreSQL orders text by the database's collation.
        found = [_certificate_from_row(r) for r in rows]
        return sorted(found, key=lambda c: (c.issued_at, c.certificate_id))

    def list(self) -> Iterator[Certificate]:
        rows = self._uow.connection.execute(sa.select(self._t.c.document))
        return iter(
            sorted((_certificate_from_row(r) for r in rows), key=lambda c: c.certificate_id)
        )


class _Revocations:
    """The revocation store of one SQL unit of work: the first revocation stands."""

    _t = revocations_table

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql revocations>"

    def revoke(self, revocation: Revocation) -> Revocation:
        if not isinstance(revocation, Revocation):
            raise InvalidInput(
                f"revocations.revoke() takes a Revocation, got {type(revocation).__name__}"
            )
        conn = self._uow.connection
        standing = self.get(revocation.certificate_id)
        if standing is not None:
            return standing
        try:
            with conn.begin_nested():
                conn.execute(
                    self._t.insert().values(
                        certificate_id=revocation.certificate_id,
                        reason=revocation.reason,
                        revoked_at=revocation.revoked_at,
                    )
                )
        except sa.exc.IntegrityError:
            # A concurrent unit of work revoked it first and committed: its revocation stands.
            standing = self.get(revocation.certificate_id)
            if standing is None:  # pragma: no cover (the constraint names only the key)
                raise
            return standing
        return revocation

    def get(self, certificate_id: str) -> Revocation | None:
        row = self._uow.connection.execute(
            sa.select(self._t).where(self._t.c.certificate_id == certificate_id)
        ).first()
        return None if row is None else Revocation(row.certificate_id, row.reason, row.revoked_at)

    def revocation_list(self) -> RevocationList:
        rows = self._uow.connection.execute(sa.select(self._t))
        return RevocationList(Revocation(r.certificate_id, r.reason, r.revoked_at) for r in rows)


class _Keys:
    """The key store of one SQL unit of work; nothing it does shows key material."""

    _t = keys_table

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql keys>"

    def _replace(self, kind: str, rows: list[dict[str, Any]], what: str) -> None:
        conn = self._uow.connection
        try:
            with conn.begin_nested():
                conn.execute(self._t.delete().where(self._t.c.kind == kind))
                if rows:  # an empty public key set is allowed
                    conn.execute(self._t.insert(), rows)
        except sa.exc.IntegrityError:
            # Only a concurrent save of the same kind can collide; the parameters (key
            # material) stay out of the message and the traceback.
            raise StorageError(
                f"the {what} was saved by another unit of work at the same time; "
                f"expected one writer at a time: retry"
            ) from None

    def _documents(self, kind: str) -> list[sa.Row[Any]]:
        return list(
            self._uow.connection.execute(
                sa.select(self._t.c.kid, self._t.c.active, self._t.c.document)
                .where(self._t.c.kind == kind)
                .order_by(self._t.c.position)
            )
        )

    def save_public_keys(self, keys: PublicKeySet) -> None:
        rows = [
            {
                "kind": _PUBLIC,
                "kid": key.kid,
                "position": position,
                "active": False,
                "document": json.dumps(key.to_jwk(), sort_keys=True),
            }
            for position, key in enumerate(_require_public_keyset(keys))
        ]
        self._replace(_PUBLIC, rows, "public key set")

    def public_keys(self) -> PublicKeySet:
        return PublicKeySet(
            VerifyingKey.from_jwk(json.loads(row.document)) for row in self._documents(_PUBLIC)
        )

    def save_private_keyring(self, keyring: KeyRing) -> None:
        keyring = _require_keyring(keyring)
        rows = [
            {
                "kind": _PRIVATE,
                "kid": key.kid,
                "position": position,
                "active": key.kid == keyring.active_kid,
                "document": json.dumps(key.to_jwk(private=True), sort_keys=True),
            }
            for position, key in enumerate(keyring)
        ]
        self._replace(_PRIVATE, rows, "private key ring")

    def private_keyring(self) -> KeyRing:
        rows = self._documents(_PRIVATE)
        active = [row.kid for row in rows if row.active]
        if not rows or len(active) != 1:
            if rows:  # pragma: no cover (only a hand-edited database gets here)
                raise StorageError(
                    f"the stored private key ring has {len(active)} active keys; expected 1"
                )
            raise NotFound(kind=_KEYRING_KIND, key=_KEYRING_KEY)
        return KeyRing((SigningKey.from_jwk(json.loads(row.document)) for row in rows), active[0])


class _Activity:
    """The activity events of one SQL unit of work; counts run inside the database."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql activity>"

    def add(self, events: Iterable[ActivityEvent]) -> int:
        return insert_events(self._uow.connection, events)

    def events(
        self,
        *,
        school_id: str | None = None,
        since: _dt.datetime | None = None,
        until: _dt.datetime | None = None,
    ) -> Sequence[ActivityEvent]:
        return select_events(
            self._uow.connection,
            school_id=school_id,
            since=None if since is None else ensure_aware(since, "since"),
            until=None if until is None else ensure_aware(until, "until"),
        )

    def monthly_counts(
        self,
        plan: PupilPlan,
        months: Iterable[Month],
        *,
        tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
        policy: CountMoment | None = None,
        school_id: str | None = None,
    ) -> MonthlyCounts:
        return monthly_counts_query(
            self._uow.connection, plan, months, tz=tz, policy=policy, school_id=school_id
        )


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
