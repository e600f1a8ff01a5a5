"""The Alembic environment of subscriptionkit's own schema (internal).

Alembic runs this file; nothing imports it. :mod:`subscriptionkit.storage.sql` hands it
the connection (online) or the dialect name and an output buffer (offline, ``--sql``)
through ``config.attributes``; the library's tables are versioned in their own table,
``sk_alembic_version``, so a host application's Alembic never meets them.
"""

from __future__ import annotations

from alembic import context

from subscriptionkit.storage.sql._tables import metadata
from subscriptionkit.storage.sql._versions import VERSION_TABLE, include_name


def _run() -> None:
    config = context.config
    if context.is_offline_mode():
        context.configure(
            dialect_name=config.attributes["dialect_name"],
            output_buffer=config.attributes["output_buffer"],
            literal_binds=True,
            version_table=VERSION_TABLE,
            target_metadata=metadata,
            include_name=include_name,
        )
    else:
        context.configure(
            connection=config.attributes["connection"],
            version_table=VERSION_TABLE,
            target_metadata=metadata,
            include_name=include_name,
        )
    with context.begin_transaction():
        context.run_migrations()


_run()
