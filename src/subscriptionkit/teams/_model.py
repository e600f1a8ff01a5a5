"""The team as a frozen value: members, roles, invitations, registration links, settings."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable
from typing import Any, Final

import attrs
import pendulum

from .._checks import is_identifier, is_instance, is_whole_number, tuple_of
from ..clock import ensure_aware
from ..errors import InvalidArgument, InvalidInput
from ._tokens import TokenDigest

#: How long an e-mail invitation is valid unless the team says otherwise.
DEFAULT_INVITATION_VALIDITY: Final = _dt.timedelta(days=14)


def _aware(value: _dt.datetime) -> pendulum.DateTime:
    return ensure_aware(value, "datetime")


def _aware_or_none(value: _dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, "datetime")


def utc(value: _dt.datetime) -> pendulum.DateTime:
    """The instant of an aware datetime, in UTC: every comparison of moments uses it."""
    return ensure_aware(value).in_timezone("UTC")


def check_text(name: str, value: object) -> str:
    """Return ``value`` if it is a non-blank string, else raise :class:`InvalidInput`."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{name} must be a non-empty string, got {value!r}")
    return value


def check_email(value: object) -> str:
    """Return ``value`` if it looks like an e-mail address (``local@domain``, no spaces)."""
    if (
        not isinstance(value, str)
        or value.count("@") != 1
        or any(c.isspace() for c in value)
        or not all(value.split("@"))
    ):
        raise InvalidInput(f"e-mail must look like 'name@example.org', got {value!r}")
    return value


def _optional_id(_inst: Any, attr: Any, value: Any) -> None:
    if value is not None:
        is_identifier(_inst, attr, value)


def _optional_count(_inst: Any, attr: Any, value: Any) -> None:
    if value is not None:
        is_whole_number(_inst, attr, value)


def same_email(a: str, b: str) -> bool:
    """Whether two e-mail addresses are the same, compared without case (``casefold``)."""
    return a.casefold() == b.casefold()


class Role(enum.StrEnum):
    """A member's role.

    ``OWNER``: exactly one per team, manages it (the seed's "eigenaar"). ``CO_MANAGER``: has
    the owner's rights except transferring ownership and appointing co-managers, only while
    the team's :attr:`TeamSettings.co_managers` setting is on. ``MEMBER``: everyone else.
    """

    OWNER = "owner"
    CO_MANAGER = "co_manager"
    MEMBER = "member"

    @classmethod
    def _missing_(cls, value: object) -> Role:
        raise InvalidArgument(
            name="role", expected=f"one of {', '.join(m.value for m in cls)}", got=value
        )


class MemberStatus(enum.StrEnum):
    """``ACTIVE``: joined. ``PENDING``: added by a manager with their details, not joined yet."""

    ACTIVE = "active"
    PENDING = "pending"

    @classmethod
    def _missing_(cls, value: object) -> MemberStatus:
        raise InvalidArgument(
            name="status", expected=f"one of {', '.join(m.value for m in cls)}", got=value
        )


@attrs.frozen
class Member:
    """One person on a team. Everyone on the team takes a seat, pending members too.

    Attributes:
        account_id: the person's own account (their certificates stay with it).
        name: the display name.
        email: the e-mail address, as given (compared without case).
        role: :class:`Role`.
        status: :class:`MemberStatus`.
        added_at: when the person was added or joined.
        joined_at: when the person joined (``None`` while pending).
    """

    account_id: str = attrs.field(validator=lambda _i, _a, v: check_text("account_id", v))
    name: str = attrs.field(validator=lambda _i, _a, v: check_text("name", v))
    email: str = attrs.field(validator=lambda _i, _a, v: check_email(v))
    role: Role = attrs.field(converter=Role)
    status: MemberStatus = attrs.field(converter=MemberStatus)
    added_at: pendulum.DateTime = attrs.field(converter=_aware)
    joined_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)

    @property
    def is_active(self) -> bool:
        """Whether the member has joined."""
        return self.status is MemberStatus.ACTIVE


