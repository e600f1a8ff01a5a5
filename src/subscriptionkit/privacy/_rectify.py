"""Rectification (GDPR Art. 16): a corrected name or e-mail address reaches every store,
in one unit of work (the rectifiers themselves are in ``_rectifiers``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs

from .._checks import accepts
from ..clock import instant
from ..errors import InvalidInput
from ..teams import TokenKeys
from ..teams._model import check_email, check_text
from ._handler_model import Correction, DataHandler, ReissuedInvitation
from ._handlers import DEFAULT_HANDLERS
from ._request_steps import complete_request
from ._requests import RequestKind, SubjectRequest
from ._service import _check_request, _handlers, _scrub, _store, _subject

if TYPE_CHECKING:
    import subscriptionkit.storage.ports

__all__ = ["Rectification", "rectify_subject"]


@attrs.frozen
class Rectification:
    """What a rectification did.

    Attributes:
        at: when.
        changed: records corrected, per section (``{"teams": 1, "certificates": 2}``).
        reissued: the pending invitations re-addressed with a new token, to send again.
        request: the rectification request, completed, if one was given and a record was
            corrected; ``None`` otherwise (no record matched: the request stays open).
        scrubbed: whether the old values left the database's files, as
            :attr:`Erasure.scrubbed` says.
    """

    at: _dt.datetime
    changed: Mapping[str, int]
    reissued: tuple[ReissuedInvitation, ...] = ()
    request: SubjectRequest | None = None
    scrubbed: bool = True

    @property
    def matched(self) -> bool:
        """Whether any record was corrected (if not, a request given stays open)."""
        return any(self.changed.values())


def _matching(request: SubjectRequest | None, name: str | None, email: str | None) -> None:
    """A request's corrections must be the ones carried out."""
    if request is None:
        return
    given = {"name": name, "email": email}
    for key, value in request.changes.items():
        if given[key] != value:
            raise InvalidInput(
                f"request {request.request_id!r} asks to correct the {key} to {value!r}; "
                f"expected {key}={value!r}, got {given[key]!r}"
            )


@accepts(
    subject_id=(str, "a subject id (text)"),
    at=(_dt.datetime, "an aware datetime"),
    name=(str, "the corrected name (text) or None"),
    email=(str, "the corrected e-mail address (text) or None"),
    keys=(TokenKeys, "the team TokenKeys or None"),
)
def rectify_subject(
    store: subscriptionkit.storage.ports.Store,
    subject_id: str,
    *,
    at: _dt.datetime,
    name: str | None = None,
    email: str | None = None,
    emails: Iterable[str] = (),
    keys: TokenKeys | None = None,
    request: SubjectRequest | None = None,
    handlers: Iterable[DataHandler] = DEFAULT_HANDLERS,
) -> Rectification:
    """Correct the subject's name and/or e-mail address in every store that keeps one
    (GDPR Art. 16), in one unit of work: all or nothing, like erasure.

    Team memberships, team invitations, the names on stored certificates and the
    corrections of earlier rectification requests (see the module text and
    docs/privacy.md for each). The corrected address replaces **every** address the
    stores know for the subject: its memberships' and those given in ``emails``.
    Invitations to an old address take the corrected one. A pending one also gets a new
    token, since the old token went to the wrong address: the old token stops working at
    once (security first), and the invitation, with its id, inviter, seat and expiry
    unchanged, is returned in :attr:`Rectification.reissued` for the host to send again
    (:func:`~subscriptionkit.teams.invitation_message`). Invoices keep the customer as
    issued (Dutch tax law, 7 years); audit entries hold ids only.

    Args:
        store: where the records are.
        subject_id: whose data.
        at: when (aware).
        name: the corrected name, or ``None``.
        email: the corrected e-mail address, or ``None``.
        emails: the subject's old addresses the stores may hold outside its memberships
            (a pending invitation of a team it has not joined is found by address only).
        keys: the host's team token keys (:class:`~subscriptionkit.teams.TokenKeys`):
            needed only when a pending invitation is re-addressed.
        request: the rectification request this answers: it must be verified (identity
            check), not a school's, and ask for these corrections; it is completed and
            saved in the same unit of work.
        handlers: the rectifiers (default: every kind of record the library keeps).

    When no record matches (the subject has no record under its id, nor at an address
    known or given in ``emails``), nothing changes and ``request`` is **not** completed:
    :attr:`Rectification.request` is ``None`` and every count is 0, so the caller can say
    so and ask for the old address (:attr:`Rectification.matched`).

    Returns:
        A :class:`Rectification`: records changed per section, invitations to send again.

    Raises:
        InvalidInput: neither ``name`` nor ``email``; a blank name or malformed address;
            corrections other than ``request``'s; a pending invitation to re-address
            without ``keys`` (nothing is changed).
        IdentityNotVerified, RequestForwarded, RequestClosed: ``request`` cannot be carried out.
        StorageError: the store failed; nothing is changed.
    """
    if name is None and email is None:
        raise InvalidInput("a rectification needs the corrected name or e-mail, got neither")
    if name is not None:
        check_text("name", name)
    if email is not None:
        check_email(email)
    chosen = _handlers(handlers)
    moment = instant(at, "at")
    _check_request(request, subject_id, RequestKind.RECTIFICATION)
    _matching(request, name, email)
    correction = Correction(name, email, moment, keys)
    with _store(store).unit_of_work() as uow:
        subject = _subject(uow, subject_id, emails)
        done = {h.section: h.rectify(uow, subject, correction) for h in chosen if h.rectify}
        completed = None
        if request is not None and any(r.changed for r in done.values()):
            completed = complete_request(request, at=moment)
            uow.requests.save(completed)
        uow.commit()
    return Rectification(
        at=moment,
        changed={section: r.changed for section, r in done.items()},
        reissued=tuple(i for r in done.values() for i in r.reissued),
        request=completed,
        scrubbed=_scrub(store),
    )
