"""Argument types and helpers shared by the command modules (internal).

Errors: every command reports a failure through :func:`report` (or :func:`fail`), so
each is one line on stderr with the one prefix :data:`PREFIX` and an exit status from
the documented table (``docs/cli.md``):

====  =================================================================================
0     done
1     the input broke a rule (a bad value, an unknown id, a refused lifecycle step...)
2     the command line is malformed (unknown option, missing argument, bad value type)
3     the database cannot be used now or at all: busy, foreign, damaged, wrong version
4     an optional dependency is missing (the message names the extra to install)
5     a file could not be read or written (missing, a directory, no permission)
70    an internal error: a bug in subscriptionkit (please report it)
130   interrupted (Ctrl-C)
141   the reader of the output went away (``| head``): quietly, like a shell's SIGPIPE
====  =================================================================================
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import datetime as _dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Final, TextIO

import attrs
import babel
import pendulum

from .. import plans
from .._i18n import check_locale, language, languages
from .._iso import parse_day, parse_moment
from ..clock import timezone
from ..errors import (
    AlreadyExists,
    InvalidInput,
    MissingDependency,
    NotFound,
    StorageError,
    SubscriptionKitError,
)
from ..money import Money, money
from ._words import command_words

#: The one prefix of every error line the command prints.
PREFIX: Final = "subscriptionkit: error: "
#: Environment variable naming the database when ``--db`` is not given.
DB_VARIABLE: Final = "SUBSCRIPTIONKIT_DB"
#: The database used when neither ``--db`` nor the variable says: a SQLite file here.
DEFAULT_DB: Final = "subscriptionkit.db"

EXIT_OK: Final = 0
EXIT_INPUT: Final = 1
EXIT_USAGE: Final = 2
EXIT_DATABASE: Final = 3
EXIT_MISSING_DEPENDENCY: Final = 4
EXIT_FILE: Final = 5
EXIT_INTERNAL: Final = 70
EXIT_INTERRUPTED: Final = 130
EXIT_BROKEN_PIPE: Final = 141  # 128 + SIGPIPE, what a shell reports for `cmd | head`


def one_line(text: str) -> str:
    """``text`` on one line: line breaks shown as ``\\n``, surrounding space dropped."""
    return " ".join(text.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n"))


#: What the output writes for a character its encoding cannot hold (``PYTHONIOENCODING=ascii``,
#: a Latin-1 terminal); any other such character is written as ``?``.
_FALLBACKS: Final = {
    "\u20ac": "EUR",  # €
    "\u00b7": ".",  # ·
    "\u00a0": " ",  # no-break space (babel's "€ 1,92")
    "\u202f": " ",  # narrow no-break space
    "\u2013": "-",
    "\u2014": "-",
    "\u2019": "'",
    "\u2026": "...",
}
_FALLBACK_HANDLER: Final = "subscriptionkit-fallback"


def _fallback(exc: UnicodeError) -> tuple[str, int]:
    """A codec error handler: the characters ``exc`` could not encode, as :data:`_FALLBACKS`."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start : exc.end]
    return "".join(_FALLBACKS.get(char, "?") for char in text), exc.end


def tolerant_output(stream: TextIO) -> TextIO:
    """``stream`` (the process's standard output or error) made to write what its encoding
    can hold: a character it cannot (``€`` in ASCII or Latin-1) is written as its
    :data:`_FALLBACKS` text (``EUR``) or ``?``, where Python would end the command with a
    ``UnicodeEncodeError``. A stream with another error policy than ``strict``, or that is
    not a text file, is left as it is."""
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        codecs.register_error(_FALLBACK_HANDLER, _fallback)  # the same handler each time
        stream.reconfigure(errors=_FALLBACK_HANDLER)
    return stream


def exit_status(exc: BaseException) -> int:
    """The documented exit status for an exception that ends a command."""
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, MissingDependency):
        return EXIT_MISSING_DEPENDENCY
    if isinstance(exc, StorageError) and not isinstance(exc, NotFound | AlreadyExists):
        return EXIT_DATABASE
    if isinstance(exc, SubscriptionKitError):
        # The library's own error for a file it could not open (a catalog, a register...)
        # keeps the OSError as its cause: missing, a directory, no permission. (Its own
        # NotPermitted is a PermissionError, an OSError too: a refused rule, status 1.)
        return EXIT_FILE if isinstance(exc.__cause__, OSError) else EXIT_INPUT
    if isinstance(exc, OSError):
        return EXIT_FILE
    return EXIT_INTERNAL


