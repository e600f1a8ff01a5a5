"""A unit of work inside the host application's transaction: one commit, one rollback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from subscriptionkit import errors, plans, subscriptions
from subscriptionkit.storage.sql import SqlStore, make_engine
from subscriptionkit.testing import DEFAULT_START, active_subscription

#: The host application's own table, beside the library's.
host_metadata = sa.MetaData()
orders = sa.Table(
    "host_orders",
    host_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("subscription_id", sa.String(100), nullable=False),
)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """The host's engine, on a database that holds its table and the library's schema."""
    if request.param == "sqlite":
        engine = make_engine(str(tmp_path / "host.db"))
    else:
        engine = request.getfixturevalue("postgres_engine")
    host_metadata.create_all(engine)
    SqlStore(engine, create=True)  # installing beside the host's table is explicit
    yield engine
    engine.dispose()


def _state(store: SqlStore, sub_id: str) -> tuple[list[int], bool]:
    """The host's order ids and whether the library holds the subscription."""
    with store.engine.connect() as conn:
        ids = [row.id for row in conn.execute(sa.select(orders.c.id).order_by(orders.c.id))]
    with store.unit_of_work() as uow:
        try:
            uow.subscriptions.get(sub_id)
        except errors.NotFound:
            return ids, False
    return ids, True


class TestJoinedUnitOfWork:
    def test_host_commit_keeps_both(self, engine: sa.Engine) -> None:
        """The host commits its row and the library's writes (and audit entries) together."""
        store = SqlStore(engine)
        sub, events = subscriptions.subscribe(
            "school-1", plans.default_catalog()["focus-po-1-2"], at=DEFAULT_START
        )
        with engine.connect() as conn, conn.begin():
            conn.execute(orders.insert().values(id=1, subscription_id=sub.id))
            with store.unit_of_work(connection=conn) as uow:
                uow.subscriptions.add(sub, events=events)
                uow.commit()
            # Not visible to others before the host commits.
            assert _state(store, sub.id) == ([], False)
        assert _state(store, sub.id) == ([1], True)
        with store.unit_of_work() as uow:
            assert [e.kind for e in uow.audit.for_subject("subscription", sub.id)] == ["activated"]

    def test_host_rollback_discards_both(self, engine: sa.Engine) -> None:
        """When the host rolls back, the library's committed unit of work goes with it."""
        store = SqlStore(engine)
        sub = active_subscription()
        with engine.connect() as conn:
            host = conn.begin()
            conn.execute(orders.insert().values(id=2, subscription_id=sub.id))
            with store.unit_of_work(connection=conn) as uow:
                uow.subscriptions.add(sub)
                uow.commit()
            host.rollback()
        assert _state(store, sub.id) == ([], False)

    def test_uncommitted_unit_of_work_leaves_the_host_alone(self, engine: sa.Engine) -> None:
        """A unit of work left without commit (or failing) undoes only its own writes."""
        store = SqlStore(engine)
        kept, dropped = active_subscription(), active_subscription()
        with engine.connect() as conn, conn.begin():
            conn.execute(orders.insert().values(id=3, subscription_id=kept.id))
            with store.unit_of_work(connection=conn) as uow:
                uow.subscriptions.add(kept)
                uow.commit()
                uow.subscriptions.add(dropped)
            with pytest.raises(RuntimeError), store.unit_of_work(connection=conn) as uow:  # noqa: PT012
                uow.subscriptions.add(active_subscription())
                raise RuntimeError("boom")
            conn.execute(orders.insert().values(id=4, subscription_id=kept.id))
            assert not conn.closed
        assert _state(store, kept.id) == ([3, 4], True)
        assert _state(store, dropped.id)[1] is False

    def test_the_host_connection_stays_open_and_its_own(self, engine: sa.Engine) -> None:
        """Leaving the unit of work neither closes nor commits the host's connection."""
        store = SqlStore(engine)
        with engine.connect() as conn:
            conn.begin()
            with store.unit_of_work(connection=conn) as uow:
                assert "joined" in repr(uow)
                uow.subscriptions.add(active_subscription())
                uow.commit()
            assert conn.in_transaction()
            assert not conn.closed
            conn.rollback()
