"""Every team action, every refusal, and that a refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from subscriptionkit import errors, subscriptions, teams
from subscriptionkit.teams import MemberStatus, Role, Team
from subscriptionkit.testing import active_subscription
from teams_helpers import START, add, join_link, refused

LATER = START + dt.timedelta(hours=1)


class TestCreate:
    """create_team binds a team to a seat subscription; the owner takes a seat."""

    def test_owner_takes_a_seat(self, team: Team) -> None:
        """The owner is the one active member and the seats are the subscription's."""
        assert [(m.account_id, m.role, m.status) for m in team.members] == [
            ("ann", Role.OWNER, MemberStatus.ACTIVE)
        ]
        assert team.seats == 5
        assert team.free_seats(START) == 4

    def test_event(self, subscription: subscriptions.Subscription) -> None:
        """A TeamCreated event names the subscription and the owner."""
        team, events = teams.create_team(
            subscription,
            name="X",
            owner_id="ann",
            owner_name="Ann",
            owner_email="ann@example.org",
            at=START,
        )
        assert events == (teams.TeamCreated(team.id, subscription.id, "ann", START),)

    def test_pupil_plan_refused(self) -> None:
        """A per-pupil subscription has no seats for a team."""
        sub = active_subscription("focus-po-1-2", at=START)
        with pytest.raises(errors.InvalidInput, match="seat plan"):
            teams.create_team(
                sub, name="X", owner_id="a", owner_name="A", owner_email="a@x.org", at=START
            )

    def test_bad_email_refused(self, subscription: subscriptions.Subscription) -> None:
        """An owner e-mail that is not an address is refused."""
        with pytest.raises(errors.InvalidInput, match="e-mail"):
            teams.create_team(
                subscription,
                name="X",
                owner_id="a",
                owner_name="A",
                owner_email="nope",
                at=START,
            )

    def test_co_managers_off_by_default(self, team: Team) -> None:
        """The seed gives management to the owner: co-managers are off unless set."""
        assert team.settings.co_managers is False
        assert team.settings.invitation_validity == dt.timedelta(days=14)


class TestPermissions:
    """Only the owner (or an enabled co-manager) manages; everyone else gets NotPermitted."""

    @pytest.mark.parametrize(
        ("action", "call"),
        [
            (
                "add members",
                lambda t, k, by: teams.add_member(
                    t, by=by, account_id="x", name="X", email="x@x.org", at=START
                ),
            ),
            (
                "invite by e-mail",
                lambda t, k, by: teams.invite(t, by=by, email="x@x.org", keys=k, at=START),
            ),
            (
                "create registration links",
                lambda t, k, by: teams.create_link(t, by=by, keys=k, at=START),
            ),
            ("remove members", lambda t, k, by: teams.remove_member(t, "bob", by=by, at=START)),
            ("transfer ownership", lambda t, k, by: teams.make_manager(t, "bob", by=by, at=START)),
            (
                "change team settings",
                lambda t, k, by: teams.configure(t, by=by, at=START, co_managers=True),
            ),
        ],
    )
    @pytest.mark.parametrize("actor", ["bob", "stranger", "pat"])
    def test_members_pending_and_strangers_refused(
        self, team: Team, keys: teams.TokenKeys, action: str, call: Any, actor: str
    ) -> None:
        """A member, a pending member and a stranger may not manage the team."""
        link = teams.create_link(team, by="ann", keys=keys, at=START)
        team = join_link(link.team, link.token, "bob", keys)
        team = add(team, "pat")
        err = refused(errors.NotPermitted, team, lambda: call(team, keys, actor))
        assert err.action == action
        assert err.account_id == actor
        assert err.needed == "the team's owner"
        assert err.role == ("member" if actor == "bob" else None)
        who = "the role 'member'" if actor == "bob" else "an account that is not an active member"
        assert str(err) == (
            f"account {actor!r} may not {action} on team 'team-1': expected the team's owner, "
            f"got {who}"
        )

    def test_progress_refused_for_members(self, team: Team, keys: teams.TokenKeys) -> None:
        """Viewing progress is for the owner only (by default)."""
        link = teams.create_link(team, by="ann", keys=keys, at=START)
        team = join_link(link.team, link.token, "bob", keys)
        err = refused(
            errors.NotPermitted, team, lambda: teams.team_progress(team, [], viewer="bob")
        )
        assert err.action == "view progress"


