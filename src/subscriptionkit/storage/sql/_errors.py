"""The SQL adapter's one error translator: SQLAlchemy and driver errors to the library's (internal).

Every public method of the SQL adapter (the store, its unit of work and each repository)
is wrapped by :func:`translating`, a class decorator, and the public functions that open
a database by :func:`translating_call`; both run the call under
:func:`~subscriptionkit._translate.translated` with :func:`sql_errors`. So no SQLAlchemy,
psycopg or sqlite3 exception leaves the adapter, and no call site needs its own
``try``/``except``. The adapters still catch the errors they handle themselves (a
duplicate key is :class:`~subscriptionkit.errors.AlreadyExists`) inside their methods;
what is left is translated at the edge:

=====================================================  ======================================
foreign error                                          library error
=====================================================  ======================================
pool ``TimeoutError``; SQLite "locked"/"busy";          :class:`~subscriptionkit.errors.DatabaseBusy`
PostgreSQL deadlock, serialization failure, lock
timeout, statement timeout
SQLite "not a database", "malformed", "encrypted"      :class:`~subscriptionkit.errors.NotADatabase`
SQLite "readonly"; PostgreSQL read-only transaction    :class:`~subscriptionkit.errors.ReadOnlyDatabase`
``DataError`` (a value longer than its column...)      :class:`~subscriptionkit.errors.UnstorableValue`
``IntegrityError`` not handled by the adapter          :class:`~subscriptionkit.errors.ConstraintViolated`
``OperationalError`` (no connection, cannot open)      :class:`~subscriptionkit.errors.DatabaseUnavailable`
any other SQLAlchemy or driver error                   :class:`~subscriptionkit.errors.StorageError`
=====================================================  ======================================

Messages carry the first line of the driver's message only: never the statement's
parameters (which may hold key material or personal data).
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeVar

import sqlalchemy as sa

from ..._translate import Translator, translated
from ...errors import (
    ConstraintViolated,
    DatabaseBusy,
    DatabaseUnavailable,
    NotADatabase,
    ReadOnlyDatabase,
    StorageError,
    SubscriptionKitError,
    UnstorableValue,
)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: PostgreSQL SQLSTATEs that mean "another transaction was in the way; retry": deadlock,
#: serialization failure, lock not available (``lock_timeout``), statement timeout.
RETRY_STATES: Final = frozenset({"40P01", "40001", "55P03", "57014"})
#: Methods wrapped besides the public ones: opening, and entering or leaving a unit of work.
_DUNDERS: Final = ("__init__", "__enter__", "__exit__")
#: Marks a class (or function) whose calls are translated; the layout test checks it.
MARK: Final = "__sk_translated__"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _foreign(exc: Exception) -> bool:
    module = type(exc).__module__
    return isinstance(exc, sa.exc.SQLAlchemyError | sqlite3.Error) or module.startswith("psycopg")


def _orig(exc: Exception) -> BaseException:
    return exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None else exc


def busy(exc: Exception) -> DatabaseBusy | None:
    """The :class:`~subscriptionkit.errors.DatabaseBusy` that ``exc`` means, or ``None``.

    The one classification of "another writer was in the way; retry the whole unit of
    work": the pool had no free connection, SQLite was locked or busy, or PostgreSQL
    reported one of :data:`RETRY_STATES`. :func:`sql_errors` asks it first; code that
    catches a driver error itself (the activity merge) asks it too.
    """
    if isinstance(exc, sa.exc.TimeoutError):  # the connection pool had none free
        return DatabaseBusy(detail=f"no free connection in the pool: {_first_line(exc)}")
    orig = _orig(exc)
    detail = _first_line(orig)
    text = detail.lower()
    if getattr(orig, "sqlstate", None) in RETRY_STATES or (
        isinstance(orig, sqlite3.OperationalError) and ("locked" in text or "busy" in text)
    ):
        return DatabaseBusy(detail=detail)
    return None


def sql_errors(database: str = "the database") -> Translator:
    """A translator of SQLAlchemy and driver errors, naming ``database`` in messages."""

    def translate(exc: Exception) -> SubscriptionKitError | None:
        if not _foreign(exc):
            return None
        retry = busy(exc)
        if retry is not None:
            return retry
        orig = _orig(exc)
        detail = _first_line(orig)
        state = getattr(orig, "sqlstate", None)
        text = detail.lower()
        if isinstance(orig, sqlite3.DatabaseError) and (
            "not a database" in text or "malformed" in text or "encrypted" in text
        ):
            return NotADatabase(database=database, detail=detail)
        if state == "25006" or "readonly" in text or "read-only" in text:
            return ReadOnlyDatabase(database=database, detail=detail)
        if isinstance(exc, sa.exc.DataError) or (state or "").startswith("22"):
            return UnstorableValue(database=database, detail=detail)
        if isinstance(exc, sa.exc.IntegrityError) or (state or "").startswith("23"):
            return ConstraintViolated(database=database, detail=detail)
        if isinstance(exc, sa.exc.OperationalError) or (state or "").startswith(("08", "57", "53")):
            return DatabaseUnavailable(database=database, detail=detail)
        return StorageError(
            f"{database} failed ({type(orig).__name__}: {detail}); expected the statement "
            "to run: see the database's log"
        )

    return translate


def _iterate(items: Iterator[T], translate: Translator) -> Iterator[T]:
    with translated(translate):
        yield from items


def _wrap(func: F, translate: Translator) -> F:
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def generate(*args: Any, **kwargs: Any) -> Any:
            return _iterate(func(*args, **kwargs), translate)

        return generate  # type: ignore[return-value]

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        with translated(translate):
            result = func(*args, **kwargs)
        return _iterate(result, translate) if inspect.isgenerator(result) else result

    return call  # type: ignore[return-value]


def translating_call(func: F) -> F:
    """Decorate a public function of the adapter: its foreign errors are translated."""
    wrapped = _wrap(func, sql_errors())
    setattr(wrapped, MARK, True)
    return wrapped


def translating(cls: type[T]) -> type[T]:
    """Decorate an adapter class: every public method's foreign errors are translated.

    Wraps the methods the class defines whose names do not start with ``_`` (and
    ``__init__``, ``__enter__``, ``__exit__``); generators are translated while they run.
    Private helpers are left alone, so a method can still catch the driver's error it
    handles (``except sa.exc.IntegrityError``) around them.
    """
    translate = sql_errors()
    for name, value in list(vars(cls).items()):
        if inspect.isfunction(value) and (not name.startswith("_") or name in _DUNDERS):
            setattr(cls, name, _wrap(value, translate))
    setattr(cls, MARK, True)
    return cls
