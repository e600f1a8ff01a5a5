"""Every error subscriptionkit raises, in one tree.

Catch :class:`SubscriptionKitError` to handle anything the library raises. Each
subclass mixes in the builtin it refines, so ``except ValueError`` keeps working
for callers that do not know the library. Every message says what was wrong,
what was expected and what was given; the same facts are on the error as
attributes (``err.got``, ``err.expected``...) so code need not parse text.

The tree::

    SubscriptionKitError
    ├── InvalidInput (ValueError)                 bad arguments, all kinds
    │   ├── NaiveDatetimeError (TypeError too)    a datetime without tzinfo
    │   ├── InvalidTimezone                       an unknown IANA zone name
    │   ├── InvalidMoney                          float money, bad amount, bad currency
    │   │   └── CurrencyMismatch                  two currencies in one sum
    │   ├── InvalidGrade                          a grade outside 1–8 or outside the plan
    │   ├── SeatCountOutOfRange                   seats outside the plan's 3–40
    │   ├── InvalidPlan                           a plan or catalog definition is broken
    │   ├── InvalidQuoteRequest                   seats for a pupil plan, pupils for a seat plan
    │   ├── InvalidArgument (TypeError too)       an argument of the wrong type (None, a str...)
    │   ├── InvalidIdentifier                     an id: empty, control characters, too long
    │   ├── InvalidDatabaseUrl                    a --db value in none of the accepted forms
    │   └── UnstorableValue                       a value the database cannot hold (too long...)
    ├── UnknownPlan (KeyError)                    no plan with that id in the catalog
    ├── PriceNotConfigured (LookupError)          the Teams price was never configured
    ├── MissingDependency (ImportError)           an optional extra is not installed
    ├── LifecycleError                            a lifecycle step not allowed now
    │   ├── TrialAlreadyUsed                      a second trial for one customer
    │   ├── InvalidTransition                     e.g. activating an expired subscription
    │   ├── CancellationTooLate                   the cancellation deadline has passed
    │   └── NotAnUpgrade                          ``upgrade`` to a plan that is not above
    ├── StorageError                              the storage layer failed
    │   ├── NotFound (LookupError)                no record with that key
    │   ├── AlreadyExists                         a record with that key exists
    │   │   └── StatusIndexTaken                  a certificate status index held by another
    │   ├── ConcurrentUpdate                      a stale write (optimistic locking)
    │   ├── DatabaseBusy                          locked by another writer, a deadlock: retry
    │   ├── DatabaseUnavailable                   no connection: server down, file unopenable
    │   ├── ReadOnlyDatabase                      a write to a database opened read-only
    │   ├── ConstraintViolated                    a write the database's constraints refused
    │   ├── ForeignDatabase                       another application's database, opened implicitly
    │   ├── NotADatabase                          a file that is no SQLite database (text, PNG...)
    │   ├── SchemaVersionError                    the database schema is newer/older
    │   ├── UnknownSchemaVersion                  a recorded schema version no release writes
    │   ├── MissingSchemaVersion                  library tables without a version record
    │   └── SchemaMismatch                        tables that do not match the version recorded
    ├── MeteringError                             activity events that cannot be used
    │   ├── InvalidEvent (ValueError)             one malformed event, names the field
    │   │   └── InvalidCsv                        a CSV file that cannot be read: encoding, header, line
    │   └── InvalidEventBatch (ValueError)        a batch with bad rows, lists every one
    ├── CertificateError                          certificates, keys, tokens
    │   ├── InvalidCertificate                    verification failed; subclasses say why
    │   │   ├── MalformedToken (ValueError)       not a token: shape, header, encoding, JSON, fields
    │   │   ├── UnknownKey (LookupError)          signed with a key id the key set lacks
    │   │   ├── BadSignature                      the signature does not match the payload
    │   │   ├── KeyNotValid                       the key was not valid at the issue time
    │   │   ├── NotYetValid                       issued after the moment of verification
    │   │   ├── CertificateRevoked                revoked; carries reason and revoked_at
    │   │   └── StatusNotCovered                  the given status list has no entry for it
    │   ├── InvalidKeyMaterial (ValueError)       a key, JWK, PEM or key set that cannot load
    │   ├── KeyRingError (ValueError)             a key ring step not allowed (rotate, retire)
    │   ├── InvalidRevocationList (ValueError)    a revocation list that cannot load or verify
    │   └── InvalidStatusList (ValueError)        a status list credential that cannot load or verify
    ├── TeamError                                 a team action refused; nothing changed
    │   ├── NotPermitted (PermissionError)        the acting account lacks the role needed
    │   ├── TeamFull                              no free seat for another member
    │   ├── AlreadyOnTeam                         the account or e-mail is on the team already
    │   ├── NotAMember (LookupError)              the account is not (an active) member
    │   ├── OwnerCannotBeRemoved                  removing the owner without a transfer
    │   ├── AlreadyOwner                          making the owner the owner again
    │   ├── CoManagersDisabled                    co-managers while the team setting is off
    │   ├── SeatsBelowCommitted                   fewer seats than members + pending invitations
    │   ├── InvalidTokenKey (ValueError)          a token hashing key that is too short or unknown
    │   ├── InvitationError                       an e-mail invitation cannot be used
    │   │   ├── UnknownInvitation (LookupError)   the token matches no invitation
    │   │   ├── InvitationExpired                 past its expiry
    │   │   ├── InvitationUsed                    used once already
    │   │   ├── InvitationRevoked                 revoked by the team
    │   │   └── InvitationForAnotherAddress       the joiner's e-mail is not the invited one
    │   └── LinkError                             a registration link cannot be used
    │       ├── UnknownLink (LookupError)         the token matches no (current) link
    │       ├── LinkExpired                       past its expiry
    │       ├── LinkRevoked                       revoked by the team
    │       └── LinkUsedUp                        its maximum number of uses is reached
    └── PrivacyError                              privacy rules: register, consent, requests, erasure
        ├── InvalidRegister (ValueError)          a register of processing that cannot load
        ├── UnknownPurpose (LookupError)          a purpose the register does not list
        ├── ConsentNotGiven                       withdrawing a consent that is not in force
        ├── RequestError                          a data-subject request step not allowed now
        │   ├── IdentityNotVerified               carried out before the identity check
        │   ├── RequestForwarded                  the controller (a school) answers it, not us
        │   ├── ExtensionNotAllowed (ValueError)  beyond two further months, late, or no reason
        │   └── RequestClosed                     the request was completed or forwarded already
        ├── OwnershipTransferRequired             erasing a team owner before a transfer
        └── PrivacyCoverageError                  personal data kept without exporter and eraser

Errors are picklable, so they cross process boundaries intact.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

__all__ = [
    "AlreadyExists",
    "AlreadyOnTeam",
    "AlreadyOwner",
    "BadSignature",
    "CancellationTooLate",
    "CertificateError",
    "CertificateRevoked",
    "CoManagersDisabled",
    "ConcurrentUpdate",
    "ConsentNotGiven",
    "ConstraintViolated",
    "CurrencyMismatch",
    "DatabaseBusy",
    "DatabaseUnavailable",
    "ExtensionNotAllowed",
    "ForeignDatabase",
    "IdentityNotVerified",
    "InvalidArgument",
    "InvalidCertificate",
    "InvalidCsv",
    "InvalidDatabaseUrl",
    "InvalidEvent",
    "InvalidEventBatch",
    "InvalidGrade",
    "InvalidIdentifier",
    "InvalidInput",
    "InvalidKeyMaterial",
    "InvalidMoney",
    "InvalidPlan",
    "InvalidQuoteRequest",
    "InvalidRegister",
    "InvalidRevocationList",
    "InvalidStatusList",
    "InvalidTimezone",
    "InvalidTokenKey",
    "InvalidTransition",
    "InvitationError",
    "InvitationExpired",
    "InvitationForAnotherAddress",
    "InvitationRevoked",
    "InvitationUsed",
    "KeyNotValid",
    "KeyRingError",
    "LifecycleError",
    "LinkError",
    "LinkExpired",
    "LinkRevoked",
    "LinkUsedUp",
    "MalformedToken",
    "MeteringError",
    "MissingDependency",
    "MissingSchemaVersion",
    "NaiveDatetimeError",
    "NotADatabase",
    "NotAMember",
    "NotAnUpgrade",
    "NotFound",
    "NotPermitted",
    "NotYetValid",
    "OwnerCannotBeRemoved",
    "OwnershipTransferRequired",
    "PriceNotConfigured",
    "PrivacyCoverageError",
    "PrivacyError",
    "ReadOnlyDatabase",
    "RequestClosed",
    "RequestError",
    "RequestForwarded",
    "SchemaMismatch",
    "SchemaVersionError",
    "SeatCountOutOfRange",
    "SeatsBelowCommitted",
    "StatusIndexTaken",
    "StatusNotCovered",
    "StorageError",
    "SubscriptionKitError",
    "TeamError",
    "TeamFull",
    "TrialAlreadyUsed",
    "UnknownInvitation",
    "UnknownKey",
    "UnknownLink",
    "UnknownPlan",
    "UnknownPurpose",
    "UnknownSchemaVersion",
    "UnstorableValue",
]


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

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword-only data; rebuild from the state instead.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


# -- bad input -----------------------------------------------------------------


class InvalidInput(SubscriptionKitError, ValueError):
    """An argument has the wrong value or shape."""


class NaiveDatetimeError(InvalidInput, TypeError):
    """A datetime without a time zone was given where an aware one is required."""

    def __init__(self, *, name: str, got: object) -> None:
        self.name = name
        self.got = got
        super().__init__(
            f"{name} must be a timezone-aware datetime (with tzinfo), "
            f"got a naive {type(got).__name__}: {got!r}"
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
            f"got {got!r}{hint}"
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


# -- lookups -------------------------------------------------------------------


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


# -- lifecycle -----------------------------------------------------------------


class LifecycleError(SubscriptionKitError):
    """A lifecycle step is not allowed for this subscription at this moment."""


class TrialAlreadyUsed(LifecycleError):
    """The customer already had its one trial."""

    def __init__(self, *, customer_id: str, trial_started: _dt.datetime | None = None) -> None:
        self.customer_id = customer_id
        self.trial_started = trial_started
        when = f" (started {trial_started.isoformat()})" if trial_started else ""
        super().__init__(
            f"customer {customer_id!r} already had its trial{when}; a trial is given only "
            "once per customer, whatever plan follows: activate a plan instead"
        )


class InvalidTransition(LifecycleError):
    """The subscription's state does not allow this step."""

    def __init__(self, *, action: str, state: str, allowed: Iterable[str]) -> None:
        self.action = action
        self.state = state
        self.allowed: tuple[str, ...] = tuple(allowed)
        super().__init__(
            f"cannot {action} a subscription that is {state}; expected one that is "
            f"{' or '.join(self.allowed)}"
        )


