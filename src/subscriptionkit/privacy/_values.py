"""Field checks shared by the privacy records (internal)."""

from __future__ import annotations

import datetime as _dt
import enum
from typing import Any, NoReturn, TypeVar

from .._checks import identifier, items
from ..clock import instant
from ..errors import InvalidArgument, InvalidInput

E = TypeVar("E", bound=enum.StrEnum)
T = TypeVar("T")


def refuse_unknown(cls: type[enum.StrEnum], value: object) -> NoReturn:
    """An enum's ``_missing_``: an unknown name raises :class:`InvalidArgument`, not ValueError."""
    raise InvalidArgument(
        name=cls.__name__, expected=f"one of {', '.join(repr(m.value) for m in cls)}", got=value
    )


def choice(kind: type[E], value: object, what: str) -> E:
    """Return ``value`` as a member of ``kind``; anything else raises :class:`InvalidInput`."""
    for member in kind:
        if value == member.value:
            return member
    choices = ", ".join(repr(m.value) for m in kind)
    raise InvalidInput(f"{what} must be one of {choices}, got {value!r}")


def text(_inst: object, attr: Any, value: Any) -> None:
    """An attrs validator: non-empty text of at most 500 characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        raise InvalidInput(
            f"{attr.name} must be non-empty text of at most 500 characters, got {value!r}"
        )


def optional_text(inst: object, attr: Any, value: Any) -> None:
    """An attrs validator: ``None`` or :func:`text`."""
    if value is not None:
        text(inst, attr, value)


def an_id(_inst: object, attr: Any, value: Any) -> None:
    """An attrs validator: an identifier (the library's one rule for ids)."""
    identifier(value, attr.name)


def moment(value: object) -> _dt.datetime:
    """An attrs converter: an aware datetime, kept as its instant (UTC)."""
    return instant(value, "moment")  # type: ignore[arg-type]  # instant checks the type


def optional_moment(value: object) -> _dt.datetime | None:
    """An attrs converter: ``None`` or :func:`moment`."""
    return None if value is None else moment(value)


def parse_moment(value: object) -> _dt.datetime:
    """Read an ISO 8601 moment with its offset (from stored or exported data)."""
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return _dt.datetime.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"a moment must be ISO 8601 text with an offset, got {value!r}")


def iso(value: _dt.datetime | None) -> str | None:
    """An instant as ISO 8601 text, or ``None``."""
    return None if value is None else value.isoformat()


def instances(value: object, kind: type[T], name: str) -> tuple[T, ...]:
    """Return an iterable argument as a tuple of ``kind``; anything else is refused.

    Raises:
        InvalidArgument: not an iterable (or text).
        InvalidInput: an item that is not a ``kind``.
    """
    found = items(value, name, f"an iterable of {kind.__name__} values")
    for item in found:
        if not isinstance(item, kind):
            raise InvalidInput(
                f"{name} must hold {kind.__name__} values, got {type(item).__name__}"
            )
    return found
