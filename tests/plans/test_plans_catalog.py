"""The plan catalog: published prices, Teams as configuration, catalogs as data."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

import strategies
from subscriptionkit import plans
from subscriptionkit.errors import (
    InvalidGrade,
    InvalidMoney,
    InvalidPlan,
    PriceNotConfigured,
    SeatCountOutOfRange,
    UnknownPlan,
)
from subscriptionkit.money import eur, money

IDS = ["focus-po-1-2", "focus-po-3-8", "focus-po-combi", "focus-po-1-8", "teams"]


def _band(plan: plans.Plan, label: str) -> plans.GradeBand:
    assert isinstance(plan, plans.PupilPlan)
    return next(b for b in plan.bands if b.label == label)


class TestPublishedPrices:
    """Every published price, exactly."""

    @pytest.mark.parametrize(
        ("plan_id", "label", "grades", "month", "year"),
        [
            ("focus-po-1-2", "1-2", (1, 2), "0.96", "11.50"),
            ("focus-po-3-8", "3-8", (3, 4, 5, 6, 7, 8), "0.30", "3.60"),
            ("focus-po-combi", "1-2", (1, 2), "0.96", "11.50"),
            ("focus-po-combi", "3-8", (3, 4, 5, 6, 7, 8), "0.30", "3.60"),
            ("focus-po-1-8", "1-8", (1, 2, 3, 4, 5, 6, 7, 8), "0.96", "11.50"),
        ],
    )
    def test_band_prices(
        self, plan_id: str, label: str, grades: tuple[int, ...], month: str, year: str
    ) -> None:
        """Each band has its published monthly and yearly price per pupil, in euro."""
        band = _band(plans.default_catalog()[plan_id], label)
        assert band.grades == grades
        assert band.price_per_pupil_month == eur(month)
        assert band.price_per_pupil_year == eur(year)
        assert str(band.price_per_pupil_month.amount) == month
        assert str(band.price_per_pupil_year.amount) == year

    def test_yearly_is_not_twelve_times_monthly(self) -> None:
        """12 × € 0,96 = € 11,52, yet the published € 11,50 is kept."""
        band = _band(plans.default_catalog()["focus-po-1-2"], "1-2")
        assert band.price_per_pupil_month.amount * 12 == Decimal("11.52")
        assert band.price_per_pupil_year.amount == Decimal("11.50")
        assert band.price_per_pupil_year != band.price_per_pupil_month * 12

    def test_combi_bands_use_their_own_plans_prices(self) -> None:
        """The combi plan prices each band as the single plans do."""
        catalog = plans.default_catalog()
        combi = catalog["focus-po-combi"]
        assert _band(combi, "1-2") == _band(catalog["focus-po-1-2"], "1-2")
        assert _band(combi, "3-8") == _band(catalog["focus-po-3-8"], "3-8")

    def test_ids_names_and_order(self) -> None:
        """The catalog lists the four Focus PO plans and Teams, in that order."""
        catalog = plans.default_catalog()
        assert list(catalog) == IDS
        assert len(catalog) == 5
        assert [p.name for p in catalog.values()] == [
            "Focus PO 1-2",
            "Focus PO 3-8 (basis)",
            "Combi Focus PO 1-2 & Focus PO 3-8 (basis)",
            "Focus PO 1-8 (volledig)",
            "Teams",
        ]
        assert [p.id for p in plans.focus_po_plans()] == IDS[:4]
        assert catalog.pupil_plans() == plans.focus_po_plans()

    def test_upgrades(self) -> None:
        """1-2 and 3-8 upgrade to combi or 1-8; combi to 1-8; 1-8 is the top."""
        catalog = plans.default_catalog()
        upgrades = {p.id: p.upgrades for p in catalog.pupil_plans()}
        assert upgrades == {
            "focus-po-1-2": ("focus-po-combi", "focus-po-1-8"),
            "focus-po-3-8": ("focus-po-combi", "focus-po-1-8"),
            "focus-po-combi": ("focus-po-1-8",),
            "focus-po-1-8": (),
        }

    def test_terms(self) -> None:
        """Focus PO plans use the Focus PO terms, Teams the Teams terms."""
        catalog = plans.default_catalog()
        for plan in catalog.pupil_plans():
            assert plan.terms == plans.FOCUS_PO_TERMS
        assert catalog["teams"].terms == plans.TEAMS_TERMS

    def test_grades_and_band_for(self) -> None:
        """band_for finds the band of a grade, None for an uncovered grade."""
        combi = plans.default_catalog()["focus-po-combi"]
        assert isinstance(combi, plans.PupilPlan)
        assert combi.grades == frozenset(range(1, 9))
        band = combi.band_for(2)
        assert band is not None
        assert band.label == "1-2"
        one_two = plans.default_catalog()["focus-po-1-2"]
        assert isinstance(one_two, plans.PupilPlan)
        assert one_two.band_for(3) is None

    @pytest.mark.parametrize("grade", [0, 9, True, "1"])
    def test_band_for_bad_grade(self, grade: Any) -> None:
        """A grade outside 1–8 is refused."""
        plan = plans.default_catalog()["focus-po-1-8"]
        assert isinstance(plan, plans.PupilPlan)
        with pytest.raises(InvalidGrade) as info:
            plan.band_for(grade)
        assert str(info.value) == f"grade must be one of 1–8, got {grade!r}"


class TestTeams:
    """Teams: 3 to 40 seats, price as configuration."""

    def test_unpriced_by_default(self) -> None:
        """No Teams price is published, so none is invented."""
        teams = plans.default_catalog()["teams"]
        assert isinstance(teams, plans.SeatPlan)
        assert teams.price_per_seat_year is None
        with pytest.raises(PriceNotConfigured) as info:
            teams.price()
        assert str(info.value) == (
            "plan 'teams' has no configured price: the published sources give none, so it "
            "must be set (price_per_seat_year); got no price"
        )
        assert info.value.plan_id == "teams"

    def test_configured_price(self) -> None:
        """teams_plan(price) prices the plan; default_catalog(teams=...) uses it."""
        teams = plans.teams_plan(eur("60.00"))
        assert teams.price() == eur("60.00")
        assert (teams.min_seats, teams.max_seats, teams.name, teams.id) == (3, 40, "Teams", "teams")
        assert plans.default_catalog(teams)["teams"] == teams

    def test_other_currency_and_options(self) -> None:
        """The plan takes the price's currency, a proration mode and an id."""
        teams = plans.teams_plan(money("70", "USD"), seat_proration="at_renewal", plan_id="t2")
        assert teams.currency == "USD"
        assert teams.terms.seat_proration == "at_renewal"
        assert teams.id == "t2"

    @pytest.mark.parametrize("seats", [3, 40])
    def test_seats_in_range(self, seats: int) -> None:
        """3 and 40 seats are allowed."""
        assert plans.teams_plan().check_seats(seats) == seats

    @pytest.mark.parametrize("seats", [2, 0, -1])
    def test_too_few_seats(self, seats: int) -> None:
        """Fewer than 3 seats is refused without an Organisation hint."""
        with pytest.raises(SeatCountOutOfRange) as info:
            plans.teams_plan().check_seats(seats)
        assert str(info.value) == (
            f"seats for plan 'teams' must be a whole number from 3 to 40, got {seats}"
        )
        assert (info.value.minimum, info.value.maximum, info.value.got) == (3, 40, seats)

    def test_41_seats_points_to_organisation(self) -> None:
        """41 seats is refused, naming the Organisation plan."""
        with pytest.raises(SeatCountOutOfRange) as info:
            plans.teams_plan().check_seats(41)
        assert str(info.value) == (
            "seats for plan 'teams' must be a whole number from 3 to 40, got 41; teams of "
            "more than 40 people need an Organisation plan, which is sold on request"
        )

    @pytest.mark.parametrize("seats", [3.0, "10", True])
    def test_seats_must_be_whole(self, seats: object) -> None:
        """Non-integer seat counts are refused."""
        with pytest.raises(SeatCountOutOfRange):
            plans.teams_plan().check_seats(seats)

    def test_bad_seat_bounds(self) -> None:
        """min_seats must be at least 1 and not above max_seats."""
        with pytest.raises(InvalidPlan) as info:
            plans.SeatPlan(id="t", name="T", min_seats=5, max_seats=4)
        assert str(info.value) == (
            "plan 't': seats need 1 <= min_seats <= max_seats, got min_seats=5, max_seats=4"
        )

    def test_price_currency_must_match(self) -> None:
        """A seat plan's price is in the plan's currency."""
        with pytest.raises(InvalidPlan) as info:
            plans.SeatPlan(id="t", name="T", price_per_seat_year=money(1, "USD"))
        assert str(info.value) == "plan 't': price currency must be EUR, got USD"

    def test_negative_and_non_money_prices(self) -> None:
        """Prices are non-negative Money."""
        with pytest.raises(InvalidPlan) as info:
            plans.SeatPlan(id="t", name="T", price_per_seat_year=eur("-1"))
        assert str(info.value) == "price_per_seat_year must not be negative, got -1 EUR"
        with pytest.raises(InvalidPlan) as info:
            plans.SeatPlan(id="t", name="T", price_per_seat_year="60")  # type: ignore[arg-type]
        assert str(info.value) == "price_per_seat_year must be Money, got str: '60'"


