"""The ``subscriptionkit`` command.

::

    subscriptionkit plans [--locale nl_NL]
    subscriptionkit quote focus-po-combi --pupils 1=28,2=30,3=31 --locale nl_NL
    subscriptionkit quote teams --seats 12 --seat-price 60.00

Every command takes ``--help``. Bad input ends with a one-line error on stderr and a
non-zero exit status: 1 for a rule the input broke, 2 for a malformed command line.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from . import _cli_subscriptions, plans
from ._cli_common import (
    catalog_from_args,
    decimal_amount,
    locale_name,
    parse_pupils,
    tz_name,
)
from ._i18n import Translator
from ._version import __version__
from .certificates import _cli as certificates_cli
from .clock import DEFAULT_TIMEZONE, Clock, SystemClock
from .errors import SubscriptionKitError
from .metering import _cli as metering_cli
from .money import format_money

Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]

__all__ = ["build_parser", "main", "parse_pupils"]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, like the library's own."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


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
    if args.seats is not None and isinstance(plan, plans.SeatPlan):
        plan.check_seats(args.seats)  # the seat range is the first thing to report
    pupils = parse_pupils(args.pupils) if args.pupils is not None else None
    result = plans.quote(plan, seats=args.seats, pupils=pupils)
    out.write(result.format(args.locale) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``subscriptionkit`` command."""
    parser = _Parser(
        prog="subscriptionkit",
        description="Business rules of subscription-based learning platforms.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help=(
            f"the database: a SQLite file path, :memory:, or a postgresql:// URL "
            f"(default: ${_cli_subscriptions.DB_VARIABLE}, else ./{_cli_subscriptions.DEFAULT_DB})"
        ),
    )
    common = _Parser(add_help=False)
    common.add_argument(
        "--locale",
        type=locale_name,
        default="nl_NL",
        help="locale for dates and amounts (default nl_NL)",
    )
    common.add_argument(
        "--tz",
        type=tz_name,
        default=DEFAULT_TIMEZONE,
        help=f"customer time zone (default {DEFAULT_TIMEZONE})",
    )
    common.add_argument("--catalog", type=Path, help="a plan catalog file (.json or .toml)")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("plans", parents=[common], help="list the plans with their prices")
    p.add_argument("--seat-price", type=decimal_amount, help="price per seat per year for Teams")
    p.set_defaults(handler=_cmd_plans)

    p = sub.add_parser("quote", parents=[common], help="price a plan for seats or pupils")
    p.add_argument("plan", help="plan id, e.g. focus-po-combi or teams")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--seats", type=int, help="number of seats (seat plans)")
    which.add_argument("--pupils", help="pupils per grade, e.g. 1=28,2=30,3=31")
    p.add_argument("--seat-price", type=decimal_amount, help="price per seat per year for Teams")
    p.set_defaults(handler=_cmd_quote)

    _cli_subscriptions.add_commands(sub, common)
    certificates_cli.add_commands(sub)
    metering_cli.add_commands(sub)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Clock | None = None,
) -> int:
    """Run the command line; return the exit status.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        out: where results go (default stdout).
        err: where errors go (default stderr).
        clock: the clock to ask for *now* (default the system clock).
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    parser = build_parser()
    try:
        # argparse prints help, version and usage errors itself: send them to out/err too.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors by exiting
        return exc.code if isinstance(exc.code, int) else 2
    args.clock = clock if clock is not None else SystemClock()
    handler: Handler = args.handler
    try:
        return handler(args, out, err)
    except SubscriptionKitError as exc:
        err.write(f"subscriptionkit: error: {exc}\n")
        return 1
    except OSError as exc:
        err.write(
            f"subscriptionkit: error: {exc.strerror or exc}: {exc.filename or ''}\n".rstrip() + "\n"
        )
        return 1
