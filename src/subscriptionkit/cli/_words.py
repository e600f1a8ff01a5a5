"""Library messages in the command line's words (internal).

The library's messages are written for Python callers: they name parameters
(``customer_id is empty``, ``got seats=5``, ``pass school_id= to choose one``) and show
values as Python sees them (``got str ''``, ``Decimal('NaN')``). The command reports every
error through :func:`command_words`, which rewrites those forms into what the person typed:
the options and arguments of the command that ran, read from its parser, so a renamed
option can never drift from the messages.

Only Python forms are rewritten (``name=``, a message or clause that starts with a
parameter name, ``(name)``, a type name after ``got``); prose that happens to use the same
word ("seats for plan 'teams'") is left alone.
"""

from __future__ import annotations

import argparse
import functools
import re
from collections.abc import Mapping
from typing import Final

#: Parameters of the library whose command-line spelling is not their own name: the
#: argparse destinations to look for, in order.
ALIASES: Final[Mapping[str, tuple[str, ...]]] = {
    "customer_id": ("customer",),
    "subscription_id": ("subscription_id", "subscription", "id"),
    "school_id": ("school",),
    "team_id": ("team_id", "id"),
    "account_id": ("account", "acting"),
    "owner_id": ("acting",),
    "by": ("acting",),
    "price_per_seat_year": ("seat_price",),
    "next_pupils": ("pupils",),
    "buyer_vat_id": ("vat_id",),
    "issued_on": ("issued_on",),
    "expires_at": ("expires",),
}

#: Python's names for the types of values, as messages show them after "got".
_TYPE_AFTER_GOT: Final = re.compile(
    r"\bgot (?:a |an )?(?:str|int|float|bool|bytes|dict|list|tuple|Decimal|NoneType):? "
    r"(?=['\"\d\[{(-]|b')"  # a value's repr follows: drop the type name before it
)
_DECIMAL_REPR: Final = re.compile(r"\bDecimal\('([^']*)'\)")


def _shown(action: argparse.Action) -> str:
    if action.option_strings:
        return max(action.option_strings, key=len)  # the long form: --seat-price
    metavar = action.metavar if isinstance(action.metavar, str) else None
    return metavar or action.dest.upper()


def option_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Library parameter name -> the option or argument that gives it in this command."""
    shown = {
        action.dest: _shown(action)
        for action in parser._actions
        if action.dest not in (argparse.SUPPRESS, "help") and action.help != argparse.SUPPRESS
    }
    out: dict[str, str] = {}
    for param in {*shown, *ALIASES}:
        for dest in (param, *ALIASES.get(param, ())):
            if dest in shown:
                out[param] = shown[dest]
                break
    return out


def _alternatives(names: list[str]) -> str:
    return "|".join(sorted(map(re.escape, names), key=len, reverse=True)) or "(?!)"


@functools.lru_cache(maxsize=64)
def _pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    every = _alternatives(list(names))
    snake = _alternatives([n for n in names if "_" in n])
    opening = r"(?:^|(?<=; )|(?<=: ))"
    # name= (keyword syntax); (name) or (name, ...); a snake_case name opening the
    # message or a clause; any name opening one as "name must ..." (an argument check).
    return re.compile(
        rf"\b(?P<kw>{every})=(?P<value>\S?)"
        rf"|(?<=\()(?P<paren>{every})(?=[),])"
        rf"|{opening}(?P<lead>{snake})\b(?!=)"
        rf"|{opening}(?P<must>{every})(?= must )"
    )


def command_words(message: str, parser: argparse.ArgumentParser | None) -> str:
    """``message`` with Python forms rewritten into the options of ``parser``'s command."""
    message = _DECIMAL_REPR.sub(r"'\1'", message)
    message = _TYPE_AFTER_GOT.sub("got ", message)
    if parser is None:
        return message
    names = option_names(parser)
    if not names:
        return message

    def replace(match: re.Match[str]) -> str:
        if match.group("kw") is not None:
            value = match.group("value")
            return f"{names[match.group('kw')]} {value}" if value else names[match.group("kw")]
        return names[match.group("paren") or match.group("lead") or match.group("must")]

    return _pattern(tuple(sorted(names))).sub(replace, message)


def mark_commands(parser: argparse.ArgumentParser) -> None:
    """Give every command's parser itself as the ``command_parser`` default, so the error
    report can read the options of the command that ran, and show each of its arguments
    in its help as the error lines name it (``CUSTOMER``, ``SUBSCRIPTION_ID``), never as
    the lower-case Python name argparse would show (``customer``)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        parser.set_defaults(command_parser=parser)
        for action in parser._actions:
            if not action.option_strings and action.metavar is None:
                action.metavar = _shown(action)
        return
    for child in subs[0].choices.values():
        mark_commands(child)