class TestPlanValidation:
    """Broken plan definitions are refused with a clear message."""

    def test_overlapping_bands(self) -> None:
        """A grade may be in one band only."""
        with pytest.raises(InvalidPlan) as info:
            plans.PupilPlan(
                id="p",
                name="P",
                bands=[
                    plans.GradeBand("1-3", (1, 2, 3), eur("1"), eur("10")),
                    plans.GradeBand("3-4", (3, 4), eur("1"), eur("10")),
                ],
            )
        assert str(info.value) == (
            "plan 'p': each grade must be in one band only; grades [3] appear twice (band '3-4')"
        )

    def test_no_bands(self) -> None:
        """A per-pupil plan needs a band."""
        with pytest.raises(InvalidPlan) as info:
            plans.PupilPlan(id="p", name="P", bands=[])
        assert str(info.value) == "plan 'p' needs at least one grade band, got none"

    def test_band_currency(self) -> None:
        """Bands are in the plan's currency, and a band's two prices share one."""
        band = plans.GradeBand("1", (1,), money("1", "USD"), money("10", "USD"))
        with pytest.raises(InvalidPlan) as info:
            plans.PupilPlan(id="p", name="P", bands=[band])
        assert str(info.value) == "plan 'p': band '1' must be priced in EUR, got USD"
        with pytest.raises(InvalidPlan) as info:
            plans.GradeBand("1", (1,), eur("1"), money("10", "USD"))
        assert str(info.value) == (
            "band '1': monthly and yearly prices must share a currency, got EUR and USD"
        )

    @pytest.mark.parametrize(("grades", "bad"), [((0, 1), 0), ((9,), 9), ((), "no grades")])
    def test_band_grades(self, grades: tuple[int, ...], bad: object) -> None:
        """Band grades are 1–8 and not empty."""
        with pytest.raises(InvalidGrade) as info:
            plans.GradeBand("x", grades, eur("1"), eur("1"))
        assert str(info.value) == f"grade must be one of 1–8, got {bad!r}"

    def test_band_grades_sorted_unique(self) -> None:
        """Grades are stored sorted, once."""
        assert plans.GradeBand("x", [3, 1, 3], eur("1"), eur("1")).grades == (1, 3)

    def test_frozen(self) -> None:
        """Plans are immutable; change them with attrs.evolve."""
        teams = plans.teams_plan()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            teams.name = "Other"  # type: ignore[misc]
        assert attrs.evolve(teams, name="Other").name == "Other"


