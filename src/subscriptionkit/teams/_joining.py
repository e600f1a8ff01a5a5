"""Invitations and registration links: sending, revoking, rotating, finding and joining with them.

Pure functions like the rest of the team's actions (``_actions`` holds who may do what and
the membership actions): each takes the acting account (``by=``) and the moment
(``at=``), checks permission and preconditions, and returns a new
:class:`~subscriptionkit.teams.Team` with the events it caused, or raises its
:class:`~subscriptionkit.errors.TeamError` and changes nothing.
"""

from __future__ import annotations

import datetime as _dt

import attrs

from ..clock import ensure_aware
from ..errors import (
    AlreadyOnTeam,
    InvalidInput,
    InvitationExpired,
    InvitationForAnotherAddress,
    InvitationRevoked,
    InvitationUsed,
    LinkExpired,
    LinkRevoked,
    LinkUsedUp,
    UnknownInvitation,
    UnknownLink,
)
from ._actions import (
    CREATE_LINK,
    INVITE,
    REVOKE_INVITATION,
    REVOKE_LINK,
    ROTATE_LINK,
    _at,
    _new_id,
    _require_new_person,
    _require_seat,
    authorize,
)
from ._checked import checked
from ._events import (
    InvitationSent,
    InvitationWithdrawn,
    LinkCreated,
    LinkRotated,
    LinkWithdrawn,
    MemberJoined,
    TeamEvent,
    TeamTransition,
    TokenIssued,
)
from ._model import (
    Invitation,
    Member,
    MemberStatus,
    RegistrationLink,
    Role,
    Team,
    check_email,
    same_email,
    shown_span,
    utc,
)
from ._tokens import TokenKeys, new_token


@checked
def invite(
    team: Team,
    *,
    by: str,
    email: str,
    keys: TokenKeys,
    at: _dt.datetime,
    validity: _dt.timedelta | None = None,
    invitation_id: str | None = None,
) -> TokenIssued:
    """Invite an e-mail address: single use, for that address only, expiring, revocable.

    The invitation holds a seat while pending. Inviting an address that has a pending
    invitation revokes that one first (a re-send), so one person never holds two seats.
    The result's ``token`` goes into :func:`invitation_message`; only its keyed hash is
    kept.

    Args:
        validity: how long it is valid (default: the team's ``invitation_validity``).

    Raises:
        NotPermitted: ``by`` is not the owner (or an enabled co-manager).
        AlreadyOnTeam: a member has that e-mail address (any case).
        TeamFull: no free seat.
        InvalidInput: an e-mail that does not look like one, a validity that is not positive.
    """
    at = _at(at)
    authorize(team, by, INVITE)
    check_email(email)
    span = team.settings.invitation_validity if validity is None else validity
    if not isinstance(span, _dt.timedelta) or span <= _dt.timedelta(0):
        raise InvalidInput(f"validity must be a positive length of time, got {shown_span(span)}")
    if team.member_by_email(email) is not None:
        raise AlreadyOnTeam(team_id=team.id, what="e-mail", value=email)
    events: list[TeamEvent] = []
    invitations = list(team.invitations)
    for index, old in enumerate(invitations):
        if old.is_pending(at) and same_email(old.email, email):
            invitations[index] = attrs.evolve(old, revoked_at=at)
            events.append(InvitationWithdrawn(team.id, old.id, by, at))
    resent = attrs.evolve(team, invitations=tuple(invitations))
    _require_seat(resent, at)
    token = new_token()
    invitation = Invitation(
        id=invitation_id or _new_id(),
        email=email,
        token=keys.digest(token, "invitation"),
        created_by=by,
        created_at=at,
        expires_at=at + span,
    )
    new = attrs.evolve(resent, invitations=(*resent.invitations, invitation))
    events.append(InvitationSent(team.id, invitation.id, by, at, invitation.expires_at))
    return TokenIssued(new, tuple(events), invitation.id, token)


