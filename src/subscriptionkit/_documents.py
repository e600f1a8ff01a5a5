"""Documents the library loads from files and dumps back (internal): the plan catalog, the
register of processing.

TOML is written here (the standard library only reads it): text, whole numbers, booleans,
lists of those, nested tables and arrays of tables. Floats are never written (money and
periods are text or whole numbers). File paths are checked and file errors translated the
same way for every document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .errors import InvalidArgument, SubscriptionKitError

#: Builds the error raised for a value TOML cannot hold (the caller's own error class).
ErrorFactory = Callable[[str], SubscriptionKitError]


def value(item: Any, error: ErrorFactory) -> str:
    """Return one TOML value: text, whole number, boolean or a list of those."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, str):
        # JSON string escapes are TOML's, except that TOML has no surrogate pairs (for
        # characters beyond U+FFFF) and needs DEL escaped: write text raw, DEL escaped.
        return json.dumps(item, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(item, list) and all(not isinstance(v, dict) for v in item):
        return "[" + ", ".join(value(v, error) for v in item) + "]"
    raise error(f"cannot write {type(item).__name__} to TOML: {item!r}")


def table(
    name: str,
    data: Mapping[str, Any],
    error: ErrorFactory,
    *,
    array: bool = False,
    skip_none: bool = False,
) -> str:
    """Return ``data`` as the TOML table ``[name]`` (or ``[[name]]``), nested tables after it.

    TOML has no null: with ``skip_none`` a ``None`` value is left out (its reader takes a
    missing key as ``None``); otherwise it is an error like any value TOML cannot hold.
    """
    out = [f"[[{name}]]\n" if array else f"[{name}]\n"]
    nested: list[str] = []
    for key, item in data.items():
        if item is None and skip_none:
            continue
        if isinstance(item, dict):
            nested.append(table(f"{name}.{key}", item, error, skip_none=skip_none))
        elif isinstance(item, list) and item and all(isinstance(v, dict) for v in item):
            nested.extend(
                table(f"{name}.{key}", v, error, array=True, skip_none=skip_none) for v in item
            )
        else:
            out.append(f"{key} = {value(item, error)}\n")
    return "".join(out) + "\n" + "".join(nested)


def path_of(value: object) -> Path:
    """Return a path argument as a :class:`~pathlib.Path`; anything else is refused."""
    if not isinstance(value, str | Path) or not str(value):
        raise InvalidArgument(name="path", expected="a file path (str or Path)", got=value)
    return Path(value)


def file_errors(
    path: Path, action: str, what: str, error: ErrorFactory
) -> Callable[[Exception], SubscriptionKitError | None]:
    """A translator (see ``_translate``) of the errors of reading or writing ``what``'s file."""

    def translate(exc: Exception) -> SubscriptionKitError | None:
        if isinstance(exc, OSError | UnicodeError | ValueError):
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return error(
                f"cannot {action} the {what} file {str(path)!r} ({reason}); expected a "
                f"{'readable UTF-8' if action == 'read' else 'writable'} .json or .toml file"
            )
        return None

    return translate
