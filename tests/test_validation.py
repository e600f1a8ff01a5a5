"""Issue 9's reported cases, each kept as a test: no silent loss, no raw error, one rule.

Every value the issue reports (``monthly_counts([None, event], ...)``,
``format_money(eur("1e999999999"))``, ``quote(plan, pupils={1: 10**30})``,
``billing.advance(sub, None)``, ``subscribe(customer, plan=None)``, ``subscribe(None, ...)``,
``EventLog().ingest_rows([None])``, float money, full-width digits...) is here, with the
library error it must raise.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from moneyed import Money

from subscriptionkit import billing, metering, plans, subscriptions
from subscriptionkit.errors import (
    InvalidArgument,
    InvalidEvent,
    InvalidEventBatch,
    InvalidGrade,
    InvalidIdentifier,
    InvalidInput,
    InvalidMoney,
    InvalidPlan,
    InvalidQuoteRequest,
    MissingDependency,
    SeatCountOutOfRange,
)
from subscriptionkit.money import check_money, eur, format_money, line_amount, total
from subscriptionkit.testing import active_subscription

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
CATALOG = plans.default_catalog()


def _pupil_plan(plan_id: str) -> plans.PupilPlan:
    plan = CATALOG[plan_id]
    assert isinstance(plan, plans.PupilPlan)
    return plan


COMBI = _pupil_plan("focus-po-combi")
MONTHS = metering.month_range(metering.Month(2026, 3), metering.Month(2026, 4))
#: Wrong arguments typed as Any, so the type checker lets the tests pass them.
NOTHING: Any = None
ANY_COMBI: Any = COMBI
EVENT = metering.ActivityEvent("e1", "s1", "p1", 3, "engagement", AT)


class TestNothingDroppedWithoutAWord:
    """Metering input that is not an event or a row raises InvalidEvent naming its index."""

    @pytest.mark.parametrize(
        ("events", "index"),
        [
            ([None, EVENT], 0),  # reported: a leading bad row made the input look empty
            ([EVENT, None], 1),
            ([EVENT, "e2,s1,p2,3,engagement,2026-03-02T10:00:00Z"], 1),
            ([EVENT, 42], 1),
            ([EVENT, ("e2", "s1", "p2", 3)], 1),
            ([EVENT, {"event_id": "e2"}], 1),
        ],
    )
    def test_monthly_counts(self, events: list[Any], index: int) -> None:
        """The bad item is named by its index, whatever its position."""
        with pytest.raises(InvalidEvent) as info:
            metering.monthly_counts(events, COMBI, MONTHS)
        assert (info.value.field, info.value.index) == ("row", index)
        assert info.value.got == events[index]

    def test_events_and_rows_may_mix(self) -> None:
        """Events and rows in one input are all counted (the first item decides nothing)."""
        row = ("e2", "s1", "p2", 4, "engagement", int(AT.timestamp()))
        counts = metering.monthly_counts([row, EVENT], COMBI, MONTHS)
        assert counts.count("s1", metering.Month(2026, 3)) == 2

    def test_not_iterable(self) -> None:
        """None instead of events is refused, not read as 'no events'."""
        with pytest.raises(InvalidEvent, match="rows"):
            metering.monthly_counts(None, COMBI, MONTHS)  # type: ignore[arg-type]

    def test_ingest_rows_reports_none(self) -> None:
        """Reported: EventLog().ingest_rows([None]) raised TypeError; now row 0 is rejected."""
        result = metering.EventLog().ingest_rows([None, EVENT])  # type: ignore[list-item]
        assert (result.accepted, [(i, e.field) for i, e in result.rejected]) == (1, [(0, "row")])
        with pytest.raises(InvalidEventBatch, match="row 0: activity event row must be"):
            result.raise_for_errors()

    def test_ingest_refuses_non_events(self) -> None:
        """ingest() names the index of an item that is not an ActivityEvent."""
        with pytest.raises(InvalidEvent) as info:
            metering.EventLog().ingest([EVENT, None])  # type: ignore[list-item]
        assert (info.value.field, info.value.index) == ("event", 1)

    def test_billable_pupils_refuses_non_events(self) -> None:
        """billable_pupils names the index of an item that is not an event."""
        with pytest.raises(InvalidEvent) as info:
            metering.billable_pupils([EVENT, None], at=AT)  # type: ignore[list-item]
        assert info.value.index == 1


class TestMoneyIsExact:
    """Money from float arithmetic, NaN or Infinity is refused wherever money is accepted."""

    BAD = (
        Money(Decimal("NaN"), "EUR"),
        Money(Decimal("Infinity"), "EUR"),
        Money(Decimal("-Infinity"), "EUR"),
        Money(0.1 + 0.2, "EUR"),  # 0.30000000000000004
    )

    @pytest.mark.parametrize("bad", BAD, ids=repr)
    def test_check_money(self, bad: Money) -> None:
        """The one check refuses each."""
        with pytest.raises(InvalidMoney, match="price"):
            check_money(bad, "price")

    @pytest.mark.parametrize("bad", BAD, ids=repr)
    def test_plans_refuse(self, bad: Money) -> None:
        """A Teams price, a band's prices: each refuses float residue and NaN/Infinity."""
        with pytest.raises(InvalidMoney):
            plans.teams_plan(bad)
        with pytest.raises(InvalidMoney):
            plans.GradeBand("1-2", (1, 2), bad, eur("11.50"))
        with pytest.raises(InvalidMoney):
            plans.SeatPlan("teams-x", "Teams", bad)

    @pytest.mark.parametrize("bad", BAD[:3], ids=repr)
    def test_arithmetic_refuses_non_finite(self, bad: Money) -> None:
        """format_money, line_amount and total refuse NaN and Infinity."""
        with pytest.raises(InvalidMoney):
            format_money(bad)
        with pytest.raises(InvalidMoney):
            line_amount(bad, 2)
        with pytest.raises(InvalidMoney):
            total([eur(1), bad])

    def test_a_float_that_is_exact_passes(self) -> None:
        """Money(0.96) holds exactly 0.96 (py-moneyed converts through str): nothing to refuse."""
        assert check_money(Money(0.96, "EUR")) == eur("0.96")

    def test_format_money_out_of_range(self) -> None:
        """Reported: format_money(eur('1e999999999')) raised decimal.InvalidOperation."""
        with pytest.raises(InvalidMoney, match=r"1E\+999999999 is out of range") as info:
            format_money(eur("1e999999999"))
        assert "\n" not in str(info.value)

    def test_quote_out_of_range(self) -> None:
        """Reported: quote(plan, pupils={1: 10**30}) raised decimal.InvalidOperation."""
        with pytest.raises(InvalidMoney, match="out of range for exact decimal arithmetic"):
            plans.quote(COMBI, pupils={1: 10**30})

    def test_sum_out_of_range(self) -> None:
        """A sum that overflows the decimal context is refused, not raised raw."""
        with pytest.raises(InvalidMoney, match="Overflow"):
            total([eur("9e999999"), eur("9e999999")])


