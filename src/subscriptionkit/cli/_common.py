"""Argument types and helpers shared by the command modules (internal)."""

from __future__ import annotations

import argparse
from decimal import Decimal

import attrs

from .. import plans
from .._i18n import check_locale
from ..clock import timezone
from ..errors import InvalidInput
from ..money import Money, money


def locale_name(value: str) -> str:
    try:
        return check_locale(value)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def tz_name(value: str) -> str:
    try:
        timezone(value)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def parse_pupils(text: str) -> dict[int, int]:
    """Parse ``"1=28,2=30"`` into ``{1: 28, 2: 30}``.

    Raises:
        InvalidInput: the text is not ``grade=count`` pairs separated by commas.
    """
    out: dict[int, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        grade, sep, count = part.partition("=")
        if not sep or not grade.strip().isdecimal() or not count.strip().isdecimal():
            raise InvalidInput(
                f"pupils must be grade=count pairs separated by commas, such as 1=28,2=30; "
                f"got {part!r} in {text!r}"
            )
        g = int(grade)
        if g in out:
            raise InvalidInput(
                f"grade {g} is given twice in --pupils {text!r}; expected each grade once"
            )
        out[g] = int(count)
    if not out:
        raise InvalidInput(f"pupils must name at least one grade=count pair, got {text!r}")
    return out


def catalog_from_args(args: argparse.Namespace) -> plans.Catalog:
    catalog = plans.Catalog.load(args.catalog) if args.catalog else plans.default_catalog()
    seat_price = getattr(args, "seat_price", None)
    if seat_price is not None:
        teams = catalog.get("teams")
        currency = teams.currency if isinstance(teams, plans.SeatPlan) else "EUR"
        catalog = catalog.with_plan(
            plans.teams_plan(money(seat_price, currency))
            if teams is None
            else _with_price(teams, money(seat_price, currency))
        )
    return catalog


def _with_price(plan: plans.Plan, price: Money) -> plans.Plan:
    if not isinstance(plan, plans.SeatPlan):
        raise InvalidInput(f"--seat-price applies to a seat plan; {plan.id!r} is priced per pupil")
    return attrs.evolve(plan, price_per_seat_year=price)


def decimal_amount(value: str) -> Decimal:
    try:
        return Decimal(value)
    except ArithmeticError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a decimal amount such as 60.00, got {value!r}"
        ) from exc