class CancellationTooLate(LifecycleError):
    """The cancellation deadline for the current period has passed."""

    def __init__(
        self,
        *,
        deadline: _dt.datetime,
        at: _dt.datetime,
        next_possible_end: _dt.datetime,
        next_deadline: _dt.datetime,
    ) -> None:
        self.deadline = deadline
        self.at = at
        self.next_possible_end = next_possible_end
        self.next_deadline = next_deadline
        super().__init__(
            f"cancellation is too late: the deadline was {deadline.isoformat()}, "
            f"the request came at {at.isoformat()}; the subscription renews, and the "
            f"earliest possible end is {next_possible_end.isoformat()} "
            f"(cancel by {next_deadline.isoformat()})"
        )


class NotAnUpgrade(LifecycleError):
    """``upgrade`` was asked for a plan that is not above the current one."""

    def __init__(self, *, current: str, requested: str, allowed: Iterable[str]) -> None:
        self.current = current
        self.requested = requested
        self.allowed: tuple[str, ...] = tuple(allowed)
        super().__init__(
            f"{requested!r} is not an upgrade of {current!r}; expected one of "
            f"{', '.join(map(repr, self.allowed)) or '(none: this is the top plan)'}. "
            "Downgrades go through cancellation within the notice period, effective at renewal"
        )


