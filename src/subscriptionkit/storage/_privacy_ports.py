"""The storage ports of privacy: consents, data-subject requests, pseudonyms (internal).

Re-exported by :mod:`subscriptionkit.storage.ports`, which users import; kept apart so each
module stays small.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Final, Protocol, TypeVar, runtime_checkable

import attrs

from .._errors_base import _shown
from ..audit import AuditEntry
from ..clock import instant
from ..errors import AlreadyExists, ConsentAlreadyWithdrawn, InvalidInput
from ..privacy import PSEUDONYM_PREFIX, Consent, Register, SubjectRequest, has_consent

__all__ = [
    "ConsentStore",
    "PrivacyRecords",
    "PseudonymStore",
    "RequestStore",
    "pseudonym_of",
]

R = TypeVar("R", Consent, SubjectRequest)


def pseudonym_of(key: bytes, subject_id: str, school_id: str | None = None) -> str:
    """The keyed, deterministic pseudonym of ``subject_id``: ``anon-`` and 32 hex digits of
    HMAC-SHA256 under ``key``. The same subject always gets the same pseudonym under one
    key, so counts over pseudonymised records stay the same; without the key it cannot be
    traced back (GDPR Art. 4(5)).

    A pupil id is unique only within its school (each school is the controller for its
    pupils, seed 002): with ``school_id`` the pseudonym is of the pair, so pupil ``p1`` of
    one school and ``p1`` of another get different pseudonyms."""
    text = (
        subject_id if school_id is None else f"\0school\0{len(school_id)}:{school_id}\0{subject_id}"
    )
    digest = hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return PSEUDONYM_PREFIX + digest.hexdigest()[:32]


@runtime_checkable
class ConsentStore(Protocol):
    """Consents per subject and purpose (:class:`~subscriptionkit.privacy.Consent`).

    A consent is saved when given and saved again when withdrawn (same ``consent_id``);
    nothing else changes it, except erasure, which pseudonymises its subject.
    """

    def save(self, consent: Consent) -> Consent:
        """Store a new consent, or the stored one changed (withdrawn); return it.

        An id names one record: saving a consent under the id of another one (another
        subject, purpose or moment given) is refused, never an overwrite.

        Raises:
            InvalidInput: ``consent`` is not a :class:`~subscriptionkit.privacy.Consent`.
            AlreadyExists: the id holds a different consent.
        """
        ...

    def get(self, consent_id: str) -> Consent:
        """Return the consent with that id.

        Raises:
            NotFound: there is none.
        """
        ...

    def for_subject(self, subject_id: str) -> Sequence[Consent]:
        """Return the subject's consents, by ``given_at`` then id."""
        ...

    def has_consent(
        self, subject_id: str, purpose: str, *, at: _dt.datetime, register: Register | None = None
    ) -> bool:
        """Whether ``subject_id`` had consented to ``purpose`` at ``at``, any past moment
        (GDPR Art. 7(3)): :func:`subscriptionkit.privacy.has_consent` over the subject's
        stored consents, so a withdrawal counts only from its own moment on, and
        ``purpose`` is checked against ``register`` (default: the seed's,
        :func:`~subscriptionkit.privacy.default_register`).

        Raises:
            InvalidArgument: ``subject_id`` or ``purpose`` is not text, ``at`` not a datetime.
            NaiveDatetimeError: ``at`` has no time zone.
            UnknownPurpose: ``purpose`` is not in the register (a misspelt purpose).
            InvalidInput: ``purpose`` does not rest on consent.
        """
        ...

    def list(self) -> Iterator[Consent]:
        """Iterate over all consents, by id."""
        ...

    def pseudonymise(self, subject_id: str, pseudonym: str) -> int:
        """Replace ``subject_id`` by ``pseudonym`` in every consent, also where its free
        text (source, text version, withdrawal source) names it, in any case; return how
        many changed."""
        ...