class TestCoManagers:
    """With the setting on, the owner may appoint co-managers who manage but cannot transfer."""

    def co_managed(self, team: Team, keys: teams.TokenKeys) -> Team:
        team = teams.configure(team, by="ann", at=START, co_managers=True).team
        link = teams.create_link(team, by="ann", keys=keys, at=START)
        team = join_link(link.team, link.token, "bob", keys)
        team = join_link(team, link.token, "cas", keys)
        return teams.set_co_manager(team, "bob", co_manager=True, by="ann", at=START).team

    def test_co_manager_manages(self, team: Team, keys: teams.TokenKeys) -> None:
        """A co-manager adds, invites, removes and sees progress."""
        team = self.co_managed(team, keys)
        assert teams.role_of(team, "bob") is Role.CO_MANAGER
        team = add(team, "dan", by="bob")
        issued = teams.invite(team, by="bob", email="eve@example.org", keys=keys, at=START)
        team = teams.remove_member(issued.team, "cas", by="bob", at=START).team
        assert team.member("cas") is None
        assert [r.account_id for r in teams.team_progress(team, [], viewer="bob").rows] == [
            "ann",
            "bob",
        ]

    def test_co_manager_cannot_transfer_or_appoint(self, team: Team, keys: teams.TokenKeys) -> None:
        """Transfer and appointment stay with the owner."""
        team = self.co_managed(team, keys)
        err = refused(
            errors.NotPermitted, team, lambda: teams.make_manager(team, "cas", by="bob", at=START)
        )
        assert err.needed == "the team's owner"
        assert err.role == "co_manager"
        refused(
            errors.NotPermitted,
            team,
            lambda: teams.set_co_manager(team, "cas", co_manager=True, by="bob", at=START),
        )
        refused(
            errors.NotPermitted,
            team,
            lambda: teams.configure(team, by="bob", at=START, co_managers=False),
        )

    def test_co_manager_message_names_both_roles(self, team: Team, keys: teams.TokenKeys) -> None:
        """With the setting on, NotPermitted says who may act."""
        team = self.co_managed(team, keys)
        err = refused(
            errors.NotPermitted, team, lambda: teams.remove_member(team, "bob", by="cas", at=START)
        )
        assert err.needed == "the team's owner or a co-manager"

    def test_setting_off_refuses_appointment(self, team: Team, keys: teams.TokenKeys) -> None:
        """Without the setting there are no co-managers."""
        link = teams.create_link(team, by="ann", keys=keys, at=START)
        team = join_link(link.team, link.token, "bob", keys)
        err = refused(
            errors.CoManagersDisabled,
            team,
            lambda: teams.set_co_manager(team, "bob", co_manager=True, by="ann", at=START),
        )
        assert str(err) == (
            "team 'team-1' does not allow co-managers; expected the setting co_managers to be "
            "on, got it off"
        )

    def test_turning_setting_off_demotes(self, team: Team, keys: teams.TokenKeys) -> None:
        """Switching co-managers off makes them members again, at once."""
        team = self.co_managed(team, keys)
        team, events = teams.configure(team, by="ann", at=LATER, co_managers=False)
        assert teams.role_of(team, "bob") is Role.MEMBER
        assert events[0] == teams.RoleChanged("team-1", "bob", Role.MEMBER, "ann", LATER)
        refused(errors.NotPermitted, team, lambda: add(team, "dan", by="bob"))

    def test_dismiss_and_refusals(self, team: Team, keys: teams.TokenKeys) -> None:
        """Dismissing works; the owner or a non-member cannot be appointed."""
        team = self.co_managed(team, keys)
        team = teams.set_co_manager(team, "bob", co_manager=False, by="ann", at=START).team
        assert teams.role_of(team, "bob") is Role.MEMBER
        refused(
            errors.AlreadyOwner,
            team,
            lambda: teams.set_co_manager(team, "ann", co_manager=True, by="ann", at=START),
        )
        refused(
            errors.NotAMember,
            team,
            lambda: teams.set_co_manager(team, "zed", co_manager=True, by="ann", at=START),
        )