class TestNoneArguments:
    """Reported AttributeErrors from None arguments are named library errors now."""

    def test_advance_none_pupils(self) -> None:
        """billing.advance(sub, None) names the pupils argument."""
        sub = active_subscription("focus-po-combi")
        with pytest.raises(InvalidArgument) as info:
            billing.advance(sub, None)  # type: ignore[arg-type]
        assert info.value.name == "pupils"
        assert str(info.value).startswith("pupils must be a mapping of grade (int)")

    def test_advance_none_subscription(self) -> None:
        """billing.advance(None, ...) names the subscription argument."""
        with pytest.raises(
            InvalidArgument, match=r"^subscription must be a Subscription, got None"
        ):
            billing.advance(None, {1: 3})  # type: ignore[arg-type]

    def test_subscribe_without_plan(self) -> None:
        """subscribe(customer, plan=None) names the plan argument."""
        with pytest.raises(
            InvalidArgument, match=r"^plan must be a SeatPlan or PupilPlan, got None"
        ):
            subscriptions.subscribe("c1", None, at=AT)  # type: ignore[arg-type]

    @pytest.mark.parametrize("customer", [None, "", "  ", "a\x00", "x" * 101, 7])
    def test_subscribe_refuses_bad_customers(self, customer: object) -> None:
        """subscribe(None, ...) and subscribe('', ...) are refused by the identifier rule."""
        with pytest.raises(InvalidIdentifier) as info:
            subscriptions.subscribe(customer, COMBI, at=AT)  # type: ignore[arg-type]
        assert info.value.field == "customer_id"

    def test_empty_subscription_id_is_not_replaced(self) -> None:
        """An explicit '' id is refused instead of silently replaced by a random one."""
        with pytest.raises(InvalidIdentifier) as info:
            subscriptions.subscribe("c1", COMBI, at=AT, subscription_id="")
        assert info.value.field == "subscription_id"

    def test_trial_refuses_bad_customer(self) -> None:
        """start_trial applies the same rule."""
        with pytest.raises(InvalidIdentifier):
            subscriptions.start_trial("", at=AT)

    @pytest.mark.parametrize(
        ("call", "name"),
        [
            (lambda: subscriptions.cancel(NOTHING, at=AT), "subscription"),
            (lambda: subscriptions.upgrade(active_subscription(), NOTHING, at=AT), "plan"),
            (lambda: subscriptions.activate(active_subscription(), COMBI, at=NOTHING), "at"),
            (lambda: billing.seat_invoice(NOTHING), "subscription"),
            (lambda: metering.monthly_usage(NOTHING, COMBI), "counts"),
            (lambda: plans.quote(NOTHING, seats=3), "plan"),
            (lambda: plans.default_catalog(teams=ANY_COMBI), "teams"),
        ],
    )
    def test_every_public_function_names_the_argument(self, call: Any, name: str) -> None:
        """A sample across the packages: the error names the argument that was wrong."""
        with pytest.raises(InvalidArgument) as info:
            call()
        assert info.value.name == name