@runtime_checkable
class RequestStore(Protocol):
    """Data-subject requests (:class:`~subscriptionkit.privacy.SubjectRequest`), with
    their identity checks: when, by whom and how, never the copy of the ID."""

    def save(self, request: SubjectRequest) -> SubjectRequest:
        """Store a new request, or the stored one as it stands now (each step of
        :mod:`subscriptionkit.privacy` returns a changed copy to save); return it.

        An id names one record: saving a request under the id of another one (another
        subject, kind or moment received) is refused, never an overwrite.

        Raises:
            InvalidInput: ``request`` is not a :class:`~subscriptionkit.privacy.SubjectRequest`.
            AlreadyExists: the id holds a different request.
        """
        ...

    def get(self, request_id: str) -> SubjectRequest:
        """Return the request with that id.

        Raises:
            NotFound: there is none.
        """
        ...

    def for_subject(self, subject_id: str) -> Sequence[SubjectRequest]:
        """Return the subject's requests, by ``received_at`` then id."""
        ...

    def open_requests(self) -> Sequence[SubjectRequest]:
        """Return the requests still waiting for an answer, by deadline then id (for
        :func:`~subscriptionkit.privacy.overdue`)."""
        ...

    def list(self) -> Iterator[SubjectRequest]:
        """Iterate over all requests, by id."""
        ...

    def pseudonymise(self, subject_id: str, pseudonym: str) -> int:
        """Replace ``subject_id`` by ``pseudonym`` in every request, with each corrected
        name and e-mail of the subject's rectifications (the corrected fields stay named),
        and wherever the requests' free text (note, extension reasons, the check's method
        and ``checked_by``) holds the id or a corrected value, in any case; return how many
        changed."""
        ...


@runtime_checkable
class PseudonymStore(Protocol):
    """The key of the keyed pseudonyms, and which subjects were erased.

    The key (32 random bytes) is made on first use and kept in the store; never shown in
    a ``repr``, log or error. Erased subjects are kept only as their pseudonyms, so the
    store can pseudonymise records that arrive later for one of them (activity events of
    an erased pupil) without keeping the id in clear.
    """

    def pseudonym(self, subject_id: str, *, school_id: str | None = None) -> str:
        """Return the pseudonym of ``subject_id`` (keyed HMAC-SHA256 under the store's key, ``anon-`` and 32 hex digits); of the pupil ``subject_id`` of ``school_id`` if given."""
        ...

    def record_erasure(
        self, subject_id: str, *, at: _dt.datetime, school_id: str | None = None
    ) -> str:
        """Record that ``subject_id`` (the pupil of ``school_id`` if given) was erased at
        ``at``, as its pseudonym (which holds the school); return it."""
        ...

    def erased(self, subject_id: str, *, school_id: str | None = None) -> bool:
        """Whether ``subject_id`` (the pupil of ``school_id`` if given) was erased."""
        ...


@runtime_checkable
class PrivacyRecords(Protocol):
    """Privacy's part of a :class:`~subscriptionkit.storage.ports.UnitOfWork`."""

    @property
    def consents(self) -> ConsentStore:
        """The consents, as this unit of work sees them."""
        ...

    @property
    def requests(self) -> RequestStore:
        """The data-subject requests, as this unit of work sees them."""
        ...

    @property
    def pseudonyms(self) -> PseudonymStore:
        """The pseudonym key and the erased subjects, as this unit of work sees them."""
        ...


#: The ports of this module, re-exported by :mod:`subscriptionkit.storage.ports`.
PRIVACY_PORTS: Final = (ConsentStore, PrivacyRecords, PseudonymStore, RequestStore)


# -- helpers every adapter uses (private to the storage package) ---------------------


def pseudonymised_entry(entry: AuditEntry, value: str, pseudonym: str) -> AuditEntry | None:
    """``entry`` with the id ``value`` replaced by ``pseudonym`` (customer, subject, data
    values), or ``None`` when it does not hold ``value``."""
    data = {k: pseudonym if v == value else v for k, v in entry.data.items()}
    changed = entry.customer_id == value or entry.subject_id == value or data != dict(entry.data)
    if not changed:
        return None
    return attrs.evolve(
        entry,
        customer_id=pseudonym if entry.customer_id == value else entry.customer_id,
        subject_id=pseudonym if entry.subject_id == value else entry.subject_id,
        data=data,
    )


def erased_records(records: Sequence[R], pseudonym: str) -> list[R]:
    """The records of one subject as erasure leaves them: nothing about them in clear.

    The subject id becomes ``pseudonym``; a request's ``changes`` keep which fields were
    corrected, each value replaced by ``pseudonym`` (the corrected name and e-mail are the
    subject's); in every free-text field (a consent's source, text version and withdrawal
    source, a request's note, identity-check method and extension reasons) and the identity
    check's ``checked_by``, each occurrence, in any case, of the subject id or of a value
    corrected by any of ``records`` becomes ``pseudonym``. Ids of others (a controller, the
    staff who checked) stay."""
    personal = {r.subject_id for r in records}
    for record in records:
        if isinstance(record, SubjectRequest):
            personal.update(record.changes.values())
    scrub = _scrubber(personal, pseudonym)
    return [_erased(record, pseudonym, scrub) for record in records]


