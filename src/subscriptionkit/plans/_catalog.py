"""The plan catalog: the published Focus PO plans, the Teams plan, and catalogs as data."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
from moneyed import Money

from .. import _documents
from .._checks import accepts, items
from .._translate import translated
from ..errors import InvalidArgument, InvalidPlan, UnknownPlan
from ..money import check_money, eur
from ._model import GradeBand, Plan, PupilPlan, SeatPlan, plan_from_dict
from ._terms import SeatProration, Span, Terms

#: Focus PO terms: one year, renewing; reminder two months ahead (published); a one-month
#: notice period and a four-week advance count (not published: documented defaults).
FOCUS_PO_TERMS = Terms(
    term=Span(months=12),
    auto_renew=True,
    cancellation_notice=Span(months=1),
    reminder_lead=Span(months=2),
    advance_count_period=Span(days=28),
)

#: Teams terms: a year per seat; cancellable until 5 days before the next payment and
#: a reminder two weeks before renewal (both published).
TEAMS_TERMS = Terms(
    term=Span(months=12),
    auto_renew=True,
    cancellation_notice=Span(days=5),
    reminder_lead=Span(days=14),
)


def _band_1_2() -> GradeBand:
    return GradeBand("1-2", (1, 2), eur("0.96"), eur("11.50"))


def _band_3_8() -> GradeBand:
    return GradeBand("3-8", (3, 4, 5, 6, 7, 8), eur("0.30"), eur("3.60"))


def focus_po_plans() -> tuple[PupilPlan, ...]:
    """Return the four Focus PO plans exactly as published (prices in euro)."""
    return (
        PupilPlan(
            id="focus-po-1-2",
            name="Focus PO 1-2",
            bands=(_band_1_2(),),
            terms=FOCUS_PO_TERMS,
            upgrades=("focus-po-combi", "focus-po-1-8"),
        ),
        PupilPlan(
            id="focus-po-3-8",
            name="Focus PO 3-8 (basis)",
            bands=(_band_3_8(),),
            terms=FOCUS_PO_TERMS,
            upgrades=("focus-po-combi", "focus-po-1-8"),
        ),
        PupilPlan(
            id="focus-po-combi",
            name="Combi Focus PO 1-2 & Focus PO 3-8 (basis)",
            bands=(_band_1_2(), _band_3_8()),
            terms=FOCUS_PO_TERMS,
            upgrades=("focus-po-1-8",),
        ),
        PupilPlan(
            id="focus-po-1-8",
            name="Focus PO 1-8 (volledig)",
            bands=(GradeBand("1-8", range(1, 9), eur("0.96"), eur("11.50")),),
            terms=FOCUS_PO_TERMS,
            upgrades=(),
        ),
    )


@accepts(
    seat_proration=(str, "'prorate' or 'next_renewal'"),
    plan_id=(str, "a plan id"),
)
def teams_plan(
    price_per_seat_year: Money | None = None,
    *,
    seat_proration: SeatProration = "prorate",
    plan_id: str = "teams",
) -> SeatPlan:
    """Return the Teams plan (3 to 40 seats) with the price you configure.

    The published sources give no Teams price, so the library does not invent one: pass
    ``price_per_seat_year`` (a :class:`~moneyed.Money`). Without it the plan is listed but
    cannot be priced.

    >>> from subscriptionkit.money import eur
    >>> teams_plan(eur("60.00")).price()
    Money('60.00', 'EUR')
    """
    if price_per_seat_year is not None:
        check_money(price_per_seat_year, "price_per_seat_year")
    currency = price_per_seat_year.currency.code if price_per_seat_year is not None else "EUR"
    return SeatPlan(
        id=plan_id,
        name="Teams",
        price_per_seat_year=price_per_seat_year,
        min_seats=3,
        max_seats=40,
        terms=attrs.evolve(TEAMS_TERMS, seat_proration=seat_proration),
        currency=currency,
    )


def _plans(value: Iterable[Plan]) -> tuple[Plan, ...]:
    plans = items(value, "plans", "an iterable of plans")
    for plan in plans:
        if not isinstance(plan, SeatPlan | PupilPlan):
            raise InvalidArgument(name="plans", expected="SeatPlan or PupilPlan values", got=plan)
    return plans


@attrs.frozen
class Catalog(Mapping[str, Plan]):
    """An ordered, immutable set of plans, looked up by id.

    >>> catalog = default_catalog()
    >>> list(catalog)
    ['focus-po-1-2', 'focus-po-3-8', 'focus-po-combi', 'focus-po-1-8', 'teams']
    >>> catalog["focus-po-combi"].name
    'Combi Focus PO 1-2 & Focus PO 3-8 (basis)'
    """

    plans: tuple[Plan, ...] = attrs.field(converter=_plans)

    @plans.validator
    def _unique(self, _a: object, plans: tuple[Plan, ...]) -> None:
        ids = [p.id for p in plans]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise InvalidPlan(f"plan ids must be unique in a catalog; repeated: {', '.join(dupes)}")
        known = set(ids)
        for plan in plans:
            if isinstance(plan, PupilPlan):
                missing = [u for u in plan.upgrades if u not in known]
                if missing:
                    raise InvalidPlan(
                        f"plan {plan.id!r} names upgrades not in the catalog: {', '.join(missing)}"
                    )

    def __getitem__(self, plan_id: str) -> Plan:
        if not isinstance(plan_id, str):
            raise UnknownPlan(plan_id=plan_id, known=[p.id for p in self.plans])
        for plan in self.plans:
            if plan.id == plan_id:
                return plan
        raise UnknownPlan(plan_id=plan_id, known=[p.id for p in self.plans])

    def __iter__(self) -> Iterator[str]:
        return (p.id for p in self.plans)

    def __len__(self) -> int:
        return len(self.plans)

    def with_plan(self, plan: Plan) -> Catalog:
        """Return a catalog with ``plan`` added, or replacing the plan with its id."""
        if not isinstance(plan, SeatPlan | PupilPlan):
            raise InvalidArgument(name="plan", expected="a SeatPlan or PupilPlan", got=plan)
        if plan.id in self:
            return Catalog(plan if p.id == plan.id else p for p in self.plans)
        return Catalog((*self.plans, plan))

    # -- as data -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the catalog as plain data: ``{"plans": [...]}``."""
        return {"plans": [p.to_dict() for p in self.plans]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalog:
        """Build a catalog from :meth:`to_dict` output.

        Raises:
            InvalidPlan: the data does not describe a valid catalog.
        """
        plans = data.get("plans") if isinstance(data, Mapping) else None
        if not isinstance(plans, list):
            raise InvalidPlan(
                f"a catalog must be a mapping with a 'plans' list, got {type(data).__name__}"
                + (f" with keys {sorted(map(str, data))}" if isinstance(data, Mapping) else "")
            )
        return cls(plan_from_dict(p) for p in plans)

    def to_json(self) -> str:
        """Return the catalog as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Catalog:
        """Build a catalog from JSON text (prices as decimal strings)."""
        if not isinstance(text, str | bytes):
            raise InvalidArgument(name="text", expected="JSON text", got=text)
        try:
            data = json.loads(text, parse_float=_no_float)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise InvalidPlan(f"catalog JSON is not valid JSON: {exc}") from exc
        return cls.from_dict(data)

    def to_toml(self) -> str:
        """Return the catalog as TOML text (an array of ``[[plans]]`` tables)."""
        return "".join(
            _documents.table("plans", p, InvalidPlan, array=True) for p in self.to_dict()["plans"]
        )

    @classmethod
    def from_toml(cls, text: str) -> Catalog:
        """Build a catalog from TOML text (prices as strings, e.g. ``"0.96"``)."""
        if not isinstance(text, str):
            raise InvalidArgument(name="text", expected="TOML text", got=text)
        try:
            data = tomllib.loads(text, parse_float=_no_float)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidPlan(f"catalog TOML is not valid TOML: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> Catalog:
        """Read a catalog from a ``.json`` or ``.toml`` file.

        Raises:
            InvalidPlan: the file cannot be read as UTF-8, or does not hold a valid catalog.
        """
        path = _documents.path_of(path)
        with translated(_documents.file_errors(path, "read", "catalog", InvalidPlan)):
            text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            return cls.from_toml(text)
        if path.suffix == ".json":
            return cls.from_json(text)
        raise InvalidPlan(f"a catalog file must end in .json or .toml, got {path.name!r}")

    def dump(self, path: str | Path) -> None:
        """Write the catalog to a ``.json`` or ``.toml`` file.

        Raises:
            InvalidPlan: the name does not end in ``.json`` or ``.toml``, or the file
                cannot be written.
        """
        path = _documents.path_of(path)
        if path.suffix not in (".json", ".toml"):
            raise InvalidPlan(f"a catalog file must end in .json or .toml, got {path.name!r}")
        with translated(_documents.file_errors(path, "write", "catalog", InvalidPlan)):
            path.write_text(
                self.to_toml() if path.suffix == ".toml" else self.to_json(), encoding="utf-8"
            )

    def pupil_plans(self) -> tuple[PupilPlan, ...]:
        """Return the per-pupil plans, in catalog order."""
        return tuple(p for p in self.plans if isinstance(p, PupilPlan))


@accepts(teams=(SeatPlan, "a SeatPlan, the plan of a team (see plans.teams_plan)"))
def default_catalog(teams: SeatPlan | None = None) -> Catalog:
    """Return the published plans: the four Focus PO plans and Teams.

    Args:
        teams: a configured Teams plan (see :func:`teams_plan`); by default Teams is listed
            without a price, since none is published.
    """
    return Catalog((*focus_po_plans(), teams if teams is not None else teams_plan()))


def _no_float(text: str) -> Any:  # ok: refuses floats in catalogs
    raise InvalidPlan(
        f'prices in a catalog must be strings such as "0.96" (floats lose cents), got {text}'
    )
