"""The steps of a data-subject request: receive, check identity, extend, forward, answer."""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from .._checks import Kind, accepts, identifier, whole_number
from .._errors_base import _indefinite
from ..clock import DEFAULT_TIMEZONE, instant
from ..errors import (
    ExtensionNotAllowed,
    IdentityAlreadyChecked,
    IdentityNotVerified,
    InvalidInput,
    RequestClosed,
    RequestForwarded,
    StepBeforePrevious,
)
from ._default import seed_register
from ._register import LegalBasis, Register
from ._requests import (
    MAX_EXTENSION_MONTHS,
    Extension,
    IdentityCheck,
    RequestKind,
    RequestStatus,
    SubjectRequest,
    _changes,
    _kind,
    _purposes,
    requests_of,
)
from ._specs import AT, REGISTER_OR_NONE, SUBJECT_ID

#: The request a step acts on.
_REQUEST: Final[Kind] = (SubjectRequest, "a SubjectRequest")

__all__ = [
    "complete_request",
    "extend_request",
    "forward_request",
    "lift_restriction",
    "overdue",
    "receive_request",
    "record_identity_check",
    "refuse_request",
]


@accepts(
    subject_id=SUBJECT_ID,
    kind=(
        str,
        "a request kind: access, erasure, rectification, restriction, objection, portability",
    ),
    at=AT,
    tz=(str, "an IANA time zone name"),
    request_id=(str, "a request id (text) or None"),
    controller=(str, "the controller's id (text) or None"),
    changes=(Mapping, "a mapping of 'name'/'email' to the corrected value"),
    register=REGISTER_OR_NONE,
)
def receive_request(
    subject_id: str,
    kind: str,
    *,
    at: _dt.datetime,
    tz: str = DEFAULT_TIMEZONE,
    request_id: str | None = None,
    controller: str | None = None,
    purposes: Iterable[str] = (),
    changes: Mapping[str, str] | None = None,
    register: Register | None = None,
) -> SubjectRequest:
    """Record a data-subject request as received at ``at``.

    Args:
        subject_id: whose data.
        kind: ``"access"``, ``"erasure"``, ``"rectification"``, ``"restriction"``,
            ``"objection"`` or ``"portability"``.
        at: when it came in.
        tz: the subject's time zone (the deadline's day ends there).
        request_id: its id (default: a new random one).
        controller: for data processed for a customer (a school's pupil data, seed 002),
            that controller: the request is recorded and forwarded (:func:`forward_request`).
        purposes: for a restriction or objection, the purposes it names.
        changes: for a rectification, the corrected ``name`` and/or ``email``.
        register: checks the purposes named: each in the register (default:
            :func:`default_register`, the seed's), and for an objection each resting on
            legitimate interest (GDPR Art. 21; consent is withdrawn instead).

    Raises:
        InvalidInput: a malformed argument (an empty ``request_id`` too: it never means
            "a new one"); a restriction or objection without purposes; a rectification
            without changes; purposes on another kind than a restriction or objection,
            changes on another kind than a rectification (they would never be acted on);
            an objection to a purpose not resting on legitimate interest (the message says
            its basis in words and what the subject can do instead).
        UnknownPurpose: a purpose the register does not list (a misspelt one is refused,
            never recorded).

    >>> import datetime as dt
    >>> r = receive_request("ann", "access", at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
    >>> r.status.value, r.due_at.date().isoformat()
    ('received', '2026-02-02')
    """
    request_kind = _kind(kind)
    named = _purposes(purposes)
    if (
        request_kind in (RequestKind.RESTRICTION, RequestKind.OBJECTION)
        and not named
        and controller is None
    ):
        raise InvalidInput(
            f"{_indefinite(request_kind.value)} request names the purposes it is about, got none"
        )
    fixes = _changes(changes or {})
    if request_kind is RequestKind.RECTIFICATION and not fixes and controller is None:
        raise InvalidInput(
            "a rectification request gives the corrected name or e-mail address, got neither"
        )
    _refuse_foreign(request_kind, named, fixes)
    if controller is not None:
        identifier(controller, "controller")
    checked = seed_register() if register is None else register
    for purpose in named:
        basis = checked.purpose(purpose).legal_basis
        if request_kind is RequestKind.OBJECTION and basis is not LegalBasis.LEGITIMATE_INTEREST:
            raise InvalidInput(
                f"an objection (GDPR Art. 21) stops a purpose resting on the platform's "
                f"legitimate interest; purpose {purpose!r} rests on "
                f"{_BASIS_WORDS[basis]}, so {_INSTEAD[basis]}"
            )
    return SubjectRequest(
        request_id=f"request-{uuid.uuid4().hex}" if request_id is None else request_id,
        subject_id=subject_id,
        kind=request_kind,
        received_at=at,
        timezone=tz,
        controller=controller,
        purposes=named,
        changes=fixes,
    )


