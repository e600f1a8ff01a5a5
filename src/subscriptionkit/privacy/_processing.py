"""Whether a subject's data may be processed for a purpose now: consent, restriction, objection."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from .._checks import accepts
from ..clock import instant
from ._consent import Consent, has_consent
from ._register import LegalBasis, Register
from ._requests import RequestKind, RequestStatus, SubjectRequest, requests_of
from ._specs import AT, PURPOSE, SUBJECT_ID

__all__ = ["may_process", "restricted_purposes"]


@accepts(subject_id=SUBJECT_ID, at=AT)
def restricted_purposes(
    requests: Iterable[SubjectRequest], subject_id: str, *, at: _dt.datetime
) -> tuple[str, ...]:
    """Return the purposes ``subject_id``'s data is excluded from at ``at``, sorted.

    A completed restriction excludes its purposes from its completion until it is lifted
    (GDPR Art. 18); a completed objection stops its purposes from then on (Art. 21).
    """
    moment = instant(at, "at")
    stopped: set[str] = set()
    for request in requests_of(requests):
        if request.subject_id != subject_id or request.status is not RequestStatus.COMPLETED:
            continue
        assert request.closed_at is not None
        if request.kind is RequestKind.RESTRICTION:
            lifted = request.lifted_at
            if instant(request.closed_at) <= moment and (
                lifted is None or moment < instant(lifted)
            ):
                stopped.update(request.purposes)
        elif request.kind is RequestKind.OBJECTION and instant(request.closed_at) <= moment:
            stopped.update(request.purposes)
    return tuple(sorted(stopped))


@accepts(
    register=(Register, "a Register"),
    subject_id=SUBJECT_ID,
    purpose=PURPOSE,
    at=AT,
)
def may_process(
    register: Register,
    subject_id: str,
    purpose: str,
    *,
    at: _dt.datetime,
    consents: Iterable[Consent] = (),
    requests: Iterable[SubjectRequest] = (),
) -> bool:
    """Whether ``subject_id``'s data may be processed for ``purpose`` at ``at``.

    No while a restriction or objection naming the purpose holds; for a purpose resting
    on consent, only while consent is in force (:func:`has_consent`); otherwise yes.

    Raises:
        UnknownPurpose: the register has no such purpose.

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    >>> from subscriptionkit.privacy import default_register
    >>> may_process(default_register(), "ann", "newsletter", at=at)
    False
    """
    found = register.purpose(purpose)
    if purpose in restricted_purposes(requests, subject_id, at=at):
        return False
    if found.legal_basis is LegalBasis.CONSENT:
        return has_consent(consents, subject_id, purpose, at=at, register=register)
    return True