@attrs.frozen
class Invitation:
    """A direct e-mail invitation: single use, for one address, expiring, revocable.

    While pending (not used, revoked or expired) it holds a seat.

    Attributes:
        id: the invitation's id (not secret).
        email: the invited address; only an account with this address (any case) may use it.
        token: the keyed hash of the token (the token itself is never kept).
        created_by: the account that sent it.
        created_at / expires_at: its validity, ``[created_at, expires_at)``.
        used_at / used_by: when and by which account it was used.
        revoked_at: when it was revoked.
    """

    id: str = attrs.field(validator=is_identifier)
    email: str = attrs.field(validator=lambda _i, _a, v: check_email(v))
    token: TokenDigest = attrs.field(validator=is_instance(TokenDigest, "a TokenDigest"))
    created_by: str = attrs.field(validator=is_identifier)
    created_at: pendulum.DateTime = attrs.field(converter=_aware)
    expires_at: pendulum.DateTime = attrs.field(converter=_aware)
    used_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    used_by: str | None = attrs.field(default=None, validator=_optional_id)
    revoked_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)

    def is_pending(self, at: _dt.datetime) -> bool:
        """Whether it can still be used at ``at`` (and so holds a seat)."""
        return self.used_at is None and self.revoked_at is None and utc(at) < utc(self.expires_at)


@attrs.frozen
class RegistrationLink:
    """A registration link: anyone holding it can join, so it holds no seat.

    Multi-use, with an optional expiry and maximum number of uses; revocable; rotatable
    (a new token replaces the old one, which stops working).

    Attributes:
        id: the link's id (not secret).
        token: the keyed hash of the current token.
        created_by / created_at: who made it and when.
        expires_at: the end of its validity, or ``None`` for no expiry.
        max_uses: the most joins it admits, or ``None`` for no limit.
        uses: the joins it admitted so far.
        revoked_at: when it was revoked.
        rotated_at: when its token was last replaced.
    """

    id: str = attrs.field(validator=is_identifier)
    token: TokenDigest = attrs.field(validator=is_instance(TokenDigest, "a TokenDigest"))
    created_by: str = attrs.field(validator=is_identifier)
    created_at: pendulum.DateTime = attrs.field(converter=_aware)
    expires_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    max_uses: int | None = attrs.field(default=None, validator=_optional_count)
    uses: int = attrs.field(default=0, validator=is_whole_number)
    revoked_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    rotated_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)

    def is_usable(self, at: _dt.datetime) -> bool:
        """Whether it can admit someone at ``at`` (seats permitting)."""
        return (
            self.revoked_at is None
            and (self.expires_at is None or utc(at) < utc(self.expires_at))
            and (self.max_uses is None or self.uses < self.max_uses)
        )


def shown_span(value: object) -> str:
    """A length of time for a message as people write it (``0 days``, ``-5 days``,
    ``1 day, 2:00:00``), never a Python repr such as ``datetime.timedelta(0)``."""
    if not isinstance(value, _dt.timedelta):
        return f"{value!r} (not a length of time)"
    if value.seconds == 0 and value.microseconds == 0:
        return f"{value.days} day{'' if abs(value.days) == 1 else 's'}"
    return str(value)


def _validity(value: _dt.timedelta) -> _dt.timedelta:
    if not isinstance(value, _dt.timedelta) or value <= _dt.timedelta(0):
        raise InvalidInput(
            f"invitation_validity must be a positive length of time, got {shown_span(value)}"
        )
    return value


@attrs.frozen
class TeamSettings:
    """A team's settings.

    Attributes:
        co_managers: whether the owner may appoint co-managers with the owner's rights
            except transferring ownership. Off by default: the seed gives the management
            actions to the owner.
        invitation_validity: how long an e-mail invitation is valid: an exact duration from
            sending (like a password-reset link), not a calendar deadline. Default 14 days.
    """

    co_managers: bool = attrs.field(default=False, validator=is_instance(bool, "True or False"))
    invitation_validity: _dt.timedelta = attrs.field(
        default=DEFAULT_INVITATION_VALIDITY, converter=_validity
    )


def _members(value: Iterable[Member]) -> tuple[Member, ...]:
    return tuple_of(value, Member, "members")


def _invitations(value: Iterable[Invitation]) -> tuple[Invitation, ...]:
    return tuple_of(value, Invitation, "invitations")


def _links(value: Iterable[RegistrationLink]) -> tuple[RegistrationLink, ...]:
    return tuple_of(value, RegistrationLink, "links")


