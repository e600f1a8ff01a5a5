"""The ``meter`` command (internal; :mod:`subscriptionkit.cli` wires it in).

::

    subscriptionkit meter events.csv --plan focus-po-combi --from 2026-01 --to 2026-06
    cat events.csv | subscriptionkit meter - --plan focus-po-1-8 --from 2026-01 --to 2026-01
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any, TextIO

from babel.numbers import format_decimal

from .. import plans
from .._i18n import Translator
from .._table import Table
from ..clock import DEFAULT_TIMEZONE
from ..errors import SubscriptionKitError
from ..metering import (
    Month,
    MonthlyCounts,
    count_csv,
    month_range,
    usage_amounts,
)
from ..money import format_money, total
from ._common import EXIT_USAGE, add_locale_option, fail, tz_name


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
    p.add_argument(
        "--from", dest="first", metavar="MONTH", required=True, type=_month,
        help="first month YYYY-MM",
    )  # fmt: skip
    p.add_argument(
        "--to", dest="last", metavar="MONTH", required=True, type=_month,
        help="last month YYYY-MM",
    )  # fmt: skip
    p.add_argument("--tz", type=tz_name, default=DEFAULT_TIMEZONE, help="the customer's time zone")
    add_locale_option(p, "language and amounts")
    p.add_argument(
        "--progress",
        action="store_true",
        help="show the progress bar on stderr even if it is not a terminal",
    )
    p.set_defaults(handler=_cmd_meter)


def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except SubscriptionKitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _source(args: argparse.Namespace, stack: contextlib.ExitStack) -> tuple[IO[bytes], int | None]:
    """The CSV's bytes (a file opened here, or standard input), and its size if known.

    Bytes, so the reader checks the encoding itself and names the line of a bad byte; a
    file that cannot be opened raises ``OSError`` (the command's file exit status).
    """
    if args.file == "-":
        stdin: Any = sys.stdin  # a test may put text there, without .buffer
        return getattr(stdin, "buffer", stdin), None
    try:
        stream: IO[bytes] = stack.enter_context(open(args.file, "rb"))  # noqa: SIM115
    except OSError as exc:  # the same error, saying what FILE must be
        expected = "expected a readable CSV file of events, or - for standard input"
        raise type(exc)(exc.errno, f"{exc.strerror}; {expected}", exc.filename) from None
    return stream, os.fstat(stream.fileno()).st_size


def _bar(args: argparse.Namespace, err: TextIO, total: int | None) -> Any:
    """A progress bar on stderr (tqdm: percentage, rate, time left) if it is a terminal
    or --progress asks for one; else None: nothing is written to a pipe."""
    if not (args.progress or err.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc="reading",
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=err,
        mininterval=0.25,
    )


def _progress(
    args: argparse.Namespace, err: TextIO, size: int | None, stack: contextlib.ExitStack
) -> Callable[[int], None] | None:
    """The progress callback (bytes read so far) of a bar closed with ``stack``, or None."""
    bar = _bar(args, err, size)
    if bar is None:
        return None
    stack.callback(bar.close)
    stack.callback(bar.refresh)  # the last state, however soon after the one before
    return lambda done: bar.update(done - bar.n)


def _counts_from_csv(
    args: argparse.Namespace, plan: plans.PupilPlan, months: tuple[Month, ...], err: TextIO
) -> MonthlyCounts:
    """Count the CSV in this process: pyarrow and numpy when installed (``count_csv``)."""
    with contextlib.ExitStack() as stack:
        source, size = _source(args, stack)
        return count_csv(
            source,
            plan,
            months,
            tz=args.tz,
            school_id=args.school,
            progress=_progress(args, err, size, stack),
        )


def _counts_from_database(
    args: argparse.Namespace, plan: plans.PupilPlan, months: tuple[Month, ...], err: TextIO
) -> MonthlyCounts:
    """Store the CSV's events (with --store), then count inside the database."""
    from ._subscriptions import open_database  # the database's modules, only here

    store = open_database(args)
    with store.unit_of_work() as uow:
        if args.store:
            with contextlib.ExitStack() as stack:
                stream, size = _source(args, stack)
                new = uow.activity.add_csv(stream, progress=_progress(args, err, size, stack))
            uow.commit()
            t = Translator(args.locale)
            stored = t.ngettext("stored {count} new event", "stored {count} new events", new)
            err.write(stored.format(count=format_decimal(new, locale=args.locale)) + "\n")
        return uow.activity.monthly_counts(plan, months, tz=args.tz, school_id=args.school)


def _cmd_meter(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Handle ``meter``: print counts and usage (errors are reported by the command)."""
    plan = plans.default_catalog()[args.plan]
    if not isinstance(plan, plans.PupilPlan):
        return fail(err, f"plan {args.plan!r} is not priced per pupil; expected a Focus PO plan")
    if args.last < args.first:
        return fail(
            err,
            f"--to {args.last} is before --from {args.first}; expected --to at or after --from",
            EXIT_USAGE,
        )
    months = month_range(args.first, args.last)
    with _collector_paused():
        if args.file is None or args.store:
            counts = _counts_from_database(args, plan, months, err)
        else:
            counts = _counts_from_csv(args, plan, months, err)
        t = Translator(args.locale)
        if not counts.counts:
            out.write(
                t.gettext("No billable pupils counted from {first} to {last}.").format(
                    first=args.first, last=args.last
                )
                + "\n"
            )
            return 0
        out.write(_usage_table(counts, plan, args, t).text() + "\n")
    return 0


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the command runs, as it was after.

    Counting and printing build a few hundred thousand objects (keys, rows, lines) that
    live until the table is printed and form no cycles: each collection their allocations
    trigger walks them all again and frees nothing (about a quarter of a second of CPU
    time on a million rows).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _usage_table(
    counts: MonthlyCounts, plan: plans.PupilPlan, args: argparse.Namespace, t: Translator
) -> Table:
    """A line per school, month and band: the pupils and the usage, as
    :func:`~subscriptionkit.metering.monthly_usage` prices them, and the totals.

    Tens of thousands of lines hold a few hundred distinct ``(band, pupils)``: each is
    priced, formatted and summed once (times its number of lines), and no line object is
    built.
    """
    amounts = usage_amounts(counts, plan)
    cells = {
        key: (key[0], str(key[1]), format_money(amount, args.locale))
        for key, amount in amounts.items()
    }
    tally = collections.Counter((b, n) for (_, _, b), n in counts.counts.items())
    grand = total((amounts[key] * n for key, n in tally.items()), plan.currency)
    months = {m: str(m) for m in counts.months}
    return Table(
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
        tuple((str(s), months[m], *cells[(b, n)]) for (s, m, b), n in counts.counts.items()),
        (
            t.gettext("Total"),
            "",
            "",
            str(sum(counts.counts.values())),
            format_money(grand, args.locale),
        ),
    )
