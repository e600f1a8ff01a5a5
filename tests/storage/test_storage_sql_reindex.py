"""Filling the subscription columns and reminder rows of a database made before them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from release_db import add_release_subscription, make_release_database
from subscriptionkit import subscriptions
from subscriptionkit.storage.sql import SqlStore, make_engine
from subscriptionkit.storage.sql._schedule import reindex_subscriptions
from subscriptionkit.testing import active_subscription, trial_subscription

#: Far enough ahead that every reminder is still to come whenever the test runs.
START = dt.datetime(2031, 1, 15, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on an empty database: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        sqlite = make_engine(str(tmp_path / "old.db"))
        yield sqlite
        sqlite.dispose()
    else:
        yield request.getfixturevalue("postgres_engine")


def _make_version_3(engine: sa.Engine, subs: list[subscriptions.Subscription]) -> None:
    """The database the previous release made (schema version 3), with subscriptions in it."""
    make_release_database(engine, 3)
    with engine.begin() as conn:
        for sub in subs:
            add_release_subscription(conn, sub)


class TestUpgradeFillsTheColumns:
    def test_columns_and_reminders_after_the_upgrade(self, engine: sa.Engine) -> None:
        """After the upgrade every row's columns equal the rules' values, and the daily
        queries answer from them as for subscriptions written since."""
        teams = active_subscription("teams", at=START)
        po = active_subscription("focus-po-1-2", at=START, tz="America/New_York")
        trial = trial_subscription(at=START)
        _make_version_3(engine, [teams, po, trial])
        store = SqlStore(engine)
        with engine.connect() as conn:
            rows = {
                r.id: r
                for r in conn.execute(
                    sa.text(
                        "SELECT id, paid_through, next_renewal, cancellation_deadline, "
                        "next_reminder_on, due_at FROM sk_subscriptions"
                    )
                )
            }
        assert rows[trial.id].next_renewal is None
        assert rows[trial.id].due_at is not None
        assert rows[teams.id].next_reminder_on is not None
        with store.unit_of_work() as uow:
            for sub in (teams, po, trial):
                got = uow.subscriptions.get(sub.id)
                assert got.to_dict() == {**sub.to_dict(), "version": 1}
            day = dt.date(2031, 11, 15)  # Focus PO: two months before its renewal
            assert uow.subscriptions.due_reminders(on=day) == subscriptions.due_reminders(
                [teams, po, trial], on=day
            )
            assert [r.kind for r in uow.subscriptions.due_reminders(on=day)] == ["renewal"]
            paid = teams.paid_through
            assert paid is not None
            due = [s.id for s in uow.subscriptions.due_renewals(until=paid)]
            # The trial ends first; the two years end at the same instant (by id then).
            assert due == [trial.id, *sorted([teams.id, po.id])]
            assert uow.audit.for_customer(teams.customer_id) == []
        store.close()

    def test_reminders_before_the_migration_day_count_as_sent(self, engine: sa.Engine) -> None:
        """Reindexing at a moment records the reminders due before its day as sent (the
        earlier command sent them), keeps later ones pending, and is repeatable."""
        po = active_subscription("focus-po-1-2", at=START)
        _make_version_3(engine, [po])
        store = SqlStore(engine)
        day = dt.date(2031, 12, 1)
        with store.unit_of_work() as uow:
            assert [r.kind for r in uow.subscriptions.due_reminders(on=day)] == ["renewal"]
        migration_moment = dt.datetime(2031, 11, 20, 12, 0, tzinfo=dt.UTC)
        for _ in range(2):
            with engine.begin() as conn:
                assert reindex_subscriptions(conn, now=migration_moment, batch=1) == 1
            with store.unit_of_work() as uow:
                assert uow.subscriptions.due_reminders(on=day) == []
                later = uow.subscriptions.due_reminders(on=dt.date(2031, 12, 15))
            assert [r.kind for r in later] == ["cancellation_deadline"]
        store.close()
