"""The rectifiers: how a corrected name or e-mail address reaches each kind of record
(GDPR Art. 16; :func:`~subscriptionkit.privacy.rectify_subject` runs them).

Where the library keeps a name or an e-mail address, and what rectification does there
(one :class:`DataHandler` per kind of record):

* team memberships (name, address): corrected;
* team invitations (address): every invitation to one of the subject's addresses (and not
  used by another account, whose address it then was) is re-addressed to the corrected one, so the wrong address is gone from every store. One
  still pending gets a **new token** too: the token sent before went to the wrong address
  (someone else's mailbox, perhaps), so it must stop working; the invitation keeps its id,
  inviter and expiry, and is reported (:class:`ReissuedInvitation`) for the host to send
  again. Used, revoked and expired invitations keep their (dead) token and only change
  address: they stay the subject's history of that team, found by the corrected address;
* stored certificates (holder name): corrected (tokens already handed out are outside our
  reach);
* the subject's earlier, closed rectification requests (the corrections they carried):
  replaced by the corrected values, so no outdated address stays in clear.

Audit entries name people by id only, registration links hold only the id of who made
them, and invoices name their customer by id as issued (kept as issued, the statutory 7
years): nothing there to correct.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

import attrs

from ..clock import instant
from ..errors import InvalidInput
from ..teams import Invitation, Team, TokenKeys, new_token
from ..teams._model import same_email
from ._handler_model import Correction, Rectified, ReissuedInvitation, Subject, records_changed
from ._requests import RequestKind

if TYPE_CHECKING:
    import subscriptionkit.storage.ports

__all__ = ["rectify_certificates", "rectify_requests", "rectify_teams"]


def _subjects(invitation: Invitation, subject: Subject) -> bool:
    """Whether ``invitation`` went to the subject: to one of its addresses, and not used by
    another account (then the address was that account's, and the record is about it)."""
    return subject.has_email(invitation.email) and invitation.used_by in (
        None,
        subject.subject_id,
    )


def _readdressed(
    team: Team, subject: Subject, email: str, at: _dt.datetime, keys: TokenKeys | None
) -> tuple[tuple[Invitation, ...], tuple[ReissuedInvitation, ...]]:
    """The team's invitations with the subject's addresses corrected to ``email``, and the
    pending ones given a new token.

    One person holds one seat: of the pending invitations to the subject's other addresses
    the latest is re-addressed and re-issued, the others are revoked; all of them are
    revoked when the corrected address is on the team or has a pending invitation already.
    """
    moment = instant(at)
    pending = [
        i
        for i in team.invitations
        if _subjects(i, subject) and not same_email(i.email, email) and i.is_pending(moment)
    ]
    taken = team.member_by_email(email) is not None or any(
        same_email(i.email, email) and i.is_pending(moment) and i not in pending
        for i in team.invitations
    )
    keep = None if taken or not pending else max(pending, key=lambda i: instant(i.created_at))
    if keep is not None and keys is None:
        raise InvalidInput(
            f"invitation {keep.id!r} of team {team.id!r} is pending for the subject's address "
            f"and must be re-addressed with a new token; expected the team token keys "
            f"(keys=), got none"
        )
    out: list[Invitation] = []
    reissued: list[ReissuedInvitation] = []
    for inv in team.invitations:
        if not _subjects(inv, subject) or inv.email == email:
            out.append(inv)
        elif inv is keep and keys is not None:
            token = new_token()
            out.append(attrs.evolve(inv, email=email, token=keys.digest(token, "invitation")))
            reissued.append(ReissuedInvitation(team.id, inv.id, email, inv.expires_at, token))
        elif inv in pending:
            out.append(attrs.evolve(inv, email=email, revoked_at=moment))
        else:
            out.append(attrs.evolve(inv, email=email))
    return tuple(out), tuple(reissued)


def rectify_teams(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject, correction: Correction
) -> Rectified:
    """Memberships (name, address) and invitations (address) of the subject: the number
    of records corrected (a membership and an invitation of one team count two)."""
    sid, count = subject.subject_id, 0
    reissued: list[ReissuedInvitation] = []
    for team in uow.teams.involving(sid, subject.emails):  # the subject's teams only
        members = tuple(
            attrs.evolve(m, name=correction.name or m.name, email=correction.email or m.email)
            if m.account_id == sid
            else m
            for m in team.members
        )
        invitations = team.invitations
        if correction.email is not None:
            invitations, issued = _readdressed(
                attrs.evolve(team, members=members),
                subject,
                correction.email,
                correction.at,
                correction.keys,
            )
            reissued.extend(issued)
        corrected = attrs.evolve(team, members=members, invitations=invitations)
        changed = records_changed(team, corrected)
        if changed:
            uow.teams.update(corrected)
            count += changed
    return Rectified(count, tuple(reissued))


def rectify_certificates(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject, correction: Correction
) -> Rectified:
    """The holder name on the subject's stored certificates."""
    name = correction.name
    found = uow.certificates.for_holder(subject.subject_id) if name else []
    for cert in found:
        uow.certificates.relabel(
            cert.certificate_id, holder_id=cert.holder_id, holder_name=str(name)
        )
    return Rectified(len(found))


def rectify_requests(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject, correction: Correction
) -> Rectified:
    """The corrections carried by the subject's earlier, closed rectification requests."""
    given = {"name": correction.name, "email": correction.email}
    count = 0
    for request in uow.requests.for_subject(subject.subject_id):
        if request.kind is not RequestKind.RECTIFICATION or request.is_open:
            continue
        changes = {k: given[k] or v for k, v in request.changes.items()}
        if changes != dict(request.changes):
            uow.requests.save(attrs.evolve(request, changes=changes))
            count += 1
    return Rectified(count)
