"""Quotes and comparisons: lines, totals, uncovered grades, formats and errors."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings

import strategies
from subscriptionkit import plans
from subscriptionkit.errors import (
    InvalidGrade,
    InvalidQuoteRequest,
    PriceNotConfigured,
    SeatCountOutOfRange,
)
from subscriptionkit.money import eur, line_amount, total

PUPILS = {1: 28, 2: 30, 3: 31, 4: 29, 5: 30, 6: 27, 7: 33, 8: 25}
CATALOG = plans.default_catalog()
COMBI = CATALOG["focus-po-combi"]
TEAMS = plans.teams_plan(eur("60.00"))


class _Tags(HTMLParser):
    """Collects start/end tags and text, to check the HTML is well nested."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


class TestPupilQuote:
    """Per-pupil quotes, the combi example of the price page."""

    def test_combi_lines(self) -> None:
        """1-2: 58 pupils € 55,68/€ 667,00; 3-8: 175 pupils € 52,50/€ 630,00."""
        q = plans.quote(COMBI, pupils=PUPILS)
        got = [(ln.label, ln.grades, ln.quantity, ln.monthly, ln.yearly) for ln in q.lines]
        assert got == [
            ("1-2", (1, 2), 58, eur("55.68"), eur("667.00")),
            ("3-8", (3, 4, 5, 6, 7, 8), 175, eur("52.50"), eur("630.00")),
        ]
        assert q.lines[0].unit_price_month == eur("0.96")
        assert q.lines[1].unit_price_year == eur("3.60")

    def test_combi_totals(self) -> None:
        """Totals € 108,18 a month and € 1.297,00 a year, 233 pupils."""
        q = plans.quote(COMBI, pupils=PUPILS)
        assert q.monthly_total == eur("108.18")
        assert q.yearly_total == eur("1297.00")
        assert q.quantity == 233
        assert (q.plan_id, q.plan_name, q.currency, q.uncovered) == (
            "focus-po-combi",
            "Combi Focus PO 1-2 & Focus PO 3-8 (basis)",
            "EUR",
            (),
        )

    def test_yearly_uses_published_yearly_price(self) -> None:
        """58 pupils a year cost 58 × € 11,50 = € 667,00, not 58 × 12 × € 0,96 = € 668,16."""
        q = plans.quote(CATALOG["focus-po-1-2"], pupils={1: 28, 2: 30})
        assert q.yearly_total == eur("667.00")
        assert q.yearly_total != eur("668.16")

    def test_uncovered_grades(self) -> None:
        """Grades the plan does not cover are listed, not priced; zero counts are left out."""
        q = plans.quote(CATALOG["focus-po-1-2"], pupils={1: 28, 2: 30, 5: 10, 6: 0, 3: 4})
        assert q.uncovered == ((3, 4), (5, 10))
        assert q.quantity == 58

    def test_empty_and_zero_pupils(self) -> None:
        """No pupils gives zero lines, not an error."""
        q = plans.quote(COMBI, pupils={})
        assert [ln.quantity for ln in q.lines] == [0, 0]
        assert q.monthly_total == eur("0")
        assert q.yearly_total == eur("0")

    @settings(deadline=None)
    @given(pupils=strategies.grade_counts())
    def test_totals_property(self, pupils: dict[int, int]) -> None:
        """Every pupil is priced once by the 1-8 plan; totals are the sum of rounded lines."""
        full = plans.quote(CATALOG["focus-po-1-8"], pupils=pupils)
        n = sum(pupils.values())
        assert full.quantity == n
        assert full.monthly_total == line_amount(eur("0.96"), n)
        assert full.yearly_total == line_amount(eur("11.50"), n)
        combi = plans.quote(COMBI, pupils=pupils)
        assert combi.quantity == n
        assert combi.yearly_total == total(ln.yearly for ln in combi.lines)

    @pytest.mark.parametrize("grade", [0, 9, "1", True])
    def test_bad_grade(self, grade: Any) -> None:
        """Grades outside 1–8 are refused."""
        with pytest.raises(InvalidGrade) as info:
            plans.quote(COMBI, pupils={grade: 3})
        assert str(info.value) == f"grade must be one of 1–8, got {grade!r}"

    @pytest.mark.parametrize("count", [-1, 2.5, "3", None])
    def test_bad_count(self, count: Any) -> None:
        """Counts are whole numbers >= 0."""
        with pytest.raises(InvalidQuoteRequest) as info:
            plans.quote(COMBI, pupils={1: count})
        assert str(info.value) == (
            f"the pupil count for grade 1 must be a whole number >= 0, got {count!r}"
        )

    def test_pupils_not_a_mapping(self) -> None:
        """Pupils are a mapping of grade to count."""
        with pytest.raises(InvalidQuoteRequest) as info:
            plans.quote(COMBI, pupils=[(1, 28)])  # type: ignore[arg-type]
        assert str(info.value) == (
            "pupils must be a mapping of grade to pupil count such as {1: 28, 2: 30}, got list"
        )

    @pytest.mark.parametrize(
        ("kwargs", "shown"),
        [({"seats": 5}, "seats=5, pupils=None"), ({}, "seats=None, pupils=None")],
    )
    def test_wrong_kind(self, kwargs: dict[str, Any], shown: str) -> None:
        """A per-pupil plan needs pupils, not seats."""
        with pytest.raises(InvalidQuoteRequest) as info:
            plans.quote(COMBI, **kwargs)
        assert str(info.value) == (
            "plan 'focus-po-combi' is priced per pupil: pass pupils={grade: count, ...}, "
            f"got {shown}"
        )


