"""The discount store contract: discounts kept per subscription, ended whenever storing a
lifecycle step ends the subscription (a cancellation, an expiry in catch-up) and never
applied again, on memory, SQLite and PostgreSQL alike (seed 000)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest

from subscriptionkit import billing, errors, plans, subscriptions
from subscriptionkit.billing import Discount
from subscriptionkit.money import eur
from subscriptionkit.storage import Store
from subscriptionkit.subscriptions import Subscription, Transition

Step = Callable[[Subscription], Transition]

AMS = ZoneInfo("Europe/Amsterdam")
START = dt.datetime(2026, 1, 15, 9, 0, tzinfo=AMS)


def _plan(*, auto_renew: bool = True) -> plans.Plan:
    plan = plans.default_catalog(teams=plans.teams_plan(eur("60.00")))["teams"]
    return attrs.evolve(plan, terms=attrs.evolve(plan.terms, auto_renew=auto_renew))


def _subscribe(
    store: Store, sub_id: str = "sub-1", customer: str = "school-1", plan: plans.Plan | None = None
) -> Subscription:
    plan = _plan() if plan is None else plan
    seats = 5 if isinstance(plan, plans.SeatPlan) else None
    sub = subscriptions.subscribe(
        customer, plan, at=START, subscription_id=sub_id, seats=seats
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


def _store_step(store: Store, sub_id: str, step: Step, *, with_events: bool = True) -> Transition:
    with store.unit_of_work() as uow:
        done = step(uow.subscriptions.get(sub_id))
        uow.subscriptions.update(done.subscription, events=done.events if with_events else ())
        uow.commit()
    return done


def test_cancelling_ends_the_stored_discounts(store: Store) -> None:
    """Storing the cancellation ends the discounts, at the moment end_discounts gives."""
    sub = _subscribe(store)
    other = _subscribe(store, "sub-2", "school-2")
    kept = Discount.percent("d-kept", other, 10)
    _add(store, Discount.percent("d-1", sub, 10), Discount.per_seat("d-2", sub, eur(3)), kept)
    at = START + dt.timedelta(days=40)
    _, events = _store_step(store, sub.id, lambda s: subscriptions.cancel(s, at=at))
    ended = _of(store, sub.id)
    assert [d.ended_at for d in ended] == [events[0].at] * 2
    assert _of(store, other.id) == [kept]
    # Storing the ends end_discounts gives as well (as callers did before) changes nothing.
    with store.unit_of_work() as uow:
        for discount in billing.end_discounts(uow.discounts.for_subscription(sub.id), events):
            uow.discounts.end(discount)
        uow.commit()
    assert _of(store, sub.id) == ended


def test_a_term_that_runs_out_in_the_daily_catch_up_ends_the_stored_discounts(
    store: Store,
) -> None:
    """The reported case: a term without automatic renewal expires in ``catch_up``, and the
    store ends its open discounts at the expiry; one ended before keeps its first end."""
    sub = _subscribe(store, plan=_plan(auto_renew=False))
    other = _subscribe(store, "sub-2", "school-2")
    early = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    _add(
        store,
        Discount.percent("d-1", sub, 10),
        _ended(Discount.per_seat("d-2", sub, eur(3)), early),
        Discount.percent("d-kept", other, 10),
    )
    until = START + dt.timedelta(days=400)
    with store.unit_of_work() as uow:  # the daily job's first step
        due = uow.subscriptions.due_renewals(until=until)
        for current in due:
            caught_up, events = subscriptions.catch_up(current, at=until)
            uow.subscriptions.update(caught_up, events=events)
        uow.commit()
    assert [s.id for s in due] == [sub.id, other.id]
    assert sub.paid_through is not None
    assert [d.ended_at for d in _of(store, sub.id)] == [sub.paid_through, early]
    assert [d.ended_at for d in _of(store, other.id)] == [None]  # it renewed


def test_a_trial_that_runs_out_unconverted_ends_its_discounts(store: Store) -> None:
    trial = subscriptions.start_trial("school-1", at=START, subscription_id="sub-1").subscription
    with store.unit_of_work() as uow:
        uow.subscriptions.add(trial)
        uow.discounts.add(Discount.percent("d-1", trial, 10))
        uow.commit()
    until = START + dt.timedelta(days=365)
    expired, _ = _store_step(store, trial.id, lambda s: subscriptions.catch_up(s, at=until))
    assert expired.status is subscriptions.Status.EXPIRED
    assert [d.ended_at for d in _of(store, trial.id)] == [trial.trial_ends_at]


def test_an_expired_subscription_stored_without_its_events_ends_its_discounts(
    store: Store,
) -> None:
    """A caller that drops the events still ends the discounts, at the subscription's end."""
    sub = _subscribe(store, plan=_plan(auto_renew=False))
    _add(store, Discount.percent("d-1", sub, 10))
    until = START + dt.timedelta(days=400)
    expired, _ = _store_step(
        store, sub.id, lambda s: subscriptions.catch_up(s, at=until), with_events=False
    )
    assert expired.ended_at is not None
    assert [d.ended_at for d in _of(store, sub.id)] == [expired.ended_at]


