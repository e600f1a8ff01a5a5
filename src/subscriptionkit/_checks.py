"""Argument checks shared by every package: identifiers, whole numbers, types (internal).

One rule per kind of value, in one place, so every public function and every store
accepts and refuses exactly the same values:

* identifiers (customer, subscription, school, pupil, event, certificate, plan ids):
  text, not blank, no control characters (nor line separators or lone surrogates, which
  no database can store), at most :data:`MAX_ID_LENGTH` characters;
* counts and grades: real ``int`` values only; ``bool``, ``str`` (also full-width
  digits such as ``"３"``), ``float`` and ``Decimal`` are refused;
* arguments of the wrong type raise :class:`~subscriptionkit.errors.InvalidArgument`
  (an ``InvalidInput`` and a ``TypeError``) naming the argument, before any attribute of
  it is touched: :func:`accepts` declares the types of a public function's arguments.
"""

from __future__ import annotations

import functools
import inspect
import math
import unicodedata
from collections.abc import Callable
from typing import Any, Final, ParamSpec, TypeVar

from .errors import InvalidArgument, InvalidIdentifier

#: The longest identifier accepted anywhere, in characters (every SQL id column holds it).
MAX_ID_LENGTH: Final = 100

#: Unicode categories refused in identifiers: controls, line/paragraph separators and
#: lone surrogates (not encodable as UTF-8, so no database could store them).
_REFUSED_CATEGORIES: Final = frozenset({"Cc", "Zl", "Zp", "Cs"})

P = ParamSpec("P")
R = TypeVar("R")

#: What an argument may be: a type, or a tuple of types, with the words for the message.
Kind = tuple[type[Any] | tuple[type[Any], ...], str]


def identifier(value: object, field: str, *, allow_int: bool = False) -> str:
    """Return ``value`` if it is a usable identifier, else raise :class:`InvalidIdentifier`.

    Args:
        value: the id.
        field: its name, for the message (``"customer_id"``).
        allow_int: accept an ``int`` (not a ``bool``) and return it as text, for ids read
            from CSV files and database rows.
    """
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InvalidIdentifier(
            field=field, problem="is not text", got=value, max_length=MAX_ID_LENGTH
        )
    if not value.strip():
        raise InvalidIdentifier(
            field=field, problem="is empty", got=value, max_length=MAX_ID_LENGTH
        )
    if len(value) > MAX_ID_LENGTH:
        raise InvalidIdentifier(
            field=field,
            problem=f"is too long ({len(value)} characters)",
            got=value,
            max_length=MAX_ID_LENGTH,
        )
    for position, char in enumerate(value):
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise InvalidIdentifier(
                field=field,
                problem=f"holds a control character (U+{ord(char):04X} at position {position})",
                got=value,
                max_length=MAX_ID_LENGTH,
            )
    return value


def optional_identifier(value: object, field: str) -> str | None:
    """Like :func:`identifier`, but ``None`` passes (an id to be generated)."""
    return None if value is None else identifier(value, field)


def whole_number(value: object, name: str, *, minimum: int | None = None) -> int:
    """Return ``value`` if it is a real ``int`` (not a ``bool``) at least ``minimum``.

    Raises:
        InvalidArgument: anything else, including digit strings and floats.
    """
    if not isinstance(value, int) or isinstance(value, bool):
        expected = "a whole number (int)" if minimum is None else f"a whole number >= {minimum}"
        raise InvalidArgument(name=name, expected=expected, got=value)
    if minimum is not None and value < minimum:
        raise InvalidArgument(name=name, expected=f"a whole number >= {minimum}", got=value)
    return value


