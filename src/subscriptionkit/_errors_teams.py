"""The teams errors of :mod:`subscriptionkit.errors` (internal; import them from there)."""

from __future__ import annotations

import datetime as _dt

from ._errors_base import (
    SubscriptionKitError,
    _moment,
)


class TeamError(SubscriptionKitError):
    """A team action was refused; the team is unchanged. Every refusal has its own subclass."""


class NotPermitted(TeamError, PermissionError):
    """The acting account may not do this on the team.

    Attributes:
        action: what was attempted, in words (``"remove members"``).
        needed: the role(s) that may do it (``"the owner or a co-manager"``).
        account_id: the acting account.
        role: the acting account's role on the team, or ``None`` if it is not an active member.
    """

    def __init__(
        self, *, team_id: str, action: str, needed: str, account_id: str, role: str | None
    ) -> None:
        self.team_id = team_id
        self.action = action
        self.needed = needed
        self.account_id = account_id
        self.role = role
        got = f"the role {role!r}" if role else "an account that is not an active member"
        super().__init__(
            f"account {account_id!r} may not {action} on team {team_id!r}: expected {needed}, "
            f"got {got}"
        )


class TeamFull(TeamError):
    """Every seat is taken (members, pending members and pending invitations)."""

    def __init__(self, *, team_id: str, seats: int, taken: int) -> None:
        self.team_id = team_id
        self.seats = seats
        self.taken = taken
        super().__init__(
            f"team {team_id!r} is full: expected a free seat, got {taken} of {seats} seats "
            "taken; the owner can add seats"
        )


class AlreadyOnTeam(TeamError):
    """The account, or the e-mail address, is on the team already."""

    def __init__(self, *, team_id: str, what: str, value: str) -> None:
        self.team_id = team_id
        self.what = what
        self.value = value
        super().__init__(
            f"{what} {value!r} is on team {team_id!r} already; expected one that is not"
        )


class NotAMember(TeamError, LookupError):
    """The account is not on the team (or not in the state the action needs)."""

    def __init__(self, *, team_id: str, account_id: str, expected: str = "a member") -> None:
        self.team_id = team_id
        self.account_id = account_id
        self.expected = expected
        super().__init__(
            f"account {account_id!r} is not {expected} of team {team_id!r}; expected {expected}"
        )


class OwnerCannotBeRemoved(TeamError):
    """The owner was to be removed; ownership must be transferred first."""

    def __init__(self, *, team_id: str, account_id: str) -> None:
        self.team_id = team_id
        self.account_id = account_id
        super().__init__(
            f"account {account_id!r} owns team {team_id!r} and cannot be removed; expected a "
            "member who is not the owner (make someone else manager first)"
        )


class AlreadyOwner(TeamError):
    """Ownership was to be transferred to the account that owns the team."""

    def __init__(self, *, team_id: str, account_id: str) -> None:
        self.team_id = team_id
        self.account_id = account_id
        super().__init__(
            f"account {account_id!r} owns team {team_id!r} already; expected another member"
        )


class CoManagersDisabled(TeamError):
    """A co-manager was to be appointed while the team's setting is off."""

    def __init__(self, *, team_id: str) -> None:
        self.team_id = team_id
        super().__init__(
            f"team {team_id!r} does not allow co-managers; expected the setting co_managers "
            "to be on, got it off"
        )


class SeatsBelowCommitted(TeamError):
    """Fewer seats were asked than the team has members plus pending invitations."""

    def __init__(self, *, team_id: str, seats: int, members: int, pending_invitations: int) -> None:
        self.team_id = team_id
        self.seats = seats
        self.members = members
        self.pending_invitations = pending_invitations
        needed = members + pending_invitations
        super().__init__(
            f"team {team_id!r} needs at least {needed} seats ({members} members and "
            f"{pending_invitations} pending invitations); got {seats}"
        )


class InvalidTokenKey(TeamError, ValueError):
    """A key for hashing team tokens that is missing, too short or not configured."""

    def __init__(self, *, key_id: str, problem: str, expected: str) -> None:
        self.key_id = key_id
        self.problem = problem
        self.expected = expected
        super().__init__(f"token key {key_id!r} {problem}; expected {expected}")