class TestSeatQuote:
    """Seat quotes for Teams."""

    def test_lines_and_total(self) -> None:
        """12 seats at € 60,00 cost € 720,00 a year; there is no monthly amount."""
        q = plans.quote(TEAMS, seats=12)
        (line,) = q.lines
        assert (line.label, line.grades, line.quantity) == ("seats", (), 12)
        assert (line.unit_price_month, line.monthly) == (None, None)
        assert line.yearly == eur("720.00")
        assert q.monthly_total is None
        assert q.yearly_total == eur("720.00")

    def test_unpriced(self) -> None:
        """An unpriced Teams plan cannot be quoted."""
        with pytest.raises(PriceNotConfigured):
            plans.quote(CATALOG["teams"], seats=12)

    def test_seats_checked_before_price(self) -> None:
        """41 seats is reported even when no price is configured."""
        with pytest.raises(SeatCountOutOfRange, match="Organisation plan"):
            plans.quote(CATALOG["teams"], seats=41)

    @pytest.mark.parametrize(
        ("kwargs", "shown"),
        [
            ({"pupils": {1: 3}}, "seats=None, pupils={1: 3}"),
            ({"seats": 5, "pupils": {1: 3}}, "seats=5, pupils={1: 3}"),
            ({}, "seats=None, pupils=None"),
        ],
    )
    def test_wrong_kind(self, kwargs: dict[str, Any], shown: str) -> None:
        """A seat plan needs seats only."""
        with pytest.raises(InvalidQuoteRequest) as info:
            plans.quote(TEAMS, **kwargs)
        assert str(info.value) == f"plan 'teams' is priced per seat: pass seats=<3–40>, got {shown}"


class TestQuoteOutput:
    """Text, HTML and rows."""

    def test_format_nl(self) -> None:
        """Dutch headers and amounts."""
        assert plans.quote(COMBI, pupils=PUPILS).format("nl_NL").splitlines() == [
            "Combi Focus PO 1-2 & Focus PO 3-8 (basis)",
            "Groep   Leerlingen  Per leerling per maand  Per maand  Per leerling per jaar    Per jaar",
            "1-2             58                  € 0,96    € 55,68                € 11,50    € 667,00",
            "3-8            175                  € 0,30    € 52,50                 € 3,60    € 630,00",
            "Totaal         233                           € 108,18                         € 1.297,00",
        ]

    def test_format_en(self) -> None:
        """British headers and amounts."""
        assert plans.quote(COMBI, pupils=PUPILS).format("en_GB").splitlines() == [
            "Combi Focus PO 1-2 & Focus PO 3-8 (basis)",
            "Grades  Pupils  Per pupil per month  Per month  Per pupil per year   Per year",
            "1-2         58                €0.96     €55.68              €11.50    €667.00",
            "3-8        175                €0.30     €52.50               €3.60    €630.00",
            "Total      233                         €108.18                      €1,297.00",
        ]

    def test_format_default_locale_is_dutch(self) -> None:
        """Without a locale the quote is Dutch."""
        q = plans.quote(COMBI, pupils=PUPILS)
        assert q.format() == q.format("nl_NL")

    def test_format_uncovered_note(self) -> None:
        """Uncovered grades are noted under the table, translated."""
        q = plans.quote(CATALOG["focus-po-1-2"], pupils={1: 28, 2: 30, 5: 10})
        assert q.format("en_GB").splitlines()[-1] == "Not covered by this plan: grade 5, 10 pupils"
        assert q.format("nl_NL").splitlines()[-1] == (
            "Niet gedekt door dit abonnement: groep 5, 10 leerlingen"
        )

    def test_format_seats(self) -> None:
        """Seat quotes have their own columns."""
        assert plans.quote(TEAMS, seats=12).format("nl_NL").splitlines() == [
            "Teams",
            "Teamleden  Prijs per teamlid per jaar  Per jaar",
            "12                            € 60,00  € 720,00",
            "Totaal                                 € 720,00",
        ]

    def test_repr_html(self) -> None:
        """Jupyter gets a well-nested HTML table with caption, header, body and footer."""
        html = plans.quote(COMBI, pupils=PUPILS)._repr_html_()
        parsed = _parse(html)
        assert parsed.balanced
        assert not parsed.stack
        assert html.startswith("<table><caption>Combi Focus PO 1-2 &amp; Focus PO 3-8 (basis)")
        assert html.count("<tr>") == 4
        for part in ("<thead>", "<tbody>", "<tfoot>", "€ 1.297,00", "Leerlingen"):
            assert part in html

    def test_repr_html_escapes(self) -> None:
        """Plan names are escaped."""
        plan = plans.PupilPlan(
            id="x",
            name="<script>alert('x')</script>",
            bands=[plans.GradeBand("<b>", (1,), eur("1"), eur("12"))],
        )
        html = plans.quote(plan, pupils={1: 1})._repr_html_()
        assert "<script>" not in html
        assert "<b>" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
        assert _parse(html).balanced

    def test_to_rows(self) -> None:
        """One dict per line with Decimal amounts."""
        rows = plans.quote(COMBI, pupils=PUPILS).to_rows()
        assert rows[0] == {
            "plan_id": "focus-po-combi",
            "label": "1-2",
            "grades": (1, 2),
            "quantity": 58,
            "unit_price_month": Decimal("0.96"),
            "monthly": Decimal("55.68"),
            "unit_price_year": Decimal("11.50"),
            "yearly": Decimal("667.00"),
            "currency": "EUR",
        }
        assert len(rows) == 2
        seat = plans.quote(TEAMS, seats=3).to_rows()[0]
        assert (seat["monthly"], seat["unit_price_month"], seat["yearly"]) == (
            None,
            None,
            Decimal("180.00"),
        )


