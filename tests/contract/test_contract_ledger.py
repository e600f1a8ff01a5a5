"""The invoice ledger contract: gapless numbers, immutable invoices, credit notes, VAT,
statuses and late usage, on memory, SQLite and PostgreSQL alike (issue 10, sections 5-6).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

import attrs
import pytest

from subscriptionkit import billing, errors, metering, plans, subscriptions
from subscriptionkit.billing import Invoice, IssuedInvoice
from subscriptionkit.metering import ActivityEvent, Month
from subscriptionkit.money import eur
from subscriptionkit.plans import VatTreatment
from subscriptionkit.storage import Store
from subscriptionkit.subscriptions import Subscription

AMS = ZoneInfo("Europe/Amsterdam")
CATALOG = plans.default_catalog()


def _pupil_plan(plan_id: str) -> plans.PupilPlan:
    plan = CATALOG[plan_id]
    assert isinstance(plan, plans.PupilPlan)
    return plan


PO_1_2 = _pupil_plan("focus-po-1-2")
VAT21 = VatTreatment.standard("21")

StoreFactory = Callable[[], Store]


def _sub(customer: str = "school-1") -> Subscription:
    start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=AMS)
    return subscriptions.subscribe(
        customer, PO_1_2, at=start, subscription_id=f"sub-{customer}"
    ).subscription


def _advance(pupils: int = 58, customer: str = "school-1") -> Invoice:
    return billing.advance(_sub(customer), {"1-2": pupils})


def _issue(store: Store, invoice: Invoice, series: str = "2026", **kw: object) -> IssuedInvoice:
    with store.unit_of_work() as uow:
        issued = uow.ledger.issue(invoice, series=series, vat=kw.pop("vat", VAT21), **kw)  # type: ignore[arg-type]
        uow.commit()
    return issued


class TestNumbers:
    def test_numbers_run_per_series_from_one(self, store: Store) -> None:
        """Each series numbers from 1 without gaps; another series has its own count."""
        got = [_issue(store, _advance()).number for _ in range(3)]
        other = _issue(store, _advance(), series="CN2026").number
        assert got == ["2026-000001", "2026-000002", "2026-000003"]
        assert other == "CN2026-000001"

    def test_dates_follow_numbers_in_a_series(self, store: Store) -> None:
        """The reported case: after 2027-000001 of 10 February 2027, an invoice dated
        31 January 2027 (a true-up dated back to the renewal) is refused, as is a credit
        note; the same day or later takes the next number; another series is separate."""
        feb_10, jan_31 = dt.date(2027, 2, 10), dt.date(2027, 1, 31)
        first = _issue(store, attrs.evolve(_advance(), issued_on=feb_10), series="2027")
        with store.unit_of_work() as uow:
            with pytest.raises(errors.InvalidInput, match=r"dated on or after 2027-02-10"):
                uow.ledger.issue(
                    attrs.evolve(_advance(), issued_on=jan_31), series="2027", vat=VAT21
                )
            with pytest.raises(errors.InvalidInput, match=r"got 2027-01-31"):
                uow.ledger.credit(first.number, issued_on=jan_31, reason="wrong")
        assert _issue(store, attrs.evolve(_advance(), issued_on=jan_31), series="X").number == (
            "X-000001"
        )
        later = _issue(store, attrs.evolve(_advance(), issued_on=feb_10), series="2027")
        assert (later.number, later.issued_on) == ("2027-000002", feb_10)
        with store.unit_of_work() as uow:
            note = uow.ledger.credit(first.number, issued_on=dt.date(2027, 3, 1), reason="wrong")
            uow.commit()
        assert note.number == "2027-000003"

    def test_a_rolled_back_issue_leaves_no_gap(self, store: Store) -> None:
        """A unit of work that does not commit gives its number back."""
        _issue(store, _advance())
        with store.unit_of_work() as uow:
            assert uow.ledger.issue(_advance(), series="2026", vat=VAT21).number == "2026-000002"
            uow.rollback()
        assert _issue(store, _advance()).number == "2026-000002"
        with store.unit_of_work() as uow:
            assert [i.sequence for i in uow.ledger.list(series="2026")] == [1, 2]

    def test_a_bad_series_is_refused(self, store: Store) -> None:
        """Series names are letters and digits: a blank one raises InvalidInput."""
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidInput) as info:
            uow.ledger.issue(_advance(), series=" ", vat=VAT21)
        assert "an invoice series is 1-40 letters" in str(info.value)


def _issue_many(factory: StoreFactory, count: int, results: list[str]) -> None:
    store = factory()
    for _ in range(count):
        while True:
            try:
                results.append(_issue(store, _advance()).number)
                break
            except (errors.ConcurrentUpdate, errors.DatabaseBusy):
                continue  # the documented advice: retry


class TestConcurrentIssuance:
    def test_threads_never_share_or_skip_a_number(self, store_factory: StoreFactory) -> None:
        """Four writers issuing at once: numbers 1..N, each once, none skipped."""
        store_factory()  # create the schema before the writers open their own stores
        results: list[str] = []
        threads = [
            threading.Thread(target=_issue_many, args=(store_factory, 10, results))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == [f"2026-{n:06d}" for n in range(1, 41)]
        with store_factory().unit_of_work() as uow:
            assert [i.sequence for i in uow.ledger.list()] == list(range(1, 41))


class TestImmutableAndCredited:
    def test_issued_invoices_read_back_equal(self, store_factory: StoreFactory) -> None:
        """An issued invoice reads back equal, from a new store over the same database."""
        issued = _issue(store_factory(), _advance())
        with store_factory().unit_of_work() as uow:
            assert uow.ledger.get(issued.number) == issued
            assert uow.ledger.status(issued.number) == "open"

    def test_a_credit_note_references_and_negates(self, store: Store) -> None:
        """The credit note credits every line and names the invoice it credits."""
        issued = _issue(store, _advance())
        with store.unit_of_work() as uow:
            note = uow.ledger.credit(
                issued.number, issued_on=dt.date(2026, 2, 1), reason="wrong pupil count"
            )
            uow.commit()
        assert (note.kind, note.credits, note.number) == (
            "credit_note",
            "2026-000001",
            "2026-000002",
        )
        assert note.gross == -issued.gross
        assert note.net == -issued.net
        with store.unit_of_work() as uow:
            assert uow.ledger.get(issued.number) == issued  # unchanged
            with pytest.raises(errors.InvalidInput, match="credited in full already"):
                uow.ledger.credit(issued.number, issued_on=dt.date(2026, 2, 2), reason="again")
            with pytest.raises(errors.InvalidInput, match="is a credit note"):
                uow.ledger.credit(note.number, issued_on=dt.date(2026, 2, 2), reason="x")

    def test_a_full_credit_note_marks_the_invoice_credited(self, store: Store) -> None:
        """Crediting all of a paid invoice sets its status to credited."""
        issued = _issue(store, _advance())
        with store.unit_of_work() as uow:
            uow.ledger.set_status(issued.number, "paid")
            uow.ledger.credit(issued.number, issued_on=dt.date(2026, 2, 1), reason="duplicate")
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.ledger.status(issued.number) == "credited"

    def test_status_is_set_by_the_host(self, store_factory: StoreFactory) -> None:
        """open → paid → credited, kept across stores; other values are refused."""
        issued = _issue(store_factory(), _advance())
        for status in ("paid", "credited"):
            with store_factory().unit_of_work() as uow:
                uow.ledger.set_status(issued.number, status)
                uow.commit()
            with store_factory().unit_of_work() as uow:
                assert uow.ledger.status(issued.number) == status
        with store_factory().unit_of_work() as uow, pytest.raises(errors.InvalidInput) as info:
            uow.ledger.set_status(issued.number, "refunded")  # type: ignore[arg-type]
        assert str(info.value) == (
            "an invoice status is one of open, paid, credited, got 'refunded'"
        )

    def test_unknown_numbers_raise_not_found(self, store: Store) -> None:
        """get, status, set_status and credit of an unknown number raise NotFound."""
        with store.unit_of_work() as uow:
            for call in (
                lambda: uow.ledger.get("2026-000009"),
                lambda: uow.ledger.status("2026-000009"),
                lambda: uow.ledger.set_status("2026-000009", "paid"),
                lambda: uow.ledger.credit("2026-000009", issued_on=dt.date(2026, 1, 1), reason="x"),
            ):
                with pytest.raises(errors.NotFound):
                    call()

    def test_list_filters(self, store: Store) -> None:
        """list() filters by customer, subscription and series, in number order."""
        a = _issue(store, _advance(customer="a"))
        b = _issue(store, _advance(customer="b"))
        with store.unit_of_work() as uow:
            assert [i.number for i in uow.ledger.list(customer_id="b")] == [b.number]
            assert [i.number for i in uow.ledger.list(subscription_id="sub-a")] == [a.number]
            assert len(uow.ledger.list(series="2026")) == 2


VAT9 = VatTreatment.standard("9")
DAY = dt.date(2026, 3, 1)


def _two_rates() -> Invoice:
    """Seats at 21 % (€ 100,00) and course material at 9 % (€ 50,05): € 175,55 gross."""
    lines = [
        billing.InvoiceLine.priced("seats", None, 1, eur(amount), DAY, DAY)
        for amount in ("100.00", "50.05")
    ]
    return Invoice("seats", "school-1", "sub-school-1", "teams", DAY, "EUR", lines)


def _credit(store: Store, number: str, **kw: object) -> IssuedInvoice:
    with store.unit_of_work() as uow:
        note = uow.ledger.credit(number, issued_on=DAY, reason="partly wrong", **kw)  # type: ignore[arg-type]
        uow.commit()
    return note


class TestPartialCreditNotes:
    def test_parts_add_up_and_the_last_one_credits_the_invoice(
        self, store_factory: StoreFactory
    ) -> None:
        """€ 30,00 of the 21 % line, then all of the 9 % line, then the rest: VAT per rate
        per note; the invoice stays open until the last note, then is credited."""
        store = store_factory()
        issued = _issue(store, _two_rates(), vat=[VAT21, VAT9])
        assert issued.gross == eur("175.55")
        first = _credit(store, issued.number, lines={0: eur("30.00")})
        assert (first.net, first.vat, first.gross) == (eur("-30.00"), eur("-6.30"), eur("-36.30"))
        assert first.credited_lines == (0,)
        second = _credit(store, issued.number, lines=[1])
        assert (second.net, second.vat) == (eur("-50.05"), eur("-4.50"))
        with store_factory().unit_of_work() as uow:
            assert uow.ledger.status(issued.number) == "open"
            notes = uow.ledger.list()
            assert billing.uncredited(issued, notes) == (eur("70.00"), eur("0.00"))
            assert not billing.fully_credited(issued, notes)
            with pytest.raises(errors.InvalidInput) as info:
                uow.ledger.credit(issued.number, issued_on=DAY, reason="x", lines={0: eur("70.01")})
            assert "line 0 of invoice 2026-000001 has € 70,00 uncredited" in str(info.value)
            with pytest.raises(errors.InvalidInput, match="has € 0,00 uncredited"):
                uow.ledger.credit(issued.number, issued_on=DAY, reason="x", lines=[1])
        last = _credit(store, issued.number)  # everything left: € 70,00 at 21 %
        assert (last.net, last.vat, last.credited_lines) == (eur("-70.00"), eur("-14.70"), (0,))
        with store_factory().unit_of_work() as uow:
            assert uow.ledger.status(issued.number) == "credited"
            assert [uow.ledger.get(n.number) for n in (first, second, last)] == [
                first,
                second,
                last,
            ]
            assert billing.fully_credited(issued, uow.ledger.list())
            with pytest.raises(errors.InvalidInput, match="credited in full already"):
                uow.ledger.credit(issued.number, issued_on=DAY, reason="again")
        assert sum((n.net for n in (first, second, last)), eur("0")) == -issued.net

    def test_usage_is_credited_by_the_note_that_completes(self, store: Store) -> None:
        """A partial note credits money only; the one that credits the rest credits the
        billed usage too."""
        line = billing.InvoiceLine.priced("usage", "1-2", 70, eur("0.96"), DAY, DAY)
        usage = [billing.UsageRecord(Month(2026, m), "1-2", 7) for m in range(1, 11)]
        billed = Invoice("true_up", "school-1", "sub-1", "focus-po-1-2", DAY, "EUR", [line], usage)
        issued = _issue(store, billed)
        with store.unit_of_work() as uow:
            before = uow.ledger.billed_usage(issued.subscription_id)
        assert before[(Month(2026, 3), "1-2")] == 7
        _credit(store, issued.number, lines={0: eur("10.00")})
        with store.unit_of_work() as uow:
            assert uow.ledger.billed_usage(issued.subscription_id) == before
        _credit(store, issued.number)
        with store.unit_of_work() as uow:
            assert all(v == 0 for v in uow.ledger.billed_usage(issued.subscription_id).values())

    def test_two_writers_never_credit_more_than_the_line(self, store_factory: StoreFactory) -> None:
        """Two units of work each credit € 60,00 of a € 100,00 line at once: one note is
        kept, the other writer gets a library error; never € 120,00 credited."""
        store = store_factory()
        issued = _issue(store, _two_rates(), vat=[VAT21, VAT9])
        stores = [store_factory(), store_factory()]
        first_staged = threading.Event()
        outcomes: list[str] = []

        def credit(i: int) -> None:
            if i == 1:
                first_staged.wait(30)
            try:
                with stores[i].unit_of_work() as uow:
                    uow.ledger.credit(
                        issued.number, issued_on=DAY, reason="r", lines={0: eur("60.00")}
                    )
                    if i == 0:
                        first_staged.set()
                        time.sleep(0.5)  # hold the credit a moment (not asserted)
                    uow.commit()
            except (errors.InvalidInput, errors.ConcurrentUpdate, errors.DatabaseBusy) as exc:
                first_staged.set()
                outcomes.append(type(exc).__name__)
            else:
                outcomes.append("credited")

        threads = [threading.Thread(target=credit, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert outcomes.count("credited") == 1, outcomes
        with store_factory().unit_of_work() as uow:
            assert billing.uncredited(issued, uow.ledger.list())[0] == eur("40.00")


class TestVat:
    def test_net_vat_per_rate_and_gross(self, store: Store) -> None:
        """58 pupils × € 11,50 = € 667,00 net; 21 % VAT € 140,07; gross € 807,07."""
        issued = _issue(store, _advance())
        assert (issued.net, issued.vat, issued.gross) == (
            eur("667.00"),
            eur("140.07"),
            eur("807.07"),
        )
        [row] = issued.vat_breakdown
        assert (row.treatment, row.net, row.vat) == (VAT21, eur("667.00"), eur("140.07"))

    def test_reverse_charge_needs_the_vat_number(self, store: Store) -> None:
        """Reverse charge without the customer's VAT number is refused; with it, no VAT."""
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidInput) as info:
            uow.ledger.issue(_advance(), series="2026", vat=VatTreatment.reverse_charge())
        assert "needs the customer's VAT number" in str(info.value)
        issued = _issue(
            store, _advance(), vat=VatTreatment.reverse_charge(), buyer_vat_id="BE0123456789"
        )
        assert (issued.vat, issued.gross, issued.buyer_vat_id) == (
            eur("0.00"),
            eur("667.00"),
            "BE0123456789",
        )
        with store.unit_of_work() as uow:
            assert uow.ledger.get(issued.number) == issued