@checked
def revoke_invitation(
    team: Team, invitation_id: str, *, by: str, at: _dt.datetime
) -> TeamTransition:
    """Revoke an invitation; its seat is free again.

    Raises:
        NotPermitted: ``by`` is not the owner (or an enabled co-manager).
        UnknownInvitation: no invitation with that id.
        InvitationUsed: it was used already.
        InvitationRevoked: it was revoked already.
    """
    at = _at(at)
    authorize(team, by, REVOKE_INVITATION)
    old = team.invitation(invitation_id)
    if old is None:
        raise UnknownInvitation(team_id=team.id)
    if old.used_at is not None:
        raise InvitationUsed(invitation_id=old.id, used_at=old.used_at)
    if old.revoked_at is not None:
        raise InvitationRevoked(invitation_id=old.id, revoked_at=old.revoked_at)
    revoked = attrs.evolve(old, revoked_at=at)
    new = attrs.evolve(
        team, invitations=tuple(revoked if i.id == old.id else i for i in team.invitations)
    )
    return TeamTransition(new, (InvitationWithdrawn(team.id, old.id, by, at),))


@checked
def create_link(
    team: Team,
    *,
    by: str,
    keys: TokenKeys,
    at: _dt.datetime,
    expires_at: _dt.datetime | None = None,
    max_uses: int | None = None,
    link_id: str | None = None,
) -> TokenIssued:
    """Create a registration link: **anyone holding it can join**, so share it with care.

    It holds no seat, and never admits more people than there are free seats when they
    join. Multi-use; optionally expiring and limited in uses; revocable and rotatable.

    Raises:
        NotPermitted: ``by`` is not the owner (or an enabled co-manager).
        InvalidInput: ``expires_at`` not after ``at``; ``max_uses`` not a whole number >= 1.
    """
    at = _at(at)
    authorize(team, by, CREATE_LINK)
    if expires_at is not None and utc(ensure_aware(expires_at, "expires_at")) <= utc(at):
        raise InvalidInput(
            f"expires_at must be after the link is made ({at.isoformat()}), "
            f"got {expires_at.isoformat()}"
        )
    if max_uses is not None and (
        not isinstance(max_uses, int) or isinstance(max_uses, bool) or max_uses < 1
    ):
        raise InvalidInput(
            f"max_uses must be a whole number of 1 or more (or no limit), got {max_uses!r}"
        )
    token = new_token()
    link = RegistrationLink(
        id=link_id or _new_id(),
        token=keys.digest(token, "link"),
        created_by=by,
        created_at=at,
        expires_at=expires_at,
        max_uses=max_uses,
    )
    new = attrs.evolve(team, links=(*team.links, link))
    return TokenIssued(new, (LinkCreated(team.id, link.id, by, at),), link.id, token)


def _known_link(team: Team, link_id: str) -> RegistrationLink:
    link = team.link(link_id)
    if link is None:
        raise UnknownLink(team_id=team.id, link_id=link_id)
    if link.revoked_at is not None:
        raise LinkRevoked(link_id=link.id, revoked_at=link.revoked_at)
    return link


def _replace_link(team: Team, link: RegistrationLink) -> Team:
    return attrs.evolve(team, links=tuple(link if ln.id == link.id else ln for ln in team.links))


@checked
def revoke_link(team: Team, link_id: str, *, by: str, at: _dt.datetime) -> TeamTransition:
    """Revoke a registration link: its token never works again.

    Raises:
        NotPermitted: ``by`` is not the owner (or an enabled co-manager).
        UnknownLink: no link with that id.
        LinkRevoked: it was revoked already.
    """
    at = _at(at)
    authorize(team, by, REVOKE_LINK)
    link = _known_link(team, link_id)
    new = _replace_link(team, attrs.evolve(link, revoked_at=at))
    return TeamTransition(new, (LinkWithdrawn(team.id, link.id, by, at),))


@checked
def rotate_link(
    team: Team, link_id: str, *, by: str, keys: TokenKeys, at: _dt.datetime
) -> TokenIssued:
    """Give a link a new token (keeping its limits and uses); the old token stops working.

    Raises:
        NotPermitted: ``by`` is not the owner (or an enabled co-manager).
        UnknownLink: no link with that id.
        LinkRevoked: it is revoked.
    """
    at = _at(at)
    authorize(team, by, ROTATE_LINK)
    link = _known_link(team, link_id)
    token = new_token()
    new = _replace_link(team, attrs.evolve(link, token=keys.digest(token, "link"), rotated_at=at))
    return TokenIssued(new, (LinkRotated(team.id, link.id, by, at),), link.id, token)


@checked
def find_invitation(team: Team, token: str, keys: TokenKeys) -> Invitation:
    """The invitation ``token`` was made for (constant-time comparison of keyed hashes).

    Raises:
        UnknownInvitation: none matches (or its key is no longer configured).
    """
    for invitation in team.invitations:
        if keys.matches(token, invitation.token, "invitation"):
            return invitation
    raise UnknownInvitation(team_id=team.id)


