"""Worker functions for the teams concurrency tests, importable by spawned processes."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from subscriptionkit import errors, teams
from subscriptionkit.storage import Store
from subscriptionkit.storage.sql import SqlStore

__all__ = ["join_all", "join_in_process"]

#: When the joins happen (the link has no expiry; any moment works).
AT = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)


def join_all(store: Store, token: str, keys: teams.TokenKeys, accounts: list[str]) -> list[str]:
    """Let every account join through the link at once, each in its own thread.

    Returns one outcome per account: ``"joined"``, or the error's class name.
    """
    barrier = threading.Barrier(len(accounts))

    def one(account: str) -> str:
        barrier.wait()
        try:
            teams.join(
                store,
                token,
                via="link",
                account_id=account,
                name=account,
                email=f"{account}@example.org",
                keys=keys,
                at=AT,
            )
        except errors.SubscriptionKitError as exc:
            return type(exc).__name__
        return "joined"

    with ThreadPoolExecutor(max_workers=len(accounts)) as pool:
        return list(pool.map(one, accounts))


def join_in_process(
    url: str,
    schema: str | None,
    token: str,
    key_hex: str,
    accounts: list[str],
    ready: threading.Barrier,
) -> list[str]:
    """In a fresh process: open the database, wait for the other processes, join all.

    ``ready`` is a barrier shared by the processes (a ``multiprocessing.Manager`` proxy).
    """
    connect_args = {} if schema is None else {"options": f"-csearch_path={schema}"}
    engine = (
        sa.create_engine(url, connect_args=connect_args, pool_size=len(accounts))
        if schema is not None
        else None
    )
    store = SqlStore(engine if engine is not None else url, migrate=False)
    try:
        ready.wait()
        keys = teams.TokenKeys.from_hex({"k1": key_hex}, current="k1")
        return join_all(store, token, keys, accounts)
    finally:
        store.close()