class TestCatalog:
    """Lookups and changes."""

    def test_unknown_plan_lists_known_ids(self) -> None:
        """An unknown id raises UnknownPlan (a KeyError) listing the ids."""
        with pytest.raises(UnknownPlan) as info:
            plans.default_catalog()["gold"]
        assert str(info.value) == (
            "no plan with id 'gold'; expected one of: focus-po-1-2, focus-po-3-8, "
            "focus-po-combi, focus-po-1-8, teams"
        )
        assert isinstance(info.value, KeyError)
        assert info.value.known == tuple(IDS)

    def test_mapping_protocol(self) -> None:
        """in, get() and items() work like a dict's."""
        catalog = plans.default_catalog()
        assert "teams" in catalog
        assert "gold" not in catalog
        assert catalog.get("gold") is None
        assert [k for k, _ in catalog.items()] == IDS

    def test_duplicate_ids(self) -> None:
        """Ids are unique in a catalog."""
        with pytest.raises(InvalidPlan) as info:
            plans.Catalog([plans.teams_plan(), plans.teams_plan()])
        assert str(info.value) == "plan ids must be unique in a catalog; repeated: teams"

    def test_upgrades_must_exist(self) -> None:
        """Upgrades name plans in the same catalog."""
        with pytest.raises(InvalidPlan) as info:
            plans.Catalog(plans.focus_po_plans()[:1])
        assert str(info.value) == (
            "plan 'focus-po-1-2' names upgrades not in the catalog: focus-po-combi, focus-po-1-8"
        )

    def test_with_plan(self) -> None:
        """with_plan replaces a plan by id or appends a new one."""
        catalog = plans.default_catalog()
        priced = catalog.with_plan(plans.teams_plan(eur("60")))
        assert list(priced) == IDS
        assert priced["teams"].price() == eur("60")  # type: ignore[union-attr]
        extra = catalog.with_plan(plans.teams_plan(eur("90"), plan_id="teams-plus"))
        assert list(extra) == [*IDS, "teams-plus"]
        assert catalog["teams"].price_per_seat_year is None  # type: ignore[union-attr]


