"""The invoice ledger's retention contract: what retention may remove (``issued_before``)
and removing it (``erase``), an invoice always with its credit notes, on memory, SQLite and
PostgreSQL alike (issue 12, retention)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from subscriptionkit import billing, errors
from subscriptionkit.billing import IssuedInvoice
from subscriptionkit.plans import VatTreatment
from subscriptionkit.storage import Store
from subscriptionkit.testing import active_subscription

VAT21 = VatTreatment.standard("21")
START = dt.datetime(2019, 3, 1, 9, tzinfo=dt.UTC)


def _issue(store: Store, on: dt.date, customer: str = "school-1") -> IssuedInvoice:
    sub = active_subscription("focus-po-1-2", customer, at=START)
    invoice = attrs.evolve(billing.advance(sub, {"1-2": 10}), issued_on=on)
    with store.unit_of_work() as uow:
        issued = uow.ledger.issue(invoice, series=str(on.year), vat=VAT21)
        uow.commit()
    return issued


def _credit(store: Store, number: str, on: dt.date) -> IssuedInvoice:
    with store.unit_of_work() as uow:
        note = uow.ledger.credit(number, issued_on=on, reason="wrong count")
        uow.commit()
    return note


def _numbers(store: Store, before: dt.date) -> list[str]:
    with store.unit_of_work() as uow:
        return [d.number for d in uow.ledger.issued_before(before)]


@pytest.fixture
def ledger(store: Store) -> dict[str, str]:
    """A (2019-03-01); B (2019-06-01) credited by N (2020-02-01, in B's series 2019);
    C (2020-05-01)."""
    a = _issue(store, dt.date(2019, 3, 1))
    b = _issue(store, dt.date(2019, 6, 1), "school-2")
    n = _credit(store, b.number, dt.date(2020, 2, 1))
    c = _issue(store, dt.date(2020, 5, 1))
    return {"A": a.number, "B": b.number, "N": n.number, "C": c.number}


class TestIssuedBefore:
    """Whole chains issued before the day, in order of series and number."""

    def test_a_chain_goes_only_when_all_of_it_is_old(
        self, store: Store, ledger: dict[str, str]
    ) -> None:
        """B is old but its credit note is not: neither is listed until both are."""
        assert _numbers(store, dt.date(2019, 3, 1)) == []
        assert _numbers(store, dt.date(2019, 3, 2)) == [ledger["A"]]
        assert _numbers(store, dt.date(2020, 1, 1)) == [ledger["A"]]
        assert _numbers(store, dt.date(2020, 2, 2)) == [ledger["A"], ledger["B"], ledger["N"]]
        assert _numbers(store, dt.date(2030, 1, 1)) == [
            ledger["A"], ledger["B"], ledger["N"], ledger["C"],
        ]  # fmt: skip

    def test_staged_documents_count(self, store: Store, ledger: dict[str, str]) -> None:
        """A unit of work sees what it issued and credited itself."""
        with store.unit_of_work() as uow:
            uow.ledger.credit(ledger["A"], issued_on=dt.date(2021, 1, 5), reason="late")
            assert ledger["A"] not in [
                d.number for d in uow.ledger.issued_before(dt.date(2021, 1, 1))
            ]

    def test_a_date_only(self, store: Store) -> None:
        """A datetime (or anything else) is refused."""
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidInput, match="a date"):
            uow.ledger.issued_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))


class TestErase:
    """Deleted with their lines and status; an invoice only with all its credit notes."""

    def test_erase_a_chain(self, store: Store, ledger: dict[str, str]) -> None:
        """Gone from every read after commit; the series goes on without reusing a number."""
        with store.unit_of_work() as uow:
            assert uow.ledger.erase([ledger["B"], ledger["N"], ledger["B"]]) == 2
            with pytest.raises(errors.NotFound):
                uow.ledger.get(ledger["B"])
            uow.commit()
        with store.unit_of_work() as uow:
            left = [d.number for d in uow.ledger.list()]
            for number in (ledger["B"], ledger["N"]):
                with pytest.raises(errors.NotFound):
                    uow.ledger.status(number)
            assert uow.ledger.billed_usage("no-such-subscription") == {}
        assert left == [ledger["A"], ledger["C"]]
        assert _issue(store, dt.date(2019, 12, 1)).number == "2019-000004"

    def test_nothing_without_a_commit(self, store: Store, ledger: dict[str, str]) -> None:
        """A unit of work that does not commit keeps everything."""
        with store.unit_of_work() as uow:
            uow.ledger.erase([ledger["A"]])
        assert _numbers(store, dt.date(2030, 1, 1)) == [
            ledger["A"], ledger["B"], ledger["N"], ledger["C"],
        ]  # fmt: skip

    @pytest.mark.parametrize("named", [["B"], ["N"], ["A", "N"]])
    def test_an_invoice_goes_with_all_its_notes(
        self, store: Store, ledger: dict[str, str], named: list[str]
    ) -> None:
        """Naming part of a chain deletes nothing."""
        with store.unit_of_work() as uow:
            with pytest.raises(errors.InvalidInput, match="goes with invoice"):
                uow.ledger.erase([ledger[n] for n in named])
            assert len(uow.ledger.list()) == 4

    def test_an_unknown_number(self, store: Store, ledger: dict[str, str]) -> None:
        """NotFound, and nothing is deleted."""
        with store.unit_of_work() as uow:
            with pytest.raises(errors.NotFound):
                uow.ledger.erase([ledger["A"], "1999-000001"])
            assert len(uow.ledger.list()) == 4
            with pytest.raises(errors.InvalidInput):
                uow.ledger.erase("2019-000001")

    def test_erase_what_this_unit_of_work_issued(self, store: Store) -> None:
        """Staged documents go too; the number stays taken."""
        sub = active_subscription("focus-po-1-2", "school-9", at=START)
        with store.unit_of_work() as uow:
            issued = uow.ledger.issue(billing.advance(sub, {"1-2": 3}), series="2019", vat=VAT21)
            note = uow.ledger.credit(issued.number, issued_on=dt.date(2019, 4, 1), reason="x")
            assert uow.ledger.erase([issued.number, note.number]) == 2
            assert uow.ledger.list() == []
            uow.commit()
        assert _issue(store, dt.date(2019, 5, 1)).number == "2019-000003"
