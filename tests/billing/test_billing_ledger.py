"""Issued invoices as values: VAT per rate, credit notes, plain data (issue 10, section 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptionkit import billing, plans
from subscriptionkit.billing import Invoice, InvoiceLine, IssuedInvoice, UsageRecord
from subscriptionkit.errors import InvalidInput, InvalidPlan
from subscriptionkit.metering import Month
from subscriptionkit.money import eur
from subscriptionkit.plans import VatTreatment

DAY = dt.date(2026, 3, 1)
VAT21 = VatTreatment.standard("21")
VAT9 = VatTreatment.standard("9")


def _line(amount: str) -> InvoiceLine:
    return InvoiceLine.priced("seats", None, 1, eur(amount), DAY, DAY)


def _invoice(*amounts: str) -> Invoice:
    return Invoice("seats", "c-1", "s-1", "teams", DAY, "EUR", [_line(a) for a in amounts])


def _issued(*amounts: str, vat: VatTreatment | list[VatTreatment] = VAT21) -> IssuedInvoice:
    return IssuedInvoice.from_invoice(_invoice(*amounts), series="2026", sequence=1, vat=vat)


class TestVatTreatment:
    def test_kinds_and_labels(self) -> None:
        """A rate, exempt, reverse charge; equal rates are one treatment."""
        assert VatTreatment.standard("21") == VatTreatment.standard(Decimal("21.0"))
        assert VatTreatment.standard("9").percent == Decimal(9)
        assert VatTreatment.exempt().percent == VatTreatment.reverse_charge().percent == 0
        assert plans.DEFAULT_VAT == VAT21

    @pytest.mark.parametrize("bad", [21.0, "-1", "101", "abc", True])
    def test_bad_rates_are_refused(self, bad: object) -> None:
        """Floats, negative, above 100 or not a number: InvalidPlan naming the value."""
        with pytest.raises(InvalidPlan) as info:
            VatTreatment.standard(bad)  # type: ignore[arg-type]
        assert repr(bad) in str(info.value)

    def test_kind_and_rate_go_together(self) -> None:
        """A rate needs a percentage; exempt and reverse charge take none."""
        with pytest.raises(InvalidPlan, match="needs a rate"):
            VatTreatment("rate")
        with pytest.raises(InvalidPlan, match="takes no rate"):
            VatTreatment("exempt", Decimal(0))

    def test_plain_data_round_trip(self) -> None:
        """to_dict/from_dict keep every treatment; plans keep theirs in the catalog data."""
        for vat in (VAT21, VAT9, VatTreatment.exempt(), VatTreatment.reverse_charge()):
            assert VatTreatment.from_dict(vat.to_dict()) == vat
        plan = plans.teams_plan(eur("60.00"))
        exempt = attrs.evolve(plan, vat=VatTreatment.exempt())
        assert plans.plan_from_dict(exempt.to_dict()).vat == VatTreatment.exempt()
        assert "vat" not in plan.to_dict()  # the default is left out


class TestVatPerRate:
    def test_rounded_once_per_rate_not_per_line(self) -> None:
        """Three lines of € 0,07 at 21 %: € 0,21 net, VAT € 0,04 (per line it would be 0,03)."""
        issued = _issued("0.07", "0.07", "0.07")
        assert (issued.net, issued.vat, issued.gross) == (eur("0.21"), eur("0.04"), eur("0.25"))

    def test_two_rates_each_get_a_row(self) -> None:
        """21 % on € 100,00 and 9 % on € 50,05: € 21,00 + € 4,50 (4,5045) VAT."""
        issued = _issued("100.00", "50.05", vat=[VAT21, VAT9])
        rows = [(r.treatment, r.net, r.vat) for r in issued.vat_breakdown]
        assert rows == [(VAT21, eur("100.00"), eur("21.00")), (VAT9, eur("50.05"), eur("4.50"))]
        assert issued.gross == eur("175.55")
        text = issued.format("en_GB")
        assert "VAT 21% of €100.00" in text
        assert "VAT 9% of €50.05" in text

    def test_exempt_and_reverse_charge_add_nothing(self) -> None:
        """No VAT on exempt or reverse-charged lines; reverse charge needs a VAT number."""
        assert _issued("10.00", vat=VatTreatment.exempt()).gross == eur("10.00")
        with pytest.raises(InvalidInput, match="needs the customer's VAT number"):
            _issued("10.00", vat=VatTreatment.reverse_charge())

    def test_one_treatment_per_line_or_one_for_all(self) -> None:
        """A list of treatments must match the lines."""
        with pytest.raises(InvalidInput, match=r"one per line \(2\)"):
            _issued("1.00", "2.00", vat=[VAT21])

    @given(
        cents=st.lists(st.integers(-100_000, 100_000), min_size=1, max_size=8),
        rates=st.lists(
            st.sampled_from([VAT21, VAT9, VatTreatment.exempt()]), min_size=8, max_size=8
        ),
    )
    def test_gross_is_net_plus_vat_per_rate(
        self, cents: list[int], rates: list[VatTreatment]
    ) -> None:
        """gross = net + Σ per rate round(net of rate × rate), each rate's VAT within half a cent."""
        amounts = [str(Decimal(c).scaleb(-2)) for c in cents]
        issued = _issued(*amounts, vat=rates[: len(amounts)])
        total_vat = Decimal(0)
        for row in issued.vat_breakdown:
            exact = row.net.amount * row.treatment.percent / 100
            assert abs(row.vat.amount - exact) <= Decimal("0.005")
            total_vat += row.vat.amount
        assert issued.gross.amount == issued.net.amount + total_vat


class TestCreditNotes:
    def test_negates_lines_and_usage(self) -> None:
        """A credit note negates every line and the billed usage, and names the invoice."""
        invoice = Invoice(
            "true_up",
            "c-1",
            "s-1",
            "focus-po-1-2",
            DAY,
            "EUR",
            [_line("10.00")],
            [UsageRecord(Month(2026, 1), "1-2", 7)],
        )
        issued = IssuedInvoice.from_invoice(invoice, series="2026", sequence=3, vat=VAT21)
        note = issued.credit_note(series="2026", sequence=4, issued_on=DAY, reason="duplicate")
        assert (note.kind, note.credits, note.number) == (
            "credit_note",
            "2026-000003",
            "2026-000004",
        )
        assert note.gross == -issued.gross == eur("-12.10")
        assert billing.billed_usage([issued, note]) == {(Month(2026, 1), "1-2"): 0}
        with pytest.raises(InvalidInput, match="is a credit note"):
            note.credit_note(series="2026", sequence=5, issued_on=DAY, reason="x")
        with pytest.raises(InvalidInput, match="needs a reason"):
            issued.credit_note(series="2026", sequence=5, issued_on=DAY, reason=" ")

    def test_plain_data_round_trip(self) -> None:
        """to_dict/from_dict give back an equal issued invoice, credit notes too."""
        issued = _issued("10.00", "0.07", vat=[VAT21, VAT9])
        note = issued.credit_note(series="CN", sequence=1, issued_on=DAY, reason="r")
        for doc in (issued, note):
            assert IssuedInvoice.from_dict(doc.to_dict()) == doc