# -- storage -------------------------------------------------------------------


class StorageError(SubscriptionKitError):
    """The storage layer could not do what was asked."""


class NotFound(StorageError, LookupError):
    """No record with the given key."""

    def __init__(self, *, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} with id {key!r} was found; expected an existing {kind}")


class AlreadyExists(StorageError):
    """A record with the given key exists already."""

    def __init__(self, *, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"a {kind} with id {key!r} exists already; expected a new id")


class StatusIndexTaken(AlreadyExists):
    """A certificate asked for a status index another certificate holds (issue 14).

    Attributes:
        index: the index asked for.
        holder: the id of the certificate holding it.
        certificate_id: the id of the certificate that asked (``kind`` and ``key``, as
            for :class:`AlreadyExists`, are ``"certificate status index"`` and ``index``).
    """

    def __init__(self, *, index: int, holder: str, certificate_id: str) -> None:
        self.index = index
        self.holder = holder
        self.certificate_id = certificate_id
        self.kind = "certificate status index"
        self.key = index
        StorageError.__init__(
            self,
            f"status index {index} is held by certificate {holder!r} already; expected a "
            f"free index for {certificate_id!r} (leave status_index None and the store "
            "assigns the next free one)",
        )


class ConcurrentUpdate(StorageError):
    """A write based on a stale version (someone else wrote first)."""

    def __init__(
        self, *, kind: str, key: object, expected_version: int, found_version: int
    ) -> None:
        self.kind = kind
        self.key = key
        self.expected_version = expected_version
        self.found_version = found_version
        super().__init__(
            f"{kind} {key!r} was changed by someone else: the write expected version "
            f"{expected_version}, the store holds version {found_version}; reload and retry"
        )


