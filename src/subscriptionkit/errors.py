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
        ├── ConsentOutOfOrder (ValueError)        a consent step dated before the last one
        ├── ConsentAlreadyWithdrawn               a withdrawal withdrawn again; the first stands
        ├── RequestError                          a data-subject request step not allowed now
        │   ├── IdentityNotVerified               carried out before the identity check
        │   ├── RequestForwarded                  the controller (a school) answers it, not us
        │   ├── ExtensionNotAllowed (ValueError)  beyond two further months, late, or no reason
        │   ├── RequestClosed                     the request was completed or forwarded already
        │   ├── StepBeforePrevious (ValueError)   a step dated before receipt or the last step
        │   ├── IdentityAlreadyChecked            a second identity check; the first stands
        │   └── AccessNotAnswered                 erasing while an access request is open
        ├── OwnershipTransferRequired             erasing a team owner before a transfer
        └── PrivacyCoverageError                  personal data kept without exporter and eraser

Errors are picklable, so they cross process boundaries intact.
"""

from __future__ import annotations

# The classes live in private modules by area (``_errors_<area>.py``) and say they live
# here (their ``__module__``): add a new error to its area's module, then name it below
# and in ``__all__``. Pickles name subscriptionkit.errors._restore.
from ._errors_base import (
    SubscriptionKitError,
    _restore,  # noqa: F401
)
from ._errors_certificates import (
    BadSignature,
    CertificateError,
    CertificateRevoked,
    InvalidCertificate,
    InvalidKeyMaterial,
    InvalidRevocationList,
    InvalidStatusList,
    KeyNotValid,
    KeyRingError,
    MalformedToken,
    NotYetValid,
    StatusNotCovered,
    UnknownKey,
)
from ._errors_input import (
    CurrencyMismatch,
    InvalidArgument,
    InvalidDatabaseUrl,
    InvalidGrade,
    InvalidIdentifier,
    InvalidInput,
    InvalidMoney,
    InvalidPlan,
    InvalidQuoteRequest,
    InvalidTimezone,
    MissingDependency,
    NaiveDatetimeError,
    PriceNotConfigured,
    SeatCountOutOfRange,
    UnknownPlan,
    UnstorableValue,
)
from ._errors_lifecycle import (
    CancellationTooLate,
    InvalidTransition,
    LifecycleError,
    NotAnUpgrade,
    TrialAlreadyUsed,
)
from ._errors_metering import (
    InvalidCsv,
    InvalidEvent,
    InvalidEventBatch,
    MeteringError,
)
from ._errors_privacy import (
    AccessNotAnswered,
    ConsentAlreadyWithdrawn,
    ConsentNotGiven,
    ConsentOutOfOrder,
    ExtensionNotAllowed,
    IdentityAlreadyChecked,
    IdentityNotVerified,
    InvalidRegister,
    OwnershipTransferRequired,
    PrivacyCoverageError,
    PrivacyError,
    RequestClosed,
    RequestError,
    RequestForwarded,
    StepBeforePrevious,
    UnknownPurpose,
)
from ._errors_storage import (
    AlreadyExists,
    ConcurrentUpdate,
    ConstraintViolated,
    DatabaseBusy,
    DatabaseUnavailable,
    ForeignDatabase,
    MissingSchemaVersion,
    NotADatabase,
    NotFound,
    ReadOnlyDatabase,
    SchemaMismatch,
    SchemaVersionError,
    StatusIndexTaken,
    StorageError,
    UnknownSchemaVersion,
)
from ._errors_teams import (
    AlreadyOnTeam,
    AlreadyOwner,
    CoManagersDisabled,
    InvalidTokenKey,
    InvitationError,
    InvitationExpired,
    InvitationForAnotherAddress,
    InvitationRevoked,
    InvitationUsed,
    LinkError,
    LinkExpired,
    LinkRevoked,
    LinkUsedUp,
    NotAMember,
    NotPermitted,
    OwnerCannotBeRemoved,
    SeatsBelowCommitted,
    TeamError,
    TeamFull,
    UnknownInvitation,
    UnknownLink,
)

__all__ = [
    "AccessNotAnswered",
    "AlreadyExists",
    "AlreadyOnTeam",
    "AlreadyOwner",
    "BadSignature",
    "CancellationTooLate",
    "CertificateError",
    "CertificateRevoked",
    "CoManagersDisabled",
    "ConcurrentUpdate",
    "ConsentAlreadyWithdrawn",
    "ConsentNotGiven",
    "ConsentOutOfOrder",
    "ConstraintViolated",
    "CurrencyMismatch",
    "DatabaseBusy",
    "DatabaseUnavailable",
    "ExtensionNotAllowed",
    "ForeignDatabase",
    "IdentityAlreadyChecked",
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
    "StepBeforePrevious",
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
