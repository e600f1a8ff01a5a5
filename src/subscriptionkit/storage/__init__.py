"""Storage: ports (Protocols) and adapters, in memory, SQLite and PostgreSQL.

The ports: :class:`SubscriptionRepository`, :class:`CertificateRepository`,
:class:`RevocationStore`, :class:`KeyStore`, :class:`InvoiceLedger`, :class:`TeamRepository`
and :class:`ProgressStore`, reached through a :class:`UnitOfWork` that a :class:`Store`
hands out. See ``docs/storage.md`` for the whole story.

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
        InvoiceLedger,
        KeyStore,
        ProgressStore,
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
    "InvoiceLedger",
    "KeyStore",
    "MemoryStore",
    "MemoryUnitOfWork",
    "ProgressStore",
    "RevocationStore",
    "Store",
    "SubscriptionRepository",
    "TeamRepository",
    "UnitOfWork",
    "open_store",
]


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open a store: ``"memory"``, a SQLite path, ``:memory:``, or a database URL.

    Args:
        url: where to keep things.
        migrate: bring an older SQL schema up to date (see :class:`~.sql.SqlStore`).
    """
    if url == "memory":
        from .memory import MemoryStore

        return MemoryStore()
    from .sql import SqlStore  # the sql extra is needed only here

    return SqlStore(url, migrate=migrate)