class TestAddMember:
    """The owner adds a person with their details; they hold a seat while pending."""

    def test_pending_member_holds_a_seat(self, team: Team) -> None:
        """A pending member counts against the seats."""
        team, events = teams.add_member(
            team, by="ann", account_id="bob", name="Bob", email="Bob@Example.org", at=START
        )
        assert team.member("bob") == teams.Member(
            "bob", "Bob", "Bob@Example.org", Role.MEMBER, MemberStatus.PENDING, START
        )
        assert team.free_seats(START) == 3
        assert events == (teams.MemberAdded("team-1", "bob", "ann", START),)

    def test_accept(self, team: Team) -> None:
        """The pending member accepts and becomes active; no extra seat."""
        team = add(team, "bob")
        team, events = teams.accept_membership(team, account_id="bob", at=LATER)
        member = team.member("bob")
        assert member is not None
        assert member.is_active
        assert member.joined_at == LATER
        assert team.free_seats(LATER) == 3
        assert events == (teams.MemberJoined("team-1", "bob", "accepted", None, LATER),)

    def test_accept_refusals(self, team: Team) -> None:
        """Only a pending member accepts."""
        refused(
            errors.NotAMember,
            team,
            lambda: teams.accept_membership(team, account_id="zed", at=START),
        )
        refused(
            errors.AlreadyOnTeam,
            team,
            lambda: teams.accept_membership(team, account_id="ann", at=START),
        )

    def test_duplicates_refused(self, team: Team) -> None:
        """The same account, or the same e-mail in any case, is refused."""
        team = add(team, "bob")
        err = refused(errors.AlreadyOnTeam, team, lambda: add(team, "bob"))
        assert str(err) == "account 'bob' is on team 'team-1' already; expected one that is not"
        err = refused(
            errors.AlreadyOnTeam,
            team,
            lambda: teams.add_member(
                team, by="ann", account_id="b2", name="B", email="BOB@example.ORG", at=START
            ),
        )
        assert (err.what, err.value) == ("e-mail", "BOB@example.ORG")

    def test_invited_address_refused(self, team: Team, keys: teams.TokenKeys) -> None:
        """An address with a pending invitation already holds a seat."""
        team = teams.invite(team, by="ann", email="bob@example.org", keys=keys, at=START).team
        err = refused(errors.AlreadyOnTeam, team, lambda: add(team, "bob"))
        assert err.what == "invited e-mail"

    def test_full(self, team: Team) -> None:
        """The sixth person of five seats is refused with TeamFull."""
        for who in ("b", "c", "d", "e"):
            team = add(team, who)
        err = refused(errors.TeamFull, team, lambda: add(team, "f"))
        assert (err.seats, err.taken) == (5, 5)
        assert str(err) == (
            "team 'team-1' is full: expected a free seat, got 5 of 5 seats taken; the owner "
            "can add seats"
        )

    def test_invalid_details(self, team: Team) -> None:
        """Blank names and odd addresses are bad input, not team refusals."""
        with pytest.raises(errors.InvalidInput, match="name must be a non-empty string"):
            teams.add_member(team, by="ann", account_id="x", name=" ", email="x@x.org", at=START)
        with pytest.raises(errors.InvalidInput, match="e-mail must look like"):
            teams.add_member(team, by="ann", account_id="x", name="X", email="x @x.org", at=START)