class TestCompare:
    """What-if tables."""

    def test_compare_pupil_plans(self) -> None:
        """Per-pupil plans are compared; Teams is skipped."""
        table = plans.compare(CATALOG.values(), pupils=PUPILS)
        assert [q.plan_id for q in table.quotes] == [
            "focus-po-1-2",
            "focus-po-3-8",
            "focus-po-combi",
            "focus-po-1-8",
        ]
        assert [(r["priced"], str(r["monthly"]), str(r["yearly"])) for r in table.to_rows()] == [
            (58, "55.68", "667.00"),
            (175, "52.50", "630.00"),
            (233, "108.18", "1297.00"),
            (233, "223.68", "2679.50"),
        ]

    def test_format(self) -> None:
        """The comparison renders as aligned, localized text; str() is Dutch."""
        table = plans.compare(CATALOG.values(), pupils=PUPILS)
        assert table.format("nl_NL").splitlines() == [
            "Vergelijking",
            "Abonnementsvorm                            Geteld  Per maand    Per jaar",
            "Focus PO 1-2                                   58    € 55,68    € 667,00",
            "Focus PO 3-8 (basis)                          175    € 52,50    € 630,00",
            "Combi Focus PO 1-2 & Focus PO 3-8 (basis)     233   € 108,18  € 1.297,00",
            "Focus PO 1-8 (volledig)                       233   € 223,68  € 2.679,50",
        ]
        assert str(table) == table.format("nl_NL")
        assert table.format("en_GB").splitlines()[0:2] == [
            "Comparison",
            "Plan                                       Priced  Per month   Per year",
        ]

    def test_html(self) -> None:
        """The comparison renders as an HTML table in Jupyter."""
        html = plans.compare(CATALOG.values(), pupils=PUPILS)._repr_html_()
        assert _parse(html).balanced
        assert html.count("<tr>") == 5
        assert "Combi Focus PO 1-2 &amp; Focus PO 3-8 (basis)" in html

    def test_compare_seats(self) -> None:
        """Seat plans are compared by seats; there is no monthly amount."""
        rows = plans.compare([*plans.focus_po_plans(), TEAMS], seats=10).to_rows()
        assert rows == [
            {
                "plan_id": "teams",
                "plan": "Teams",
                "priced": 10,
                "monthly": None,
                "yearly": Decimal("600.00"),
                "currency": "EUR",
            }
        ]

    def test_compare_seats_with_unpriced_teams(self) -> None:
        """An unpriced seat plan in the comparison is an error, not a silent zero."""
        with pytest.raises(PriceNotConfigured):
            plans.compare(CATALOG.values(), seats=10)

    @pytest.mark.parametrize(
        "kwargs", [{}, {"pupils": {1: 1}, "seats": 3}], ids=["neither", "both"]
    )
    def test_exactly_one_quantity(self, kwargs: dict[str, Any]) -> None:
        """Exactly one of pupils= and seats= is required."""
        with pytest.raises(InvalidQuoteRequest) as info:
            plans.compare(CATALOG.values(), **kwargs)
        assert re.fullmatch(
            r"compare needs exactly one of pupils= or seats=, got pupils=.*, seats=.*",
            str(info.value),
        )

    def test_no_matching_plans(self) -> None:
        """Nothing to compare is an error that names the kind."""
        with pytest.raises(InvalidQuoteRequest) as info:
            plans.compare([TEAMS], pupils={1: 3})
        assert str(info.value) == "compare found no per-pupil plans to price; got none"
        with pytest.raises(InvalidQuoteRequest) as info:
            plans.compare(plans.focus_po_plans(), seats=3)
        assert str(info.value) == "compare found no seat plans to price; got none"
