"""The privacy errors of :mod:`subscriptionkit.errors` (internal; import them from there)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from ._errors_base import (
    SubscriptionKitError,
    _plural,
    _shown,
)


def _words(value: object) -> str:
    """A value for a message a person reads: text as it is, a moment as ISO 8601."""
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    return _shown(value)


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


class ConsentOutOfOrder(PrivacyError, ValueError):
    """A consent given or withdrawn at a moment before the last step recorded in the
    subject's consent history for that purpose: the history is evidence (GDPR Art. 7(1))
    and only grows forward in time."""

    def __init__(
        self,
        *,
        subject_id: str,
        purpose: str,
        action: str,
        at: _dt.datetime,
        previous: str,
        earliest: _dt.datetime,
    ) -> None:
        self.subject_id = subject_id
        self.purpose = purpose
        self.action = action
        self.at = at
        self.previous = previous
        self.earliest = earliest
        super().__init__(
            f"cannot {action} of subject {subject_id!r} for purpose {purpose!r} at "
            f"{at.isoformat()}: that is before the {previous} at "
            f"{earliest.isoformat()}, and the consent history is evidence that is never "
            f"rewritten (GDPR Art. 7(1)); expected a moment at or after "
            f"{earliest.isoformat()}, got {at.isoformat()}"
        )


class ConsentAlreadyWithdrawn(PrivacyError):
    """A consent that was withdrawn already, to be withdrawn again: the first withdrawal
    stands as recorded."""

    def __init__(
        self, *, consent_id: str, withdrawn_at: _dt.datetime, at: _dt.datetime | None
    ) -> None:
        self.consent_id = consent_id
        self.withdrawn_at = withdrawn_at
        self.at = at
        got = "a changed withdrawal" if at is None else f"a withdrawal at {at.isoformat()}"
        super().__init__(
            f"consent {consent_id!r} was withdrawn at {withdrawn_at.isoformat()} already, and "
            "a recorded withdrawal is never changed (GDPR Art. 7(1)); expected a consent in "
            f"force, got {got}"
        )


class RequestError(PrivacyError):
    """A step of a data-subject request that is not allowed now."""


class IdentityNotVerified(RequestError):
    """A request was to be carried out before the requester's identity check was recorded."""

    def __init__(self, *, request_id: str) -> None:
        self.request_id = request_id
        super().__init__(
            f"request {request_id!r} cannot be carried out: no identity check is recorded; "
            "expected the requester's identity checked and recorded first (the seed asks for "
            "a copy of an ID with the MRZ, document number and BSN blacked out), got none"
        )


class RequestForwarded(RequestError):
    """A request about data the platform processes for a controller (a school): the
    controller answers it, so it is forwarded, not carried out here."""

    def __init__(self, *, request_id: str, controller: str) -> None:
        self.request_id = request_id
        self.controller = controller
        super().__init__(
            f"request {request_id!r} is about data processed for controller {controller!r}; "
            "expected it forwarded to that controller, who answers it, not carried out by the "
            "platform"
        )


class ExtensionNotAllowed(RequestError, ValueError):
    """An extension of a request's deadline beyond what GDPR Art. 12(3) allows.

    ``got`` says what was asked for: text in words is shown as it is, a moment as ISO
    8601, anything else briefly with its type."""

    def __init__(self, *, request_id: str, problem: str, got: object) -> None:
        self.request_id = request_id
        self.problem = problem
        self.got = got
        super().__init__(
            f"the deadline of request {request_id!r} cannot be extended: {problem}; expected "
            f"at most two further months in total, with a reason, before the deadline "
            f"(GDPR Art. 12(3)), got {_words(got)}"
        )


class RequestClosed(RequestError):
    """A step on a request that was completed, refused or forwarded already."""

    def __init__(
        self,
        *,
        request_id: str,
        status: str,
        action: str,
        closed_at: _dt.datetime | None = None,
    ) -> None:
        self.request_id = request_id
        self.status = status
        self.action = action
        self.closed_at = closed_at
        when = "" if closed_at is None else f" (on {closed_at.isoformat()})"
        super().__init__(
            f"cannot {action} request {request_id!r}: it is {status} already{when}; expected "
            "an open request"
        )


class StepBeforePrevious(RequestError, ValueError):
    """A step of a request dated before its receipt or before the step recorded last."""

    def __init__(
        self,
        *,
        request_id: str,
        action: str,
        at: _dt.datetime,
        previous: str,
        earliest: _dt.datetime,
    ) -> None:
        self.request_id = request_id
        self.action = action
        self.at = at
        self.previous = previous
        self.earliest = earliest
        super().__init__(
            f"cannot {action} request {request_id!r} at {at.isoformat()}: that is before its "
            f"{previous} at {earliest.isoformat()}; expected a moment at or after "
            f"{earliest.isoformat()}, got {at.isoformat()}"
        )


class IdentityAlreadyChecked(RequestError):
    """A second identity check on a request: the first one stands."""

    def __init__(self, *, request_id: str, checked_by: str, checked_at: _dt.datetime) -> None:
        self.request_id = request_id
        self.checked_by = checked_by
        self.checked_at = checked_at
        super().__init__(
            f"the identity of request {request_id!r} was checked already by {checked_by!r} "
            f"at {checked_at.isoformat()}; expected a request without an identity check, "
            "got a second check"
        )


class AccessNotAnswered(RequestError):
    """An erasure while an access or portability request of the subject is open: erasing
    first would destroy what the subject asked to see (GDPR Art. 15, 20)."""

    def __init__(self, *, subject_id: str, request_ids: Iterable[str]) -> None:
        self.subject_id = subject_id
        self.request_ids: tuple[str, ...] = tuple(request_ids)
        super().__init__(
            f"subject {subject_id!r} cannot be erased yet: "
            f"{_plural(len(self.request_ids), 'request', 'requests')} "
            f"{', '.join(map(repr, self.request_ids))} asking for a copy of the data "
            f"{_plural(len(self.request_ids), 'is', 'are')} open, and erasing first would "
            "destroy what "
            f"{_plural(len(self.request_ids), 'it asks', 'they ask')} for; expected "
            f"{_plural(len(self.request_ids), 'it', 'each')} answered (the export, recorded "
            "against the request), forwarded or refused first, got "
            f"{_plural(len(self.request_ids), 'it', 'them')} open"
        )


class OwnershipTransferRequired(PrivacyError):
    """The subject to be erased owns a team: ownership must be transferred first."""

    def __init__(self, *, subject_id: str, team_ids: Iterable[str]) -> None:
        self.subject_id = subject_id
        self.team_ids: tuple[str, ...] = tuple(team_ids)
        super().__init__(
            f"subject {subject_id!r} owns "
            f"{_plural(len(self.team_ids), 'team', 'teams')} "
            f"{', '.join(map(repr, self.team_ids))} and cannot be erased yet; expected the "
            f"ownership of {_plural(len(self.team_ids), 'it', 'each')} transferred to another "
            "member first, got the subject as owner"
        )


class PrivacyCoverageError(PrivacyError):
    """A store that keeps personal data has neither an exporter nor an eraser."""

    def __init__(self, *, stores: Iterable[str]) -> None:
        self.stores: tuple[str, ...] = tuple(stores)
        super().__init__(
            f"{_plural(len(self.stores), 'store', 'stores')} {', '.join(self.stores)} "
            f"{_plural(len(self.stores), 'keeps', 'keep')} personal data but "
            f"{_plural(len(self.stores), 'has', 'have')} no exporter and no eraser; expected "
            "every such store covered by a registered exporter or eraser"
        )