@attrs.frozen
class Team:
    """A team bound to a seat-plan subscription (Teams: 3 to 40 seats).

    Change it only through the actions (:func:`add_member`, :func:`invite`,
    :func:`join_with_link`...), which check the acting account's permission and every
    precondition, and return a new value with the events it caused.

    Invariants (checked on construction): exactly one owner, who is active; no account or
    e-mail address twice; members never exceed seats.

    Attributes:
        subscription_id: the Teams subscription that pays the seats.
        seats: the seats paid; changed only by :func:`change_seats`.
        members: everyone on the team, pending members included, in order of arrival.
        invitations: every e-mail invitation sent, used, revoked or expired.
        links: every registration link.
        version: the stored version, for optimistic concurrency; storage sets it.
    """

    id: str = attrs.field(validator=lambda _i, _a, v: check_text("team id", v))
    name: str = attrs.field(validator=lambda _i, _a, v: check_text("team name", v))
    subscription_id: str = attrs.field(validator=is_identifier)
    seats: int = attrs.field(validator=is_whole_number)
    created_at: pendulum.DateTime = attrs.field(converter=_aware)
    members: tuple[Member, ...] = attrs.field(converter=_members)
    invitations: tuple[Invitation, ...] = attrs.field(default=(), converter=_invitations)
    links: tuple[RegistrationLink, ...] = attrs.field(default=(), converter=_links)
    settings: TeamSettings = attrs.field(
        factory=TeamSettings, validator=is_instance(TeamSettings, "a TeamSettings")
    )
    version: int = attrs.field(default=0, validator=is_whole_number)

    def __attrs_post_init__(self) -> None:
        owners = [m for m in self.members if m.role is Role.OWNER]
        if len(owners) != 1 or not owners[0].is_active:
            raise InvalidInput(
                f"team {self.id!r} must have exactly one active owner, got "
                f"{[m.account_id for m in owners]!r}"
            )
        accounts = [m.account_id for m in self.members]
        emails = [m.email.casefold() for m in self.members]
        if len(set(accounts)) != len(accounts) or len(set(emails)) != len(emails):
            raise InvalidInput(
                f"team {self.id!r} must not hold an account or e-mail twice, got {accounts!r}"
            )
        if len(self.members) > self.seats:
            raise InvalidInput(
                f"team {self.id!r} has {self.seats} seats; expected at most that many members, "
                f"got {len(self.members)}"
            )
        if not self.settings.co_managers and any(m.role is Role.CO_MANAGER for m in self.members):
            raise InvalidInput(
                f"team {self.id!r} has co-managers while the setting co_managers is off"
            )

    @property
    def owner(self) -> Member:
        """The owner."""
        return next(m for m in self.members if m.role is Role.OWNER)

    def member(self, account_id: str) -> Member | None:
        """The member with that account (active or pending), or ``None``."""
        return next((m for m in self.members if m.account_id == account_id), None)

    def member_by_email(self, email: str) -> Member | None:
        """The member with that e-mail address (compared without case), or ``None``."""
        return next((m for m in self.members if same_email(m.email, email)), None)

    @property
    def active_members(self) -> tuple[Member, ...]:
        """The members who have joined."""
        return tuple(m for m in self.members if m.is_active)

    def pending_invitations(self, at: _dt.datetime) -> tuple[Invitation, ...]:
        """The invitations that can still be used at ``at`` (each holds a seat)."""
        return tuple(i for i in self.invitations if i.is_pending(at))

    def seats_taken(self, at: _dt.datetime) -> int:
        """Members (pending ones included) plus pending invitations at ``at``."""
        return len(self.members) + len(self.pending_invitations(at))

    def free_seats(self, at: _dt.datetime) -> int:
        """Seats neither held by a member nor by a pending invitation at ``at``."""
        return self.seats - self.seats_taken(at)

    def invitation(self, invitation_id: str) -> Invitation | None:
        """The invitation with that id, or ``None``."""
        return next((i for i in self.invitations if i.id == invitation_id), None)

    def link(self, link_id: str) -> RegistrationLink | None:
        """The registration link with that id, or ``None``."""
        return next((ln for ln in self.links if ln.id == link_id), None)
