"""The discount store contract: discounts kept per subscription, ended at cancellation and
never applied again, on memory, SQLite and PostgreSQL alike (seed 000)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest

from subscriptionkit import billing, errors, plans, subscriptions
from subscriptionkit.billing import Discount
from subscriptionkit.money import eur
from subscriptionkit.storage import Store
from subscriptionkit.subscriptions import Subscription

AMS = ZoneInfo("Europe/Amsterdam")
START = dt.datetime(2026, 1, 15, 9, 0, tzinfo=AMS)


def _plan() -> plans.Plan:
    return plans.default_catalog(teams=plans.teams_plan(eur("60.00")))["teams"]


def _subscribe(store: Store, sub_id: str = "sub-1", customer: str = "school-1") -> Subscription:
    sub = subscriptions.subscribe(
        customer, _plan(), at=START, subscription_id=sub_id, seats=5
    ).subscription
    with store.unit_of_work() as uow:
        stored = uow.subscriptions.add(sub)
        uow.commit()
    return stored


def _ended(discount: Discount, at: dt.datetime) -> Discount:
    return attrs.evolve(discount, ended_at=at)


def _add(store: Store, *discounts: Discount) -> None:
    with store.unit_of_work() as uow:
        for discount in discounts:
            uow.discounts.add(discount)
        uow.commit()


def _of(store: Store, sub_id: str) -> list[Discount]:
    with store.unit_of_work() as uow:
        return list(uow.discounts.for_subscription(sub_id))


def test_added_discounts_are_listed_for_their_subscription_by_id(store: Store) -> None:
    sub = _subscribe(store)
    other = _subscribe(store, "sub-2", "school-2")
    b = Discount.percent("b-launch", sub, "10", terms=1)
    a = Discount.per_seat("a-seat", sub, eur("12.50"))
    _add(store, b, a, Discount.percent("c-other", other, 5))
    assert _of(store, sub.id) == [a, b]
    with store.unit_of_work() as uow:
        assert uow.discounts.get("b-launch") == b


def test_a_rolled_back_discount_is_not_kept(store: Store) -> None:
    sub = _subscribe(store)
    with store.unit_of_work() as uow:
        uow.discounts.add(Discount.percent("d-1", sub, 10))
    assert _of(store, sub.id) == []


def test_money_and_percentages_round_trip_exactly(store: Store) -> None:
    sub = _subscribe(store)
    seat = Discount.per_seat("d-seat", sub, eur("0.005"))
    share = Discount.percent("d-share", sub, Decimal("12.3456789"), terms=3)
    _add(store, seat, share)
    got = {d.id: d for d in _of(store, sub.id)}
    assert got["d-seat"].value == eur("0.005")
    assert str(got["d-seat"].value.amount) == "0.005"  # type: ignore[union-attr]
    assert got["d-share"].value == Decimal("12.3456789")
    assert got["d-share"].terms == 3


def test_cancelling_ends_the_stored_discounts_through_end_discounts(store: Store) -> None:
    sub = _subscribe(store)
    other = _subscribe(store, "sub-2", "school-2")
    kept = Discount.percent("d-kept", other, 10)
    _add(store, Discount.percent("d-1", sub, 10), Discount.per_seat("d-2", sub, eur(3)), kept)
    at = START + dt.timedelta(days=40)
    with store.unit_of_work() as uow:
        current = uow.subscriptions.get(sub.id)
        cancelled, events = subscriptions.cancel(current, at=at)
        uow.subscriptions.update(cancelled, events=events)
        for discount in billing.end_discounts(uow.discounts.for_subscription(sub.id), events):
            uow.discounts.end(discount)
        uow.commit()
    ended = _of(store, sub.id)
    assert [d.ended_at is not None for d in ended] == [True, True]
    assert all(d.ended_at == events[0].at for d in ended)
    assert _of(store, other.id) == [kept]


def test_an_ended_discount_never_applies_again(store: Store) -> None:
    sub = _subscribe(store)
    discount = Discount.percent("d-1", sub, 10)
    _add(store, discount)
    first = dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)
    with store.unit_of_work() as uow:
        uow.discounts.end(_ended(discount, first))
        # A later end keeps the first; an unended copy changes nothing.
        assert uow.discounts.end(_ended(discount, first + dt.timedelta(days=1))).ended_at == first
        assert uow.discounts.end(discount).ended_at == first
        uow.commit()
    (stored,) = _of(store, sub.id)
    assert stored.ended_at == first
    assert not stored.applies_to(sub)
    invoice = billing.seat_invoice(sub)
    assert billing.apply_discounts(invoice, sub, [stored]) == invoice


def test_moments_are_kept_as_instants(store: Store) -> None:
    sub = _subscribe(store)
    at = dt.datetime(2026, 3, 29, 3, 30, 0, 123456, tzinfo=AMS)  # just after the DST switch
    _add(store, _ended(Discount.percent("d-1", sub, 10), at))
    (stored,) = _of(store, sub.id)
    assert stored.ended_at == at
    assert stored.ended_at == dt.datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=dt.UTC)
    assert stored.ended_at is not None
    assert stored.ended_at.utcoffset() is not None


def test_a_discount_of_an_unknown_subscription_is_refused(store: Store) -> None:
    sub = _subscribe(store)
    ghost = Discount("d-1", "sub-ghost", "percent", Decimal(10))
    with store.unit_of_work() as uow, pytest.raises(errors.NotFound, match="sub-ghost"):
        uow.discounts.add(ghost)
    assert _of(store, "sub-ghost") == []
    assert _of(store, sub.id) == []


def test_a_duplicate_id_is_refused(store: Store) -> None:
    sub = _subscribe(store)
    other = _subscribe(store, "sub-2", "school-2")
    _add(store, Discount.percent("d-1", sub, 10))
    with store.unit_of_work() as uow, pytest.raises(errors.AlreadyExists, match="d-1"):
        uow.discounts.add(Discount.percent("d-1", other, 20))
    assert [d.value for d in _of(store, sub.id)] == [Decimal(10)]


def test_unknown_discounts_and_wrong_values_are_refused(store: Store) -> None:
    sub = _subscribe(store)
    discount = Discount.percent("d-1", sub, 10)
    with store.unit_of_work() as uow:
        with pytest.raises(errors.NotFound, match="d-1"):
            uow.discounts.get("d-1")
        with pytest.raises(errors.NotFound, match="d-1"):
            uow.discounts.end(discount)
        with pytest.raises(errors.InvalidInput, match="Discount"):
            uow.discounts.add("d-1")  # type: ignore[arg-type]
        uow.discounts.add(discount)
        with pytest.raises(errors.InvalidInput, match="only the end"):
            uow.discounts.end(Discount.percent("d-1", sub, 20))
