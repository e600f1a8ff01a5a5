"""Teams: members, roles, e-mail invitations, registration links, seats and progress.

Seed 000 (a *Soofos Teams* help article): one subscription pays a seat per team member per
year, for teams of 3 to 40; the owner adds members, invites them by e-mail or shares a
registration link (*anyone holding the link can join*), removes members, makes someone
else manager, and sees the team's progress.

A :class:`Team` is a frozen value. Every action is a pure function that takes the **acting
account** (``by=``), checks its permission and every precondition, and returns the new
team and its events; a refusal raises its own :class:`~subscriptionkit.errors.TeamError`
and changes nothing. Tokens for invitations and links are random (256 bits) and kept only
as a keyed hash (:class:`TokenKeys`, from the host's configuration).

>>> import datetime as dt
>>> from subscriptionkit import teams
>>> from subscriptionkit.testing import active_subscription
>>> at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)
>>> sub = active_subscription("teams", seats=3, at=at)
>>> keys = teams.TokenKeys.generate()
>>> team, _ = teams.create_team(sub, name="Sales", owner_id="ann", owner_name="Ann",
...                             owner_email="ann@example.org", at=at)
>>> link = teams.create_link(team, by="ann", keys=keys, at=at)
>>> team, _ = teams.join_with_link(link.team, link.token, account_id="bob", name="Bob",
...                                email="bob@example.org", keys=keys, at=at)
>>> team, _ = teams.join_with_link(team, link.token, account_id="cas", name="Cas",
...                                email="cas@example.org", keys=keys, at=at)
>>> teams.join_with_link(team, link.token, account_id="dee", name="Dee",
...                      email="dee@example.org", keys=keys, at=at)
Traceback (most recent call last):
    ...
subscriptionkit.errors.TeamFull: team '...' is full: expected a free seat, got 3 of 3 seats taken; the owner can add seats
"""

import typing

from .. import _lazy

if typing.TYPE_CHECKING:
    from ._access import has_access
    from ._actions import (
        SeatChange,
        accept_membership,
        add_member,
        authorize,
        change_seats,
        configure,
        create_team,
        make_manager,
        remove_member,
        role_of,
        set_co_manager,
    )
    from ._events import (
        InvitationSent,
        InvitationWithdrawn,
        LinkCreated,
        LinkRotated,
        LinkWithdrawn,
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
        TokenIssued,
    )
    from ._joining import (
        create_link,
        find_invitation,
        find_link,
        invite,
        join_with_invitation,
        join_with_link,
        revoke_invitation,
        revoke_link,
        rotate_link,
    )
    from ._messages import LINK_WARNING, TeamMessage, invitation_message, link_message
    from ._model import (
        DEFAULT_INVITATION_VALIDITY,
        Invitation,
        Member,
        MemberStatus,
        RegistrationLink,
        Role,
        Team,
        TeamSettings,
    )
    from ._progress import (
        CourseProgress,
        ProgressRow,
        TeamProgress,
        enrol,
        record_progress,
        team_progress,
    )
    from ._service import DEFAULT_ATTEMPTS, join, update_team
    from ._tokens import TOKEN_BYTES, TokenDigest, TokenKeys, new_token

if not typing.TYPE_CHECKING:  # at run time each name's module is imported on first use
    __getattr__, __dir__ = _lazy.attach(__name__, __file__)

__all__ = [
    "DEFAULT_ATTEMPTS",
    "DEFAULT_INVITATION_VALIDITY",
    "LINK_WARNING",
    "TOKEN_BYTES",
    "CourseProgress",
    "Invitation",
    "InvitationSent",
    "InvitationWithdrawn",
    "LinkCreated",
    "LinkRotated",
    "LinkWithdrawn",
    "Member",
    "MemberAdded",
    "MemberJoined",
    "MemberRemoved",
    "MemberStatus",
    "OwnershipTransferred",
    "ProgressRow",
    "RegistrationLink",
    "Role",
    "RoleChanged",
    "SeatChange",
    "SettingsChanged",
    "Team",
    "TeamCreated",
    "TeamEvent",
    "TeamMessage",
    "TeamProgress",
    "TeamSeatsChanged",
    "TeamSettings",
    "TeamTransition",
    "TokenDigest",
    "TokenIssued",
    "TokenKeys",
    "accept_membership",
    "add_member",
    "authorize",
    "change_seats",
    "configure",
    "create_link",
    "create_team",
    "enrol",
    "find_invitation",
    "find_link",
    "has_access",
    "invitation_message",
    "invite",
    "join",
    "join_with_invitation",
    "join_with_link",
    "link_message",
    "make_manager",
    "new_token",
    "record_progress",
    "remove_member",
    "revoke_invitation",
    "revoke_link",
    "role_of",
    "rotate_link",
    "set_co_manager",
    "team_progress",
    "update_team",
]
