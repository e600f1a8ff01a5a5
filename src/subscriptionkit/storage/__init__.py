"""Storage: ports (Protocols) and adapters, in memory, SQLite and PostgreSQL.

The ports: :class:`SubscriptionRepository`, :class:`CertificateRepository`,
:class:`RevocationStore`, :class:`KeyStore`, :class:`InvoiceLedger`, :class:`TeamRepository`,
:class:`ProgressStore`, :class:`DiscountStore`, and privacy's :class:`ConsentStore`,
:class:`RequestStore` and :class:`PseudonymStore`, reached through a :class:`UnitOfWork` that
a :class:`Store` hands out. See ``docs/storage.md`` for the whole story.

:func:`open_store` picks the adapter from a URL: ``"memory"`` for :class:`MemoryStore`,
anything else for :class:`~subscriptionkit.storage.sql.SqlStore` (needs the ``sql``
extra; ``postgres`` for PostgreSQL).

>>> from subscriptionkit.storage import Store, open_store
>>> store = open_store("memory")
>>> isinstance(store, Store)
True
"""

from __future__ import annotations

import typing

from .. import _lazy

if typing.TYPE_CHECKING:
    from .memory import MemoryStore, MemoryUnitOfWork
    from .ports import (
        AuditLog,
        CertificateRepository,
        ConsentStore,
        DiscountStore,
        InvoiceLedger,
        KeyStore,
        PrivacyRecords,
        ProgressStore,
        PseudonymStore,
        RequestStore,
        RevocationStore,
        Store,
        SubscriptionRepository,
        TeamRepository,
        UnitOfWork,
    )

if not typing.TYPE_CHECKING:  # at run time each name's module is imported on first use
    __getattr__, __dir__ = _lazy.attach(__name__, __file__)

__all__ = [
    "AuditLog",
    "CertificateRepository",
    "ConsentStore",
    "DiscountStore",
    "InvoiceLedger",
    "KeyStore",
    "MemoryStore",
    "MemoryUnitOfWork",
    "PrivacyRecords",
    "ProgressStore",
    "PseudonymStore",
    "RequestStore",
    "RevocationStore",
    "Store",
    "SubscriptionRepository",
    "TeamRepository",
    "UnitOfWork",
    "open_store",
]


def open_store(
    url: str, *, migrate: bool = True, create: bool = False, lock_timeout: float = 30.0
) -> Store:
    """Open a store: ``"memory"``, a SQLite path, ``:memory:``, or a database URL.

    An *implicit* open: a new file (or an empty database) gets the library's tables; a
    database of the library's own is used (and an older schema migrated); a database that
    holds other tables and none of ours is refused and left as it was, unless
    ``create=True`` asks to install the library's tables beside them (see
    ``docs/storage.md``).

    Args:
        url: where to keep things: ``"memory"``, a database URL
            (``postgresql://user@host/db``, ``sqlite:///path.db``), ``:memory:``, the
            path of an existing SQLite file, or of a new file ending in ``.db``,
            ``.sqlite`` or ``.sqlite3``.
        migrate: bring an older SQL schema up to date (see :class:`~.sql.SqlStore`).
        create: install the library's tables into a database that holds other tables.
        lock_timeout: seconds a write waits for another transaction's lock before
            :class:`~subscriptionkit.errors.DatabaseBusy` (default 30; the memory store
            waits as long for activity event ids another unit of work holds).

    Raises:
        InvalidArgument: an argument of the wrong type.
        InvalidDatabaseUrl: ``url`` in none of the accepted forms.
        ForeignDatabase: another application's database (``create=False``); unchanged.
        NotADatabase: a file that is no SQLite database (text, an image, a directory).
        StorageError: any other database that cannot be opened (see
            :class:`~.sql.SqlStore`).
        MissingDependency: a SQL database without the ``sql`` extra installed.
    """
    from .._checks import argument, seconds

    argument(url, str, "url", "'memory', a database URL or a path (str)")
    argument(migrate, bool, "migrate", "True or False")
    argument(create, bool, "create", "True or False")
    seconds(lock_timeout, "lock_timeout")
    if url == "memory":
        from .memory import MemoryStore

        return MemoryStore(lock_timeout=lock_timeout)
    from .._translate import require

    require("sqlalchemy", extra="sql", feature="a SQL store")  # the sql extra is needed only here
    from .sql import SqlStore

    return SqlStore(url, migrate=migrate, create=create, lock_timeout=lock_timeout)