class InvitationError(TeamError):
    """An e-mail invitation cannot be used to join."""


class UnknownInvitation(InvitationError, LookupError):
    """The token matches no invitation of the team (or its key is no longer configured)."""

    def __init__(self, *, team_id: str | None) -> None:
        self.team_id = team_id
        where = f" of team {team_id!r}" if team_id else ""
        super().__init__(
            f"the token matches no invitation{where}; expected the token of an invitation "
            "sent by the team, got an unknown one"
        )


class InvitationExpired(InvitationError):
    """The invitation's validity ended."""

    def __init__(self, *, invitation_id: str, expires_at: _dt.datetime, at: _dt.datetime) -> None:
        self.invitation_id = invitation_id
        self.expires_at = expires_at
        self.at = at
        super().__init__(
            f"invitation {invitation_id!r} expired at {_moment(expires_at)}; expected a "
            f"moment before that, got {_moment(at)}: ask the team for a new invitation"
        )


class InvitationUsed(InvitationError):
    """The invitation was used once already: invitations are single use."""

    def __init__(self, *, invitation_id: str, used_at: _dt.datetime) -> None:
        self.invitation_id = invitation_id
        self.used_at = used_at
        super().__init__(
            f"invitation {invitation_id!r} was used at {_moment(used_at)}; expected an unused "
            "invitation (each is single use)"
        )


class InvitationRevoked(InvitationError):
    """The team revoked the invitation."""

    def __init__(self, *, invitation_id: str, revoked_at: _dt.datetime) -> None:
        self.invitation_id = invitation_id
        self.revoked_at = revoked_at
        super().__init__(
            f"invitation {invitation_id!r} was revoked at {_moment(revoked_at)}; expected an "
            "invitation that is not revoked"
        )


class InvitationForAnotherAddress(InvitationError):
    """The joining account's e-mail is not the address the invitation was sent to.

    The invited address is not part of the message (it is someone's personal data).
    """

    def __init__(self, *, invitation_id: str, got: str) -> None:
        self.invitation_id = invitation_id
        self.got = got
        super().__init__(
            f"invitation {invitation_id!r} is for another e-mail address; expected the address "
            f"it was sent to (compared without case), got {got!r}"
        )


class LinkError(TeamError):
    """A registration link cannot be used to join."""


class UnknownLink(LinkError, LookupError):
    """The token matches no current registration link (rotated links keep no old token),
    or (with ``link_id``) the team has no link with that id."""

    def __init__(self, *, team_id: str | None, link_id: str | None = None) -> None:
        self.team_id = team_id
        self.link_id = link_id
        where = f" of team {team_id!r}" if team_id else ""
        if link_id is not None:  # looked up by its id (revoke, rotate), not by a token
            super().__init__(
                f"no registration link {link_id!r}{where}; expected the id of one of its "
                "links (the team's details list them)"
            )
            return
        super().__init__(
            f"the token matches no registration link{where}; expected the current token of a "
            "link, got an unknown one (the link may have been rotated)"
        )


class LinkExpired(LinkError):
    """The registration link's validity ended."""

    def __init__(self, *, link_id: str, expires_at: _dt.datetime, at: _dt.datetime) -> None:
        self.link_id = link_id
        self.expires_at = expires_at
        self.at = at
        super().__init__(
            f"registration link {link_id!r} expired at {_moment(expires_at)}; expected a "
            f"moment before that, got {_moment(at)}"
        )


class LinkRevoked(LinkError):
    """The team revoked the registration link."""

    def __init__(self, *, link_id: str, revoked_at: _dt.datetime) -> None:
        self.link_id = link_id
        self.revoked_at = revoked_at
        super().__init__(
            f"registration link {link_id!r} was revoked at {_moment(revoked_at)}; expected a "
            "link that is not revoked"
        )


class LinkUsedUp(LinkError):
    """The registration link reached its maximum number of uses."""

    def __init__(self, *, link_id: str, max_uses: int) -> None:
        self.link_id = link_id
        self.max_uses = max_uses
        super().__init__(
            f"registration link {link_id!r} was used its maximum of {max_uses} times; "
            f"expected fewer than {max_uses} uses"
        )
