"""Invoices and their lines: rounding once, totals, currencies, rendering per locale."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies
from subscriptionkit import billing, metering, plans, subscriptions
from subscriptionkit.billing import Invoice, InvoiceLine, LineKind
from subscriptionkit.errors import CurrencyMismatch
from subscriptionkit.metering import Month, MonthlyCounts
from subscriptionkit.money import Money, eur, line_amount, money, total
from subscriptionkit.subscriptions import Upgraded

ZONE = ZoneInfo("Europe/Amsterdam")
CATALOG = plans.default_catalog()
P12 = CATALOG["focus-po-1-2"]
COMBI = CATALOG["focus-po-combi"]
D1 = dt.date(2025, 8, 1)
D2 = dt.date(2026, 7, 31)
KINDS: tuple[LineKind, ...] = ("advance", "advance_credit", "usage", "seats", "seats_prorated")


def _settlement() -> Invoice:
    """The upgrade settlement of the docs: Focus PO 1-2 → Combi on 1 February 2026."""
    start = dt.datetime(2025, 8, 1, 9, 0, tzinfo=ZONE)
    sub = subscriptions.subscribe("school-42", P12, at=start, subscription_id="sub-1").subscription
    advance = billing.advance(sub, {1: 20, 2: 20})
    upgraded, events = subscriptions.upgrade(
        sub, COMBI, at=dt.datetime(2026, 2, 1, 9, 0, tzinfo=ZONE)
    )
    event = events[-1]
    assert isinstance(event, Upgraded)
    assert isinstance(P12, plans.PupilPlan)
    months = metering.month_range(Month(2025, 8), Month(2026, 1))
    counts = MonthlyCounts(P12.id, months, ("1-2",), {("school-42", m, "1-2"): 40 for m in months})
    return billing.upgrade_settlement(
        upgraded,
        event,
        previous_plan=P12,
        previous_advance=advance,
        counts=counts,
        next_pupils={"1-2": 40, "3-8": 110},
    )


def _invoice(*lines: InvoiceLine, currency: str = "EUR", plan_id: str = "p") -> Invoice:
    return Invoice("seats", "c-1", "s-1", plan_id, D1, currency, lines)


class TestInvoiceLine:
    """A line is quantity × unit price, rounded once to the cent, half-up."""

    def test_priced_rounds_once(self) -> None:
        """28 × € 0,96 = € 26,88; 3 × € 0,335 = € 1,005 → € 1,01 (not 3 × € 0,34)."""
        assert InvoiceLine.priced("usage", "1-2", 28, eur("0.96"), D1, D2).amount == eur("26.88")
        line = InvoiceLine.priced("seats", None, 3, eur("0.335"), D1, D2)
        assert line.amount == eur("1.01")
        assert line.amount != line_amount(line_amount(eur("0.335"), 1), 3)

    def test_credit_is_the_negated_amount(self) -> None:
        """A credit line is minus the charge, rounded the same way (-€ 1,005 → -€ 1,01)."""
        line = InvoiceLine.priced("advance_credit", "1-2", 3, eur("0.335"), D1, D2, credit=True)
        assert (line.quantity, line.unit_price, line.amount) == (3, eur("0.335"), eur("-1.01"))

    def test_details_fill_the_text(self) -> None:
        """Prorated seats name the days in the text, in both languages."""
        line = InvoiceLine.priced(
            "seats_prorated", None, 3, eur("30"), D1, D2, days=184, period_days=365
        )
        assert line.details == {"days": 184, "period_days": 365}
        assert line.describe("en_GB") == "Seats added, 184 of 365 days (1 Aug 2025 – 31 Jul 2026)"
        assert line.describe("nl_NL") == (
            "Extra teamleden, 184 van 365 dagen (1 aug 2025 – 31 jul 2026)"
        )


class TestInvoice:
    """An invoice: lines in one currency, a total that is their exact sum."""

    def test_currency_mismatch_raises(self) -> None:
        """A dollar line on a euro invoice is refused, naming both currencies."""
        line = InvoiceLine.priced("seats", None, 1, money("10", "USD"), D1, D2)
        with pytest.raises(CurrencyMismatch) as err:
            _invoice(line)
        assert (err.value.expected, err.value.got) == ("EUR", "USD")
        assert str(err.value) == (
            "cannot combine invoice lines in different currencies: expected EUR, got USD"
        )

    def test_empty_invoice_totals_zero_in_its_currency(self) -> None:
        """No lines: zero, in the invoice's currency."""
        assert _invoice(currency="GBP").total == money(0, "GBP")

    def test_total_and_subtotals(self) -> None:
        """The settlement's total is € 626,40; its parts are the subtotals by kind."""
        inv = _settlement()
        assert inv.total == eur("626.40")
        assert inv.subtotal("advance_credit") == eur("-460.00")
        assert inv.subtotal("usage") == eur("230.40")
        assert inv.subtotal("advance") == eur("856.00")
        assert inv.subtotal("seats") == eur(0)
        assert inv.total == total(
            inv.subtotal(kind) for kind in ("advance_credit", "usage", "advance")
        )

    def test_format_nl(self) -> None:
        """The settlement in Dutch: translated title and lines, Dutch dates and amounts."""
        assert _settlement().format("nl_NL") == "\n".join(
            [
                "Verrekening na uitbreiding · focus-po-combi · 1 maart 2026",
                "Omschrijving                                                     Aantal    Prijs     Bedrag",
                "Creditering voorinvestering 1 aug 2025 – 31 jul 2026, groep 1-2      40  € 11,50  € -460,00",
                "Gebruik 1 aug 2025 – 31 jan 2026, groep 1-2, in leerlingmaanden     240   € 0,96   € 230,40",
                "Voorinvestering 1 feb 2026 – 31 jan 2027, groep 1-2                  40  € 11,50   € 460,00",
                "Voorinvestering 1 feb 2026 – 31 jan 2027, groep 3-8                 110   € 3,60   € 396,00",
                "Totaal                                                                             € 626,40",
            ]
        )

    def test_format_en(self) -> None:
        """The same invoice in British English."""
        assert _settlement().format("en_GB") == "\n".join(
            [
                "Upgrade settlement · focus-po-combi · 1 March 2026",
                "Description                                                  Quantity   Price    Amount",
                "Advance 1 Aug 2025 – 31 Jul 2026 credited, grades 1-2              40  €11.50  -€460.00",
                "Usage 1 Aug 2025 – 31 Jan 2026, grades 1-2, in pupil-months       240   €0.96   €230.40",
                "Advance 1 Feb 2026 – 31 Jan 2027, grades 1-2                       40  €11.50   €460.00",
                "Advance 1 Feb 2026 – 31 Jan 2027, grades 3-8                      110   €3.60   €396.00",
                "Total                                                                           €626.40",
            ]
        )

    def test_format_defaults_to_dutch(self) -> None:
        """Without a locale the invoice is Dutch (the library's default locale)."""
        inv = _settlement()
        assert inv.format() == inv.format("nl_NL")

    def test_repr_html(self) -> None:
        """Jupyter shows an HTML table: caption, header, one row per line, total, escaped."""
        html = _settlement()._repr_html_()
        assert html.startswith(
            "<table><caption>Verrekening na uitbreiding · focus-po-combi · 1 maart 2026</caption>"
        )
        assert html.count("<tr>") == 1 + 4 + 1
        assert '<td style="text-align:right">€ -460,00</td>' in html
        assert html.endswith('<th style="text-align:right">€ 626,40</th></tr></tfoot></table>')
        assert "<caption>Factuur · a&lt;b&amp;c ·" in _invoice(plan_id="a<b&c")._repr_html_()

    def test_to_rows(self) -> None:
        """One dict per line, amounts as Decimal, ready for pandas or CSV."""
        rows = _settlement().to_rows()
        assert len(rows) == 4
        assert rows[0] == {
            "invoice": "upgrade_settlement",
            "customer_id": "school-42",
            "subscription_id": "sub-1",
            "line": "advance_credit",
            "band": "1-2",
            "quantity": 40,
            "unit_price": Decimal("11.50"),
            "amount": Decimal("-460.00"),
            "currency": "EUR",
            "start": dt.date(2025, 8, 1),
            "end": dt.date(2026, 7, 31),
        }
        assert [r["line"] for r in rows] == ["advance_credit", "usage", "advance", "advance"]
        assert sum(r["amount"] for r in rows) == Decimal("626.40")

    def test_frozen(self) -> None:
        """Invoices are values: they cannot be changed after the fact."""
        inv = _settlement()
        with pytest.raises(AttributeError):
            inv.issued_on = D2  # type: ignore[misc]