class DatabaseBusy(StorageError):
    """The database could not take the write now: retry the whole unit of work.

    SQLite: locked by another writer past the busy timeout; PostgreSQL: a lock wait past
    ``lock_timeout``, a deadlock or a serialization failure; any: the connection pool
    had no free connection in time.
    """

    def __init__(self, *, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"the database is busy ({detail}): another unit of work is writing, or wrote "
            "since this one began; expected a free database: retry the whole unit of work"
        )


class DatabaseUnavailable(StorageError):
    """The database cannot be reached or opened (a server down, a file that cannot open)."""

    def __init__(self, *, database: str, detail: str) -> None:
        self.database = database
        self.detail = detail
        super().__init__(
            f"{database} cannot be used ({detail}); expected a reachable database "
            "that this process may open"
        )


class ReadOnlyDatabase(StorageError):
    """A write to a database this process may only read (a read-only file or connection)."""

    def __init__(self, *, database: str, detail: str) -> None:
        self.database = database
        self.detail = detail
        super().__init__(
            f"{database} is read-only ({detail}): reading works, writing does not; "
            "expected a writable database for this step"
        )


class ConstraintViolated(StorageError):
    """The database refused a write with one of its constraints (other than a known key)."""

    def __init__(self, *, database: str, detail: str) -> None:
        self.database = database
        self.detail = detail
        super().__init__(
            f"{database} refused the write ({detail}); expected values that keep its "
            "constraints; nothing of this unit of work was kept unless committed before"
        )


class ForeignDatabase(StorageError):
    """An implicit open of a database that holds another application's tables, none of ours.

    Nothing is changed. Installing the library's tables beside a host application's is
    explicit: ``SqlStore(url, create=True)``, ``open_store(url, create=True)`` or
    ``subscriptionkit db upgrade``.

    Attributes:
        database: the database, as shown (password hidden).
        tables: the tables found (none of them the library's).
    """

    def __init__(self, *, database: str, tables: Iterable[str]) -> None:
        self.database = database
        self.tables: tuple[str, ...] = tuple(sorted(tables))
        shown = ", ".join(self.tables[:5]) + (", ..." if len(self.tables) > 5 else "")
        super().__init__(
            f"{database} holds another application's tables ({len(self.tables)}: {shown}) "
            "and no subscriptionkit schema; expected an empty database or one made by "
            "subscriptionkit; nothing was changed (to install the library's tables beside "
            "them, open it with create=True or run `subscriptionkit db upgrade`)"
        )


class NotADatabase(StorageError):
    """A file that is not a SQLite database (text, an image, random bytes, a directory).

    Nothing is changed.
    """

    def __init__(self, *, database: str, detail: str) -> None:
        self.database = database
        self.detail = detail
        super().__init__(
            f"{database} is not a SQLite database ({detail}); expected a SQLite database "
            "file, or the path of a new file; nothing was changed"
        )


