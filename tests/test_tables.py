"""Results as tables: text and Jupyter HTML in a chosen locale, DataFrames with exact amounts."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import pandas as pd
import polars as pl
import pytest

from subscriptionkit import billing, metering, plans, subscriptions, tables
from subscriptionkit.errors import InvalidArgument, InvalidInput, MissingDependency
from subscriptionkit.metering import ActivityEvent, Month

AMS = dt.timezone(dt.timedelta(hours=1))
CATALOG = plans.default_catalog()


def _quote() -> plans.Quote:
    return plans.quote(CATALOG["focus-po-combi"], pupils={1: 28, 2: 30, 3: 31, 4: 29})


def _counts() -> metering.MonthlyCounts:
    events = [
        ActivityEvent(f"e{p}{m}", "school-1", f"p{p}", 1 + p % 4, "engagement", at)
        for p in range(7)
        for m in range(3)
        if (at := dt.datetime(2026, 1 + m, 10, 9, 0, tzinfo=AMS))
    ]
    months = metering.month_range(Month(2026, 1), Month(2026, 3))
    combi = CATALOG["focus-po-combi"]
    assert isinstance(combi, plans.PupilPlan)
    return metering.monthly_counts(events, combi, months)


def _results() -> list[tables.Tabular]:
    school = subscriptions.subscribe(
        "school-1", CATALOG["focus-po-combi"], at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=AMS)
    ).subscription
    invoice = billing.advance(school, {1: 28, 2: 30, 3: 31})
    comparison = plans.compare([CATALOG["focus-po-1-2"], CATALOG["focus-po-combi"]], pupils={1: 28})
    return [_quote(), comparison, invoice, _counts()]


class TestDisplay:
    """Every result renders in the locale asked for, as text and as HTML."""

    @pytest.mark.parametrize("result", _results(), ids=lambda r: type(r).__name__)
    def test_locale(self, result: tables.Tabular) -> None:
        """display(locale) is the table in that locale; the result's own HTML is nl_NL's."""
        english, dutch = result.display("en_GB"), result.display("nl_NL")
        assert isinstance(english, tables.Table)
        assert str(english) == result.format("en_GB") == english.text()
        assert english._repr_html_() == english.html()
        assert result._repr_html_() == dutch.html()
        assert english.headers != dutch.headers

    def test_amounts_localized(self) -> None:
        """Amounts follow the locale: €883.00 in en_GB, € 883,00 in nl_NL."""
        quote = _quote()
        assert quote.display("en_GB").footer == ("Total", "118", "", "€73.68", "", "€883.00")
        assert quote.display("nl_NL").footer == ("Totaal", "118", "", "€ 73,68", "", "€ 883,00")

    def test_unknown_locale(self) -> None:
        """An unknown locale is refused, naming it."""
        with pytest.raises(InvalidInput, match="xx_YY"):
            _quote().display("xx_YY")

    def test_counts_table(self) -> None:
        """Monthly counts: a row per school and month, a column per band."""
        table = _counts().display("en_GB")
        assert table.headers == ("School", "Month", "Grades 1-2", "Grades 3-8")
        assert table.rows[0] == ("school-1", "2026-01", "4", "3")
        assert len(table.rows) == 3

    def test_text_aligns_columns(self) -> None:
        """The first column is left-aligned, the others right-aligned to their widest cell,
        two spaces apart; trailing spaces are dropped, notes follow the footer."""
        table = tables.Table(
            "Title",
            ("School", "N", "Note"),
            (("s1", "5", "x"), ("school-22", "10", ""), ("s1", "5", "x")),
            ("Total", "20", ""),
            ("a note",),
        )
        assert table.text().splitlines() == [
            "Title",
            "School      N  Note",
            "s1          5     x",
            "school-22  10",
            "s1          5     x",
            "Total      20",
            "a note",
        ]
        assert tables.Table("Empty", (), ((), ())).text() == "Empty\n\n\n"

    def test_plain_text_in_ipython(self) -> None:
        """IPython's plain-text display prints the aligned text."""
        printed: list[str] = []

        class Printer:
            def text(self, value: str) -> None:
                printed.append(value)

        table = _quote().display("en_GB")
        table._repr_pretty_(Printer(), cycle=False)
        assert printed == [table.text()]


class TestFrames:
    """Rows convert to DataFrames; amounts stay exact."""

    def test_pandas_exact(self) -> None:
        """A quote's yearly amounts sum to the quote's total, as a Decimal."""
        quote = _quote()
        frame = quote.to_pandas()
        assert isinstance(frame, pd.DataFrame)
        assert frame["yearly"].sum() == quote.yearly_total.amount
        assert all(isinstance(v, Decimal) for v in frame["yearly"])

    def test_polars_exact(self) -> None:
        """polars holds amounts as Decimal columns with the cents' scale."""
        quote = _quote()
        frame = quote.to_polars()
        assert isinstance(frame, pl.DataFrame)
        assert isinstance(frame.schema["yearly"], pl.Decimal)
        assert frame["yearly"].sum() == quote.yearly_total.amount

    def test_counts_frame(self) -> None:
        """Counts become school, month, band, pupils columns."""
        frame = _counts().to_pandas()
        assert list(frame.columns) == ["school_id", "month", "band", "pupils"]
        assert frame["pupils"].sum() == sum(_counts().counts.values())

    def test_functions_take_rows(self) -> None:
        """to_pandas and to_polars take a result or plain rows."""
        rows = [{"plan": "a", "amount": Decimal("0.10")}, {"plan": "b", "amount": Decimal("0.2")}]
        assert tables.to_pandas(rows)["amount"].sum() == Decimal("0.30")
        assert tables.to_polars(rows)["amount"].to_list() == [Decimal("0.10"), Decimal("0.20")]
        assert tables.to_polars(_quote()).shape == _quote().to_polars().shape
        assert tables.to_polars([]).shape == (0, 0)

    @pytest.mark.parametrize("rows", ["text", 5, [1, 2], [{"a": 1}, None]])
    def test_bad_rows(self, rows: object) -> None:
        """Rows that are not mappings are refused, naming the argument."""
        for convert in (tables.to_pandas, tables.to_polars):
            with pytest.raises(InvalidArgument, match="rows"):
                convert(rows)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("package", "method"), [("pandas", "to_pandas"), ("polars", "to_polars")]
    )
    def test_missing_extra(
        self, monkeypatch: pytest.MonkeyPatch, package: str, method: str
    ) -> None:
        """Without the package, the conversion names the extra to install."""
        monkeypatch.setitem(sys.modules, package, None)
        with pytest.raises(MissingDependency, match=rf"subscriptionkit\[{package}\]"):
            getattr(_quote(), method)()
