"""Invoices after their statutory retention: listed by ``due_for_deletion`` and erased by
``purge`` through the invoices' handler, on memory, SQLite and PostgreSQL.

The rule under test (``privacy/_invoice_retention.py``): an invoice is kept for the
``invoicing`` purpose's period (7 years) from the end of the fiscal year (31 December, in
the customer's time zone) in which it left the current books: its own issue date, its
credit notes' and the invoice settling its advance; an advance awaiting its true-up is
never due.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pytest

from subscriptionkit import billing, errors, privacy
from subscriptionkit.billing import Invoice, InvoiceLine, IssuedInvoice
from subscriptionkit.plans import VatTreatment
from subscriptionkit.storage import Store
from subscriptionkit.subscriptions import Status, Subscription
from subscriptionkit.testing import active_subscription

VAT21 = VatTreatment.standard("21")
START = dt.datetime(2018, 8, 1, 9, tzinfo=dt.UTC)
AMS, NYC = ZoneInfo("Europe/Amsterdam"), ZoneInfo("America/New_York")
TICK = dt.timedelta(microseconds=1)
REGISTER = privacy.default_register()


def _subscription(customer: str, *, tz: str = "Europe/Amsterdam", stopped: bool) -> Subscription:
    sub = active_subscription("focus-po-1-2", customer, at=START, tz=tz)
    if stopped:
        sub = attrs.evolve(sub, status=Status.EXPIRED, ended_at=START + dt.timedelta(days=365))
    return sub


def _issue(store: Store, sub: Subscription, on: dt.date, invoice: Invoice | None = None) -> str:
    invoice = attrs.evolve(invoice or billing.advance(sub, {"1-2": 10}), issued_on=on)
    with store.unit_of_work() as uow:
        if sub.id not in {s.id for s in uow.subscriptions.list()}:
            uow.subscriptions.add(sub)
        number = uow.ledger.issue(invoice, series=str(on.year), vat=VAT21).number
        uow.commit()
    return number


def _settling(sub: Subscription, advance: IssuedInvoice, on: dt.date) -> Invoice:
    """A true-up as billing makes it: the advance credited back, the next one charged."""
    credit = [
        InvoiceLine.priced(
            "advance_credit", ln.line.band, ln.line.quantity, ln.line.unit_price,
            ln.line.start, ln.line.end, credit=True,
        )
        for ln in advance.lines
    ]  # fmt: skip
    following = billing.advance(sub, {"1-2": 11}).lines
    nxt = [attrs.evolve(ln, start=on, end=on.replace(year=on.year + 1)) for ln in following]
    return Invoice("true_up", sub.customer_id, sub.id, sub.plan.id, on, "EUR", [*credit, *nxt])


def _due(store: Store, at: dt.datetime) -> list[tuple[str, ...]]:
    found = privacy.due_for_deletion(REGISTER, at=at, store=store)
    return [r.records for r in found if r.section == "invoices"]


def _numbers(store: Store) -> list[str]:
    with store.unit_of_work() as uow:
        return [d.number for d in uow.ledger.list()]


class TestTheBoundary:
    """Seven years from the end of the fiscal year, to the instant, in the customer's zone."""

    @pytest.mark.parametrize(("tz", "zone"), [("Europe/Amsterdam", AMS), ("America/New_York", NYC)])
    def test_from_new_year_after_seven_years(self, store: Store, tz: str, zone: ZoneInfo) -> None:
        """An invoice of 2019-03-15 is kept to the end of 2026-12-31 local time."""
        sub = _subscription("school-1", tz=tz, stopped=True)
        number = _issue(store, sub, dt.date(2019, 3, 15))
        last = dt.datetime(2027, 1, 1, tzinfo=zone) - TICK
        assert _due(store, last) == []
        assert _due(store, last + TICK) == [(number,)]
        due = privacy.due_for_deletion(REGISTER, at=last + TICK, store=store)
        assert (due[0].purpose, due[0].subject_id, due[0].timezone) == ("invoicing", "school-1", tz)
        assert due[0].last_used == dt.datetime(2020, 1, 1, tzinfo=zone) - TICK
        assert privacy.purge(store, REGISTER, at=last) == ()
        assert _numbers(store) == [number]
        assert privacy.purge(store, REGISTER, at=last + TICK) == due
        assert _numbers(store) == []

    def test_new_year_s_eve_and_new_year_s_day(self, store: Store) -> None:
        """31 December belongs to its year; 1 January starts the next one's seven years."""
        sub = _subscription("school-1", stopped=True)
        eve = _issue(store, sub, dt.date(2019, 12, 31))
        day = _issue(store, sub, dt.date(2020, 1, 1))
        at = dt.datetime(2027, 1, 1, tzinfo=AMS)
        assert _due(store, at) == [(eve,)]
        assert _due(store, dt.datetime(2028, 1, 1, tzinfo=AMS)) == [(eve,), (day,)]

    def test_the_period_is_the_register_s(self, store: Store) -> None:
        """A register keeping invoices 10 years keeps them 10 years; none listing them
        never deletes them."""
        sub = _subscription("school-1", stopped=True)
        number = _issue(store, sub, dt.date(2019, 3, 15))
        ten = privacy.Register.from_dict({
            **REGISTER.to_dict(),
            "purposes": [
                {**p, "retention": "P10Y"} if p["id"] == "invoicing" else p
                for p in REGISTER.to_dict()["purposes"]
            ],
        })  # fmt: skip
        assert _due(store, dt.datetime(2029, 12, 31, 22, tzinfo=dt.UTC)) == [(number,)]
        assert (
            privacy.due_for_deletion(
                ten, at=dt.datetime(2029, 12, 31, 22, tzinfo=dt.UTC), store=store
            )
            == ()
        )
        none = privacy.Register.from_dict({
            **REGISTER.to_dict(),
            "purposes": [p for p in REGISTER.to_dict()["purposes"] if p["id"] != "invoicing"],
        })  # fmt: skip
        assert privacy.purge(store, none, at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC)) == ()
        assert _numbers(store) == [number]