class SchemaVersionError(StorageError):
    """The database schema version is not the one this library uses."""

    def __init__(self, *, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        if found > supported:
            advice = "newer than this library supports; upgrade subscriptionkit"
        else:
            advice = "older than this library needs; migrate it (SqlStore.migrate())"
        super().__init__(
            f"database schema version {found} is {advice}; expected version {supported}"
        )


class UnknownSchemaVersion(StorageError):
    """The database records a schema version no release of the library writes.

    An edited version table, or two heads where the library never branches. Nothing is
    run on such a database: a step never runs twice.

    Attributes:
        found: the version recorded, as text.
        known: the versions (Alembic revisions) this library knows, in order.
    """

    def __init__(self, *, found: str, known: Iterable[str]) -> None:
        self.found = found
        self.known: tuple[str, ...] = tuple(known)
        super().__init__(
            f"the database records schema version {found!r}, which no subscriptionkit "
            f"release writes; expected one of {', '.join(self.known)}; nothing was run"
        )


class MissingSchemaVersion(StorageError):
    """The library's tables are there, but no version record (a deleted or emptied one).

    Nothing is run: without the version no step can be known to be safe.
    """

    def __init__(self, *, tables: Iterable[str]) -> None:
        self.tables: tuple[str, ...] = tuple(sorted(tables))
        super().__init__(
            f"the database has subscriptionkit tables ({', '.join(self.tables)}) but no "
            "schema version record (sk_alembic_version); expected a schema made by this "
            "library, with its version; nothing was run"
        )


class SchemaMismatch(StorageError):
    """The tables present do not match the schema version recorded (an edited version).

    Nothing is run: a migration step never runs twice.
    """

    def __init__(self, *, version: int, later_tables: Iterable[str]) -> None:
        self.version = version
        self.later_tables: tuple[str, ...] = tuple(sorted(later_tables))
        super().__init__(
            f"the database records schema version {version} but already has the tables "
            f"of later steps ({', '.join(self.later_tables)}); expected only the tables of "
            f"steps 1 to {version}: refusing to run a step twice; nothing was run"
        )


# -- metering ------------------------------------------------------------------


class MeteringError(SubscriptionKitError):
    """Activity events that cannot be used for metering."""


class InvalidEvent(MeteringError, ValueError):
    """One activity event (or input row) is malformed; ``field`` names the culprit.

    Attributes:
        field: the name of the bad field (``"grade"``, ``"processed_at"``...).
        got: the value given.
        expected: what the field must be, in words.
        index: the row's position in its input (0-based), or ``None`` for a lone event.
        line: for a row read from a file, the file line (1-based, the header is line 1)
            the row starts on, else ``None``; the message then names the line.
    """

    def __init__(
        self,
        *,
        field: str,
        got: object,
        expected: str,
        index: int | None = None,
        line: int | None = None,
    ) -> None:
        self.field = field
        self.got = got
        self.expected = expected
        self.index = index
        self.line = line
        if line is not None:
            where = f"line {line}: "
        else:
            where = f"row {index}: " if index is not None else ""
        super().__init__(f"{where}activity event {field} must be {expected}, got {got!r}")


class InvalidCsv(InvalidEvent):
    """A CSV file of activity events that cannot be read as such: not UTF-8, a header
    without the needed columns or with a column twice, an over-long line, broken quoting.

    Attributes:
        field: what is wrong (``"encoding"``, ``"header"``, ``"line"``, ``"quoting"``).
        got: what was found, in words.
        expected: what the file must be, in words.
        line: the file line (1-based) where the problem was found.
        index: always ``None`` (the problem is the file's, not one event's).
    """

    def __init__(self, *, field: str, got: str, expected: str, line: int) -> None:
        self.field = field
        self.got = got
        self.expected = expected
        self.index: int | None = None
        self.line = line
        MeteringError.__init__(self, f"CSV line {line}: the {field} must be {expected}, got {got}")


class InvalidEventBatch(MeteringError, ValueError):
    """A batch of rows had bad rows; every one is listed, with the good rows counted.

    Attributes:
        errors: the :class:`InvalidEvent` of every bad row, in input order (each has ``index``).
        accepted: how many rows of the batch were good.
    """

    def __init__(self, *, errors: Iterable[InvalidEvent], accepted: int) -> None:
        self.errors: tuple[InvalidEvent, ...] = tuple(errors)
        self.accepted = accepted
        shown = "; ".join(str(e) for e in self.errors[:5])
        more = f"; and {len(self.errors) - 5} more" if len(self.errors) > 5 else ""
        super().__init__(
            f"{len(self.errors)} bad row(s) in a batch of {accepted + len(self.errors)}, "
            f"expected none ({accepted} good row(s) kept): {shown}{more}"
        )


# -- certificates --------------------------------------------------------------


class CertificateError(SubscriptionKitError):
    """Certificates, signing keys or tokens could not be used."""


class InvalidCertificate(CertificateError):
    """A certificate token failed verification; the subclass says why."""


class MalformedToken(InvalidCertificate, ValueError):
    """The token is not a well-formed certificate token (compact JWS, or deprecated ``v1``).

    Args:
        problem: what is wrong with the token.
        expected: what a well-formed token has there.
        got: a short description of what was given (never the whole token).
    """

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"malformed certificate token: {problem}; expected {expected}, got {got}")


class UnknownKey(InvalidCertificate, LookupError):
    """The token names a key id that the key set used for verification does not hold."""

    def __init__(self, *, kid: str, known: Iterable[str]) -> None:
        self.kid = kid
        self.known: tuple[str, ...] = tuple(known)
        super().__init__(
            f"the certificate was signed with key id {kid!r}, which the key set does not hold; "
            f"expected one of: {', '.join(map(repr, self.known)) or '(no keys)'}"
        )


class BadSignature(InvalidCertificate):
    """The signature does not match the payload: altered, or signed by another key."""

    def __init__(self, *, kid: str) -> None:
        self.kid = kid
        super().__init__(
            f"the certificate signature does not match its contents for key {kid!r}; expected "
            "a signature made by that key over the token's header and payload, got one that "
            "is not (the token was altered or signed by a different key)"
        )


class KeyNotValid(InvalidCertificate):
    """The signing key's validity window does not contain the certificate's issue time."""

    def __init__(
        self,
        *,
        kid: str,
        issued_at: _dt.datetime,
        not_before: _dt.datetime,
        retired_after: _dt.datetime | None,
    ) -> None:
        self.kid = kid
        self.issued_at = issued_at
        self.not_before = not_before
        self.retired_after = retired_after
        end = retired_after.isoformat() if retired_after else "(not retired)"
        super().__init__(
            f"key {kid!r} was not valid when the certificate was issued: expected an issue "
            f"time from {not_before.isoformat()} to {end}, got {issued_at.isoformat()}"
        )


