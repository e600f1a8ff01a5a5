"""The bad input and failed lookups errors of :mod:`subscriptionkit.errors` (internal; import them from there)."""

from __future__ import annotations

from collections.abc import Iterable

from ._errors_base import (
    SubscriptionKitError,
    _ranges,
    _shown,
)


class InvalidInput(SubscriptionKitError, ValueError):
    """An argument has the wrong value or shape."""


class NaiveDatetimeError(InvalidInput, TypeError):
    """A datetime without a time zone was given where an aware one is required."""

    def __init__(self, *, name: str, got: object) -> None:
        self.name = name
        self.got = got
        super().__init__(
            f"{name} must be a timezone-aware datetime (with tzinfo), got a naive {_shown(got)}"
        )


class InvalidTimezone(InvalidInput):
    """A time zone name that the IANA database does not know."""

    def __init__(self, *, got: object) -> None:
        self.got = got
        super().__init__(f"time zone must be an IANA name such as 'Europe/Amsterdam', got {got!r}")


class InvalidMoney(InvalidInput):
    """An amount or currency that cannot be money."""


class CurrencyMismatch(InvalidMoney):
    """Two amounts in different currencies were combined."""

    def __init__(self, *, expected: str, got: str, context: str = "amounts") -> None:
        self.expected = expected
        self.got = got
        super().__init__(
            f"cannot combine {context} in different currencies: expected {expected}, got {got}"
        )


class InvalidGrade(InvalidInput):
    """A grade ("groep") outside the range a plan or school covers."""

    def __init__(self, *, got: object, expected: Iterable[int], plan_id: str | None = None) -> None:
        self.got = got
        self.expected: tuple[int, ...] = tuple(expected)
        self.plan_id = plan_id
        where = f" for plan {plan_id!r}" if plan_id else ""
        super().__init__(f"grade{where} must be one of {_ranges(self.expected)}, got {got!r}")


class SeatCountOutOfRange(InvalidInput):
    """A seat count outside a seat plan's bounds (Teams: 3 to 40)."""

    def __init__(self, *, plan_id: str, minimum: int, maximum: int, got: object) -> None:
        self.plan_id = plan_id
        self.minimum = minimum
        self.maximum = maximum
        self.got = got
        hint = ""
        if isinstance(got, int) and got > maximum:
            hint = (
                f"; teams of more than {maximum} people need an Organisation plan, "
                "which is sold on request"
            )
        super().__init__(
            f"seats for plan {plan_id!r} must be a whole number from {minimum} to {maximum}, "
            f"got {'no number of seats' if got is None else repr(got)}{hint}"
        )


class InvalidPlan(InvalidInput):
    """A plan, band, terms or catalog definition is inconsistent or incomplete."""


class InvalidQuoteRequest(InvalidInput):
    """A quote was asked with the wrong kind of quantity for the plan."""


class InvalidArgument(InvalidInput, TypeError):
    """An argument of the wrong type: ``None`` for a plan, a string for a count...

    Attributes:
        name: the argument (``"plan"``, ``"seats"``...).
        expected: what it must be, in words.
        got: the value given.
    """

    def __init__(self, *, name: str, expected: str, got: object) -> None:
        self.name = name
        self.expected = expected
        self.got = got
        super().__init__(f"{name} must be {expected}, got {_shown(got)}")


class InvalidIdentifier(InvalidInput):
    """An identifier (customer, subscription, school, pupil, event, certificate, plan id)
    that is not usable: not text, empty, with control characters, or too long.

    The same rule holds on every store (see ``MAX_ID_LENGTH`` in the storage docs), so
    memory, SQLite and PostgreSQL accept and refuse exactly the same ids.

    Attributes:
        field: which id (``"customer_id"``, ``"pupil_id"``...).
        problem: what is wrong with it.
        got: the value given.
        max_length: the longest id accepted, in characters.
    """

    def __init__(self, *, field: str, problem: str, got: object, max_length: int) -> None:
        self.field = field
        self.problem = problem
        self.got = got
        self.max_length = max_length
        super().__init__(
            f"{field} {problem}; expected non-empty text of at most {max_length} characters "
            f"without control characters, got {_shown(got)}"
        )


class InvalidDatabaseUrl(InvalidInput):
    """A database given in none of the accepted forms (``--db``, ``open_store``...).

    Accepted: a database URL (``postgresql://user@host/db``, ``sqlite:///path.db``),
    ``:memory:``, the path of an existing SQLite file, or the path of a new file ending
    in ``.db``, ``.sqlite`` or ``.sqlite3`` (in an existing directory).
    """

    def __init__(self, *, got: str, problem: str) -> None:
        self.got = got
        self.problem = problem
        super().__init__(
            f"the database {got!r} {problem}; expected a database URL "
            "(postgresql://user@host/db, sqlite:///path.db), ':memory:', an existing "
            "SQLite file, or a new file ending in .db, .sqlite or .sqlite3"
        )


class UnstorableValue(InvalidInput):
    """A value the database cannot hold (longer than its column, out of its range)."""

    def __init__(self, *, database: str, detail: str) -> None:
        self.database = database
        self.detail = detail
        super().__init__(
            f"{database} cannot hold a value that was given ({detail}); expected values "
            "within the documented limits (identifiers of at most 100 characters)"
        )


class UnknownPlan(SubscriptionKitError, KeyError):
    """No plan with the given id exists in the catalog."""

    def __init__(self, *, plan_id: object, known: Iterable[str]) -> None:
        self.plan_id = plan_id
        self.known: tuple[str, ...] = tuple(known)
        super().__init__(
            f"no plan with id {plan_id!r}; expected one of: {', '.join(self.known) or '(none)'}"
        )


class PriceNotConfigured(SubscriptionKitError, LookupError):
    """A plan whose price is configuration (Teams) was used without a price."""

    def __init__(self, *, plan_id: str, setting: str) -> None:
        self.plan_id = plan_id
        self.setting = setting
        super().__init__(
            f"plan {plan_id!r} has no configured price: the published sources give none, "
            f"so it must be set ({setting}); got no price"
        )


class MissingDependency(SubscriptionKitError, ImportError):
    """An optional dependency is not installed; the message names the extra to install.

    Attributes:
        package: the missing import (``"sqlalchemy"``, ``"numpy"``).
        extra: the subscriptionkit extra that brings it (``"sql"``, ``"numpy"``).
        feature: what needed it, in words.
    """

    def __init__(self, *, package: str, extra: str, feature: str) -> None:
        self.package = package
        self.extra = extra
        self.feature = feature
        super().__init__(
            f"{feature} needs the optional dependency {package!r}, which is not installed; "
            f"expected it installed: pip install 'subscriptionkit[{extra}]'"
        )