class TestWholeNumbers:
    """Grades and counts are real ints: no bools, strings or full-width digits."""

    @pytest.mark.parametrize("grade", ["3", "３", True, 3.0])
    def test_event_grade(self, grade: object) -> None:
        """An event's grade must be an int 1-8."""
        with pytest.raises(InvalidEvent) as info:
            metering.ActivityEvent("e1", "s1", "p1", grade, "engagement", AT)
        assert info.value.field == "grade"

    def test_row_grade_from_text(self) -> None:
        """A row read from text may give '3'; full-width digits are refused even there."""
        assert metering.ActivityEvent.from_row(("e1", "s1", "p1", "3", "engagement", AT)).grade == 3
        with pytest.raises(InvalidEvent) as info:
            metering.ActivityEvent.from_row(("e1", "s1", "p1", "３", "engagement", AT), 4)
        assert (info.value.field, info.value.index) == ("grade", 4)

    @pytest.mark.parametrize("count", ["10", "１０", True, 10.0, Decimal(10), -1])
    def test_quote_pupil_counts(self, count: object) -> None:
        """Pupil counts in a quote are whole numbers >= 0."""
        with pytest.raises(InvalidQuoteRequest):
            plans.quote(COMBI, pupils={1: count})  # type: ignore[dict-item]

    @pytest.mark.parametrize("grade", ["1", "１", True])
    def test_quote_grades(self, grade: object) -> None:
        """Grades in a quote are ints."""
        with pytest.raises(InvalidGrade):
            plans.quote(COMBI, pupils={grade: 3})  # type: ignore[dict-item]

    @pytest.mark.parametrize("seats", ["5", "５", True, 5.0])
    def test_seats(self, seats: object) -> None:
        """Seats are ints, in a quote and in a subscription."""
        teams = plans.teams_plan(eur("60.00"))
        with pytest.raises(SeatCountOutOfRange):
            plans.quote(teams, seats=seats)  # type: ignore[arg-type]
        with pytest.raises(SeatCountOutOfRange):
            subscriptions.subscribe("c1", teams, at=AT, seats=seats)  # type: ignore[arg-type]

    @pytest.mark.parametrize("count", ["3", True, 3.0])
    def test_advance_counts(self, count: object) -> None:
        """Advance pupil counts are ints."""
        sub = active_subscription("focus-po-combi")
        with pytest.raises(InvalidInput, match="pupil counts must be whole numbers"):
            billing.advance(sub, {1: count})  # type: ignore[arg-type]

    def test_plan_seat_bounds(self) -> None:
        """A plan's seat bounds are ints."""
        with pytest.raises(InvalidArgument, match="min_seats"):
            plans.SeatPlan("teams-x", "Teams", min_seats="3")  # type: ignore[arg-type]


