"""The subscription repository contract: every adapter passes the same tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pytest

from subscriptionkit import errors, plans, subscriptions
from subscriptionkit.storage import Store, UnitOfWork
from subscriptionkit.testing import active_subscription, trial_subscription

AT = dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC)

StoreFactory = Callable[[], Store]


def _add(store: Store, *subs: subscriptions.Subscription) -> list[subscriptions.Subscription]:
    with store.unit_of_work() as uow:
        stored = [uow.subscriptions.add(s) for s in subs]
        uow.commit()
    return stored


class TestAddAndGet:
    def test_round_trip_keeps_every_field(self, store: Store) -> None:
        """A stored subscription reads back equal, at version 1."""
        sub = active_subscription("focus-po-1-2", tz="America/New_York")
        sub = subscriptions.schedule_downgrade(
            subscriptions.upgrade(
                sub, plans.default_catalog()["focus-po-combi"], at=AT
            ).subscription,
            plans.default_catalog()["focus-po-1-2"],
            at=AT,
        ).subscription
        [stored] = _add(store, sub)
        with store.unit_of_work() as uow:
            got = uow.subscriptions.get(sub.id)
        assert got == attrs.evolve(sub, version=1)
        assert stored.version == 1
        assert got.pending_plan is not None
        assert got.pending_plan.id == "focus-po-1-2"

    def test_seat_subscription_round_trip(self, store: Store) -> None:
        """Seats and the configured seat price survive storage."""
        sub = active_subscription("teams", seats=12)
        _add(store, sub)
        with store.unit_of_work() as uow:
            got = uow.subscriptions.get(sub.id)
        assert got.seats == 12
        assert isinstance(got.plan, plans.SeatPlan)
        assert got.plan.price() == plans.teams_plan(got.plan.price()).price()

    def test_duplicate_id_is_refused(self, store: Store) -> None:
        """Adding an id twice raises AlreadyExists and keeps the first."""
        sub = active_subscription()
        _add(store, sub)
        with store.unit_of_work() as uow, pytest.raises(errors.AlreadyExists) as info:
            uow.subscriptions.add(attrs.evolve(sub, customer_id="someone-else"))
        assert info.value.key == sub.id
        with store.unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id).customer_id == sub.customer_id

    def test_missing_id_raises_not_found(self, store: Store) -> None:
        """get() of an unknown id raises NotFound naming the id."""
        with store.unit_of_work() as uow, pytest.raises(errors.NotFound) as info:
            uow.subscriptions.get("nope")
        assert str(info.value) == (
            "no subscription with id 'nope' was found; expected an existing subscription"
        )


class TestUpdate:
    def test_update_raises_the_version(self, store: Store) -> None:
        """Each update stores the change and raises the version by one."""
        [sub] = _add(store, active_subscription())
        with store.unit_of_work() as uow:
            cancelled = subscriptions.cancel(uow.subscriptions.get(sub.id), at=AT).subscription
            stored = uow.subscriptions.update(cancelled)
            uow.commit()
        assert stored.version == 2
        with store.unit_of_work() as uow:
            got = uow.subscriptions.get(sub.id)
        assert got.status is subscriptions.Status.CANCELLED
        assert got.version == 2

    def test_stale_write_raises_concurrent_update(self, store_factory: StoreFactory) -> None:
        """A write based on an old read loses against a newer commit (optimistic locking)."""
        store = store_factory()
        [sub] = _add(store, active_subscription())
        with store.unit_of_work() as uow:
            first_read = uow.subscriptions.get(sub.id)
        other = store_factory()
        with other.unit_of_work() as uow:
            uow.subscriptions.update(subscriptions.cancel(first_read, at=AT).subscription)
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(errors.ConcurrentUpdate) as info:
            uow.subscriptions.update(attrs.evolve(first_read, timezone="UTC"))
        assert (info.value.expected_version, info.value.found_version) == (1, 2)
        with store.unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id).status is subscriptions.Status.CANCELLED

    def test_update_of_unknown_raises_not_found(self, store: Store) -> None:
        """Updating something never added raises NotFound."""
        with store.unit_of_work() as uow, pytest.raises(errors.NotFound):
            uow.subscriptions.update(attrs.evolve(active_subscription(), version=1))


class TestOneTrialPerCustomer:
    def test_second_trial_in_another_unit_of_work(self, store: Store) -> None:
        """A second trial for a customer is refused, whatever plan follows."""
        first = trial_subscription("school-9")
        _add(store, first)
        with store.unit_of_work() as uow, pytest.raises(errors.TrialAlreadyUsed) as info:
            uow.subscriptions.add(trial_subscription("school-9"))
        assert info.value.customer_id == "school-9"
        assert info.value.trial_started == first.trial_started_at

    def test_second_trial_in_the_same_unit_of_work(self, store: Store) -> None:
        """Two trials staged together are refused too."""
        with store.unit_of_work() as uow:
            uow.subscriptions.add(trial_subscription("school-8"))
            with pytest.raises(errors.TrialAlreadyUsed):
                uow.subscriptions.add(trial_subscription("school-8"))

    def test_paid_subscriptions_are_not_limited(self, store: Store) -> None:
        """A customer may hold a trial and any number of paid subscriptions."""
        _add(
            store,
            trial_subscription("school-7"),
            active_subscription(customer_id="school-7"),
            active_subscription(customer_id="school-7"),
        )
        with store.unit_of_work() as uow:
            assert len(uow.subscriptions.for_customer("school-7")) == 3


class TestQueries:
    def test_for_customer_oldest_first(self, store: Store) -> None:
        """for_customer returns only that customer's subscriptions, oldest first."""
        late = active_subscription(customer_id="c1", at=AT + dt.timedelta(days=30))
        early = active_subscription(customer_id="c1", at=AT)
        _add(store, late, early, active_subscription(customer_id="c2"))
        with store.unit_of_work() as uow:
            assert [s.id for s in uow.subscriptions.for_customer("c1")] == [early.id, late.id]
            assert uow.subscriptions.for_customer("nobody") == []

    def test_list_filters_by_status(self, store: Store) -> None:
        """list() yields all subscriptions by id, or only the statuses asked for."""
        subs = _add(store, active_subscription(), trial_subscription())
        with store.unit_of_work() as uow:
            assert [s.id for s in uow.subscriptions.list()] == sorted(s.id for s in subs)
            trials = list(uow.subscriptions.list(statuses=["trial"]))
        assert [s.status for s in trials] == [subscriptions.Status.TRIAL]