#: A legal basis in words, for messages (GDPR Art. 6(1)).
_BASIS_WORDS: Final[Mapping[LegalBasis, str]] = {
    LegalBasis.CONTRACT: "the contract with the subject",
    LegalBasis.LEGITIMATE_INTEREST: "the platform's legitimate interest",
    LegalBasis.CONSENT: "the subject's consent",
    LegalBasis.LEGAL_OBLIGATION: "a legal obligation (such as keeping tax records)",
}

#: What the subject can do instead of objecting, per legal basis.
_INSTEAD: Final[Mapping[LegalBasis, str]] = {
    LegalBasis.CONTRACT: (
        "it cannot be objected to; it ends with the contract, and meanwhile a restriction "
        "request (GDPR Art. 18) or a rectification request can limit or correct it"
    ),
    LegalBasis.LEGITIMATE_INTEREST: "an objection applies",
    LegalBasis.CONSENT: "withdraw the consent instead: that stops it from then on",
    LegalBasis.LEGAL_OBLIGATION: (
        "the law requires it and it cannot be objected to; the data is erased when its "
        "retention period ends, and meanwhile a restriction request (GDPR Art. 18) can "
        "limit its use to what the law requires"
    ),
}

#: The request kinds that take purposes, and those that take corrections.
_TAKE_PURPOSES: Final = frozenset({RequestKind.RESTRICTION, RequestKind.OBJECTION})


def _refuse_foreign(
    kind: RequestKind, purposes: tuple[str, ...], changes: Mapping[str, str]
) -> None:
    """Refuse purposes on a request kind that names none, and corrections on one that is
    not a rectification: they would be recorded and never acted on."""
    if purposes and kind not in _TAKE_PURPOSES:
        raise InvalidInput(
            f"{_indefinite(kind.value)} request names no purposes (only a restriction or an "
            f"objection does); expected none, got {', '.join(map(repr, purposes))}"
        )
    if changes and kind is not RequestKind.RECTIFICATION:
        given = ", ".join(
            f"{'e-mail address' if k == 'email' else k} {v!r}" for k, v in changes.items()
        )
        raise InvalidInput(
            f"{_indefinite(kind.value)} request carries no corrections (only a rectification "
            f"does); expected none, got {given}"
        )


def _months(count: int) -> str:
    """``"1 month"``, ``"2 months"``: a number of months in words for messages."""
    return f"{count} month" if count == 1 else f"{count} months"


def _require_open(request: SubjectRequest, action: str, at: _dt.datetime) -> None:
    """Raise unless ``request`` is open and ``at`` is not before its last recorded step."""
    require_not_closed(request, action)
    _require_in_order(request, action, at)


def require_not_closed(request: SubjectRequest, action: str) -> None:
    """Raise :class:`RequestClosed` (saying when it closed) unless ``request`` is open:
    checked before anything else about the request, since a closed one is the answer a
    user needs whatever else is wrong (internal)."""
    if not request.is_open:
        raise RequestClosed(
            request_id=request.request_id,
            status=request.status.value,
            action=action,
            closed_at=request.closed_at,
        )