def seconds(value: object, name: str, *, maximum: float = 86_400.0) -> float:
    """Return ``value`` as seconds if it is a real number above 0 and at most ``maximum``.

    Raises:
        InvalidArgument: a bool, text, NaN, infinity, zero, a negative number, or more.
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidArgument(name=name, expected="a number of seconds", got=value)
    if not (math.isfinite(value) and 0 < value <= maximum):
        raise InvalidArgument(
            name=name, expected=f"seconds, more than 0 and at most {maximum:g}", got=value
        )
    return float(value)  # ok: a timeout in seconds (a lock wait), not money and not a clock


def argument(value: Any, types: type[Any] | tuple[type[Any], ...], name: str, expected: str) -> Any:
    """Return ``value`` if it is an instance of ``types``, else raise :class:`InvalidArgument`."""
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in _flat(types)):
        raise InvalidArgument(name=name, expected=expected, got=value)
    return value


def _flat(types: type[Any] | tuple[type[Any], ...]) -> tuple[type[Any], ...]:
    return types if isinstance(types, tuple) else (types,)


def accepts(**kinds: Kind) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare the types of a public function's arguments; wrong ones raise early.

    ``@accepts(plan=(Plan, "a Plan"), at=(datetime, "an aware datetime"))`` checks each
    named argument with ``isinstance`` when the function is called (``bool`` never passes
    for ``int``) and raises :class:`~subscriptionkit.errors.InvalidArgument` naming it.
    Arguments left at their default are not checked, and ``None`` passes for an argument
    whose default is ``None``. The check is shallow: values inside containers are the function's to check.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)
        unknown = set(kinds) - set(signature.parameters)
        if unknown:  # a typo in a declaration: fail loudly, at import
            raise AssertionError(f"{func.__qualname__} has no argument(s) {sorted(unknown)}")
        optional = {n for n, p in signature.parameters.items() if p.default is None}

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:  # a missing or unknown argument
                raise InvalidArgument(
                    name=f"{func.__name__}() arguments",
                    expected=f"the signature {func.__name__}{signature}",
                    got=str(exc),
                ) from None
            given = bound.arguments
            for name, (types, expected) in kinds.items():
                if name in given and not (given[name] is None and name in optional):
                    argument(given[name], types, name, expected)
            return func(*args, **kwargs)

        return wrapper

    return decorate


# -- attrs validators over the same rules -----------------------------------------------


def is_instance(
    types: type[Any] | tuple[type[Any], ...], expected: str
) -> Callable[[Any, Any, Any], None]:
    """An attrs validator: the field is an instance of ``types`` (never a stray ``bool``)."""

    def validate(_inst: Any, attr: Any, value: Any) -> None:
        argument(value, types, attr.name, expected)

    return validate


def is_identifier(_inst: Any, attr: Any, value: Any) -> None:
    """An attrs validator: the field is an identifier (:func:`identifier`)."""
    identifier(value, attr.name)


def is_whole_number(_inst: Any, attr: Any, value: Any) -> None:
    """An attrs validator: the field is a real ``int`` (:func:`whole_number`)."""
    whole_number(value, attr.name)


def items(value: object, name: str, expected: str) -> tuple[Any, ...]:
    """Return an iterable argument as a tuple; text, bytes and non-iterables are refused."""
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise InvalidArgument(name=name, expected=expected, got=value)
    try:
        return tuple(value)
    except TypeError:  # an __iter__ that is not one
        raise InvalidArgument(name=name, expected=expected, got=value) from None


def tuple_of(value: object, kind: type[Any], name: str) -> tuple[Any, ...]:
    """Any iterable of ``kind`` as a tuple (an attrs converter's body).

    Raises:
        InvalidArgument: ``value`` is not an iterable (text counts as none), or one of its
            items is not a ``kind``; the message names ``name``.
    """
    found = items(value, name, f"an iterable of {kind.__name__}")
    for item in found:
        if not isinstance(item, kind) or (isinstance(item, bool) and kind is not bool):
            raise InvalidArgument(name=name, expected=f"{kind.__name__} values", got=item)
    return found


def is_one_of(values: tuple[str, ...]) -> Callable[[Any, Any, Any], None]:
    """An attrs validator: the field is one of ``values``."""

    def validate(_inst: Any, attr: Any, value: Any) -> None:
        if not isinstance(value, str) or value not in values:
            raise InvalidArgument(
                name=attr.name, expected=f"one of {', '.join(map(repr, values))}", got=value
            )

    return validate