# -- late usage --------------------------------------------------------------------------


def _events(pupils: range, month: Month, prefix: str) -> list[ActivityEvent]:
    at = dt.datetime(month.year, month.month, 10, 12, 0, tzinfo=AMS)
    return [
        ActivityEvent(f"{prefix}-{p}", "school-1", f"pupil-{p}", 1, "engagement", at)
        for p in pupils
    ]


class TestLateUsage:
    def test_events_after_the_true_up_are_billed_as_corrections(self, store: Store) -> None:
        """A true-up bills 2026; events for March 2026 arrive later: +4 pupils, a new line."""
        sub = _sub()
        year = metering.month_range(Month(2026, 1), Month(2026, 12))
        with store.unit_of_work() as uow:
            uow.activity.add(_events(range(10), Month(2026, 3), "early"))
            uow.commit()
        renewed = subscriptions.catch_up(
            sub, at=dt.datetime(2027, 1, 15, 9, tzinfo=AMS)
        ).subscription
        previous = billing.advance(sub, {"1-2": 10})
        with store.unit_of_work() as uow:
            counts = uow.activity.monthly_counts(PO_1_2, year, school_id="school-1")
            invoice = billing.true_up(
                renewed, previous_advance=previous, counts=counts, next_pupils={"1-2": 10}
            )
            assert invoice is not None
            issued = uow.ledger.issue(invoice, series="2027", vat=VAT21)
            uow.commit()
        with store.unit_of_work() as uow:
            billed = uow.ledger.billed_usage(sub.id)
        assert billed[(Month(2026, 3), "1-2")] == 10
        # The 9-month window: March's data counts in March to November, not December.
        assert billed[(Month(2026, 11), "1-2")] == 10
        assert billed[(Month(2026, 12), "1-2")] == 0

        # The school's system catches up: four more pupils had data in March 2026.
        with store.unit_of_work() as uow:
            uow.activity.add(_events(range(10, 14), Month(2026, 3), "late"))
            uow.commit()
        with store.unit_of_work() as uow:
            counts = uow.activity.monthly_counts(PO_1_2, year, school_id="school-1")
            correction = billing.late_usage(
                renewed, counts, uow.ledger.billed_usage(sub.id), issued_on=dt.date(2027, 2, 1)
            )
            assert correction is not None
            fixed = uow.ledger.issue(correction, series="2027", vat=VAT21)
            uow.commit()
        texts = [ln.line.describe("en_GB") for ln in fixed.lines]
        assert texts[0] == "Correction for 2026-03, grades 1-2: +4 pupils"
        # March to November: 9 months counted the late pupils (the window is 9 months).
        assert len(texts) == 9
        assert fixed.net == eur("0.96") * 4 * 9
        with store.unit_of_work() as uow:
            assert uow.ledger.get(issued.number) == issued  # the true-up is untouched
            again = billing.late_usage(
                renewed, counts, uow.ledger.billed_usage(sub.id), issued_on=dt.date(2027, 3, 1)
            )
        assert again is None

    def test_a_later_true_up_bills_the_difference(self) -> None:
        """Given billed=, the next true-up adds a separate line per changed, billed month."""
        sub = _sub()
        months = metering.month_range(Month(2026, 1), Month(2027, 12))
        counts = metering.MonthlyCounts(
            plan_id=PO_1_2.id,
            months=months,
            bands=("1-2",),
            counts={("school-1", m, "1-2"): 10 if m == Month(2026, 3) else 6 for m in months},
        )
        billed = {(m, "1-2"): 6 for m in months[:12]}  # 2026 was billed at 6 a month
        renewed = subscriptions.catch_up(
            sub, at=dt.datetime(2028, 1, 15, 9, tzinfo=AMS)
        ).subscription
        previous = billing.advance(sub, {"1-2": 6})
        invoice = billing.true_up(
            renewed, previous_advance=previous, counts=counts, next_pupils={"1-2": 6}, billed=billed
        )
        assert invoice is not None
        [correction] = [ln for ln in invoice.lines if ln.kind == "usage_correction"]
        assert correction.describe("en_GB") == "Correction for 2026-03, grades 1-2: +4 pupils"
        assert correction.amount == eur("3.84")
        assert invoice.subtotal("usage") == eur("0.96") * 6 * 12  # 2027 as counted
        usage = {(u.month, u.band): u.pupils for u in invoice.usage}
        assert usage[(Month(2026, 3), "1-2")] == 4  # the difference, recorded
        assert usage[(Month(2027, 3), "1-2")] == 6