def _message(exc: BaseException) -> str:
    if isinstance(exc, SubscriptionKitError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc)
        name = exc.filename if exc.filename is not None else ""
        return f"cannot use the file {str(name)!r}: {reason}" if name else reason
    return (
        f"internal error ({type(exc).__name__}: {exc}); this is a bug in subscriptionkit, "
        "please report it with the command that caused it"
    )


#: The attribute :func:`in_file` gives an error: the file whose words its message speaks.
_FILE_ATTRIBUTE: Final = "subscriptionkit_cli_file"


@contextlib.contextmanager
def in_file(name: str) -> Iterator[None]:
    """Mark a library error raised inside as one about the content of the file ``name``:
    :func:`report` then names the file and leaves the message in the file's words, where
    it would rewrite parameter names into the command's options."""
    try:
        yield
    except SubscriptionKitError as exc:
        if not isinstance(exc.__cause__, OSError):  # a file that cannot be read says so
            setattr(exc, _FILE_ATTRIBUTE, name)
        raise


def fail(err: TextIO, message: str, status: int = EXIT_INPUT) -> int:
    """Print ``message`` as the command's one error line; return ``status``."""
    err.write(f"{PREFIX}{one_line(message)}\n")
    return status


def report(
    err: TextIO, exc: BaseException, *, parser: argparse.ArgumentParser | None = None
) -> int:
    """Print the one error line for ``exc``; return its documented exit status.

    ``parser`` is the parser of the command that ran: the message then names its options
    (``--pupils``, ``CUSTOMER``) where the library's names its parameters (see ``_words``).
    """
    source = getattr(exc, _FILE_ATTRIBUTE, None)
    if isinstance(source, str):  # the file's words, not the command's options
        return fail(err, f"in {source}: {_message(exc)}", exit_status(exc))
    return fail(err, command_words(_message(exc), parser), exit_status(exc))


def command_group(group: argparse.ArgumentParser, title: str) -> argparse._SubParsersAction[Any]:
    """The commands of ``group`` (``teams``, ``billing``...): required, listed under ``title``
    in its help, and shown as ``COMMAND`` in its usage, never as ``{keygen,rotate,...}``."""
    return group.add_subparsers(title=title, metavar="COMMAND", required=True)


def moment_option(value: str) -> pendulum.DateTime:
    """An argparse type: an ISO 8601 moment with its UTC offset (``--at``, ``--expires``);
    a refused one names the real fault (a month 13, a day 31 in a 30-day month, an hour
    25, a missing offset) and the text given."""
    try:
        return parse_moment(value)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def day_option(value: str) -> _dt.date:
    """An argparse type: a day written YYYY-MM-DD (``--on``, ``--completed-on``); a
    refused one names the real fault and the text given."""
    try:
        return parse_day(value)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def whole_number_option(value: str) -> int:
    """An argparse type: a whole number written in ASCII digits, with a sign if negative
    (``--seats``, ``--max-uses``); a refused one says what was expected and given, where
    argparse's own ``int`` type would show a Python type name."""
    text = value.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number such as 12, got {value!r}")
    return int(text)