class TestInvitations:
    """E-mail invitations: single use, bound to an address, expiring, revocable, seat-holding."""

    def invited(
        self, team: Team, keys: teams.TokenKeys, email: str = "Bob@Example.org"
    ) -> teams.TokenIssued:
        return teams.invite(team, by="ann", email=email, keys=keys, at=START, invitation_id="inv-1")

    def test_invite_holds_a_seat_and_keeps_no_token(
        self, team: Team, keys: teams.TokenKeys
    ) -> None:
        """The pending invitation holds a seat; only the keyed hash is kept."""
        issued = self.invited(team, keys)
        [invitation] = issued.team.invitations
        assert issued.team.free_seats(START) == 3
        assert invitation.expires_at == START + dt.timedelta(days=14)
        assert issued.token not in repr(issued)
        assert issued.token not in repr(issued.team)
        assert issued.token not in str(attrs.asdict(issued.team))
        assert keys.matches(issued.token, invitation.token, "invitation")
        assert issued.events == (
            teams.InvitationSent("team-1", "inv-1", "ann", START, invitation.expires_at),
        )

    def test_join_case_insensitive(self, team: Team, keys: teams.TokenKeys) -> None:
        """The invited address matches in any case; the seat passes to the member."""
        issued = self.invited(team, keys)
        team, events = teams.join_with_invitation(
            issued.team,
            issued.token,
            account_id="bob",
            name="Bob",
            email="bob@EXAMPLE.org",
            keys=keys,
            at=LATER,
        )
        assert team.member("bob") is not None
        assert team.free_seats(LATER) == 3
        assert team.invitations[0].used_at == LATER
        assert team.invitations[0].used_by == "bob"
        assert events == (teams.MemberJoined("team-1", "bob", "invitation", "inv-1", LATER),)

    def test_used_twice_refused(self, team: Team, keys: teams.TokenKeys) -> None:
        """A used invitation never works again, even for another account."""
        issued = self.invited(team, keys)
        team = teams.join_with_invitation(
            issued.team,
            issued.token,
            account_id="bob",
            name="Bob",
            email="bob@example.org",
            keys=keys,
            at=LATER,
        ).team
        err = refused(
            errors.InvitationUsed,
            team,
            lambda: teams.join_with_invitation(
                team,
                issued.token,
                account_id="bob2",
                name="B",
                email="bob@example.org",
                keys=keys,
                at=LATER,
            ),
        )
        assert err.used_at == LATER

    def test_other_address_refused(self, team: Team, keys: teams.TokenKeys) -> None:
        """Someone else holding the token cannot use it; the invited address is not shown."""
        issued = self.invited(team, keys)
        err = refused(
            errors.InvitationForAnotherAddress,
            issued.team,
            lambda: teams.join_with_invitation(
                issued.team,
                issued.token,
                account_id="eve",
                name="Eve",
                email="eve@example.org",
                keys=keys,
                at=LATER,
            ),
        )
        assert "bob" not in str(err).casefold()
        assert str(err) == (
            "invitation 'inv-1' is for another e-mail address; expected the address it was "
            "sent to (compared without case), got 'eve@example.org'"
        )

    def test_expiry(self, team: Team, keys: teams.TokenKeys) -> None:
        """At its expiry it stops working and frees its seat; a moment before it works."""
        issued = self.invited(team, keys)
        expires = issued.team.invitations[0].expires_at
        before = expires - dt.timedelta(microseconds=1)
        assert issued.team.free_seats(before) == 3
        assert issued.team.free_seats(expires) == 4
        err = refused(
            errors.InvitationExpired,
            issued.team,
            lambda: teams.join_with_invitation(
                issued.team,
                issued.token,
                account_id="bob",
                name="Bob",
                email="bob@example.org",
                keys=keys,
                at=expires,
            ),
        )
        assert err.expires_at == expires
        teams.join_with_invitation(
            issued.team,
            issued.token,
            account_id="bob",
            name="Bob",
            email="bob@example.org",
            keys=keys,
            at=before,
        )

    def test_expiry_compares_instants(self, team: Team, keys: teams.TokenKeys) -> None:
        """The same instant in another zone is expired too."""
        issued = self.invited(team, keys)
        expires = issued.team.invitations[0].expires_at
        elsewhere = expires.in_timezone("America/New_York")
        with pytest.raises(errors.InvitationExpired):
            teams.join_with_invitation(
                issued.team,
                issued.token,
                account_id="bob",
                name="Bob",
                email="bob@example.org",
                keys=keys,
                at=elsewhere,
            )

    def test_configured_validity(self, team: Team, keys: teams.TokenKeys) -> None:
        """The team setting, or the call, sets how long an invitation lasts."""
        team = teams.configure(
            team, by="ann", at=START, invitation_validity=dt.timedelta(days=2)
        ).team
        issued = teams.invite(team, by="ann", email="x@x.org", keys=keys, at=START)
        assert issued.team.invitations[0].expires_at == START + dt.timedelta(days=2)
        issued = teams.invite(
            team, by="ann", email="x@x.org", keys=keys, at=START, validity=dt.timedelta(hours=3)
        )
        assert issued.team.invitations[-1].expires_at == START + dt.timedelta(hours=3)
        for validity, shown in ((dt.timedelta(0), "0 days"), (dt.timedelta(days=-5), "-5 days")):
            with pytest.raises(errors.InvalidInput) as raised:
                teams.invite(
                    team, by="ann", email="x@x.org", keys=keys, at=START, validity=validity
                )
            assert str(raised.value) == (f"validity must be a positive length of time, got {shown}")

    def test_revoke(self, team: Team, keys: teams.TokenKeys) -> None:
        """A revoked invitation frees its seat and never works."""
        issued = self.invited(team, keys)
        team, events = teams.revoke_invitation(issued.team, "inv-1", by="ann", at=LATER)
        assert team.free_seats(LATER) == 4
        assert events == (teams.InvitationWithdrawn("team-1", "inv-1", "ann", LATER),)
        err = refused(
            errors.InvitationRevoked,
            team,
            lambda: teams.join_with_invitation(
                team,
                issued.token,
                account_id="bob",
                name="Bob",
                email="bob@example.org",
                keys=keys,
                at=LATER,
            ),
        )
        assert err.revoked_at == LATER
        refused(
            errors.InvitationRevoked,
            team,
            lambda: teams.revoke_invitation(team, "inv-1", by="ann", at=LATER),
        )
        refused(
            errors.UnknownInvitation,
            team,
            lambda: teams.revoke_invitation(team, "nope", by="ann", at=LATER),
        )

    def test_revoke_used_refused(self, team: Team, keys: teams.TokenKeys) -> None:
        """A used invitation cannot be revoked (the member is removed instead)."""
        issued = self.invited(team, keys)
        team = teams.join_with_invitation(
            issued.team,
            issued.token,
            account_id="bob",
            name="Bob",
            email="bob@example.org",
            keys=keys,
            at=LATER,
        ).team
        refused(
            errors.InvitationUsed,
            team,
            lambda: teams.revoke_invitation(team, "inv-1", by="ann", at=LATER),
        )

    def test_resend_replaces(self, team: Team, keys: teams.TokenKeys) -> None:
        """Inviting the same address again revokes the first invitation: one seat, one token."""
        first = self.invited(team, keys)
        second = teams.invite(first.team, by="ann", email="BOB@example.org", keys=keys, at=LATER)
        assert second.team.free_seats(LATER) == 3
        assert [type(e).__name__ for e in second.events] == [
            "InvitationWithdrawn",
            "InvitationSent",
        ]
        with pytest.raises(errors.InvitationRevoked):
            teams.join_with_invitation(
                second.team,
                first.token,
                account_id="bob",
                name="Bob",
                email="bob@example.org",
                keys=keys,
                at=LATER,
            )

    def test_unknown_token(self, team: Team, keys: teams.TokenKeys) -> None:
        """A token the team never issued, or hashed with a dropped key, is unknown."""
        issued = self.invited(team, keys)
        refused(
            errors.UnknownInvitation,
            issued.team,
            lambda: teams.join_with_invitation(
                issued.team,
                teams.new_token(),
                account_id="bob",
                name="Bob",
                email="bob@example.org",
                keys=keys,
                at=LATER,
            ),
        )
        other = teams.TokenKeys.generate("k2")
        with pytest.raises(errors.UnknownInvitation):
            teams.join_with_invitation(
                issued.team,
                issued.token,
                account_id="bob",
                name="Bob",
                email="bob@example.org",
                keys=other,
                at=LATER,
            )

    def test_member_address_refused(self, team: Team, keys: teams.TokenKeys) -> None:
        """An address already on the team gets no invitation."""
        refused(
            errors.AlreadyOnTeam,
            team,
            lambda: teams.invite(team, by="ann", email="ANN@example.org", keys=keys, at=START),
        )

    def test_full_refused(self, team: Team, keys: teams.TokenKeys) -> None:
        """Invitations hold seats, so the fifth one of four free seats is refused."""
        for i in range(4):
            team = teams.invite(team, by="ann", email=f"p{i}@x.org", keys=keys, at=START).team
        refused(
            errors.TeamFull,
            team,
            lambda: teams.invite(team, by="ann", email="p9@x.org", keys=keys, at=START),
        )

    def test_joiner_already_member_refused(self, team: Team, keys: teams.TokenKeys) -> None:
        """An account on the team cannot take an invitation's seat as well."""
        issued = teams.invite(team, by="ann", email="ann2@example.org", keys=keys, at=START)
        refused(
            errors.AlreadyOnTeam,
            issued.team,
            lambda: teams.join_with_invitation(
                issued.team,
                issued.token,
                account_id="ann",
                name="Ann",
                email="ann2@example.org",
                keys=keys,
                at=LATER,
            ),
        )