class NotYetValid(InvalidCertificate):
    """The certificate's issue time lies after the moment of verification."""

    def __init__(self, *, issued_at: _dt.datetime, at: _dt.datetime) -> None:
        self.issued_at = issued_at
        self.at = at
        super().__init__(
            f"the certificate is not valid yet: expected an issue time at or before the "
            f"verification moment {at.isoformat()}, got {issued_at.isoformat()}"
        )


class CertificateRevoked(InvalidCertificate):
    """The certificate is genuine but was revoked."""

    def __init__(self, *, certificate_id: str, reason: str, revoked_at: _dt.datetime) -> None:
        self.certificate_id = certificate_id
        self.reason = reason
        self.revoked_at = revoked_at
        super().__init__(
            f"certificate {certificate_id!r} was revoked at {revoked_at.isoformat()} "
            f"(reason: {reason}); expected a certificate that is not revoked"
        )


class StatusNotCovered(InvalidCertificate):
    """A status list was given as the revocation source, but the token has no entry in it.

    Verification fails closed: a certificate whose revocation cannot be checked against
    the given list is not reported genuine.
    """

    def __init__(self, *, certificate_id: str, list_url: str, entry_url: str | None) -> None:
        self.certificate_id = certificate_id
        self.list_url = list_url
        self.entry_url = entry_url
        got = "no status entry" if entry_url is None else f"an entry in {entry_url}"
        super().__init__(
            f"the revocation of certificate {certificate_id!r} cannot be checked against the "
            f"status list {list_url}; expected a token with an entry in that list, got {got}"
        )


class InvalidKeyMaterial(CertificateError, ValueError):
    """A signing key, JWK, PEM or key set document that cannot be loaded."""

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"{problem}; expected {expected}, got {got}")


class KeyRingError(CertificateError, ValueError):
    """A key ring step (rotate, retire, sign) that is not allowed."""

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"{problem}; expected {expected}, got {got}")


class InvalidRevocationList(CertificateError, ValueError):
    """A revocation list document that cannot be loaded or whose signature fails."""

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"{problem}; expected {expected}, got {got}")


class InvalidStatusList(CertificateError, ValueError):
    """A status list credential that cannot be read, or whose signature or window fails."""

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"{problem}; expected {expected}, got {got}")


def _moment(value: _dt.datetime) -> str:
    return value.isoformat()


class TeamError(SubscriptionKitError):
    """A team action was refused; the team is unchanged. Every refusal has its own subclass."""


class NotPermitted(TeamError, PermissionError):
    """The acting account may not do this on the team.

    Attributes:
        action: what was attempted, in words (``"remove members"``).
        needed: the role(s) that may do it (``"the owner or a co-manager"``).
        account_id: the acting account.
        role: the acting account's role on the team, or ``None`` if it is not an active member.
    """

    def __init__(
        self, *, team_id: str, action: str, needed: str, account_id: str, role: str | None
    ) -> None:
        self.team_id = team_id
        self.action = action
        self.needed = needed
        self.account_id = account_id
        self.role = role
        got = f"the role {role!r}" if role else "an account that is not an active member"
        super().__init__(
            f"account {account_id!r} may not {action} on team {team_id!r}: expected {needed}, "
            f"got {got}"
        )


class TeamFull(TeamError):
    """Every seat is taken (members, pending members and pending invitations)."""

    def __init__(self, *, team_id: str, seats: int, taken: int) -> None:
        self.team_id = team_id
        self.seats = seats
        self.taken = taken
        super().__init__(
            f"team {team_id!r} is full: expected a free seat, got {taken} of {seats} seats "
            "taken; the owner can add seats"
        )


class AlreadyOnTeam(TeamError):
    """The account, or the e-mail address, is on the team already."""

    def __init__(self, *, team_id: str, what: str, value: str) -> None:
        self.team_id = team_id
        self.what = what
        self.value = value
        super().__init__(
            f"{what} {value!r} is on team {team_id!r} already; expected one that is not"
        )


class NotAMember(TeamError, LookupError):
    """The account is not on the team (or not in the state the action needs)."""

    def __init__(self, *, team_id: str, account_id: str, expected: str = "a member") -> None:
        self.team_id = team_id
        self.account_id = account_id
        self.expected = expected
        super().__init__(
            f"account {account_id!r} is not {expected} of team {team_id!r}; expected {expected}"
        )


class OwnerCannotBeRemoved(TeamError):
    """The owner was to be removed; ownership must be transferred first."""

    def __init__(self, *, team_id: str, account_id: str) -> None:
        self.team_id = team_id
        self.account_id = account_id
        super().__init__(
            f"account {account_id!r} owns team {team_id!r} and cannot be removed; expected a "
            "member who is not the owner (make someone else manager first)"
        )


