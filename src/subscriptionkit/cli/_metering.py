"""The ``meter`` command (internal; :mod:`subscriptionkit.cli` wires it in).

::

    subscriptionkit meter events.csv --plan focus-po-combi --from 2026-01 --to 2026-06
    cat events.csv | subscriptionkit meter - --plan focus-po-1-8 --from 2026-01 --to 2026-01
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import IO, Any, TextIO

from .. import plans
from .._i18n import Translator
from .._table import Table
from ..clock import DEFAULT_TIMEZONE
from ..errors import SubscriptionKitError
from ..metering import (
    ActivityEvent,
    EventRow,
    Month,
    MonthlyCounts,
    month_range,
    monthly_counts,
    monthly_usage,
    read_events_csv,
)
from ..money import format_money, total
from ._common import fail, report
from ._subscriptions import open_database

#: Rows between two progress updates on stderr.
PROGRESS_EVERY = 100_000


def add_commands(subparsers: Any) -> None:
    """Add the ``meter`` command to an ``argparse`` sub-parser collection."""
    p = subparsers.add_parser(
        "meter",
        help="count billable pupils per month and band from a CSV of activity events",
        description="Read activity events (CSV: event_id, school_id, pupil_id, grade, "
        "category, processed_at) and print billable pupils and usage per school, month "
        "and grade band.",
    )
    p.add_argument(
        "file",
        nargs="?",
        help="the CSV file, or - for standard input; without it, the events stored in the "
        "database (--db before the command) are counted there, in one query",
    )
    p.add_argument(
        "--store",
        action="store_true",
        help="also store the CSV's events in the database (idempotent by event id), then "
        "count from the database",
    )
    p.add_argument("--school", help="count one school only")
    p.add_argument("--plan", required=True, help="plan id from the default catalog")
    p.add_argument("--from", dest="first", required=True, type=_month, help="first month YYYY-MM")
    p.add_argument("--to", dest="last", required=True, type=_month, help="last month YYYY-MM")
    p.add_argument("--tz", default=DEFAULT_TIMEZONE, help="the customer's time zone")
    p.add_argument("--locale", default="nl_NL", help="locale for amounts (default nl_NL)")
    p.add_argument(
        "--progress", action="store_true", help="report progress on stderr even if not a TTY"
    )
    p.set_defaults(handler=_cmd_meter)


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except SubscriptionKitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _progress(rows: Iterator[EventRow], err: TextIO, every: int) -> Iterator[EventRow]:
    n = 0
    for n, row in enumerate(rows, 1):
        if n % every == 0:
            err.write(f"\r{n:,} rows read")
            err.flush()
        yield row
    err.write(f"\r{n:,} rows read\n")


def _csv_rows(
    args: argparse.Namespace, stack: contextlib.ExitStack, err: TextIO
) -> Iterator[EventRow]:
    # Bytes, so the reader checks the encoding itself and names the line of a bad byte.
    source: IO[bytes] | TextIO
    if args.file == "-":
        source = getattr(sys.stdin, "buffer", sys.stdin)
    else:
        source = stack.enter_context(open(args.file, "rb"))  # noqa: SIM115
    rows: Iterator[EventRow] = read_events_csv(source)
    if args.progress or err.isatty():
        rows = _progress(rows, err, getattr(args, "progress_every", PROGRESS_EVERY))
    return rows


def _counts_from_database(
    args: argparse.Namespace, plan: plans.PupilPlan, months: tuple[Month, ...], err: TextIO
) -> MonthlyCounts:
    """Store the CSV's events (with --store), then count inside the database."""
    store = open_database(args)
    with store.unit_of_work() as uow:
        if args.store:
            with contextlib.ExitStack() as stack:
                rows = _csv_rows(args, stack, err)
                new = uow.activity.add(ActivityEvent.from_row(row) for row in rows)
            uow.commit()
            err.write(f"stored {new:,} new events\n")
        return uow.activity.monthly_counts(plan, months, tz=args.tz, school_id=args.school)


def _cmd_meter(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Handle ``meter``: print counts and usage; 1 on bad input, with a one-line error."""
    try:
        plan = plans.default_catalog()[args.plan]
        if not isinstance(plan, plans.PupilPlan):
            return fail(
                err, f"plan {args.plan!r} is not priced per pupil; expected a Focus PO plan"
            )
        months = month_range(args.first, args.last)
        if args.file is None or args.store:
            counts = _counts_from_database(args, plan, months, err)
        else:
            with contextlib.ExitStack() as stack:
                rows = _csv_rows(args, stack, err)
                if args.school is not None:
                    rows = (r for r in rows if r.school_id == args.school)
                counts = monthly_counts(rows, plan, months, tz=args.tz)
        lines = monthly_usage(counts, plan)
    except (SubscriptionKitError, OSError) as exc:
        return report(err, exc)
    t = Translator(args.locale)
    grand = total((line.amount for line in lines), plan.currency)
    table = Table(
        t.gettext("{plan}: billable pupils and usage, {first} to {last}").format(
            plan=plan.name, first=args.first, last=args.last
        ),
        (
            t.gettext("School"),
            t.gettext("Month"),
            t.gettext("Grades"),
            t.gettext("Pupils"),
            t.gettext("Usage"),
        ),
        tuple(
            (
                str(ln.school_id),
                str(ln.month),
                ln.band,
                str(ln.pupils),
                format_money(ln.amount, args.locale),
            )
            for ln in lines
        ),
        (
            t.gettext("Total"),
            "",
            "",
            str(sum(x.pupils for x in lines)),
            format_money(grand, args.locale),
        ),
    )
    out.write(table.text() + "\n")
    return 0
