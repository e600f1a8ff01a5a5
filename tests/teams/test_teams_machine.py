"""Random sequences of team actions by random actors, against the rules that must always hold.

A :class:`~hypothesis.stateful.RuleBasedStateMachine` adds, invites, creates and revokes
links, joins (with invitations, links, or by accepting), removes, transfers ownership,
changes seats and moves time, each time as a random actor (owner, members, strangers).
After every step: members plus pending invitations never exceed the seats, there is
exactly one owner, no account or address twice, and the team's seats are the
subscription's. A used invitation never works twice, a revoked or expired link never
works, and a refused action leaves the team as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from subscriptionkit import errors, subscriptions, teams
from subscriptionkit.teams import Role
from subscriptionkit.testing import active_subscription
from teams_helpers import START

PEOPLE = ("ann", "bob", "cas", "dan", "eve", "fay", "gus", "hal")
KEYS = teams.TokenKeys({"k1": b"machine-key-0123456789abcdef"}, current="k1")

people = st.sampled_from(PEOPLE)
#: Actors: anyone, but the current owner (``OWNER``) half of the time, so that management
#: actions succeed often enough to fill and empty the team.
OWNER = "<owner>"
actors = st.sampled_from((OWNER,) * len(PEOPLE) + PEOPLE)


def email(person: str) -> str:
    """The person's address (in a random-looking but fixed case for some)."""
    return f"{person.upper() if person in ('eve', 'hal') else person}@example.org"


