"""The root of the error tree and the helpers its messages share (internal).

Every error class keeps ``subscriptionkit.errors`` as its ``__module__`` (pickles,
reprs and the docs name it there): see :meth:`SubscriptionKitError.__init_subclass__`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

#: Where every error class says it lives: the public module that re-exports it.
PUBLIC_MODULE = "subscriptionkit.errors"


def _restore(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    err = cls.__new__(cls)
    BaseException.__init__(err, *args)
    err.__dict__.update(state)
    return err


class SubscriptionKitError(Exception):
    """Base class of every error raised by subscriptionkit.

    Args:
        message: the full, human-readable message.
    """

    __module__ = PUBLIC_MODULE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("subscriptionkit._errors_"):
            cls.__module__ = PUBLIC_MODULE  # defined in a part of errors.py

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword-only data; rebuild from the state instead.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _moment(value: _dt.datetime) -> str:
    return value.isoformat()


#: Words that start with a vowel letter but not a vowel sound: "a usage line".
_CONSONANT_SOUND = ("us", "uni", "eu", "one")


def _indefinite(word: str) -> str:
    """``word`` with its indefinite article, for messages: ``"an access"``,
    ``"a rectification"``, ``"a usage"`` (by the first letters: the library's words need
    no more)."""
    lower = word.lower()
    vowel = lower[:1] in ("a", "e", "i", "o", "u") and not lower.startswith(_CONSONANT_SOUND)
    return f"{'an' if vowel else 'a'} {word}"


def _repr(value: object) -> str:
    """A value as a message shows it: its ``repr``, except a moment or a date, shown as
    its ISO 8601 text as people read it (a datetime too: never ``datetime.datetime(...)``).
    The one place messages turn values into text (:func:`_shown` builds on it)."""
    if isinstance(value, _dt.date):
        return value.isoformat()
    return repr(value)


def _plural(count: int, one: str, many: str) -> str:
    """``one`` for a count of 1, else ``many``: English messages say "1 request", "2
    requests", never "request(s)" (messages shown through a catalogue use ``ngettext``)."""
    return one if count == 1 else many


def _shown(value: object, limit: int = 80) -> str:
    """A short ``type repr`` of a value for messages (one line, cut at ``limit``), by
    :func:`_repr`."""
    try:
        text = _repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if value is None or isinstance(value, bool):
        return text
    if isinstance(value, _dt.date):  # pendulum's DateTime too: named as people know it
        return f"{'datetime' if isinstance(value, _dt.datetime) else 'date'} {text}"
    return f"{type(value).__name__} {text}"


def _ranges(values: tuple[int, ...]) -> str:
    """Render ``(1, 2, 3, 5)`` as ``'1–3, 5'`` for messages."""
    if not values:
        return "(none)"
    out: list[str] = []
    start = prev = values[0]
    for v in (*values[1:], None):
        if v is not None and v == prev + 1:
            prev = v
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if v is not None:
            start = prev = v
    return ", ".join(out)


_restore.__module__ = PUBLIC_MODULE  # pickles name subscriptionkit.errors._restore
