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
    NotAMember,
    NotPermitted,
    OwnerCannotBeRemoved,
    SeatsBelowCommitted,
    TeamFull,
)
from ..plans import SeatPlan
from ._checked import checked
from ._events import (
    MemberAdded,
    MemberJoined,
    MemberRemoved,
    OwnershipTransferred,
    RoleChanged,
    SettingsChanged,
    TeamCreated,
    TeamEvent,
    TeamSeatsChanged,
    TeamTransition,
)
from ._model import (
    Member,
    MemberStatus,
    Role,
    Team,
    TeamSettings,
    check_email,
    check_text,
    same_email,
)

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

    @property
    def subscription_events(self) -> tuple[subscriptions.Event, ...]:
        """The subscription's events of :attr:`events` (its ``SeatsChanged``, and any
        renewal caught up on the way): what the subscription store records with the
        changed subscription, ``uow.subscriptions.update(change.subscription,
        events=change.subscription_events)``, as every lifecycle step's events are."""
        return tuple(e for e in self.events if isinstance(e, subscriptions.Event))


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