def _require_in_order(request: SubjectRequest, action: str, at: _dt.datetime) -> None:
    """Raise :class:`StepBeforePrevious` when ``at`` is before the request's receipt or
    the last step recorded on it (identity check, extension, closing)."""
    steps: list[tuple[str, _dt.datetime]] = [("receipt", request.received_at)]
    if request.identity_check is not None:
        steps.append(("identity check", request.identity_check.checked_at))
    steps.extend(("extension", e.at) for e in request.extensions)
    if request.closed_at is not None:
        steps.append((request.status.value, request.closed_at))
    previous, earliest = max(steps, key=lambda step: instant(step[1]))
    if instant(at, "at") < instant(earliest):
        raise StepBeforePrevious(
            request_id=request.request_id,
            action=action,
            at=at,
            previous=previous,
            earliest=earliest,
        )


@accepts(
    request=_REQUEST,
    at=AT,
    by=(str, "who checked (a staff account id)"),
    method=(str, "how the identity was checked (text)"),
)
def record_identity_check(
    request: SubjectRequest, *, at: _dt.datetime, by: str, method: str = "id-copy-redacted"
) -> SubjectRequest:
    """Record that the requester's identity was checked: when, by whom, how.

    The copy of the ID itself is never passed to the library, so it cannot be kept.

    Raises:
        RequestClosed: the request is closed.
        IdentityAlreadyChecked: a check is recorded already (the first one stands).
        StepBeforePrevious: ``at`` is before the request's receipt or its last step.
    """
    _require_open(request, "verify the identity of", at)
    if request.identity_check is not None:
        raise IdentityAlreadyChecked(
            request_id=request.request_id,
            checked_by=request.identity_check.checked_by,
            checked_at=request.identity_check.checked_at,
        )
    check = IdentityCheck(checked_at=at, checked_by=by, method=method)
    return attrs.evolve(request, identity_check=check, status=RequestStatus.VERIFIED)


@accepts(
    request=_REQUEST,
    months=(int, "a whole number of months (1 or 2)"),
    reason=(str, "the reason for the extension (text)"),
    at=AT,
)
def extend_request(
    request: SubjectRequest, *, months: int, reason: str, at: _dt.datetime
) -> SubjectRequest:
    """Extend a request's deadline by ``months`` with a ``reason`` (GDPR Art. 12(3)).

    At most two further months in total, decided before the deadline passes; the
    extension is recorded on the request.

    Raises:
        ExtensionNotAllowed: more than two months in total, after the deadline, or
            without a reason.
        RequestClosed: the request is closed.
        StepBeforePrevious: ``at`` is before the request's receipt or its last step.
    """
    _require_open(request, "extend", at)
    if not isinstance(reason, str) or not reason.strip():
        raise ExtensionNotAllowed(
            request_id=request.request_id, problem="no reason was given", got="no reason"
        )
    whole_number(months, "months", minimum=1)
    granted = sum(e.months for e in request.extensions)
    if granted + months > MAX_EXTENSION_MONTHS:
        raise ExtensionNotAllowed(
            request_id=request.request_id,
            problem=(
                f"{_months(granted)} granted so far and {_months(months)} more make "
                f"{_months(granted + months)} in total, and {_months(MAX_EXTENSION_MONTHS)} "
                "is the most allowed"
            ),
            got=f"an extension by {_months(months)}",
        )
    if instant(at, "at") > instant(request.due_at):
        raise ExtensionNotAllowed(
            request_id=request.request_id,
            problem=f"the deadline {request.due_at.isoformat()} has passed",
            got=f"an extension at {instant(at).isoformat()}",
        )
    extension = Extension(months=months, reason=reason, at=at)
    return attrs.evolve(request, extensions=(*request.extensions, extension))


