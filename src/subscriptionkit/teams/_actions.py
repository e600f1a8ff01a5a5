"""The team's actions as pure functions: check permission and preconditions, return new state.

Every action takes the **acting account** (``by=``) and the moment (``at=``), checks that
the account may act and that every precondition holds, and returns a new
:class:`~subscriptionkit.teams.Team` with the events it caused. A refusal raises its own
:class:`~subscriptionkit.errors.TeamError` and changes nothing: the team is a frozen value.

Who may do what (seed 000: the owner manages the team):

=============================================  =========================================
add, invite, create/revoke/rotate links,        the owner; a co-manager too while the
revoke invitations, remove, change seats,       team's ``co_managers`` setting is on
view progress
transfer ownership ("make manager"), appoint    the owner only
co-managers, change settings
=============================================  =========================================
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Iterable

import attrs
import pendulum

from .. import billing, subscriptions
from ..clock import ensure_aware
from ..errors import (
    AlreadyOnTeam,
    AlreadyOwner,
    CoManagersDisabled,
    InvalidInput,
    InvitationExpired,
    InvitationForAnotherAddress,
    InvitationRevoked,
    InvitationUsed,
    LinkExpired,
    LinkRevoked,
    LinkUsedUp,
    NotAMember,
    NotPermitted,
    OwnerCannotBeRemoved,
    SeatsBelowCommitted,
    TeamFull,
    UnknownInvitation,
    UnknownLink,
)
from ..plans import SeatPlan
from ._checked import checked
from ._model import (
    Invitation,
    InvitationSent,
    InvitationWithdrawn,
    LinkCreated,
    LinkRotated,
    LinkWithdrawn,
    Member,
    MemberAdded,
    MemberJoined,
    MemberRemoved,
    MemberStatus,
    OwnershipTransferred,
    RegistrationLink,
    Role,
    RoleChanged,
    SettingsChanged,
    Team,
    TeamCreated,
    TeamEvent,
    TeamSeatsChanged,
    TeamSettings,
    TeamTransition,
    TokenIssued,
    check_email,
    check_text,
    same_email,
    utc,
)
from ._tokens import TokenKeys, new_token

# The actions' names, as NotPermitted reports them.
ADD = "add members"
INVITE = "invite by e-mail"
CREATE_LINK = "create registration links"
REVOKE_INVITATION = "revoke invitations"
REVOKE_LINK = "revoke registration links"
ROTATE_LINK = "rotate registration links"
REMOVE = "remove members"
CHANGE_SEATS = "change seats"
VIEW_PROGRESS = "view progress"
TRANSFER = "transfer ownership"
APPOINT = "appoint co-managers"
CONFIGURE = "change team settings"


def _new_id() -> str:
    return uuid.uuid4().hex


def _at(value: _dt.datetime) -> pendulum.DateTime:
    return ensure_aware(value, "at")


@checked
def role_of(team: Team, account_id: str) -> Role | None:
    """The role of an **active** member, or ``None`` for anyone else (pending included)."""
    member = team.member(account_id)
    return member.role if member is not None and member.is_active else None


@checked
def authorize(team: Team, by: str, action: str, *, owner_only: bool = False) -> None:
    """Raise :class:`NotPermitted` unless ``by`` may do ``action`` on ``team``.

    The owner may do everything; a co-manager everything except ``owner_only`` actions,
    and only while the team's ``co_managers`` setting is on.
    """
    role = role_of(team, by)
    if role is Role.OWNER:
        return
    if not owner_only and role is Role.CO_MANAGER and team.settings.co_managers:
        return
    needed = (
        "the team's owner"
        if owner_only or not team.settings.co_managers
        else "the team's owner or a co-manager"
    )
    raise NotPermitted(
        team_id=team.id,
        action=action,
        needed=needed,
        account_id=by,
        role=None if role is None else role.value,
    )


def _require_seat(team: Team, at: _dt.datetime) -> None:
    if team.free_seats(at) < 1:
        raise TeamFull(team_id=team.id, seats=team.seats, taken=team.seats_taken(at))


def _require_new_person(team: Team, account_id: str, email: str) -> None:
    if team.member(account_id) is not None:
        raise AlreadyOnTeam(team_id=team.id, what="account", value=account_id)
    if team.member_by_email(email) is not None:
        raise AlreadyOnTeam(team_id=team.id, what="e-mail", value=email)


@checked
def create_team(
    subscription: subscriptions.Subscription,
    *,
    name: str,
    owner_id: str,
    owner_name: str,
    owner_email: str,
    at: _dt.datetime,
    settings: TeamSettings | None = None,
    team_id: str | None = None,
) -> TeamTransition:
    """Create the team of a seat-plan subscription; the owner takes the first seat.

    The team's seats are the subscription's seats (3–40 for Teams).

    Raises:
        InvalidInput: the subscription is not on a seat plan or holds no seats; a blank
            name or id; an e-mail address that does not look like one.
    """
    at = _at(at)
    if not isinstance(subscription.plan, SeatPlan) or subscription.seats is None:
        raise InvalidInput(
            f"a team needs a subscription on a seat plan with seats; got subscription "
            f"{subscription.id!r} on plan {subscription.plan.id!r} "
            f"{'without seats' if subscription.seats is None else f'with {subscription.seats} seats'}"
        )
    owner = Member(
        check_text("owner_id", owner_id),
        owner_name,
        check_email(owner_email),
        Role.OWNER,
        MemberStatus.ACTIVE,
        at,
        at,
    )
    team = Team(
        id=team_id or _new_id(),
        name=name,
        subscription_id=subscription.id,
        seats=subscription.seats,
        created_at=at,
        members=(owner,),
        settings=settings or TeamSettings(),
    )
    return TeamTransition(team, (TeamCreated(team.id, subscription.id, owner_id, at),))


@checked
def add_member(
    team: Team, *, by: str, account_id: str, name: str, email: str, at: _dt.datetime
) -> TeamTransition:
    """Add a person with the details the manager filled in; they hold a seat, pending.

    The person becomes active when they accept (:func:`accept_membership`) or join through
    a registration link with the same account.

    Raises:
        NotPermitted: ``by`` is not the owner (or an enabled co-manager).
        AlreadyOnTeam: the account, or the e-mail (any case), is on the team already or has
            a pending invitation.
        TeamFull: no free seat.
        InvalidInput: blank account id or name, an e-mail that does not look like one.
    """
    at = _at(at)
    authorize(team, by, ADD)
    member = Member(account_id, name, email, Role.MEMBER, MemberStatus.PENDING, at)
    _require_new_person(team, account_id, email)
    if any(same_email(i.email, email) for i in team.pending_invitations(at)):
        raise AlreadyOnTeam(team_id=team.id, what="invited e-mail", value=email)
    _require_seat(team, at)
    new = attrs.evolve(team, members=(*team.members, member))
    return TeamTransition(new, (MemberAdded(team.id, account_id, by, at),))


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
        raise InvalidInput(f"validity must be a positive timedelta, got {span!r}")
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
        raise InvalidInput(f"max_uses must be a whole number >= 1 or None, got {max_uses!r}")
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
        raise UnknownLink(team_id=team.id)
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


@checked
def accept_membership(team: Team, *, account_id: str, at: _dt.datetime) -> TeamTransition:
    """A pending member (added with their details) accepts and becomes active.

    Raises:
        AlreadyOnTeam: the account is an active member already.
        NotAMember: the account is not a pending member.
    """
    at = _at(at)
    member = team.member(account_id)
    if member is not None and member.is_active:
        raise AlreadyOnTeam(team_id=team.id, what="account", value=account_id)
    if member is None:
        raise NotAMember(team_id=team.id, account_id=account_id, expected="a pending member")
    joined = attrs.evolve(member, status=MemberStatus.ACTIVE, joined_at=at)
    new = attrs.evolve(
        team, members=tuple(joined if m.account_id == account_id else m for m in team.members)
    )
    return TeamTransition(new, (MemberJoined(team.id, account_id, "accepted", None, at),))


@checked
def remove_member(team: Team, account_id: str, *, by: str, at: _dt.datetime) -> TeamTransition:
    """Remove a member (active or pending): the seat is free, access ends at once.

    The person keeps their account and certificates; only the membership ends.

    Raises:
        NotPermitted: ``by`` is not the owner (or an enabled co-manager).
        NotAMember: the account is not on the team.
        OwnerCannotBeRemoved: the account is the owner (transfer ownership first).
    """
    at = _at(at)
    authorize(team, by, REMOVE)
    member = team.member(account_id)
    if member is None:
        raise NotAMember(team_id=team.id, account_id=account_id)
    if member.role is Role.OWNER:
        raise OwnerCannotBeRemoved(team_id=team.id, account_id=account_id)
    new = attrs.evolve(team, members=tuple(m for m in team.members if m.account_id != account_id))
    return TeamTransition(new, (MemberRemoved(team.id, account_id, by, at),))


@checked
def make_manager(team: Team, account_id: str, *, by: str, at: _dt.datetime) -> TeamTransition:
    """Make someone else manager: ownership moves to them, the old owner stays as a member.

    The seed's "Maak manager". Only the owner may do this, even where co-managers are on.

    Raises:
        NotPermitted: ``by`` is not the owner.
        AlreadyOwner: the account owns the team already.
        NotAMember: the account is not an active member.
    """
    at = _at(at)
    authorize(team, by, TRANSFER, owner_only=True)
    if account_id == team.owner.account_id:
        raise AlreadyOwner(team_id=team.id, account_id=account_id)
    target = team.member(account_id)
    if target is None or not target.is_active:
        raise NotAMember(team_id=team.id, account_id=account_id, expected="an active member")
    previous = team.owner.account_id

    def moved(m: Member) -> Member:
        if m.account_id == account_id:
            return attrs.evolve(m, role=Role.OWNER)
        if m.account_id == previous:
            return attrs.evolve(m, role=Role.MEMBER)
        return m

    new = attrs.evolve(team, members=tuple(moved(m) for m in team.members))
    return TeamTransition(new, (OwnershipTransferred(team.id, previous, account_id, at),))


@checked
def set_co_manager(
    team: Team, account_id: str, *, co_manager: bool, by: str, at: _dt.datetime
) -> TeamTransition:
    """Appoint (``co_manager=True``) or dismiss a co-manager. Owner only; setting must be on.

    Raises:
        NotPermitted: ``by`` is not the owner.
        CoManagersDisabled: the team's ``co_managers`` setting is off.
        AlreadyOwner: the account is the owner.
        NotAMember: the account is not an active member.
    """
    at = _at(at)
    authorize(team, by, APPOINT, owner_only=True)
    if not team.settings.co_managers:
        raise CoManagersDisabled(team_id=team.id)
    if account_id == team.owner.account_id:
        raise AlreadyOwner(team_id=team.id, account_id=account_id)
    target = team.member(account_id)
    if target is None or not target.is_active:
        raise NotAMember(team_id=team.id, account_id=account_id, expected="an active member")
    role = Role.CO_MANAGER if co_manager else Role.MEMBER
    changed = attrs.evolve(target, role=role)
    new = attrs.evolve(
        team, members=tuple(changed if m.account_id == account_id else m for m in team.members)
    )
    return TeamTransition(new, (RoleChanged(team.id, account_id, role, by, at),))


@checked
def configure(
    team: Team,
    *,
    by: str,
    at: _dt.datetime,
    co_managers: bool | None = None,
    invitation_validity: _dt.timedelta | None = None,
) -> TeamTransition:
    """Change the team's settings (owner only). Turning co-managers off makes them members.

    Raises:
        NotPermitted: ``by`` is not the owner.
        InvalidInput: an invitation validity that is not a positive timedelta.
    """
    at = _at(at)
    authorize(team, by, CONFIGURE, owner_only=True)
    settings = TeamSettings(
        co_managers=team.settings.co_managers if co_managers is None else bool(co_managers),
        invitation_validity=(
            team.settings.invitation_validity
            if invitation_validity is None
            else invitation_validity
        ),
    )
    members = team.members
    events: list[TeamEvent] = []
    if not settings.co_managers:
        for m in members:
            if m.role is Role.CO_MANAGER:
                events.append(RoleChanged(team.id, m.account_id, Role.MEMBER, by, at))
        members = tuple(
            attrs.evolve(m, role=Role.MEMBER) if m.role is Role.CO_MANAGER else m for m in members
        )
    new = attrs.evolve(team, settings=settings, members=members)
    return TeamTransition(new, (*events, SettingsChanged(team.id, settings, by, at)))


@attrs.frozen
class SeatChange:
    """The result of :func:`change_seats`.

    Attributes:
        team: the team with its new seat count.
        subscription: the subscription with the same seat count.
        events: the subscription's events (a ``SeatsChanged``, and any renewal caught up
            on the way) followed by the team's :class:`TeamSeatsChanged`.
        invoice: the seat invoice for the added seats under the plan's proration term,
            discounts applied; ``None`` when nothing is charged (fewer seats, seats already
            paid in the term, or a plan that charges at renewal).
    """

    team: Team
    subscription: subscriptions.Subscription
    events: tuple[subscriptions.Event | TeamEvent, ...]
    invoice: billing.Invoice | None


@checked
def change_seats(
    team: Team,
    subscription: subscriptions.Subscription,
    seats: int,
    *,
    by: str,
    at: _dt.datetime,
    discounts: Iterable[billing.Discount] = (),
) -> SeatChange:
    """Change the seats of the team and its subscription together: the only way to do so.

    Never below the members (pending ones included) plus the pending invitations. The
    subscription changes through :func:`subscriptions.change_seats
    <subscriptionkit.subscriptions.change_seats>`; the invoice is
    :func:`billing.seat_change_invoice <subscriptionkit.billing.seat_change_invoice>`
    (prorated or at renewal, as the plan says) with the subscription's discounts applied
    (:func:`billing.apply_discounts <subscriptionkit.billing.apply_discounts>`).

    Raises:
        NotPermitted: ``by`` is not the owner (or an enabled co-manager).
        InvalidInput: the subscription is not the team's, or its seats differ from the
            team's (changed elsewhere).
        SeatsBelowCommitted: fewer seats than members plus pending invitations.
        SeatCountOutOfRange: outside the plan's 3–40.
        InvalidTransition: the subscription is not active (cancelled or expired).
    """
    at = _at(at)
    authorize(team, by, CHANGE_SEATS)
    if subscription.id != team.subscription_id:
        raise InvalidInput(
            f"team {team.id!r} is paid by subscription {team.subscription_id!r}; "
            f"got subscription {subscription.id!r}"
        )
    if subscription.seats != team.seats:
        raise InvalidInput(
            f"team {team.id!r} has {team.seats} seats but its subscription has "
            f"{subscription.seats!r}; expected the same count (seats change only through "
            "teams.change_seats)"
        )
    pending = len(team.pending_invitations(at))
    if isinstance(seats, int) and seats < len(team.members) + pending:
        raise SeatsBelowCommitted(
            team_id=team.id, seats=seats, members=len(team.members), pending_invitations=pending
        )
    new_sub, sub_events = subscriptions.change_seats(subscription, seats, at=at)
    changed = next(e for e in sub_events if isinstance(e, subscriptions.SeatsChanged))
    invoice = billing.seat_change_invoice(new_sub, changed)
    if invoice is not None:
        invoice = billing.apply_discounts(invoice, new_sub, discounts)
    new_team = attrs.evolve(team, seats=changed.seats_after)
    event = TeamSeatsChanged(
        team.id, subscription.id, changed.seats_before, changed.seats_after, by, at
    )
    return SeatChange(new_team, new_sub, (*sub_events, event), invoice)