TOML_EXAMPLE = """\
[[plans]]
id = "small"
kind = "pupil"
name = "Small"
bands = [{label = "1-2", grades = [1, 2], price_per_pupil_month = "0.50", price_per_pupil_year = "6.00"}]

[[plans]]
id = "team"
kind = "seat"
name = "Team"
price_per_seat_year = "60.00"
terms = {cancellation_notice = "P5D"}
"""


class TestCatalogData:
    """Catalogs as dicts, JSON and TOML."""

    def test_dict_round_trip(self) -> None:
        """The default catalog survives to_dict/from_dict."""
        catalog = plans.default_catalog(plans.teams_plan(eur("60.00")))
        assert plans.Catalog.from_dict(catalog.to_dict()) == catalog

    def test_to_dict_shapes(self) -> None:
        """Prices are decimal strings; an unpriced seat plan has no price key."""
        data = plans.default_catalog().to_dict()
        one_two, teams = data["plans"][0], data["plans"][4]
        assert one_two["bands"] == [
            {
                "label": "1-2",
                "grades": [1, 2],
                "price_per_pupil_month": "0.96",
                "price_per_pupil_year": "11.50",
            }
        ]
        assert one_two["upgrades"] == ["focus-po-combi", "focus-po-1-8"]
        assert "price_per_seat_year" not in teams
        assert teams["terms"]["cancellation_notice"] == "P5D"

    def test_json_and_toml_round_trips(self) -> None:
        """JSON and TOML give the same catalog back."""
        catalog = plans.default_catalog(plans.teams_plan(eur("60.00")))
        assert plans.Catalog.from_json(catalog.to_json()) == catalog
        assert plans.Catalog.from_toml(catalog.to_toml()) == catalog
        assert json.loads(catalog.to_json())["plans"][1]["bands"][0]["price_per_pupil_month"] == (
            "0.30"
        )

    @settings(deadline=None, max_examples=50)
    @given(catalog=strategies.catalogs())
    def test_generated_round_trips(self, catalog: plans.Catalog) -> None:
        """Any valid catalog survives dict, JSON and TOML."""
        assert plans.Catalog.from_dict(catalog.to_dict()) == catalog
        assert plans.Catalog.from_json(catalog.to_json()) == catalog
        assert plans.Catalog.from_toml(catalog.to_toml()) == catalog

    def test_hand_written_toml(self) -> None:
        """Inline tables, defaults and missing optional fields are accepted."""
        catalog = plans.Catalog.from_toml(TOML_EXAMPLE)
        assert list(catalog) == ["small", "team"]
        team = catalog["team"]
        assert isinstance(team, plans.SeatPlan)
        assert team.price() == eur("60.00")
        assert team.terms.cancellation_notice == plans.Span(days=5)
        assert team.terms.reminder_lead == plans.Span(months=2)

    def test_floats_refused_in_json(self) -> None:
        """A JSON float price would lose cents; it is refused."""
        text = plans.default_catalog().to_json().replace('"0.96"', "0.96", 1)
        with pytest.raises(InvalidPlan) as info:
            plans.Catalog.from_json(text)
        assert str(info.value) == (
            'prices in a catalog must be strings such as "0.96" (floats lose cents), got 0.96'
        )

    def test_floats_refused_in_toml(self) -> None:
        """A TOML float price is refused too."""
        text = TOML_EXAMPLE.replace('"60.00"', "60.0")
        with pytest.raises(InvalidPlan) as info:
            plans.Catalog.from_toml(text)
        assert str(info.value) == (
            'prices in a catalog must be strings such as "0.96" (floats lose cents), got 60.0'
        )

    def test_invalid_json_and_toml(self) -> None:
        """Syntax errors become InvalidPlan with the parser's position."""
        with pytest.raises(InvalidPlan, match=r"^catalog JSON is not valid JSON: Expecting"):
            plans.Catalog.from_json("{")
        with pytest.raises(InvalidPlan, match=r"^catalog TOML is not valid TOML: "):
            plans.Catalog.from_toml("[[plans]\n")

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ([], "a catalog must be a mapping with a 'plans' list, got list"),
            (
                {"plan": []},
                "a catalog must be a mapping with a 'plans' list, got dict with keys ['plan']",
            ),
            ({"plans": [5]}, "a plan must be a mapping, got int"),
            (
                {"plans": [{"id": "x", "kind": "seat"}]},
                "plan is missing field(s) name; got ['id', 'kind']",
            ),
            (
                {"plans": [{"id": "x", "kind": "bundle", "name": "X"}]},
                "plan kind must be 'seat' or 'pupil', got 'bundle'",
            ),
            (
                {"plans": [{"id": "x", "kind": "pupil", "name": "X"}]},
                "pupil plan is missing field(s) bands; got ['id', 'kind', 'name']",
            ),
            (
                {"plans": [{"id": "x", "kind": "pupil", "name": "X", "bands": [{"label": "a"}]}]},
                "band is missing field(s) grades, price_per_pupil_month, price_per_pupil_year; "
                "got ['label']",
            ),
            (
                {"plans": [{"id": "x", "kind": "seat", "name": "X", "pric_per_seat_year": "1"}]},
                "plan 'x' has unknown field(s) pric_per_seat_year; expected some of currency, "
                "id, kind, max_seats, min_seats, name, price_per_seat_year, terms, vat",
            ),
            (
                {"plans": [{"id": "x", "kind": "seat", "name": "X", "min_seats": "three"}]},
                "plan 'x': min_seats must be a whole number, got 'three'",
            ),
            (
                {"plans": [{"id": "x", "kind": "seat", "name": "X", "terms": "P1Y"}]},
                "plan 'x': terms must be a mapping, got 'P1Y'",
            ),
        ],
    )
    def test_bad_data(self, data: Any, message: str) -> None:
        """Each kind of broken catalog data has its own message."""
        with pytest.raises(InvalidPlan) as info:
            plans.Catalog.from_dict(data)
        assert str(info.value) == message

    def test_bad_currency_and_amount_in_data(self) -> None:
        """Money problems in data are InvalidMoney errors."""
        seat = {"id": "x", "kind": "seat", "name": "X", "price_per_seat_year": "abc"}
        with pytest.raises(InvalidMoney, match="got 'abc'"):
            plans.plan_from_dict(seat)
        with pytest.raises(InvalidMoney, match="got 'EURO'"):
            plans.plan_from_dict({**seat, "price_per_seat_year": "1", "currency": "EURO"})

    def test_load_and_dump(self, tmp_path: Path) -> None:
        """Files ending in .json and .toml are written and read back."""
        catalog = plans.default_catalog(plans.teams_plan(eur("60.00")))
        for name in ("catalog.json", "catalog.toml"):
            path = tmp_path / name
            catalog.dump(path)
            assert plans.Catalog.load(path) == catalog
            assert plans.Catalog.load(str(path)) == catalog

    def test_file_suffix(self, tmp_path: Path) -> None:
        """Other suffixes are refused, for reading and writing."""
        path = tmp_path / "catalog.yaml"
        with pytest.raises(InvalidPlan) as info:
            plans.default_catalog().dump(path)
        assert str(info.value) == "a catalog file must end in .json or .toml, got 'catalog.yaml'"
        path.write_text("plans: []", encoding="utf-8")
        with pytest.raises(InvalidPlan, match=r"got 'catalog.yaml'$"):
            plans.Catalog.load(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing file is a library error naming the file and the OS's reason."""
        with pytest.raises(
            InvalidPlan, match=r"cannot read the catalog file .*nope\.toml.*No such file"
        ):
            plans.Catalog.load(tmp_path / "nope.toml")
