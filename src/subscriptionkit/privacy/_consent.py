"""Consent per subject and purpose: given, implicit, withdrawn (never retroactively)."""

from __future__ import annotations

import datetime as _dt
import enum
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final, NoReturn

import attrs

from .._checks import accepts
from ..clock import instant
from ..errors import ConsentAlreadyWithdrawn, ConsentNotGiven, ConsentOutOfOrder, InvalidInput
from ._default import seed_register
from ._register import LegalBasis, Register
from ._specs import AT, CONSENT_ID, PURPOSE, REGISTER_OR_NONE, SUBJECT_ID
from ._values import (
    an_id,
    choice,
    instances,
    iso,
    moment,
    optional_moment,
    optional_text,
    parse_moment,
    refuse_unknown,
    text,
)

__all__ = [
    "IMPLICIT_CONSENT",
    "Consent",
    "ConsentKind",
    "consent_given",
    "has_consent",
    "implicit_consent",
    "record_consent",
    "unsubscribe",
    "withdraw_consent",
]


class ConsentKind(enum.StrEnum):
    """How consent was given: asked for (``explicit``), or implied by an action (seed 001:
    contacting the platform, subscribing to the newsletter, posting a review)."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        refuse_unknown(cls, value)

    EXPLICIT = "explicit"
    CONTACT = "contact"
    NEWSLETTER_SIGNUP = "newsletter_signup"
    REVIEW = "review"


#: The purpose each implicit kind consents to in :func:`default_register`.
IMPLICIT_CONSENT: Final[Mapping[str, str]] = {
    ConsentKind.CONTACT: "support",
    ConsentKind.NEWSLETTER_SIGNUP: "newsletter",
    ConsentKind.REVIEW: "reviews",
}


def _kind(value: object) -> ConsentKind:
    return choice(ConsentKind, value, "consent kind")


@attrs.frozen
class Consent:
    """One consent of one subject for one purpose, and its withdrawal if any.

    Moments are kept as instants (UTC). A withdrawal ends the consent from its moment
    on; it never undoes what was done before (GDPR Art. 7(3), seed 001).

    Args:
        consent_id: the record's id.
        subject_id: whose consent (an account, a contact).
        purpose: the purpose consented to (a register purpose id).
        given_at: when it was given.
        source: where it was given (``"signup-form"``, ``"e-mail"``, ``"phone"``).
        text_version: the version of the text consented to.
        kind: ``explicit``, or the implicit kind (:class:`ConsentKind`).
        withdrawn_at: when it was withdrawn, or ``None``.
        withdrawal_source: how it was withdrawn (``"unsubscribe-link"``), or ``None``.

    Raises:
        InvalidInput: a field of the wrong kind, or a withdrawal before the consent.
        NaiveDatetimeError: a moment without time zone.
    """

    consent_id: str = attrs.field(validator=an_id)
    subject_id: str = attrs.field(validator=an_id)
    purpose: str = attrs.field(validator=an_id)
    given_at: _dt.datetime = attrs.field(converter=moment)
    source: str = attrs.field(validator=text)
    text_version: str = attrs.field(validator=text)
    kind: ConsentKind = attrs.field(default=ConsentKind.EXPLICIT, converter=_kind)
    withdrawn_at: _dt.datetime | None = attrs.field(default=None, converter=optional_moment)
    withdrawal_source: str | None = attrs.field(default=None, validator=optional_text)

    def __attrs_post_init__(self) -> None:
        if self.withdrawn_at is not None and instant(self.withdrawn_at) < instant(self.given_at):
            raise InvalidInput(
                f"consent {self.consent_id!r} cannot be withdrawn at {self.withdrawn_at.isoformat()}, "
                f"before it was given at {self.given_at.isoformat()}"
            )

    @property
    def implicit(self) -> bool:
        """Whether the consent was implied by an action rather than asked for."""
        return self.kind is not ConsentKind.EXPLICIT

    def in_force(self, at: _dt.datetime) -> bool:
        """Whether the consent holds at ``at``: given at or before it, not withdrawn by then.

        Raises:
            NaiveDatetimeError: ``at`` has no time zone.
        """
        moment = instant(at, "at")
        return instant(self.given_at) <= moment and (
            self.withdrawn_at is None or moment < instant(self.withdrawn_at)
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the consent as JSON-ready data (moments in ISO 8601, UTC)."""
        return {
            "consent_id": self.consent_id,
            "subject_id": self.subject_id,
            "purpose": self.purpose,
            "given_at": self.given_at.isoformat(),
            "source": self.source,
            "text_version": self.text_version,
            "kind": self.kind.value,
            "withdrawn_at": iso(self.withdrawn_at),
            "withdrawal_source": self.withdrawal_source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Consent:
        """Build a consent from :meth:`to_dict` output.

        Raises:
            InvalidInput: missing or malformed fields.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(f"a consent must be a mapping, got {type(data).__name__}")
        try:
            return cls(
                consent_id=data["consent_id"],
                subject_id=data["subject_id"],
                purpose=data["purpose"],
                given_at=parse_moment(data["given_at"]),
                source=data["source"],
                text_version=data["text_version"],
                kind=data.get("kind", "explicit"),
                withdrawn_at=None
                if data.get("withdrawn_at") is None
                else parse_moment(data["withdrawn_at"]),
                withdrawal_source=data.get("withdrawal_source"),
            )
        except KeyError as exc:
            raise InvalidInput(
                f"a consent needs the field {exc.args[0]!r}; got {sorted(map(str, data))}"
            ) from None


def _check_purpose(register: Register | None, purpose: str) -> None:
    """Refuse a purpose that ``register`` (``None``: :func:`default_register`) does not
    list as resting on consent: a misspelt purpose raises, never answers "no consent"."""
    if register is None:
        register = seed_register()
    found = register.purpose(purpose)
    if found.legal_basis is not LegalBasis.CONSENT:
        raise InvalidInput(
            f"purpose {purpose!r} rests on {found.legal_basis.value}, not on consent; expected "
            f"a consent purpose ({', '.join(p.id for p in register if p.legal_basis is LegalBasis.CONSENT)})"
        )


def _require_after(
    history: Iterable[Consent], subject_id: str, purpose: str, at: _dt.datetime, action: str
) -> None:
    """Raise :class:`ConsentOutOfOrder` when ``at`` is before the last step (a consent
    given, a withdrawal) of ``subject_id``'s history for ``purpose``: the one rule that
    keeps consent history append-only, for recording and withdrawing alike."""
    steps = [
        step
        for c in _consents(history)
        if c.subject_id == subject_id and c.purpose == purpose
        for step in (
            ("consent given", c.given_at),
            *(() if c.withdrawn_at is None else (("withdrawal", c.withdrawn_at),)),
        )
    ]
    if not steps:
        return
    previous, earliest = max(steps, key=lambda step: instant(step[1]))
    if instant(at, "at") < instant(earliest):
        raise ConsentOutOfOrder(
            subject_id=subject_id,
            purpose=purpose,
            action=action,
            at=at,
            previous=previous,
            earliest=earliest,
        )


def _new_consent(
    consent_id: str | None,
    subject_id: str,
    purpose: str,
    at: _dt.datetime,
    source: str,
    text_version: str,
    kind: ConsentKind = ConsentKind.EXPLICIT,
) -> Consent:
    """A consent given at ``at``, under ``consent_id`` or a new id."""
    return Consent(
        consent_id=f"consent-{uuid.uuid4().hex}" if consent_id is None else consent_id,
        subject_id=subject_id,
        purpose=purpose,
        given_at=at,
        source=source,
        text_version=text_version,
        kind=kind,
    )


@accepts(
    subject_id=SUBJECT_ID,
    purpose=PURPOSE,
    at=AT,
    source=(str, "where consent was given (text)"),
    text_version=(str, "the version of the consent text (text)"),
    register=REGISTER_OR_NONE,
    consent_id=CONSENT_ID,
)
def record_consent(
    subject_id: str,
    purpose: str,
    *,
    at: _dt.datetime,
    source: str,
    text_version: str,
    register: Register | None = None,
    consent_id: str | None = None,
    history: Iterable[Consent] = (),
) -> Consent:
    """Record an explicit consent of ``subject_id`` for ``purpose`` at ``at``.

    Consent is per purpose (seed 001: "for each purpose separately"): one record each.

    Args:
        subject_id: whose consent.
        purpose: what for: one of the register's consent purposes.
        at: when (aware).
        source: where it was given (``"signup-form"``).
        text_version: the version of the text the subject agreed to.
        register: the register to check ``purpose`` against (default:
            :func:`default_register`, the seed's).
        consent_id: the record's id (default: a new random one).
        history: the consents recorded before (the subject's, from the store): the new
            one may not be dated before their last step for ``purpose``.

    Raises:
        UnknownPurpose: ``purpose`` is not in ``register``.
        InvalidInput: the purpose does not rest on consent; a malformed argument.
        ConsentOutOfOrder: ``at`` is before the last consent given or withdrawal in
            ``history`` for the purpose (consent history is never rewritten, Art. 7(1)).

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    >>> c = record_consent("ann", "promotion", at=at, source="web", text_version="v1")
    >>> has_consent([c], "ann", "promotion", at=at), has_consent([c], "ann", "newsletter", at=at)
    (True, False)
    """
    _check_purpose(register, purpose)
    _require_after(history, subject_id, purpose, at, "record a consent")
    return _new_consent(consent_id, subject_id, purpose, at, source, text_version)


@accepts(
    subject_id=SUBJECT_ID,
    kind=(str, "an implicit consent kind: 'contact', 'newsletter_signup' or 'review'"),
    at=AT,
    source=(str, "where the action happened (text)"),
    register=REGISTER_OR_NONE,
    text_version=(str, "the version of the privacy text (text)"),
    consent_id=CONSENT_ID,
    purpose=(str, "the purpose the action implies (text) or None"),
)
def implicit_consent(
    subject_id: str,
    kind: str,
    *,
    at: _dt.datetime,
    source: str,
    register: Register | None = None,
    text_version: str = "privacy-policy",
    consent_id: str | None = None,
    purpose: str | None = None,
    history: Iterable[Consent] = (),
) -> Consent:
    """Record the consent an action implies (seed 001): contacting the platform consents
    to support, subscribing to the newsletter to the newsletter, posting a review to its
    publication.

    Args:
        kind: ``"contact"``, ``"newsletter_signup"`` or ``"review"``.
        register: where the action's purpose is looked up (``Purpose.implicit_consent``);
            by default ``IMPLICIT_CONSENT``.
        text_version: the version of the privacy policy in force.
        purpose: the purpose the caller expects; it must be the one the action implies.
        history: the consents recorded before, as for :func:`record_consent`.

    Raises:
        ConsentOutOfOrder: ``at`` is before the last step in ``history`` for the purpose.
        InvalidInput: an unknown kind (or ``"explicit"``); ``purpose`` is not the one
            the action implies (a review consents to ``reviews``, not ``newsletter``).
        UnknownPurpose: ``register`` has no purpose for that action.
    """
    consent_kind = _kind(kind)
    if consent_kind is ConsentKind.EXPLICIT:
        raise InvalidInput(
            "an implicit consent is implied by an action: 'contact', 'newsletter_signup' or "
            "'review'; got 'explicit' (record an explicit consent as such instead)"
        )
    implied = (
        register.for_implicit_consent(consent_kind.value).id
        if register is not None
        else IMPLICIT_CONSENT[consent_kind]
    )
    if purpose is not None and purpose != implied:
        raise InvalidInput(
            f"implicit consent {consent_kind.value!r} consents to purpose {implied!r}; expected "
            f"that purpose or none, got purpose {purpose!r}"
        )
    _require_after(history, subject_id, implied, at, "record a consent")
    return _new_consent(consent_id, subject_id, implied, at, source, text_version, consent_kind)


@accepts(
    consent=(Consent, "a Consent"),
    at=AT,
    source=(str, "how it was withdrawn (text)"),
)
def withdraw_consent(consent: Consent, *, at: _dt.datetime, source: str) -> Consent:
    """Withdraw a consent from ``at`` on; what was done before stays lawful.

    Returns:
        The consent with ``withdrawn_at`` set.

    Raises:
        ConsentAlreadyWithdrawn: the consent was withdrawn already (at any moment): a
            recorded withdrawal stands (GDPR Art. 7(1)).
        ConsentOutOfOrder: ``at`` is before the consent was given.
        ConsentNotGiven: the consent is not in force at ``at``.
    """
    if consent.withdrawn_at is not None:
        raise ConsentAlreadyWithdrawn(
            consent_id=consent.consent_id, withdrawn_at=consent.withdrawn_at, at=at
        )
    _require_after([consent], consent.subject_id, consent.purpose, at, "withdraw the consent")
    if not consent.in_force(at):
        raise ConsentNotGiven(
            subject_id=consent.subject_id, purpose=consent.purpose, at=instant(at)
        )
    return attrs.evolve(consent, withdrawn_at=at, withdrawal_source=source)


def _consents(value: object) -> tuple[Consent, ...]:
    return instances(value, Consent, "consents")


@accepts(
    subject_id=SUBJECT_ID,
    at=AT,
    source=(str, "how it was withdrawn (text)"),
    purpose=PURPOSE,
    register=REGISTER_OR_NONE,
)
def unsubscribe(
    consents: Iterable[Consent],
    subject_id: str,
    *,
    at: _dt.datetime,
    source: str = "unsubscribe-link",
    purpose: str = "newsletter",
    register: Register | None = None,
) -> tuple[Consent, ...]:
    """Withdraw every consent of ``subject_id`` for ``purpose`` in force at ``at``
    (unsubscribing from the newsletter, seed 001); return the withdrawn records.

    Consents withdrawn already keep their withdrawal, and ``at`` may not be before the
    last step of the subject's history for ``purpose`` (a consent given, a withdrawal):
    a backdated withdrawal would rewrite the evidence of consent (GDPR Art. 7(1)).

    ``purpose`` is checked against ``register`` (default: :func:`default_register`) as
    :func:`record_consent` checks it, so a misspelt purpose raises instead of
    withdrawing nothing.

    Raises:
        UnknownPurpose: ``purpose`` is not in the register.
        InvalidInput: ``purpose`` does not rest on consent.
        ConsentOutOfOrder: ``at`` is before the last consent given or withdrawal of the
            subject for ``purpose``.
    """
    _check_purpose(register, purpose)
    given = _consents(consents)
    _require_after(given, subject_id, purpose, at, "withdraw the consent")
    return tuple(
        withdraw_consent(c, at=at, source=source)
        for c in given
        if c.subject_id == subject_id
        and c.purpose == purpose
        and c.withdrawn_at is None
        and c.in_force(at)
    )


@accepts(
    subject_id=SUBJECT_ID,
    purpose=PURPOSE,
    at=AT,
    register=REGISTER_OR_NONE,
)
def has_consent(
    consents: Iterable[Consent],
    subject_id: str,
    purpose: str,
    *,
    at: _dt.datetime,
    register: Register | None = None,
) -> bool:
    """Whether ``subject_id`` had consented to ``purpose`` at ``at`` (any past moment).

    A withdrawal counts only from its own moment on, so asking about a moment before it
    still answers ``True``. ``purpose`` is checked against ``register`` (default:
    :func:`default_register`, the seed's) as :func:`record_consent` checks it, so a
    misspelt purpose raises instead of answering ``False``; pass your own register when
    it names other purposes.

    Raises:
        InvalidInput: ``consents`` is not an iterable of :class:`Consent`; ``purpose``
            does not rest on consent in ``register``.
        UnknownPurpose: ``purpose`` is not in ``register``.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    instant(at, "at")
    given = _consents(consents)
    _check_purpose(register, purpose)
    return any(
        c.subject_id == subject_id and c.purpose == purpose and c.in_force(at) for c in given
    )


@accepts(subject_id=SUBJECT_ID, at=AT)
def consent_given(
    consents: Iterable[Consent], subject_id: str, *, at: _dt.datetime
) -> tuple[str, ...]:
    """Return the purposes ``subject_id`` had consented to at ``at``, sorted."""
    return tuple(
        sorted(
            {
                c.purpose
                for c in _consents(consents)
                if c.subject_id == subject_id and c.in_force(at)
            }
        )
    )