def _erased(record: R, pseudonym: str, scrub: Callable[[str], str]) -> R:
    if isinstance(record, Consent):
        withdrawal = record.withdrawal_source
        return attrs.evolve(
            record,
            subject_id=pseudonym,
            source=scrub(record.source),
            text_version=scrub(record.text_version),
            withdrawal_source=None if withdrawal is None else scrub(withdrawal),
        )
    check = record.identity_check
    return attrs.evolve(
        record,
        subject_id=pseudonym,
        changes=dict.fromkeys(record.changes, pseudonym),
        note=None if record.note is None else scrub(record.note),
        identity_check=None
        if check is None
        else attrs.evolve(check, checked_by=scrub(check.checked_by), method=scrub(check.method)),
        extensions=tuple(attrs.evolve(e, reason=scrub(e.reason)) for e in record.extensions),
    )


def _scrubber(personal: set[str], pseudonym: str) -> Callable[[str], str]:
    """A function replacing each of ``personal`` (any case) in a text by ``pseudonym``."""
    found = sorted((re.escape(p) for p in personal if p.strip()), key=len, reverse=True)
    pattern = re.compile("|".join(found), re.IGNORECASE) if found else None
    return lambda text: text if pattern is None else pattern.sub(pseudonym, text)


def require_consent(consent: object) -> Consent:
    """Return ``consent`` if it is a :class:`Consent`, else raise :class:`InvalidInput`."""
    if not isinstance(consent, Consent):
        raise InvalidInput(f"the consent store saves Consent records, got {_shown(consent)}")
    return consent


def require_request(request: object) -> SubjectRequest:
    """Return ``request`` if it is a :class:`SubjectRequest`, else raise :class:`InvalidInput`."""
    if not isinstance(request, SubjectRequest):
        raise InvalidInput(f"the request store saves SubjectRequest records, got {_shown(request)}")
    return request


def same_record(kind: str, stored: Consent | SubjectRequest | None, new: R) -> R:
    """Return ``new`` if it may be saved over ``stored`` (the record its id holds now):
    none is stored, or ``stored`` is the same record (same subject, purpose or kind, and
    moment given or received), changed by a later step.

    A withdrawn consent is saved again only unchanged: its withdrawal is evidence that
    stands as recorded (GDPR Art. 7(1)), whatever the caller does.

    Raises:
        AlreadyExists: ``stored`` is a different record (the id was given again).
        ConsentAlreadyWithdrawn: ``stored`` is a withdrawn consent and ``new`` changes
            its withdrawal.
    """
    if stored is None or _identity(stored) == _identity(new):
        if (
            isinstance(stored, Consent)
            and isinstance(new, Consent)
            and stored.withdrawn_at is not None
            and (instant(stored.withdrawn_at), stored.withdrawal_source)
            != (new.withdrawn_at and instant(new.withdrawn_at), new.withdrawal_source)
        ):
            raise ConsentAlreadyWithdrawn(
                consent_id=stored.consent_id, withdrawn_at=stored.withdrawn_at, at=new.withdrawn_at
            )
        return new
    raise AlreadyExists(kind=kind, key=_identity(new)[0])


def _identity(record: Consent | SubjectRequest) -> tuple[str, str, str, _dt.datetime]:
    """What never changes about a record once made (except its subject at erasure)."""
    if isinstance(record, Consent):
        return (record.consent_id, record.subject_id, record.purpose, instant(record.given_at))
    return (record.request_id, record.subject_id, record.kind.value, instant(record.received_at))


def consent_in_force(
    consents: ConsentStore,
    subject_id: str,
    purpose: str,
    at: _dt.datetime,
    register: Register | None = None,
) -> bool:
    """What every adapter's ``has_consent`` answers: the one rule,
    :func:`~subscriptionkit.privacy.has_consent`, over the subject's stored consents."""
    return has_consent(
        consents.for_subject(subject_id), subject_id, purpose, at=at, register=register
    )


def consent_order(consent: Consent) -> tuple[_dt.datetime, str]:
    """How consents of a subject are ordered: by moment given, then id."""
    return (consent.given_at, consent.consent_id)


def request_order(request: SubjectRequest) -> tuple[_dt.datetime, str]:
    """How requests of a subject are ordered: by moment received, then id."""
    return (request.received_at, request.request_id)


def deadline_order(request: SubjectRequest) -> tuple[_dt.datetime, str]:
    """How open requests are ordered: by deadline (as an instant), then id."""
    return (instant(request.due_at), request.request_id)
