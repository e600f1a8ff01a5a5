"""The team's events (what an action changed) and the results of its actions.

Every action returns a :class:`~subscriptionkit.teams.TeamTransition` (the new team and
its events), or a :class:`~subscriptionkit.teams.TokenIssued` when it made a token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import pendulum

from ._model import (
    Role,
    Team,
    TeamSettings,
)


@attrs.frozen
class TeamCreated:
    """A team was created for a subscription; its owner took the first seat."""

    team_id: str
    subscription_id: str
    owner_id: str
    at: pendulum.DateTime


@attrs.frozen
class MemberAdded:
    """A manager added a person with their details; they hold a seat, pending."""

    team_id: str
    account_id: str
    by: str
    at: pendulum.DateTime


@attrs.frozen
class InvitationSent:
    """An e-mail invitation was created (the host sends the message)."""

    team_id: str
    invitation_id: str
    by: str
    at: pendulum.DateTime
    expires_at: pendulum.DateTime


@attrs.frozen
class InvitationWithdrawn:
    """An invitation was revoked (also when the same address is invited again)."""

    team_id: str
    invitation_id: str
    by: str
    at: pendulum.DateTime


@attrs.frozen
class LinkCreated:
    """A registration link was created."""

    team_id: str
    link_id: str
    by: str
    at: pendulum.DateTime


@attrs.frozen
class LinkWithdrawn:
    """A registration link was revoked."""

    team_id: str
    link_id: str
    by: str
    at: pendulum.DateTime


@attrs.frozen
class LinkRotated:
    """A registration link got a new token; the old token stopped working."""

    team_id: str
    link_id: str
    by: str
    at: pendulum.DateTime


@attrs.frozen
class MemberJoined:
    """A person joined: ``via`` is ``"invitation"``, ``"link"`` or ``"accepted"``.

    ``source_id`` is the invitation's or link's id (``None`` when a pending member accepted).
    """

    team_id: str
    account_id: str
    via: str
    source_id: str | None
    at: pendulum.DateTime


@attrs.frozen
class MemberRemoved:
    """A member left the team's seats; the account and its certificates stay."""

    team_id: str
    account_id: str
    by: str
    at: pendulum.DateTime


@attrs.frozen
class OwnershipTransferred:
    """Someone else was made manager (owner); the previous owner stays as a member."""

    team_id: str
    previous_owner_id: str
    new_owner_id: str
    at: pendulum.DateTime


@attrs.frozen
class RoleChanged:
    """A member became or stopped being a co-manager."""

    team_id: str
    account_id: str
    role: Role
    by: str
    at: pendulum.DateTime


@attrs.frozen
class SettingsChanged:
    """The owner changed the team's settings."""

    team_id: str
    settings: TeamSettings
    by: str
    at: pendulum.DateTime


@attrs.frozen
class TeamSeatsChanged:
    """The team's seats changed (with the subscription's; billing saw the change)."""

    team_id: str
    subscription_id: str
    seats_before: int
    seats_after: int
    by: str
    at: pendulum.DateTime


#: Any event of a team's history (one of the team event classes above).
TeamEvent = (
    TeamCreated
    | MemberAdded
    | InvitationSent
    | InvitationWithdrawn
    | LinkCreated
    | LinkWithdrawn
    | LinkRotated
    | MemberJoined
    | MemberRemoved
    | OwnershipTransferred
    | RoleChanged
    | SettingsChanged
    | TeamSeatsChanged
)


@attrs.frozen
class TeamTransition:
    """The result of a team action: the new team and its events; unpacks as a pair."""

    team: Team
    events: tuple[TeamEvent, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        yield self.team
        yield self.events


@attrs.frozen
class TokenIssued:
    """The result of an action that made a token (invite, link, rotate).

    ``token`` is the only clear copy there will ever be: put it in the message
    (:func:`invitation_message`, :func:`link_message`) and drop it. It is left out of
    ``repr``. ``id`` is the invitation's or link's id.
    """

    team: Team
    events: tuple[TeamEvent, ...]
    id: str
    token: str = attrs.field(repr=False)
