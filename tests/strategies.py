"""Shared Hypothesis strategies for the subscriptionkit tests (``import strategies``).

``tests`` is on pytest's ``pythonpath`` and mypy's ``mypy_path``, so every test module,
whatever folder it sits in, imports this module by its plain name.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from subscriptionkit import plans
from subscriptionkit.money import Money, money

__all__ = [
    "ZONE_NAMES",
    "amounts",
    "aware_datetimes",
    "catalogs",
    "grade_bands",
    "grade_counts",
    "money_amounts",
    "pupil_plans",
    "seat_plans",
    "spans",
    "terms",
    "unit_prices",
    "zone_names",
]

#: IANA zones with DST gaps and folds of one hour (Amsterdam, New York), half an hour
#: (Lord Howe), none at all (Kolkata, Tokyo), southern-hemisphere summers and odd offsets.
ZONE_NAMES = (
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
    "Europe/London",
    "America/Sao_Paulo",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Pacific/Auckland",
    "Pacific/Chatham",
)

#: The calendar range the properties explore (modern rules, well inside year 9999).
MIN_DATETIME = dt.datetime(1990, 1, 1)
MAX_DATETIME = dt.datetime(2090, 12, 31, 23, 59, 59)


def zone_names() -> st.SearchStrategy[str]:
    """An IANA zone name from :data:`ZONE_NAMES`."""
    return st.sampled_from(ZONE_NAMES)


def aware_datetimes(
    *, zones: tuple[str, ...] = ZONE_NAMES, allow_imaginary: bool = True
) -> st.SearchStrategy[dt.datetime]:
    """Aware stdlib datetimes (``zoneinfo``), including DST folds and, by default, gaps."""
    return st.datetimes(
        min_value=MIN_DATETIME,
        max_value=MAX_DATETIME,
        timezones=st.sampled_from([ZoneInfo(name) for name in zones]),
        allow_imaginary=allow_imaginary,
    )


def amounts(
    *, places: int = 2, min_value: int = -1_000_000, max_value: int = 1_000_000
) -> st.SearchStrategy[Decimal]:
    """Finite ``Decimal`` amounts with at most ``places`` decimals."""
    return st.decimals(
        min_value=min_value,
        max_value=max_value,
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


def money_amounts(*, places: int = 2, currency: str = "EUR") -> st.SearchStrategy[Money]:
    """:class:`Money` in ``currency`` with at most ``places`` decimals."""
    return amounts(places=places).map(lambda a: money(a, currency))


def unit_prices(*, places: int = 2, currency: str = "EUR") -> st.SearchStrategy[Money]:
    """Non-negative unit prices up to 1000, as a price list would have them."""
    return amounts(places=places, min_value=0, max_value=1000).map(lambda a: money(a, currency))


def grade_counts(*, max_pupils: int = 500) -> st.SearchStrategy[dict[int, int]]:
    """A grade → pupil count map over grades 1–8 (possibly empty, counts may be 0)."""
    return st.dictionaries(st.integers(1, 8), st.integers(0, max_pupils), max_size=8)


def spans(*, allow_zero: bool = True) -> st.SearchStrategy[plans.Span]:
    """Calendar spans of whole months and days."""
    result = st.builds(plans.Span, months=st.integers(0, 36), days=st.integers(0, 60))
    return result if allow_zero else result.filter(lambda s: bool(s.months or s.days))


def terms() -> st.SearchStrategy[plans.Terms]:
    """Valid :class:`~subscriptionkit.plans.Terms` (a term longer than zero)."""
    return st.builds(
        plans.Terms,
        term=spans(allow_zero=False),
        auto_renew=st.booleans(),
        cancellation_notice=spans(),
        reminder_lead=spans(),
        advance_count_period=spans(),
        seat_proration=st.sampled_from(["prorate", "at_renewal"]),
    )


_TEXT = st.text(min_size=1, max_size=30)
_IDS = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)


@st.composite
def grade_bands(draw: st.DrawFn, currency: str = "EUR") -> tuple[plans.GradeBand, ...]:
    """One to eight bands that split a random set of grades without overlap."""
    grades = draw(st.permutations(range(1, 9)))
    size = draw(st.integers(1, 8))
    chosen = sorted(grades[:size])
    cuts = sorted(draw(st.sets(st.integers(1, max(1, size - 1)), max_size=size - 1)))
    groups = [chosen[a:b] for a, b in zip([0, *cuts], [*cuts, size], strict=True) if chosen[a:b]]
    return tuple(
        plans.GradeBand(
            label=f"{g[0]}-{g[-1]}",
            grades=tuple(g),
            price_per_pupil_month=draw(unit_prices(currency=currency)),
            price_per_pupil_year=draw(unit_prices(currency=currency)),
        )
        for g in groups
    )


@st.composite
def pupil_plans(
    draw: st.DrawFn, plan_id: str | None = None, upgrades: tuple[str, ...] = ()
) -> plans.PupilPlan:
    """A valid per-pupil plan."""
    currency = draw(st.sampled_from(["EUR", "USD", "GBP"]))
    return plans.PupilPlan(
        id=plan_id if plan_id is not None else draw(_IDS),
        name=draw(_TEXT),
        bands=draw(grade_bands(currency)),
        terms=draw(terms()),
        upgrades=upgrades,
        currency=currency,
    )


@st.composite
def seat_plans(draw: st.DrawFn, plan_id: str | None = None) -> plans.SeatPlan:
    """A valid seat plan, priced or not."""
    currency = draw(st.sampled_from(["EUR", "USD", "GBP"]))
    low = draw(st.integers(1, 50))
    return plans.SeatPlan(
        id=plan_id if plan_id is not None else draw(_IDS),
        name=draw(_TEXT),
        price_per_seat_year=draw(st.none() | unit_prices(currency=currency)),
        min_seats=low,
        max_seats=draw(st.integers(low, 500)),
        terms=draw(terms()),
        currency=currency,
    )


@st.composite
def catalogs(draw: st.DrawFn) -> plans.Catalog:
    """A valid catalog: unique ids, upgrades that point to plans in the catalog."""
    ids = draw(st.lists(_IDS, min_size=1, max_size=5, unique=True))
    out: list[plans.Plan] = []
    for i, plan_id in enumerate(ids):
        if draw(st.booleans()):
            out.append(draw(seat_plans(plan_id)))
        else:
            ups = draw(st.lists(st.sampled_from(ids[i:]), unique=True, max_size=2))
            out.append(draw(pupil_plans(plan_id, tuple(u for u in ups if u != plan_id))))
    return plans.Catalog(out)