class TestStillNeeded:
    """What the books still need is never due."""

    def test_an_advance_awaiting_its_true_up(self, store: Store) -> None:
        """A running subscription's last advance stays; once settled, the seven years
        count from the settling invoice's year; a stopped school gets no true-up."""
        sub = _subscription("school-1", stopped=False)
        advance = _issue(store, sub, dt.date(2018, 8, 1))
        far = dt.datetime(2060, 1, 1, tzinfo=dt.UTC)
        assert _due(store, far) == []
        assert privacy.purge(store, REGISTER, at=far) == ()
        with store.unit_of_work() as uow:
            issued = uow.ledger.get(advance)
        true_up = _issue(
            store, sub, dt.date(2019, 8, 1), _settling(sub, issued, dt.date(2019, 8, 1))
        )
        assert _due(store, dt.datetime(2027, 1, 1, tzinfo=AMS) - TICK) == []
        assert _due(store, dt.datetime(2027, 1, 1, tzinfo=AMS)) == [(advance,)]
        assert _due(store, far) == [(advance,)]  # the true-up awaits the next one
        with store.unit_of_work() as uow:
            stored = uow.subscriptions.get(sub.id)
            uow.subscriptions.update(attrs.evolve(stored, status=Status.EXPIRED, ended_at=START))
            uow.commit()
        assert _due(store, far) == [(advance,), (true_up,)]

    def test_an_invoice_goes_with_its_credit_notes(self, store: Store) -> None:
        """A credit note keeps its invoice, and goes with it, from the note's year."""
        sub = _subscription("school-1", stopped=True)
        invoice = _issue(store, sub, dt.date(2018, 5, 1))
        with store.unit_of_work() as uow:
            note = uow.ledger.credit(invoice, issued_on=dt.date(2020, 2, 1), reason="count").number
            uow.commit()
        assert _due(store, dt.datetime(2027, 6, 1, tzinfo=AMS)) == []
        assert _due(store, dt.datetime(2028, 1, 1, tzinfo=AMS)) == [(invoice, note)]
        purged = privacy.purge(store, REGISTER, at=dt.datetime(2028, 1, 1, tzinfo=AMS))
        assert [r.records for r in purged] == [(invoice, note)]
        assert _numbers(store) == []

    def test_only_what_ran_out(self, store: Store) -> None:
        """Younger invoices of the same customer and others' stay."""
        old = _issue(store, _subscription("school-1", stopped=True), dt.date(2018, 5, 1))
        young = _issue(store, _subscription("school-1", stopped=True), dt.date(2021, 5, 1))
        other = _issue(store, _subscription("school-2", stopped=True), dt.date(2020, 5, 1))
        purged = privacy.purge(store, REGISTER, at=dt.datetime(2027, 1, 1, tzinfo=AMS))
        assert [(r.subject_id, r.records) for r in purged] == [("school-1", (old,))]
        assert _numbers(store) == [other, young]
        assert privacy.purge(store, REGISTER, at=dt.datetime(2027, 1, 1, tzinfo=AMS)) == ()


class TestTheTwoForms:
    """The store form and the pure form judge alike; one of them at a time."""

    def test_pure_form_over_the_handler_s_records(self, store: Store) -> None:
        """The invoices' handler lists; the pure form judges what it lists."""
        number = _issue(store, _subscription("school-1", stopped=True), dt.date(2019, 3, 15))
        at = dt.datetime(2027, 1, 1, tzinfo=AMS)
        handler = next(h for h in privacy.DEFAULT_HANDLERS if h.section == "invoices")
        assert handler.retained is not None
        with store.unit_of_work() as uow:
            listed = list(handler.retained(uow, REGISTER, at))
        assert [r.records for r in privacy.due_for_deletion(REGISTER, listed, at=at)] == [(number,)]
        assert privacy.due_for_deletion(REGISTER, listed, at=at - TICK) == ()

    def test_records_or_store(self, store: Store) -> None:
        """Both, or neither, is refused."""
        at = dt.datetime(2027, 1, 1, tzinfo=AMS)
        with pytest.raises(errors.InvalidInput, match="got both"):
            privacy.due_for_deletion(REGISTER, [], at=at, store=store)
        with pytest.raises(errors.InvalidInput, match="got neither"):
            privacy.due_for_deletion(REGISTER, at=at)