def test_an_expiry_rolled_back_leaves_the_discounts_open(store: Store) -> None:
    sub = _subscribe(store, plan=_plan(auto_renew=False))
    _add(store, Discount.percent("d-1", sub, 10))
    with store.unit_of_work() as uow:
        current = uow.subscriptions.get(sub.id)
        caught_up, events = subscriptions.catch_up(current, at=START.replace(year=2028))
        uow.subscriptions.update(caught_up, events=events)
        assert uow.discounts.get("d-1").ended_at is not None  # seen inside
    assert [d.ended_at for d in _of(store, sub.id)] == [None]


def test_steps_that_keep_the_subscription_running_keep_its_discounts(store: Store) -> None:
    """A renewal, a seat change and an upgrade (which restarts the year of the same
    subscription) end nothing."""
    seats = _subscribe(store)
    pupils = _subscribe(store, "sub-2", "school-2", plan=plans.default_catalog()["focus-po-1-2"])
    _add(store, Discount.percent("d-1", seats, 10), Discount.percent("d-2", pupils, 10))
    later = START + dt.timedelta(days=400)
    _store_step(store, seats.id, lambda s: subscriptions.catch_up(s, at=later))
    _store_step(store, seats.id, lambda s: subscriptions.change_seats(s, 7, at=later))
    combi = plans.default_catalog()["focus-po-combi"]
    _store_step(store, pupils.id, lambda s: subscriptions.upgrade(s, combi, at=later))
    assert [d.ended_at for d in _of(store, seats.id) + _of(store, pupils.id)] == [None, None]


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


def test_stored_discounts_together_never_take_a_seat_invoice_below_zero(store: Store) -> None:
    """10 seats at € 60: a stored € 70 a seat (kept from before such amounts were refused),
    10 % and € 5 a seat take € 600,00 in the order stored (by id), not € 710,00."""
    sub = _subscribe(store)
    sub = attrs.evolve(sub, seats=10)
    big = Discount("big2", sub.id, "per_seat", eur("70"))
    _add(
        store,
        big,
        Discount.percent("launch", sub, 10, terms=1),
        Discount.per_seat("loyal", sub, eur("5.00")),
    )
    invoice = billing.apply_discounts(billing.seat_invoice(sub), sub, _of(store, sub.id))
    assert [(ln.kind, ln.amount) for ln in invoice.lines] == [
        ("seats", eur("600.00")),
        ("discount_per_seat", eur("-600.00")),
    ]
    assert invoice.total == eur("0.00")


def test_discounts_are_capped_in_the_order_stored(store: Store) -> None:
    """95 % takes € 570,00 of € 600,00; 10 % finds € 30,00 left; € 5 a seat finds nothing."""
    sub = attrs.evolve(_subscribe(store), seats=10)
    _add(
        store,
        Discount.per_seat("loyal", sub, eur("5.00")),
        Discount.percent("launch", sub, 10),
        Discount.percent("all", sub, 95),
    )
    invoice = billing.apply_discounts(billing.seat_invoice(sub), sub, _of(store, sub.id))
    assert [(ln.kind, ln.amount) for ln in invoice.lines] == [
        ("seats", eur("600.00")),
        ("discount_percent", eur("-570.00")),
        ("discount_percent", eur("-30.00")),
    ]
    assert invoice.lines[2].details["capped"] is True
    assert invoice.total == eur("0.00")


def test_a_per_seat_discount_above_the_seat_price_is_refused(store: Store) -> None:
    sub = _subscribe(store)
    with pytest.raises(errors.InvalidInput, match=r"at most the price per seat per year"):
        Discount.per_seat("big2", sub, eur("70"))
    assert Discount.per_seat("all", sub, eur("60")).value == eur("60")
