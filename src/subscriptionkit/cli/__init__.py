"""The ``subscriptionkit`` command.

::

    subscriptionkit plans [--locale nl_NL]
    subscriptionkit quote focus-po-combi --pupils 1=28,2=30,3=31 --locale nl_NL
    subscriptionkit quote teams --seats 12 --seat-price 60.00

Every command takes ``--help``. Every failure ends with one line on stderr, starting
``subscriptionkit: error:``, never a traceback, and a documented exit status: 1 for a rule
the input broke, 2 for a malformed command line, 3 for a database that cannot be used,
4 for a missing optional dependency, 5 for a file that cannot be read or written, 70 for an
internal error (a bug), 130 when interrupted (see ``docs/cli.md``).
"""

from __future__ import annotations

import argparse
import contextlib
import pathlib
import sys
import typing

from .. import clock as _clock
from .._version import __version__
from . import (
    _billing,
    _certificates,
    _common,
    _db,
    _demo,
    _metering,
    _plans,
    _serve,
    _status,
    _subscriptions,
    _teams,
    _words,
)
from ._common import parse_pupils

# The package's namespace holds only what ``__all__`` names (and modules): the names below
# exist for the type checker only.
if typing.TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import NoReturn, TextIO

    from ..clock import Clock

    _Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]

__all__ = ["build_parser", "main", "parse_pupils"]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line with the command's one prefix."""

    def error(self, message: str) -> NoReturn:
        line = _common.one_line(f"{message} (see '{self.prog} --help')")
        self.exit(_common.EXIT_USAGE, f"{_common.PREFIX}{line}\n")


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
            f"(default: ${_subscriptions.DB_VARIABLE}, else ./{_subscriptions.DEFAULT_DB})"
        ),
    )
    common = _Parser(add_help=False)
    common.add_argument(
        "--locale",
        type=_common.locale_name,
        default="nl_NL",
        help="locale for dates and amounts (default nl_NL)",
    )
    common.add_argument(
        "--tz",
        type=_common.tz_name,
        default=_clock.DEFAULT_TIMEZONE,
        help=f"customer time zone (default {_clock.DEFAULT_TIMEZONE})",
    )
    common.add_argument("--catalog", type=pathlib.Path, help="a plan catalog file (.json or .toml)")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    _plans.add_commands(sub, common)
    _status.add_commands(sub, common)
    _subscriptions.add_commands(sub, common)
    _certificates.add_commands(sub)
    _metering.add_commands(sub)
    _db.add_commands(sub)
    _serve.add_commands(sub)
    _teams.add_commands(sub, common)
    _billing.add_commands(sub, common)
    _demo.add_commands(sub)
    _words.mark_commands(parser)
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
    args.clock = clock if clock is not None else _clock.SystemClock()
    handler: _Handler = args.handler
    try:
        return handler(args, out, err)
    except (Exception, KeyboardInterrupt) as exc:  # the command never ends in a traceback
        return _common.report(err, exc, parser=getattr(args, "command_parser", None))