class TestLinks:
    """Registration links: multi-use, optional expiry and limit, revocable, rotatable, seatless."""

    def test_link_holds_no_seat(self, team: Team, keys: teams.TokenKeys) -> None:
        """Creating a link takes no seat; each join takes one."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START, link_id="l-1")
        assert issued.team.free_seats(START) == 4
        assert issued.events == (teams.LinkCreated("team-1", "l-1", "ann", START),)
        team, events = teams.join_with_link(
            issued.team,
            issued.token,
            account_id="bob",
            name="Bob",
            email="bob@example.org",
            keys=keys,
            at=LATER,
        )
        assert team.free_seats(LATER) == 3
        assert team.links[0].uses == 1
        assert events == (teams.MemberJoined("team-1", "bob", "link", "l-1", LATER),)

    def test_never_more_than_free_seats(self, team: Team, keys: teams.TokenKeys) -> None:
        """Four free seats admit four; the fifth gets TeamFull."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        team = issued.team
        for who in ("b", "c", "d", "e"):
            team = join_link(team, issued.token, who, keys)
        refused(errors.TeamFull, team, lambda: join_link(team, issued.token, "f", keys))

    def test_pending_invitations_keep_their_seats(self, team: Team, keys: teams.TokenKeys) -> None:
        """A link cannot take a seat held by a pending invitation or a pending member."""
        team = teams.invite(team, by="ann", email="x@x.org", keys=keys, at=START).team
        team = add(team, "pat")
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        team = join_link(issued.team, issued.token, "b", keys)
        team = join_link(team, issued.token, "c", keys)
        refused(errors.TeamFull, team, lambda: join_link(team, issued.token, "d", keys))

    def test_pending_member_uses_own_seat(self, team: Team, keys: teams.TokenKeys) -> None:
        """A pending member joining by link becomes active on the seat kept for them."""
        for who in ("b", "c", "d", "pat"):
            team = add(team, who)
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        team = join_link(issued.team, issued.token, "pat", keys)
        member = team.member("pat")
        assert member is not None
        assert member.is_active
        assert len(team.members) == 5
        refused(errors.AlreadyOnTeam, team, lambda: join_link(team, issued.token, "pat", keys))

    def test_email_taken_refused(self, team: Team, keys: teams.TokenKeys) -> None:
        """A new account with a member's e-mail is refused."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        refused(
            errors.AlreadyOnTeam,
            issued.team,
            lambda: teams.join_with_link(
                issued.team,
                issued.token,
                account_id="x",
                name="X",
                email="Ann@Example.org",
                keys=keys,
                at=START,
            ),
        )

    def test_expiry(self, team: Team, keys: teams.TokenKeys) -> None:
        """An expired link never works; it works until the moment before."""
        until = START + dt.timedelta(days=1)
        issued = teams.create_link(team, by="ann", keys=keys, at=START, expires_at=until)
        join_link(issued.team, issued.token, "b", keys, at=until - dt.timedelta(microseconds=1))
        err = refused(
            errors.LinkExpired,
            issued.team,
            lambda: join_link(issued.team, issued.token, "b", keys, at=until),
        )
        assert (err.expires_at, err.at) == (until, until)
        with pytest.raises(errors.InvalidInput, match="expires_at must be after"):
            teams.create_link(team, by="ann", keys=keys, at=START, expires_at=START)

    def test_max_uses(self, team: Team, keys: teams.TokenKeys) -> None:
        """A link with max_uses=2 admits two, then is used up."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START, max_uses=2, link_id="l-1")
        team = join_link(issued.team, issued.token, "b", keys)
        team = join_link(team, issued.token, "c", keys)
        err = refused(errors.LinkUsedUp, team, lambda: join_link(team, issued.token, "d", keys))
        assert str(err) == (
            "registration link 'l-1' was used its maximum of 2 times; expected fewer than 2 uses"
        )
        for bad in (0, -1, True, "2"):
            with pytest.raises(errors.InvalidInput, match="max_uses"):
                teams.create_link(team, by="ann", keys=keys, at=START, max_uses=bad)  # type: ignore[arg-type]

    def test_revoke(self, team: Team, keys: teams.TokenKeys) -> None:
        """A revoked link never works; revoking twice is refused."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START, link_id="l-1")
        team, events = teams.revoke_link(issued.team, "l-1", by="ann", at=LATER)
        assert events == (teams.LinkWithdrawn("team-1", "l-1", "ann", LATER),)
        refused(
            errors.LinkRevoked, team, lambda: join_link(team, issued.token, "b", keys, at=LATER)
        )
        refused(
            errors.LinkRevoked, team, lambda: teams.revoke_link(team, "l-1", by="ann", at=LATER)
        )
        refused(
            errors.LinkRevoked,
            team,
            lambda: teams.rotate_link(team, "l-1", by="ann", keys=keys, at=LATER),
        )
        unknown = refused(
            errors.UnknownLink, team, lambda: teams.revoke_link(team, "nope", by="ann", at=LATER)
        )
        # a link id was given: the message names it and speaks of no token (issue 13)
        assert str(unknown) == (
            f"no registration link 'nope' of team {team.id!r}; expected the id of one of its "
            "links (the team's details list them)"
        )

    def test_rotate(self, team: Team, keys: teams.TokenKeys) -> None:
        """Rotation gives a new token; the old one matches nothing; uses are kept."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START, max_uses=3, link_id="l-1")
        team = join_link(issued.team, issued.token, "b", keys)
        rotated = teams.rotate_link(team, "l-1", by="ann", keys=keys, at=LATER)
        assert rotated.token != issued.token
        assert rotated.team.links[0].uses == 1
        assert rotated.team.links[0].rotated_at == LATER
        refused(
            errors.UnknownLink,
            rotated.team,
            lambda: join_link(rotated.team, issued.token, "c", keys),
        )
        join_link(rotated.team, rotated.token, "c", keys)

    def test_key_rotation_rehashes_on_use(self, team: Team, keys: teams.TokenKeys) -> None:
        """After the host rotates its key, old links still work and move to the new key."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        rotated_keys = keys.rotate("k2", b"\x01" * 32)
        team = join_link(issued.team, issued.token, "b", rotated_keys)
        assert team.links[0].token.key_id == "k2"
        dropped = teams.TokenKeys({"k2": b"\x01" * 32}, current="k2")
        join_link(team, issued.token, "c", dropped)
        with pytest.raises(errors.UnknownLink):
            join_link(issued.team, issued.token, "c", dropped)


class TestRemove:
    """Removing frees the seat; the owner cannot be removed."""

    def test_remove_active_and_pending(self, team: Team, keys: teams.TokenKeys) -> None:
        """Both an active and a pending member can be removed; their seats are free again."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        team = add(join_link(issued.team, issued.token, "bob", keys), "pat")
        assert team.free_seats(START) == 2
        team, events = teams.remove_member(team, "bob", by="ann", at=LATER)
        team = teams.remove_member(team, "pat", by="ann", at=LATER).team
        assert team.free_seats(LATER) == 4
        assert team.member("bob") is None
        assert events == (teams.MemberRemoved("team-1", "bob", "ann", LATER),)

    def test_owner_and_strangers(self, team: Team) -> None:
        """The owner needs a transfer first; a stranger is not a member."""
        err = refused(
            errors.OwnerCannotBeRemoved,
            team,
            lambda: teams.remove_member(team, "ann", by="ann", at=START),
        )
        assert str(err) == (
            "account 'ann' owns team 'team-1' and cannot be removed; expected a member who is "
            "not the owner (make someone else manager first)"
        )
        err = refused(
            errors.NotAMember, team, lambda: teams.remove_member(team, "zed", by="ann", at=START)
        )
        assert str(err) == ("account 'zed' is not a member of team 'team-1'; expected a member")

    def test_removed_member_can_rejoin(self, team: Team, keys: teams.TokenKeys) -> None:
        """A removed person is a stranger again: they can join anew."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        team = join_link(issued.team, issued.token, "bob", keys)
        team = teams.remove_member(team, "bob", by="ann", at=LATER).team
        team = join_link(team, issued.token, "bob", keys, at=LATER)
        assert team.member("bob") is not None


class TestMakeManager:
    """Make manager: ownership moves, the old owner stays a member."""

    def test_transfer(self, team: Team, keys: teams.TokenKeys) -> None:
        """Bob owns the team afterwards; Ann is a member and can be removed by Bob."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        team = join_link(issued.team, issued.token, "bob", keys)
        team, events = teams.make_manager(team, "bob", by="ann", at=LATER)
        assert team.owner.account_id == "bob"
        assert teams.role_of(team, "ann") is Role.MEMBER
        assert events == (teams.OwnershipTransferred("team-1", "ann", "bob", LATER),)
        refused(errors.NotPermitted, team, lambda: add(team, "x", by="ann"))
        assert teams.remove_member(team, "ann", by="bob", at=LATER).team.member("ann") is None

    def test_refusals(self, team: Team) -> None:
        """Not to oneself, not to a pending member, not to a stranger."""
        team = add(team, "pat")
        refused(
            errors.AlreadyOwner, team, lambda: teams.make_manager(team, "ann", by="ann", at=START)
        )
        err = refused(
            errors.NotAMember, team, lambda: teams.make_manager(team, "pat", by="ann", at=START)
        )
        assert err.expected == "an active member"
        refused(
            errors.NotAMember, team, lambda: teams.make_manager(team, "zed", by="ann", at=START)
        )


class TestTeamInvariants:
    """The Team value refuses impossible states on construction."""

    def test_two_owners(self, team: Team) -> None:
        """Exactly one owner."""
        twin = attrs.evolve(team.owner, account_id="ann2", email="ann2@x.org")
        with pytest.raises(errors.InvalidInput, match="exactly one active owner"):
            attrs.evolve(team, members=(*team.members, twin))

    def test_more_members_than_seats(self, team: Team) -> None:
        """Members never exceed seats."""
        with pytest.raises(errors.InvalidInput, match="at most that many members"):
            attrs.evolve(team, seats=0)

    def test_same_email_twice(self, team: Team) -> None:
        """No e-mail twice, whatever the case."""
        twin = attrs.evolve(team.owner, account_id="x", role=Role.MEMBER, email="ANN@example.org")
        with pytest.raises(errors.InvalidInput, match="twice"):
            attrs.evolve(team, members=(*team.members, twin))
