"""The one mechanism that turns foreign exceptions into the library's tree (internal).

Every adapter edge (SQL storage, CSV reading, decimal arithmetic on caller-supplied
amounts, optional imports) wraps its work in :func:`translated` with the translators
that know its foreign errors::

    with translated(sql_errors):
        connection.execute(...)

A translator looks at one exception and returns the library error to raise instead, or
``None`` to let the next one try. Errors of the library pass through untouched; an
exception no translator claims is re-raised as it is (a bug to fix, not to hide). The
foreign exception stays reachable as ``__cause__`` for debugging, unless the translator's
error sets ``__suppress_context__`` (errors about key material do, so no secret travels).
"""

from __future__ import annotations

import decimal
import importlib
import importlib.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType

from .errors import InvalidMoney, MissingDependency, SubscriptionKitError

#: Looks at a foreign exception; returns the library error to raise, or ``None``.
Translator = Callable[[Exception], SubscriptionKitError | None]


@contextmanager
def translated(*translators: Translator) -> Iterator[None]:
    """Run a block (or, as a decorator, a function) with foreign errors translated."""
    try:
        yield
    except SubscriptionKitError:
        raise
    except Exception as exc:
        for translate in translators:
            mapped = translate(exc)
            if mapped is not None:
                if mapped.__suppress_context__:
                    raise mapped from None
                raise mapped from exc
        raise


def decimal_errors(what: str) -> Translator:
    """Translate :mod:`decimal` signals (an amount too large to quantize...) to InvalidMoney."""

    def translate(exc: Exception) -> SubscriptionKitError | None:
        if isinstance(exc, decimal.DecimalException):
            context = decimal.getcontext()
            return InvalidMoney(
                f"{what} is out of range for exact decimal arithmetic ({type(exc).__name__}); "
                f"expected an amount of at most {context.prec} significant digits including "
                "the cents"
            )
        return None

    return translate


def require(package: str, *, extra: str, feature: str) -> ModuleType:
    """Import an optional dependency, or raise :class:`MissingDependency` naming the extra.

    Args:
        package: the module to import (``"sqlalchemy"``).
        extra: the subscriptionkit extra that installs it (``"sql"``).
        feature: what needs it, for the message (``"a SQL store"``).
    """
    try:
        return importlib.import_module(package)
    except ModuleNotFoundError as exc:
        # The package itself, or one of its own dependencies: installing the extra fixes both.
        missing = (exc.name or package).partition(".")[0]
        raise MissingDependency(package=missing, extra=extra, feature=feature) from None


def require_installed(package: str, *, extra: str, feature: str) -> None:
    """Check that an optional dependency is installed without importing it (for slow imports).

    Args:
        package: the top-level module (``"alembic"``).
        extra: the subscriptionkit extra that installs it (``"sql"``).
        feature: what needs it, for the message.

    Raises:
        MissingDependency: the package is not installed.
    """
    if importlib.util.find_spec(package) is None:
        raise MissingDependency(package=package, extra=extra, feature=feature)