def positive_whole_number_option(value: str) -> int:
    """An argparse type: a whole number of 1 or more (``--valid-days``, ``--max-uses``):
    the command refuses 0 and negative numbers itself, in its own words."""
    number = whole_number_option(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {value}")
    return number


def port_option(value: str) -> int:
    """An argparse type: a TCP port, a whole number from 0 to 65535 (0: any free port)."""
    port = whole_number_option(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"expected a port number from 0 to 65535 (0: any free port), got {value}"
        )
    return port


def locale_name(value: str) -> str:
    """An argparse type: a locale in a language the command speaks (:func:`speaks`)."""
    try:
        return speaks(value)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


#: The locale when the environment names none the command speaks (README: else Dutch).
FALLBACK_LOCALE: Final = "nl_NL"
#: Locales shown as examples of each language the command speaks.
_EXAMPLES: Final = {"en": ("en_GB", "en_US"), "nl": ("nl_NL", "nl_BE")}


def speaks(locale: str) -> str:
    """Return ``locale`` if the command speaks its language, else refuse it.

    The command prints whole sentences: a locale whose words it cannot translate would
    print a mix (French numbers and dates around English words), so it is refused, with
    the languages it does speak. The library's own functions format any locale babel
    knows; only the command's words need a catalog.

    Raises:
        InvalidInput: babel does not know ``locale``, or the command has no words in its
            language.
    """
    check_locale(locale)
    spoken = languages()
    if language(locale) in spoken:
        return locale
    examples = [n for code in spoken for n in _EXAMPLES.get(code, (f"{code}_{code.upper()}",))]
    names = " or ".join(_language_name(code) for code in spoken)
    raise InvalidInput(
        f"the command has no words in {_language_name(language(locale))}; expected a locale "
        f"in {names}, such as {', '.join(examples[:-1])} or {examples[-1]}; got {locale!r}"
    )


def _language_name(code: str) -> str:
    return babel.Locale.parse(code).english_name or code


def environment_locale() -> str:
    """The user's locale from the environment, in POSIX's order for messages
    (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, read by babel), else
    :data:`FALLBACK_LOCALE`: also for ``C``/``POSIX``, which name no language, for a
    locale babel does not know and for one in a language the command does not speak
    (:func:`speaks`). ``LC_CTYPE`` is not read: it names a character set, and Python sets
    it to ``C.UTF-8`` itself when the system lacks the user's locale (PEP 538)."""
    found = babel.default_locale(("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"))
    if not found or found == "en_US_POSIX":
        return FALLBACK_LOCALE
    try:
        return speaks(found)
    except InvalidInput:
        return FALLBACK_LOCALE


def add_locale_option(parser: argparse.ArgumentParser, what: str) -> None:
    """Give ``parser`` the one ``--locale`` option of every command: checked by
    :func:`locale_name`, by default :func:`environment_locale` (read when the parser is
    built, each time the command runs). ``what`` says what it localizes."""
    parser.add_argument(
        "--locale",
        type=locale_name,
        default=environment_locale(),
        help=f"{what} (default: the environment's locale, else {FALLBACK_LOCALE})",
    )


def tz_name(value: str) -> str:
    try:
        timezone(value)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return value


def parse_pupils(text: str) -> dict[int, int]:
    """Parse ``"1=28,2=30"`` into ``{1: 28, 2: 30}``.

    Each pair is checked apart and a refused one is named: a pair without ``=``, a grade
    that is not a whole number, a count that is not a whole number of 0 or more
    (``1=-1``), a grade given twice. Grades outside the plan's are for the plan to refuse.

    Raises:
        InvalidInput: the text is not ``grade=count`` pairs separated by commas; the
            message says which pair, what it must be and what it holds.
    """
    out: dict[int, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        grade, sep, count = (p.strip() for p in part.partition("="))
        if not sep:
            raise InvalidInput(
                f"pupils must be grade=count pairs separated by commas, such as 1=28,2=30; "
                f"got {part!r} without '=' in {text!r}"
            )
        if not _digits(grade):
            raise InvalidInput(
                f"pupils must name each grade as a whole number such as 3; got grade "
                f"{grade!r} in {part!r}"
            )
        g = int(grade)
        if not _digits(count):
            shown = "nothing" if not count else repr(count)
            negative = count.startswith("-") and _digits(count[1:])
            raise InvalidInput(
                f"pupils must give each grade a count of pupils that is a whole number of 0 "
                f"or more, such as {g}=28; got {count if negative else shown} for grade {g} "
                f"in {part!r}"
            )
        if g in out:
            raise InvalidInput(
                f"grade {g} is given twice in --pupils {text!r}; expected each grade once"
            )
        out[g] = int(count)
    if not out:
        raise InvalidInput(f"pupils must name at least one grade=count pair, got {text!r}")
    return out


def _digits(text: str) -> bool:
    """ASCII digits only: full-width and other Unicode digits are refused."""
    text = text.strip()
    return text.isascii() and text.isdigit()


def catalog_from_args(args: argparse.Namespace) -> plans.Catalog:
    """The catalog of ``--catalog`` (else the default one), with ``--seat-price`` applied.

    An error in the file is told in the file's words (``price_per_seat_year``), named as
    the file's (:func:`in_file`), never as the option with a like name (``--seat-price``)."""
    if args.catalog:
        with in_file(f"the catalog file {args.catalog}"):
            catalog = plans.Catalog.load(args.catalog)
    else:
        catalog = plans.default_catalog()
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
        amount = Decimal(value)
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite():
        raise argparse.ArgumentTypeError(f"expected a decimal amount such as 60.00, got {value!r}")
    return amount
