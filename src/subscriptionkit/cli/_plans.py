"""The ``plans`` and ``quote`` commands (internal; :mod:`subscriptionkit.cli` wires them in).

::

    subscriptionkit plans [--locale nl_NL]
    subscriptionkit quote focus-po-combi --pupils 1=28,2=30,3=31 --locale nl_NL
    subscriptionkit quote teams --seats 12 --seat-price 60.00
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from .. import plans
from .._i18n import Translator
from ..errors import InvalidInput
from ..money import format_money
from ._common import catalog_from_args, decimal_amount, parse_pupils, whole_number_option


def _cmd_plans(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    t = Translator(args.locale)
    for plan in catalog_from_args(args).values():
        if isinstance(plan, plans.SeatPlan):
            price = (
                format_money(plan.price_per_seat_year, args.locale)
                if plan.price_per_seat_year is not None
                else t.gettext("price not configured")
            )
            out.write(
                f"{plan.id:<16} {plan.name}: {price} "
                + t.gettext("per seat per year, {low} to {high} seats").format(
                    low=plan.min_seats, high=plan.max_seats
                )
                + "\n"
            )
            continue
        out.write(f"{plan.id:<16} {plan.name}\n")
        for band in plan.bands:
            out.write(
                f"{'':<16}   "
                + t.gettext(
                    "grades {grades}: {month} per pupil per month ({year} per year)"
                ).format(
                    grades=band.label,
                    month=format_money(band.price_per_pupil_month, args.locale),
                    year=format_money(band.price_per_pupil_year, args.locale),
                )
                + "\n"
            )
    return 0


def _cmd_quote(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    plan = catalog_from_args(args)[args.plan]
    if isinstance(plan, plans.SeatPlan) and args.seats is None:
        raise InvalidInput(
            f"plan {plan.id!r} is priced per seat; expected --seats (such as --seats 12), "
            "got --pupils"
        )
    if isinstance(plan, plans.PupilPlan) and args.pupils is None:
        raise InvalidInput(
            f"plan {plan.id!r} is priced per pupil; expected --pupils (such as "
            "--pupils 1=28,2=30), got --seats"
        )
    if args.seats is not None and isinstance(plan, plans.SeatPlan):
        plan.check_seats(args.seats)  # the seat range is the first thing to report
    pupils = parse_pupils(args.pupils) if args.pupils is not None else None
    result = plans.quote(plan, seats=args.seats, pupils=pupils)
    out.write(result.format(args.locale) + "\n")
    return 0


def add_commands(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Add ``plans`` and ``quote`` to the command line."""
    p = sub.add_parser("plans", parents=[common], help="list the plans with their prices")
    p.add_argument("--seat-price", type=decimal_amount, help="price per seat per year for Teams")
    p.set_defaults(handler=_cmd_plans)

    p = sub.add_parser("quote", parents=[common], help="price a plan for seats or pupils")
    p.add_argument("plan", help="plan id, e.g. focus-po-combi or teams")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--seats", type=whole_number_option, help="number of seats (seat plans)")
    which.add_argument("--pupils", help="pupils per grade, e.g. 1=28,2=30,3=31")
    p.add_argument("--seat-price", type=decimal_amount, help="price per seat per year for Teams")
    p.set_defaults(handler=_cmd_quote)
