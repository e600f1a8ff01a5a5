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
import importlib
import os
import pathlib
import re
import sys
import typing

from .. import clock as _clock
from .._version import __version__
from . import _common, _words
from ._common import parse_pupils

# The package's namespace holds only what ``__all__`` names (and modules): the names below
# exist for the type checker only.
if typing.TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import NoReturn, TextIO

    from ..clock import Clock

    _Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]

#: The command modules, in the order their commands are listed, and whether their
#: ``add_commands`` takes the options every command shares.
_MODULES: typing.Final = (
    ("_plans", True),
    ("_status", True),
    ("_subscriptions", True),
    ("_certificates", False),
    ("_metering", False),
    ("_db", False),
    ("_serve", False),
    ("_teams", True),
    ("_billing", True),
    ("_privacy", True),
    ("_demo", False),
)
#: The module of each command: :func:`main` imports only the module of the command that
#: runs, so a command costs only its own imports (``--help`` and unknown words load all).
#: ``tests/cli/test_cli_lazy.py`` checks it against the full parser.
_COMMANDS: typing.Final = {
    "plans": "_plans",
    "quote": "_plans",
    "status": "_status",
    "subscriptions": "_subscriptions",
    "certificates": "_certificates",
    "meter": "_metering",
    "db": "_db",
    "serve": "_serve",
    "teams": "_teams",
    "billing": "_billing",
    "privacy": "_privacy",
    "demo": "_demo",
}

__all__ = ["build_parser", "main", "parse_pupils"]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line with the command's one prefix."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments") and re.search(r"(^|\s)--db\b", message):
            message += "; --db goes before the command: subscriptionkit --db PATH_OR_URL COMMAND"
        line = _common.one_line(f"{message} (see '{self.prog} --help')")
        self.exit(_common.EXIT_USAGE, f"{_common.PREFIX}{line}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Return the argument parser of the ``subscriptionkit`` command.

    Args:
        command: build only this command's part (and the options before it), importing
            only its module; ``None`` (the default) builds every command.
    """
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
            f"(default: ${_common.DB_VARIABLE}, else ./{_common.DEFAULT_DB})"
        ),
    )
    common = _Parser(add_help=False)
    _common.add_locale_option(common, "language, dates and amounts")
    common.add_argument(
        "--tz",
        type=_common.tz_name,
        default=_clock.DEFAULT_TIMEZONE,
        help=f"customer time zone (default {_clock.DEFAULT_TIMEZONE})",
    )
    common.add_argument("--catalog", type=pathlib.Path, help="a plan catalog file (.json or .toml)")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    wanted = None if command is None else _COMMANDS.get(command)
    for name, shared in _MODULES:
        if wanted is None or name == wanted:
            module = importlib.import_module(f".{name}", __name__)
            if shared:
                module.add_commands(sub, common)
            else:
                module.add_commands(sub)
    _words.mark_commands(parser)
    return parser


def _command_word(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` if it is one of ``_COMMANDS``, else None.

    Only ``--db VALUE`` (or ``--db=VALUE``) may come before it; anything else there
    (``--help``, ``--version``, a typo) needs the whole parser.
    """
    words = iter(argv)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("--db="):
            return word if word in _COMMANDS else None
    return None


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
    if out is None:
        out = _common.tolerant_output(sys.stdout)
    if err is None:
        err = _common.tolerant_output(sys.stderr)
    try:  # all of it, building the parser too: Ctrl-C at any moment is one line and 130
        return _run(sys.argv[1:] if argv is None else list(argv), out, err, clock)
    except KeyboardInterrupt as exc:
        return _common.report(err, exc)


def _run(argv: list[str], out: TextIO, err: TextIO, clock: Clock | None) -> int:
    """:func:`main` once its streams are chosen."""
    parser = build_parser(_command_word(argv))
    try:
        # argparse prints help, version and usage errors itself: send them to out/err too.
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors by exiting
        return exc.code if isinstance(exc.code, int) else 2
    args.clock = clock if clock is not None else _clock.SystemClock()
    handler: _Handler = args.handler
    try:
        status = handler(args, out, err)
        out.flush()  # a closed pipe shows here, not at the interpreter's exit
    except BrokenPipeError:  # `subscriptionkit plans | head`: the reader has gone
        return _closed_output(out)
    except (Exception, KeyboardInterrupt) as exc:  # the command never ends in a traceback
        return _common.report(err, exc, parser=getattr(args, "command_parser", None))
    return status


def _closed_output(out: TextIO) -> int:
    """End quietly when the reader of ``out`` went away; Python's own flush at exit would
    fail again on the same pipe, so the standard output's descriptor points at devnull."""
    if out is sys.stdout:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    return _common.EXIT_BROKEN_PIPE
