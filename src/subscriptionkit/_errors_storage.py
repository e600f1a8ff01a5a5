"""The storage errors of :mod:`subscriptionkit.errors` (internal; import them from there)."""

from __future__ import annotations

from collections.abc import Iterable

from ._errors_base import (
    SubscriptionKitError,
    _indefinite,
)


class StorageError(SubscriptionKitError):
    """The storage layer could not do what was asked."""


class NotFound(StorageError, LookupError):
    """No record with the given key."""

    def __init__(self, *, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} with id {key!r} was found; expected an existing {kind}")


class AlreadyExists(StorageError):
    """A record with the given key exists already."""

    def __init__(self, *, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{_indefinite(kind)} with id {key!r} exists already; expected a new id")


class StatusIndexTaken(AlreadyExists):
    """A certificate asked for a status index another certificate holds (issue 14).

    Attributes:
        index: the index asked for.
        holder: the id of the certificate holding it.
        certificate_id: the id of the certificate that asked (``kind`` and ``key``, as
            for :class:`AlreadyExists`, are ``"certificate status index"`` and ``index``).
    """

    def __init__(self, *, index: int, holder: str, certificate_id: str) -> None:
        self.index = index
        self.holder = holder
        self.certificate_id = certificate_id
        self.kind = "certificate status index"
        self.key = index
        StorageError.__init__(
            self,
            f"status index {index} is held by certificate {holder!r} already; expected a "
            f"free index for {certificate_id!r} (leave status_index None and the store "
            "assigns the next free one)",
        )


class ConcurrentUpdate(StorageError):
    """A write based on a stale version (someone else wrote first)."""

    def __init__(
        self, *, kind: str, key: object, expected_version: int, found_version: int
    ) -> None:
        self.kind = kind
        self.key = key
        self.expected_version = expected_version
        self.found_version = found_version
        super().__init__(
            f"{kind} {key!r} was changed by someone else: the write expected version "
            f"{expected_version}, the store holds version {found_version}; reload and retry"
        )


class DatabaseBusy(StorageError):
    """The database could not take the write now: retry the whole unit of work.

    SQLite: locked by another writer past the busy timeout; PostgreSQL: a lock wait past
    ``lock_timeout``, a deadlock or a serialization failure; any: the connection pool
    had no free connection in time.
    """

    def __init__(self, *, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"the database is busy ({detail}): another unit of work is writing, or wrote "
            "since this one began; expected a free database: retry the whole unit of work"
        )


class DatabaseUnavailable(StorageError):
    """The database cannot be reached or opened (a server down, a file that cannot open)."""

    def __init__(self, *, database: str, detail: str) -> None:
        self.database = database
        self.detail = detail
        super().__init__(
            f"{database} cannot be used ({detail}); expected a reachable database "
            "that this process may open"
        )


class ReadOnlyDatabase(StorageError):
    """A write to a database this process may only read (a read-only file or connection)."""

    def __init__(self, *, database: str, detail: str) -> None:
        self.database = database
        self.detail = detail
        super().__init__(
            f"{database} is read-only ({detail}): reading works, writing does not; "
            "expected a writable database for this step"
        )


class ConstraintViolated(StorageError):
    """The database refused a write with one of its constraints (other than a known key)."""

    def __init__(self, *, database: str, detail: str) -> None:
        self.database = database
        self.detail = detail
        super().__init__(
            f"{database} refused the write ({detail}); expected values that keep its "
            "constraints; nothing of this unit of work was kept unless committed before"
        )


class ForeignDatabase(StorageError):
    """An implicit open of a database that holds another application's tables, none of ours.

    Nothing is changed. Installing the library's tables beside a host application's is
    explicit: ``SqlStore(url, create=True)``, ``open_store(url, create=True)`` or
    ``subscriptionkit db upgrade``.

    Attributes:
        database: the database, as shown (password hidden).
        tables: the tables found (none of them the library's).
    """

    def __init__(self, *, database: str, tables: Iterable[str]) -> None:
        self.database = database
        self.tables: tuple[str, ...] = tuple(sorted(tables))
        shown = ", ".join(self.tables[:5]) + (", ..." if len(self.tables) > 5 else "")
        super().__init__(
            f"{database} holds another application's tables ({len(self.tables)}: {shown}) "
            "and no subscriptionkit schema; expected an empty database or one made by "
            "subscriptionkit; nothing was changed (to install the library's tables beside "
            "them, open it with create=True or run `subscriptionkit db upgrade`)"
        )


class NotADatabase(StorageError):
    """A file that is not a SQLite database (text, an image, random bytes, a directory).

    Nothing is changed.
    """

    def __init__(self, *, database: str, detail: str) -> None:
        self.database = database
        self.detail = detail
        super().__init__(
            f"{database} is not a SQLite database ({detail}); expected a SQLite database "
            "file, or the path of a new file; nothing was changed"
        )


class SchemaVersionError(StorageError):
    """The database schema version is not the one this library uses."""

    def __init__(self, *, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        if found > supported:
            advice = "newer than this library supports; upgrade subscriptionkit"
        else:
            advice = "older than this library needs; upgrade it (the command subscriptionkit db upgrade, or the store's migrate method)"
        super().__init__(
            f"database schema version {found} is {advice}; expected version {supported}"
        )


class UnknownSchemaVersion(StorageError):
    """The database records a schema version no release of the library writes.

    An edited version table, or two heads where the library never branches. Nothing is
    run on such a database: a step never runs twice.

    Attributes:
        found: the version recorded, as text.
        known: the versions (Alembic revisions) this library knows, in order.
    """

    def __init__(self, *, found: str, known: Iterable[str]) -> None:
        self.found = found
        self.known: tuple[str, ...] = tuple(known)
        super().__init__(
            f"the database records schema version {found!r}, which no subscriptionkit "
            f"release writes; expected one of {', '.join(self.known)}; nothing was run"
        )


class MissingSchemaVersion(StorageError):
    """The library's tables are there, but no version record (a deleted or emptied one).

    Nothing is run: without the version no step can be known to be safe.
    """

    def __init__(self, *, tables: Iterable[str]) -> None:
        self.tables: tuple[str, ...] = tuple(sorted(tables))
        super().__init__(
            f"the database has subscriptionkit tables ({', '.join(self.tables)}) but no "
            "schema version record (sk_alembic_version); expected a schema made by this "
            "library, with its version; nothing was run"
        )


class SchemaMismatch(StorageError):
    """The tables present do not match the schema version recorded (an edited version).

    Nothing is run: a migration step never runs twice.
    """

    def __init__(self, *, version: int, later_tables: Iterable[str]) -> None:
        self.version = version
        self.later_tables: tuple[str, ...] = tuple(sorted(later_tables))
        super().__init__(
            f"the database records schema version {version} but already has the tables "
            f"of later steps ({', '.join(self.later_tables)}); expected only the tables of "
            f"steps 1 to {version}: refusing to run a step twice; nothing was run"
        )