@accepts(request=_REQUEST, at=AT)
def forward_request(
    request: SubjectRequest, *, at: _dt.datetime, note: str | None = None
) -> SubjectRequest:
    """Forward a request about data processed for a controller (a school) to it.

    The platform, as processor, records the request and passes it on; the controller
    answers it (seed 002's processing agreement).

    Raises:
        InvalidInput: the request names no controller.
        RequestClosed: the request is closed.
        StepBeforePrevious: ``at`` is before the request's receipt or its last step.
    """
    _require_open(request, "forward", at)
    if request.controller is None:
        raise InvalidInput(
            f"request {request.request_id!r} is about data the platform controls; expected a "
            "request with a controller to forward to, got none (carry it out instead)"
        )
    return attrs.evolve(
        request, status=RequestStatus.FORWARDED, closed_at=at, note=note or request.controller
    )


def require_executable(request: SubjectRequest, at: _dt.datetime | None = None) -> None:
    """Raise unless the platform may carry out ``request`` (at ``at`` if given: not before
    its last step; internal)."""
    require_not_closed(request, "carry out")
    if at is not None:
        _require_in_order(request, "carry out", at)
    if request.controller is not None:
        raise RequestForwarded(request_id=request.request_id, controller=request.controller)
    if request.identity_check is None:
        raise IdentityNotVerified(request_id=request.request_id)


@accepts(request=_REQUEST, at=AT)
def complete_request(request: SubjectRequest, *, at: _dt.datetime) -> SubjectRequest:
    """Mark a request carried out at ``at``.

    Raises:
        IdentityNotVerified: no identity check is recorded.
        RequestForwarded: the request belongs to a controller (forward it).
        RequestClosed: the request is closed.
        StepBeforePrevious: ``at`` is before the request's receipt or its last step.
    """
    require_executable(request, at)
    return attrs.evolve(request, status=RequestStatus.COMPLETED, closed_at=at)


@accepts(
    request=_REQUEST,
    at=AT,
    reason=(str, "the reason for refusing (text)"),
)
def refuse_request(request: SubjectRequest, *, at: _dt.datetime, reason: str) -> SubjectRequest:
    """Refuse a request (manifestly unfounded, identity not confirmed...) with a reason.

    Raises:
        RequestClosed: the request is closed.
        InvalidInput: no reason.
        StepBeforePrevious: ``at`` is before the request's receipt or its last step.
    """
    _require_open(request, "refuse", at)
    if not reason.strip():
        raise InvalidInput("a refusal needs its reason, got blank text")
    return attrs.evolve(request, status=RequestStatus.REFUSED, closed_at=at, note=reason)


@accepts(request=_REQUEST, at=AT)
def lift_restriction(request: SubjectRequest, *, at: _dt.datetime) -> SubjectRequest:
    """Lift a completed restriction from ``at`` on: processing for its purposes resumes.

    Raises:
        InvalidInput: not a completed restriction, or lifted already.
        StepBeforePrevious: ``at`` is before the restriction was carried out.
    """
    if request.kind is not RequestKind.RESTRICTION or request.status is not RequestStatus.COMPLETED:
        raise InvalidInput(
            "only a completed restriction can be lifted, got "
            f"{_indefinite(request.status.value)} {request.kind.value} request"
        )
    if request.lifted_at is not None:
        raise InvalidInput(
            f"restriction {request.request_id!r} was lifted already at {request.lifted_at.isoformat()}"
        )
    _require_in_order(request, "lift the restriction of", at)
    return attrs.evolve(request, lifted_at=at)


@accepts(at=AT)
def overdue(requests: Iterable[SubjectRequest], *, at: _dt.datetime) -> tuple[SubjectRequest, ...]:
    """Return the open requests whose deadline passed before ``at``, oldest deadline first.

    Raises:
        InvalidInput: ``requests`` is not an iterable of :class:`SubjectRequest`.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    moment = instant(at, "at")
    late = [r for r in requests_of(requests) if r.is_open and instant(r.due_at) < moment]
    return tuple(sorted(late, key=lambda r: (instant(r.due_at), r.request_id)))