class AlreadyOwner(TeamError):
    """Ownership was to be transferred to the account that owns the team."""

    def __init__(self, *, team_id: str, account_id: str) -> None:
        self.team_id = team_id
        self.account_id = account_id
        super().__init__(
            f"account {account_id!r} owns team {team_id!r} already; expected another member"
        )


class CoManagersDisabled(TeamError):
    """A co-manager was to be appointed while the team's setting is off."""

    def __init__(self, *, team_id: str) -> None:
        self.team_id = team_id
        super().__init__(
            f"team {team_id!r} does not allow co-managers; expected the setting co_managers "
            "to be on, got it off"
        )


class SeatsBelowCommitted(TeamError):
    """Fewer seats were asked than the team has members plus pending invitations."""

    def __init__(self, *, team_id: str, seats: int, members: int, pending_invitations: int) -> None:
        self.team_id = team_id
        self.seats = seats
        self.members = members
        self.pending_invitations = pending_invitations
        needed = members + pending_invitations
        super().__init__(
            f"team {team_id!r} needs at least {needed} seats ({members} members and "
            f"{pending_invitations} pending invitations); got {seats}"
        )


class InvalidTokenKey(TeamError, ValueError):
    """A key for hashing team tokens that is missing, too short or not configured."""

    def __init__(self, *, key_id: str, problem: str, expected: str) -> None:
        self.key_id = key_id
        self.problem = problem
        self.expected = expected
        super().__init__(f"token key {key_id!r} {problem}; expected {expected}")


class InvitationError(TeamError):
    """An e-mail invitation cannot be used to join."""


class UnknownInvitation(InvitationError, LookupError):
    """The token matches no invitation of the team (or its key is no longer configured)."""

    def __init__(self, *, team_id: str | None) -> None:
        self.team_id = team_id
        where = f" of team {team_id!r}" if team_id else ""
        super().__init__(
            f"the token matches no invitation{where}; expected the token of an invitation "
            "sent by the team, got an unknown one"
        )


class InvitationExpired(InvitationError):
    """The invitation's validity ended."""

    def __init__(self, *, invitation_id: str, expires_at: _dt.datetime, at: _dt.datetime) -> None:
        self.invitation_id = invitation_id
        self.expires_at = expires_at
        self.at = at
        super().__init__(
            f"invitation {invitation_id!r} expired at {_moment(expires_at)}; expected a "
            f"moment before that, got {_moment(at)}: ask the team for a new invitation"
        )


class InvitationUsed(InvitationError):
    """The invitation was used once already: invitations are single use."""

    def __init__(self, *, invitation_id: str, used_at: _dt.datetime) -> None:
        self.invitation_id = invitation_id
        self.used_at = used_at
        super().__init__(
            f"invitation {invitation_id!r} was used at {_moment(used_at)}; expected an unused "
            "invitation (each is single use)"
        )


class InvitationRevoked(InvitationError):
    """The team revoked the invitation."""

    def __init__(self, *, invitation_id: str, revoked_at: _dt.datetime) -> None:
        self.invitation_id = invitation_id
        self.revoked_at = revoked_at
        super().__init__(
            f"invitation {invitation_id!r} was revoked at {_moment(revoked_at)}; expected an "
            "invitation that is not revoked"
        )


class InvitationForAnotherAddress(InvitationError):
    """The joining account's e-mail is not the address the invitation was sent to.

    The invited address is not part of the message (it is someone's personal data).
    """

    def __init__(self, *, invitation_id: str, got: str) -> None:
        self.invitation_id = invitation_id
        self.got = got
        super().__init__(
            f"invitation {invitation_id!r} is for another e-mail address; expected the address "
            f"it was sent to (compared without case), got {got!r}"
        )


class LinkError(TeamError):
    """A registration link cannot be used to join."""


class UnknownLink(LinkError, LookupError):
    """The token matches no current registration link (rotated links keep no old token)."""

    def __init__(self, *, team_id: str | None) -> None:
        self.team_id = team_id
        where = f" of team {team_id!r}" if team_id else ""
        super().__init__(
            f"the token matches no registration link{where}; expected the current token of a "
            "link, got an unknown one (the link may have been rotated)"
        )


class LinkExpired(LinkError):
    """The registration link's validity ended."""

    def __init__(self, *, link_id: str, expires_at: _dt.datetime, at: _dt.datetime) -> None:
        self.link_id = link_id
        self.expires_at = expires_at
        self.at = at
        super().__init__(
            f"registration link {link_id!r} expired at {_moment(expires_at)}; expected a "
            f"moment before that, got {_moment(at)}"
        )


