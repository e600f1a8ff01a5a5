"""Issued invoices as values: VAT per rate, credit notes, plain data (issue 10, section 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from subscriptionkit import billing, plans
from subscriptionkit.billing import Invoice, InvoiceLine, IssuedInvoice, UsageRecord
from subscriptionkit.errors import InvalidArgument, InvalidInput, InvalidPlan
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


class TestPartialCreditNotes:
    """Credit notes for part of an invoice (issue 10, §5): lines or amounts per line."""

    def test_amounts_per_line_with_vat_per_rate_per_note(self) -> None:
        """€ 0,07 of each of three 21 % lines: € 0,21 net, VAT € 0,04 on the note (per rate
        per note, not per line); the invoice keeps the rest."""
        issued = _issued("10.00", "10.00", "10.00")
        note = issued.credit_note(
            series="CN",
            sequence=1,
            issued_on=DAY,
            reason="r",
            lines={i: eur("0.07") for i in range(3)},
        )
        assert (note.net, note.vat, note.credited_lines) == (eur("-0.21"), eur("-0.04"), (0, 1, 2))
        assert billing.uncredited(issued, [note]) == (eur("9.93"),) * 3
        assert not billing.fully_credited(issued, [note])

    def test_positions_credit_what_is_left_of_those_lines(self) -> None:
        """Positions credit the rest of each named line; None the rest of all."""
        issued = _issued("100.00", "50.05", vat=[VAT21, VAT9])
        part = issued.credit_note(
            series="CN", sequence=1, issued_on=DAY, reason="r", lines={0: eur("40.00")}
        )
        rest0 = issued.credit_note(
            series="CN", sequence=2, issued_on=DAY, reason="r", lines=[0], earlier=[part]
        )
        assert rest0.net == eur("-60.00")
        rest = issued.credit_note(
            series="CN", sequence=3, issued_on=DAY, reason="r", earlier=[part, rest0]
        )
        assert (rest.net, rest.vat, rest.credited_lines) == (eur("-50.05"), eur("-4.50"), (1,))
        assert billing.fully_credited(issued, [part, rest0, rest])

    @pytest.mark.parametrize(
        ("lines", "message"),
        [
            ({0: eur("10.01")}, "line 0 of invoice 2026-000001 has € 10,00 uncredited"),
            ({0: eur("-1.00")}, "expected an amount of its sign"),
            ({0: eur("0.00")}, "not zero"),
            ({0: eur("0.005")}, "in whole cents"),
            ({0: Money("1.00", "USD")}, "Money in EUR"),
            ({2: eur("1.00")}, "a position from 0 to 1, got 2"),
            ([True], "got True"),
            ([0, 0], "line 0 is named twice"),
            ([], "at least one line"),
            ("0", "got str"),
        ],
    )
    def test_bad_requests_are_refused(self, lines: object, message: str) -> None:
        """More than is left, another sign or currency, fractions of cents, unknown or
        repeated lines: InvalidInput saying what was expected."""
        issued = _issued("10.00", "5.00")
        with pytest.raises(InvalidInput) as info:
            issued.credit_note(series="CN", sequence=1, issued_on=DAY, reason="r", lines=lines)  # type: ignore[arg-type]
        assert message in str(info.value)

    def test_a_discount_line_is_credited_with_its_own_sign(self) -> None:
        """A negative line (a discount) is credited by a negative amount: the note adds it back."""
        issued = _issued("100.00", "-10.00")
        note = issued.credit_note(
            series="CN", sequence=1, issued_on=DAY, reason="r", lines={1: eur("-4.00")}
        )
        assert note.net == eur("4.00")
        assert billing.uncredited(issued, [note]) == (eur("100.00"), eur("-6.00"))

    def test_plain_data_round_trip_and_old_documents(self) -> None:
        """A partial note reads back equal; a note stored before partial credits (no
        credited_lines) credited every line in order."""
        issued = _issued("10.00", "0.07", vat=[VAT21, VAT9])
        part = issued.credit_note(series="CN", sequence=1, issued_on=DAY, reason="r", lines=[1])
        assert IssuedInvoice.from_dict(part.to_dict()) == part
        full = issued.credit_note(series="CN", sequence=2, issued_on=DAY, reason="r")
        old = full.to_dict()
        del old["credited_lines"]
        assert IssuedInvoice.from_dict(old) == full
        assert "credited_lines" not in issued.to_dict()

    @given(
        cents=st.lists(st.integers(1, 10**7), min_size=1, max_size=4),
        asks=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 10**7)), min_size=1, max_size=12),
    )
    def test_never_more_than_the_invoice(
        self, cents: list[int], asks: list[tuple[int, int]]
    ) -> None:
        """Random partial requests: each accepted note's VAT is its net's VAT per rate
        (within half a cent); a request above what is left is refused; the notes never
        credit more than any line holds."""
        amounts = [str(Decimal(c).scaleb(-2)) for c in cents]
        rates = [VAT21, VAT9, VatTreatment.exempt(), VAT21][: len(amounts)]
        issued = _issued(*amounts, vat=rates)
        notes: list[IssuedInvoice] = []
        for position, ask in asks:
            position %= len(amounts)
            left = billing.uncredited(issued, notes)[position]
            wanted = eur(Decimal(ask).scaleb(-2))
            try:
                note = issued.credit_note(
                    series="CN",
                    sequence=len(notes) + 1,
                    issued_on=DAY,
                    reason="r",
                    lines={position: wanted},
                    earlier=notes,
                )
            except InvalidInput:
                assert wanted > left
                continue
            assert wanted <= left
            for row in note.vat_breakdown:
                exact = row.net.amount * row.treatment.percent / 100
                assert abs(row.vat.amount - exact) <= Decimal("0.005")
            notes.append(note)
        for line, left in zip(issued.lines, billing.uncredited(issued, notes), strict=True):
            assert Decimal(0) <= left.amount <= line.line.amount.amount


class TestCollectionsAreChecked:
    """A collection field given something else is a library error naming the field
    (found by the public-API fuzz: ``IssuedInvoice(lines=None)`` raised ``TypeError``)."""

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("lines", None),
            ("lines", "not lines"),
            ("lines", [object()]),
            ("usage", 7),
            ("usage", [object()]),
            ("credited_lines", [True]),
            ("credited_lines", None),
        ],
    )
    def test_issued_invoice(self, field: str, value: Any) -> None:
        doc = _issued("10.00")
        with pytest.raises(InvalidArgument, match=field):
            attrs.evolve(doc, **{field: value})

    @pytest.mark.parametrize(("field", "value"), [("lines", None), ("usage", [1])])
    def test_invoice(self, field: str, value: Any) -> None:
        with pytest.raises(InvalidArgument, match=field):
            attrs.evolve(_invoice("10.00"), **{field: value})