class TestUnitOfWork:
    def test_no_commit_keeps_nothing(self, store: Store) -> None:
        """Leaving the block without commit() discards the writes."""
        sub = active_subscription()
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
        with store.unit_of_work() as uow, pytest.raises(errors.NotFound):
            uow.subscriptions.get(sub.id)

    def test_exception_halfway_leaves_nothing_behind(self, store: Store) -> None:
        """A unit of work that raises after some writes leaves none of them."""
        a, b = active_subscription(), active_subscription()
        [kept] = _add(store, active_subscription())
        with pytest.raises(RuntimeError), store.unit_of_work() as uow:  # noqa: PT012 (halfway)
            uow.subscriptions.add(a)
            uow.subscriptions.update(subscriptions.cancel(kept, at=AT).subscription)
            uow.subscriptions.add(b)
            raise RuntimeError("boom")
        with store.unit_of_work() as uow:
            assert [s.id for s in uow.subscriptions.list()] == [kept.id]
            assert uow.subscriptions.get(kept.id).version == 1

    def test_commit_then_more_work(self, store: Store) -> None:
        """After commit() the unit of work goes on; a later rollback keeps the commit."""
        a, b = active_subscription(), active_subscription()
        with store.unit_of_work() as uow:
            uow.subscriptions.add(a)
            uow.commit()
            uow.subscriptions.add(b)
            uow.rollback()
        with store.unit_of_work() as uow:
            assert [s.id for s in uow.subscriptions.list()] == [a.id]

    def test_reads_see_own_writes(self, store: Store) -> None:
        """Within a unit of work, reads see the writes not yet committed."""
        sub = active_subscription()
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            assert uow.subscriptions.get(sub.id).version == 1

    def test_use_outside_the_block_raises(self, store: Store) -> None:
        """A unit of work used outside its with block raises a StorageError."""
        uow: UnitOfWork = store.unit_of_work()
        with pytest.raises(errors.StorageError, match="inside its `with` block"):
            uow.subscriptions.add(active_subscription())