@checked
def find_link(team: Team, token: str, keys: TokenKeys) -> RegistrationLink:
    """The link whose current token is ``token`` (constant-time comparison of keyed hashes).

    Raises:
        UnknownLink: none matches (a rotated link's old token matches nothing).
    """
    for link in team.links:
        if keys.matches(token, link.token, "link"):
            return link
    raise UnknownLink(team_id=team.id)


@checked
def join_with_invitation(
    team: Team,
    token: str,
    *,
    account_id: str,
    name: str,
    email: str,
    keys: TokenKeys,
    at: _dt.datetime,
) -> TeamTransition:
    """Join with an e-mail invitation; the invitation's seat becomes the member's.

    Args:
        account_id, name, email: the joining account's own details; ``email`` must be the
            invited address (compared without case).

    Raises:
        UnknownInvitation: the token matches no invitation of the team.
        InvitationRevoked: it was revoked.
        InvitationUsed: it was used already.
        InvitationExpired: its validity ended.
        InvitationForAnotherAddress: ``email`` is not the invited address.
        AlreadyOnTeam: the account is on the team already.
    """
    at = _at(at)
    member = Member(account_id, name, email, Role.MEMBER, MemberStatus.ACTIVE, at, at)
    invitation = find_invitation(team, token, keys)
    if invitation.revoked_at is not None:
        raise InvitationRevoked(invitation_id=invitation.id, revoked_at=invitation.revoked_at)
    if invitation.used_at is not None:
        raise InvitationUsed(invitation_id=invitation.id, used_at=invitation.used_at)
    if utc(at) >= utc(invitation.expires_at):
        raise InvitationExpired(
            invitation_id=invitation.id, expires_at=invitation.expires_at, at=at
        )
    if not same_email(invitation.email, email):
        raise InvitationForAnotherAddress(invitation_id=invitation.id, got=email)
    _require_new_person(team, account_id, email)
    used = attrs.evolve(invitation, used_at=at, used_by=account_id)
    new = attrs.evolve(
        team,
        members=(*team.members, member),
        invitations=tuple(used if i.id == used.id else i for i in team.invitations),
    )
    return TeamTransition(new, (MemberJoined(team.id, account_id, "invitation", used.id, at),))


@checked
def join_with_link(
    team: Team,
    token: str,
    *,
    account_id: str,
    name: str,
    email: str,
    keys: TokenKeys,
    at: _dt.datetime,
) -> TeamTransition:
    """Join through a registration link, if a seat is free.

    A pending member (added with their details) who joins this way takes up the seat that
    was kept for them. A link hashed with an older key is re-hashed with the current one.

    Raises:
        UnknownLink: the token matches no current link of the team.
        LinkRevoked: the link was revoked.
        LinkExpired: its validity ended.
        LinkUsedUp: it admitted its maximum number of people.
        AlreadyOnTeam: the account is an active member, or another member has the e-mail.
        TeamFull: no free seat.
    """
    at = _at(at)
    member = Member(account_id, name, email, Role.MEMBER, MemberStatus.ACTIVE, at, at)
    link = find_link(team, token, keys)
    if link.revoked_at is not None:
        raise LinkRevoked(link_id=link.id, revoked_at=link.revoked_at)
    if link.expires_at is not None and utc(at) >= utc(link.expires_at):
        raise LinkExpired(link_id=link.id, expires_at=link.expires_at, at=at)
    if link.max_uses is not None and link.uses >= link.max_uses:
        raise LinkUsedUp(link_id=link.id, max_uses=link.max_uses)
    pending = team.member(account_id)
    if pending is not None and pending.is_active:
        raise AlreadyOnTeam(team_id=team.id, what="account", value=account_id)
    if pending is not None:
        members = tuple(
            attrs.evolve(m, status=MemberStatus.ACTIVE, joined_at=at)
            if m.account_id == account_id
            else m
            for m in team.members
        )
    else:
        _require_new_person(team, account_id, email)
        _require_seat(team, at)
        members = (*team.members, member)
    digest = link.token if link.token.key_id == keys.current else keys.digest(token, "link")
    new = _replace_link(
        attrs.evolve(team, members=members),
        attrs.evolve(link, uses=link.uses + 1, token=digest),
    )
    return TeamTransition(new, (MemberJoined(team.id, account_id, "link", link.id, at),))