class LinkRevoked(LinkError):
    """The team revoked the registration link."""

    def __init__(self, *, link_id: str, revoked_at: _dt.datetime) -> None:
        self.link_id = link_id
        self.revoked_at = revoked_at
        super().__init__(
            f"registration link {link_id!r} was revoked at {_moment(revoked_at)}; expected a "
            "link that is not revoked"
        )


class LinkUsedUp(LinkError):
    """The registration link reached its maximum number of uses."""

    def __init__(self, *, link_id: str, max_uses: int) -> None:
        self.link_id = link_id
        self.max_uses = max_uses
        super().__init__(
            f"registration link {link_id!r} was used its maximum of {max_uses} times; "
            f"expected fewer than {max_uses} uses"
        )


# -- privacy -------------------------------------------------------------------


class PrivacyError(SubscriptionKitError):
    """A privacy rule refused a step (register, consent, data-subject request, erasure)."""


class InvalidRegister(PrivacyError, ValueError):
    """A register of processing (or one of its purposes or recipients) that cannot load."""


class UnknownPurpose(PrivacyError, LookupError):
    """A purpose of processing that the register does not list."""

    def __init__(self, *, purpose: object, known: Iterable[str]) -> None:
        self.purpose = purpose
        self.known: tuple[str, ...] = tuple(known)
        super().__init__(
            f"no purpose {purpose!r} in the register of processing; expected one of: "
            f"{', '.join(self.known) or '(none)'}"
        )


class ConsentNotGiven(PrivacyError):
    """A consent was to be withdrawn (or used) that is not in force at that moment."""

    def __init__(self, *, subject_id: str, purpose: str, at: _dt.datetime) -> None:
        self.subject_id = subject_id
        self.purpose = purpose
        self.at = at
        super().__init__(
            f"subject {subject_id!r} has no consent for purpose {purpose!r} in force at "
            f"{at.isoformat()}; expected a consent given before then and not withdrawn"
        )


class RequestError(PrivacyError):
    """A step of a data-subject request that is not allowed now."""


class IdentityNotVerified(RequestError):
    """A request was to be carried out before the requester's identity check was recorded."""

    def __init__(self, *, request_id: str) -> None:
        self.request_id = request_id
        super().__init__(
            f"request {request_id!r} cannot be carried out: no identity check is recorded; "
            "expected record_identity_check() first (the seed asks for a copy of an ID with "
            "the MRZ, document number and BSN blacked out), got none"
        )


class RequestForwarded(RequestError):
    """A request about data the platform processes for a controller (a school): the
    controller answers it, so it is forwarded, not carried out here."""

    def __init__(self, *, request_id: str, controller: str) -> None:
        self.request_id = request_id
        self.controller = controller
        super().__init__(
            f"request {request_id!r} is about data processed for controller {controller!r}; "
            "expected it to be forwarded to that controller (forward_request()), not carried "
            "out by the platform"
        )


class ExtensionNotAllowed(RequestError, ValueError):
    """An extension of a request's deadline beyond what GDPR Art. 12(3) allows."""

    def __init__(self, *, request_id: str, problem: str, got: object) -> None:
        self.request_id = request_id
        self.problem = problem
        self.got = got
        super().__init__(
            f"the deadline of request {request_id!r} cannot be extended: {problem}; expected "
            f"at most two further months in total, with a reason, before the deadline "
            f"(GDPR Art. 12(3)), got {_shown(got)}"
        )


class RequestClosed(RequestError):
    """A step on a request that was completed, refused or forwarded already."""

    def __init__(self, *, request_id: str, status: str, action: str) -> None:
        self.request_id = request_id
        self.status = status
        self.action = action
        super().__init__(
            f"cannot {action} request {request_id!r}: it is {status} already; expected an "
            "open request"
        )


class OwnershipTransferRequired(PrivacyError):
    """The subject to be erased owns a team: ownership must be transferred first."""

    def __init__(self, *, subject_id: str, team_ids: Iterable[str]) -> None:
        self.subject_id = subject_id
        self.team_ids: tuple[str, ...] = tuple(team_ids)
        super().__init__(
            f"subject {subject_id!r} owns team(s) {', '.join(map(repr, self.team_ids))} and "
            "cannot be erased yet; expected another owner first (teams.make_manager with "
            "ownership transfer), got the subject as owner"
        )


class PrivacyCoverageError(PrivacyError):
    """A store that keeps personal data has neither an exporter nor an eraser."""

    def __init__(self, *, stores: Iterable[str]) -> None:
        self.stores: tuple[str, ...] = tuple(stores)
        super().__init__(
            f"store(s) {', '.join(self.stores)} keep personal data but have no exporter and "
            "no eraser; expected every such store covered by a registered exporter or eraser"
        )


def _shown(value: object, limit: int = 80) -> str:
    """A short ``type: repr`` of a value for messages (one line, cut at ``limit``)."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if value is None or isinstance(value, bool):
        return text
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