class TeamMachine(RuleBasedStateMachine):
    """A team of 3–8 seats under random actions; the model tracks tokens and their fate."""

    team: teams.Team
    subscription: subscriptions.Subscription
    now: dt.datetime

    def __init__(self) -> None:
        super().__init__()
        # Ids are deterministic (drawn choices index sorted ids); tokens stay random.
        self.invitations: dict[str, tuple[str, str]] = {}  # id -> (token, invited person)
        self.used: set[str] = set()
        self.links: dict[str, str] = {}  # id -> current token
        self.old_link_tokens: set[str] = set()
        self.revoked_links: set[str] = set()

    @initialize(seats=st.integers(3, 8))
    def start(self, seats: int) -> None:
        """Ann owns a new team."""
        self.now = START
        self.subscription = active_subscription("teams", seats=seats, at=START)
        self.team = teams.create_team(
            self.subscription,
            name="T",
            owner_id="ann",
            owner_name="Ann",
            owner_email=email("ann"),
            at=START,
        ).team

    def actor(self, actor: str) -> str:
        """The acting account: ``OWNER`` stands for whoever owns the team now."""
        return self.team.owner.account_id if actor == OWNER else actor

    def someone(self, data: st.DataObject) -> str:
        """A person, more often one on the team than not."""
        on_team = tuple(m.account_id for m in self.team.members)
        return data.draw(st.sampled_from(on_team * 2 + PEOPLE))

    def attempt(self, action: Callable[[], Any]) -> Any:
        """Run an action; on a refusal check that nothing changed and return ``None``."""
        before = attrs.asdict(self.team, recurse=True)
        try:
            return action()
        except errors.SubscriptionKitError:
            assert attrs.asdict(self.team, recurse=True) == before
            return None

    # -- time ------------------------------------------------------------------------

    @rule(hours=st.integers(0, 24 * 20))
    def wait(self, hours: int) -> None:
        """Time passes (invitations and links expire)."""
        self.now = self.now + dt.timedelta(hours=hours)

    # -- management ------------------------------------------------------------------

    @rule(actor=actors, person=people)
    def add(self, actor: str, person: str) -> None:
        """Someone adds a person with their details."""
        actor = self.actor(actor)
        result = self.attempt(
            lambda: teams.add_member(
                self.team,
                by=actor,
                account_id=person,
                name=person,
                email=email(person),
                at=self.now,
            )
        )
        if result is not None:
            assert teams.role_of(self.team, actor) is Role.OWNER
            self.team = result.team

    @rule(actor=actors, person=people)
    def invite(self, actor: str, person: str) -> None:
        """Someone invites a person's address."""
        actor = self.actor(actor)
        result = self.attempt(
            lambda: teams.invite(
                self.team,
                by=actor,
                email=email(person),
                keys=KEYS,
                at=self.now,
                invitation_id=f"inv-{len(self.team.invitations)}",
            )
        )
        if result is not None:
            assert teams.role_of(self.team, actor) is Role.OWNER
            self.team = result.team
            self.invitations[result.id] = (result.token, person)

    @rule(
        actor=actors,
        max_uses=st.none() | st.integers(1, 3),
        hours=st.none() | st.integers(1, 24 * 30),
    )
    def create_link(self, actor: str, max_uses: int | None, hours: int | None) -> None:
        """Someone creates a registration link."""
        actor = self.actor(actor)
        expires = None if hours is None else self.now + dt.timedelta(hours=hours)
        result = self.attempt(
            lambda: teams.create_link(
                self.team,
                by=actor,
                keys=KEYS,
                at=self.now,
                expires_at=expires,
                max_uses=max_uses,
                link_id=f"link-{len(self.team.links)}",
            )
        )
        if result is not None:
            self.team = result.team
            self.links[result.id] = result.token

    @precondition(lambda self: bool(self.links))
    @rule(actor=actors, data=st.data())
    def revoke_link(self, actor: str, data: st.DataObject) -> None:
        """Someone revokes a link."""
        actor = self.actor(actor)
        link_id = data.draw(st.sampled_from(sorted(self.links)))
        result = self.attempt(lambda: teams.revoke_link(self.team, link_id, by=actor, at=self.now))
        if result is not None:
            self.team = result.team
            self.revoked_links.add(link_id)

    @precondition(lambda self: bool(self.links))
    @rule(actor=actors, data=st.data())
    def rotate_link(self, actor: str, data: st.DataObject) -> None:
        """Someone rotates a link's token."""
        actor = self.actor(actor)
        link_id = data.draw(st.sampled_from(sorted(self.links)))
        result = self.attempt(
            lambda: teams.rotate_link(self.team, link_id, by=actor, keys=KEYS, at=self.now)
        )
        if result is not None:
            self.team = result.team
            self.old_link_tokens.add(self.links[link_id])
            self.links[link_id] = result.token

    @precondition(lambda self: bool(self.invitations))
    @rule(actor=actors, data=st.data())
    def revoke_invitation(self, actor: str, data: st.DataObject) -> None:
        """Someone revokes an invitation."""
        actor = self.actor(actor)
        inv_id = data.draw(st.sampled_from(sorted(self.invitations)))
        result = self.attempt(
            lambda: teams.revoke_invitation(self.team, inv_id, by=actor, at=self.now)
        )
        if result is not None:
            assert inv_id not in self.used
            self.team = result.team

    @rule(actor=actors, data=st.data())
    def remove(self, actor: str, data: st.DataObject) -> None:
        """Someone removes a person (usually one on the team)."""
        actor = self.actor(actor)
        person = self.someone(data)
        result = self.attempt(lambda: teams.remove_member(self.team, person, by=actor, at=self.now))
        if result is not None:
            assert person != self.team.owner.account_id
            self.team = result.team

    @rule(actor=actors, data=st.data())
    def transfer(self, actor: str, data: st.DataObject) -> None:
        """Someone makes someone else manager (usually a member)."""
        actor = self.actor(actor)
        person = self.someone(data)
        owner = self.team.owner.account_id
        result = self.attempt(lambda: teams.make_manager(self.team, person, by=actor, at=self.now))
        if result is not None:
            assert actor == owner
            self.team = result.team
            assert self.team.owner.account_id == person
            assert teams.role_of(self.team, owner) is Role.MEMBER

    @rule(actor=actors, seats=st.integers(1, 12))
    def change_seats(self, actor: str, seats: int) -> None:
        """Someone changes the seats."""
        actor = self.actor(actor)
        result = self.attempt(
            lambda: teams.change_seats(self.team, self.subscription, seats, by=actor, at=self.now)
        )
        if result is not None:
            self.team, self.subscription = result.team, result.subscription

    # -- joining ---------------------------------------------------------------------

    @precondition(lambda self: bool(self.invitations))
    @rule(person=people, data=st.data(), honest=st.booleans())
    def join_with_invitation(self, person: str, data: st.DataObject, honest: bool) -> None:
        """Someone joins with an invitation (their own address, or someone else's token)."""
        inv_id = data.draw(st.sampled_from(sorted(self.invitations)))
        token, invited = self.invitations[inv_id]
        joiner = invited if honest else person
        was_used = inv_id in self.used
        try:
            before = attrs.asdict(self.team, recurse=True)
            result = teams.join_with_invitation(
                self.team,
                token,
                account_id=joiner,
                name=joiner,
                email=email(joiner),
                keys=KEYS,
                at=self.now,
            )
        except errors.InvitationUsed:
            assert was_used
            return
        except errors.SubscriptionKitError:
            assert attrs.asdict(self.team, recurse=True) == before
            return
        assert not was_used, "a used invitation worked twice"
        assert joiner == invited
        self.used.add(inv_id)
        self.team = result.team

    @precondition(lambda self: bool(self.links))
    @rule(person=people, data=st.data(), stale=st.booleans())
    def join_with_link(self, person: str, data: st.DataObject, stale: bool) -> None:
        """Someone joins through a link (sometimes with a rotated-away token)."""
        link_id = data.draw(st.sampled_from(sorted(self.links)))
        token = self.links[link_id]
        if stale and self.old_link_tokens:
            token = data.draw(st.sampled_from(sorted(self.old_link_tokens)))
        link = self.team.link(link_id)
        assert link is not None
        dead = link_id in self.revoked_links or (
            link.expires_at is not None and self.now >= link.expires_at
        )
        size = len(self.team.members)
        result = self.attempt(
            lambda: teams.join_with_link(
                self.team,
                token,
                account_id=person,
                name=person,
                email=email(person),
                keys=KEYS,
                at=self.now,
            )
        )
        if result is not None:
            assert token not in self.old_link_tokens, "a rotated-away token worked"
            assert not dead, "a revoked or expired link worked"
            self.team = result.team
            assert len(self.team.members) in (size, size + 1)

    @rule(person=people)
    def accept(self, person: str) -> None:
        """A pending member accepts."""
        result = self.attempt(
            lambda: teams.accept_membership(self.team, account_id=person, at=self.now)
        )
        if result is not None:
            self.team = result.team

    # -- invariants ------------------------------------------------------------------

    @invariant()
    def seats_hold(self) -> None:
        """Members plus pending invitations never exceed the seats; seats match billing."""
        assert self.team.seats_taken(self.now) <= self.team.seats
        assert self.team.seats == self.subscription.seats

    @invariant()
    def one_owner_no_duplicates(self) -> None:
        """Exactly one active owner; no account or address twice."""
        owners = [m for m in self.team.members if m.role is Role.OWNER]
        assert len(owners) == 1
        assert owners[0].is_active
        ids = [m.account_id for m in self.team.members]
        assert len(ids) == len(set(ids))
        addresses = [m.email.casefold() for m in self.team.members]
        assert len(addresses) == len(set(addresses))


TeamMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestTeamMachine = TeamMachine.TestCase