# -- property (a): totals and lines, to the cent --------------------------------


def _quantities() -> st.SearchStrategy[int | Decimal]:
    return st.integers(0, 10_000) | st.decimals(
        min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False
    )


@st.composite
def _lines(draw: st.DrawFn, currency: str) -> InvoiceLine:
    return InvoiceLine.priced(
        draw(st.sampled_from(KINDS)),
        draw(st.none() | st.sampled_from(["1-2", "3-8", "1-8"])),
        draw(_quantities()),
        draw(strategies.unit_prices(places=draw(st.integers(2, 6)), currency=currency)),
        D1,
        D2,
        credit=draw(st.booleans()),
    )


@st.composite
def _invoices(draw: st.DrawFn) -> Invoice:
    currency = draw(st.sampled_from(["EUR", "USD", "GBP"]))
    lines = draw(st.lists(_lines(currency), max_size=12))
    return _invoice(*lines, currency=currency)


def _cents(value: Money) -> bool:
    return value.amount == value.amount.quantize(Decimal("0.01"))


class TestInvoiceProperties:
    """For any invoice the total is the sum of its lines, each rounded once."""

    @settings(max_examples=150, deadline=None)
    @given(inv=_invoices())
    def test_total_is_the_sum_of_the_lines(self, inv: Invoice) -> None:
        """The total equals the exact sum of the line amounts, to the cent."""
        assert inv.total == total((ln.amount for ln in inv.lines), inv.currency)
        assert inv.total.amount == sum((ln.amount.amount for ln in inv.lines), Decimal(0))
        assert _cents(inv.total)
        assert sum(r["amount"] for r in inv.to_rows()) == inv.total.amount

    @settings(max_examples=150, deadline=None)
    @given(inv=_invoices())
    def test_every_line_is_rounded_once(self, inv: Invoice) -> None:
        """Each amount is ``line_amount(unit_price, quantity)``, negated for credits."""
        for ln in inv.lines:
            charge = line_amount(ln.unit_price, ln.quantity)
            assert ln.amount in (charge, -charge)
            assert _cents(ln.amount)
            exact = ln.unit_price.amount * Decimal(ln.quantity)
            assert abs(abs(ln.amount.amount) - exact) <= Decimal("0.005")

    @settings(max_examples=100, deadline=None)
    @given(pupils=strategies.grade_counts(), plan_id=st.sampled_from(sorted(CATALOG)[:4]))
    def test_rule_invoices_are_rounded_once(self, pupils: dict[int, int], plan_id: str) -> None:
        """The advance of any Focus PO plan: each line rounded once, total their sum."""
        sub = subscriptions.subscribe(
            "s", CATALOG[plan_id], at=dt.datetime(2025, 8, 1, tzinfo=ZONE)
        ).subscription
        inv = billing.advance(sub, pupils)
        for ln in inv.lines:
            assert ln.amount == line_amount(ln.unit_price, ln.quantity)
        assert inv.total == total((ln.amount for ln in inv.lines), "EUR")