class TestIdentifiersInTheModel:
    """Ids are checked where values are made, so every store sees the same ones."""

    @pytest.mark.parametrize("field", ["event_id", "school_id", "pupil_id"])
    @pytest.mark.parametrize("bad", ["", "a\nb", "x" * 101, None])
    def test_event_ids(self, field: str, bad: object) -> None:
        """Event, school and pupil ids follow the identifier rule."""
        values = {"event_id": "e1", "school_id": "s1", "pupil_id": "p1", field: bad}
        with pytest.raises(InvalidEvent) as info:
            metering.ActivityEvent(
                values["event_id"], values["school_id"], values["pupil_id"], 3, "engagement", AT
            )
        assert info.value.field == field
        assert "at most 100 characters" in str(info.value)

    def test_plan_ids(self) -> None:
        """Plan ids follow the identifier rule too (they are stored beside subscriptions)."""
        with pytest.raises(InvalidIdentifier):
            plans.teams_plan(plan_id="")

    def test_subscription_value(self) -> None:
        """A Subscription built by hand is checked like one made by the rules."""
        sub = active_subscription()
        with pytest.raises(InvalidIdentifier):
            subscriptions.Subscription(
                id="x" * 101,
                customer_id=sub.customer_id,
                plan=sub.plan,
                status=sub.status,
                started_at=sub.started_at,
            )


class TestMissingExtras:
    """A missing optional dependency names the extra."""

    def test_numpy_engine(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """engine='numpy' without numpy: pip install 'subscriptionkit[numpy]'."""
        monkeypatch.setitem(sys.modules, "numpy", None)
        columns: dict[str, list[Any]] = {
            "school_id": ["s1"],
            "pupil_id": ["p1"],
            "grade": [3],
            "category": ["engagement"],
            "processed_at": [int(AT.timestamp())],
        }
        with pytest.raises(MissingDependency, match=r"pip install 'subscriptionkit\[numpy\]'"):
            metering.count_columns(columns, COMBI, MONTHS, engine="numpy")


class TestColumnNames:
    """Column mappings with keys that are not names still get the library's error
    (found by the public-API fuzz: ``{0: None}`` raised ``TypeError`` while the message
    was being written)."""

    @pytest.mark.parametrize("columns", [{0: None}, {}, {"school_id": [], 3.5: []}])
    def test_count_columns(self, columns: dict[Any, Any]) -> None:
        with pytest.raises(InvalidInput, match=r"columns must include .*pupil_id"):
            metering.count_columns(columns, COMBI, MONTHS)


class TestCatalogFiles:
    """Catalog files that cannot be read are library errors."""

    def test_not_utf8(self, tmp_path: Path) -> None:
        """A latin-1 file names the file and the expected encoding."""
        path = tmp_path / "catalog.json"
        path.write_bytes('{"plans": [], "name": "\xe9cole"}'.encode("latin-1"))
        with pytest.raises(InvalidPlan, match="readable UTF-8"):
            plans.Catalog.load(path)

    def test_a_directory(self, tmp_path: Path) -> None:
        """A directory is not a catalog file."""
        folder = tmp_path / "catalog.json"
        folder.mkdir()
        with pytest.raises(InvalidPlan, match="cannot read the catalog file"):
            plans.Catalog.load(folder)
