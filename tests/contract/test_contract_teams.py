"""The team repository and progress store contract: every adapter passes the same tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Literal

import attrs
import pytest

from subscriptionkit import errors, teams
from subscriptionkit.storage import Store
from subscriptionkit.testing import active_subscription
from teams_helpers import START, add, join_link

KEYS = teams.TokenKeys({"k1": b"contract-key-0123456789abcdef"}, current="k1")
LATER = START + dt.timedelta(days=1)

StoreFactory = Callable[[], Store]


def new_team(team_id: str = "team-1", seats: int = 8) -> teams.Team:
    """A team owned by Ann with co-managers on and a 7-day invitation validity."""
    sub = active_subscription("teams", seats=seats, at=START)
    return teams.create_team(
        sub,
        name="Sales & Co",
        owner_id="ann",
        owner_name="Ann",
        owner_email="Ann@Example.org",
        at=START,
        team_id=team_id,
        settings=teams.TeamSettings(co_managers=True, invitation_validity=dt.timedelta(days=7)),
    ).team


def busy_team() -> tuple[teams.Team, dict[str, str]]:
    """A team with every kind of part: members of each role and status, invitations, links."""
    team = new_team()
    tokens: dict[str, str] = {}
    link = teams.create_link(
        team,
        by="ann",
        keys=KEYS,
        at=START,
        link_id="l-open",
        max_uses=5,
        expires_at=START + dt.timedelta(days=30),
    )
    tokens["l-open"] = link.token
    team = join_link(link.team, link.token, "bob", KEYS)
    team = join_link(team, link.token, "cas", KEYS)
    team = teams.set_co_manager(team, "bob", co_manager=True, by="ann", at=START).team
    team = add(team, "pat")
    used = teams.invite(
        team, by="ann", email="dan@example.org", keys=KEYS, at=START, invitation_id="i-used"
    )
    team = teams.join_with_invitation(
        used.team,
        used.token,
        account_id="dan",
        name="Dan",
        email="dan@example.org",
        keys=KEYS,
        at=START,
    ).team
    pending = teams.invite(
        team, by="ann", email="eve@example.org", keys=KEYS, at=START, invitation_id="i-pending"
    )
    tokens["i-pending"] = pending.token
    revoked = teams.invite(
        pending.team,
        by="ann",
        email="fay@example.org",
        keys=KEYS,
        at=START,
        invitation_id="i-revoked",
    )
    team = teams.revoke_invitation(revoked.team, "i-revoked", by="ann", at=LATER).team
    gone = teams.create_link(team, by="ann", keys=KEYS, at=START, link_id="l-gone")
    team = teams.revoke_link(gone.team, "l-gone", by="ann", at=LATER).team
    rotated = teams.rotate_link(team, "l-open", by="ann", keys=KEYS, at=LATER)
    tokens["l-open-old"], tokens["l-open"] = tokens["l-open"], rotated.token
    return rotated.team, tokens


def store_team(store: Store, team: teams.Team) -> teams.Team:
    with store.unit_of_work() as uow:
        stored = uow.teams.add(team)
        uow.commit()
    return stored


def join(
    store: Store, token: str, via: Literal["invitation", "link"], who: str, *, name: str, email: str
) -> teams.TeamTransition:
    """``teams.join`` through ``store`` as ``who``, a day after the start."""
    return teams.join(
        store, token, via=via, account_id=who, name=name, email=email, keys=KEYS, at=LATER
    )


class TestTeams:
    """Add, get, update, with optimistic concurrency."""

    def test_round_trip_keeps_every_part(self, store: Store) -> None:
        """A team with all its parts reads back equal, at version 1."""
        team, _ = busy_team()
        stored = store_team(store, team)
        assert stored.version == 1
        with store.unit_of_work() as uow:
            got = uow.teams.get("team-1")
        assert got == attrs.evolve(team, version=1)
        assert [m.account_id for m in got.members] == ["ann", "bob", "cas", "pat", "dan"]
        assert got.settings.invitation_validity == dt.timedelta(days=7)

    def test_duplicate_and_missing(self, store: Store) -> None:
        """A second add of an id is refused; a missing id is NotFound."""
        store_team(store, new_team())
        with store.unit_of_work() as uow, pytest.raises(errors.AlreadyExists):
            uow.teams.add(new_team())
        with store.unit_of_work() as uow, pytest.raises(errors.NotFound):
            uow.teams.get("nope")
        with store.unit_of_work() as uow, pytest.raises(errors.NotFound):
            uow.teams.update(attrs.evolve(new_team("nope"), version=1))

    def test_update_replaces_parts(self, store: Store) -> None:
        """An update stores removals and new parts, and raises the version."""
        team, _ = busy_team()
        stored = store_team(store, team)
        changed = teams.remove_member(stored, "cas", by="ann", at=LATER).team
        changed = teams.make_manager(changed, "bob", by="ann", at=LATER).team
        issued = teams.invite(changed, by="bob", email="gus@example.org", keys=KEYS, at=LATER)
        with store.unit_of_work() as uow:
            updated = uow.teams.update(issued.team)
            uow.commit()
        assert updated.version == 2
        with store.unit_of_work() as uow:
            got = uow.teams.get("team-1")
        assert got == attrs.evolve(issued.team, version=2)
        assert got.owner.account_id == "bob"
        assert got.member("cas") is None

    def test_stale_update_refused(self, store: Store) -> None:
        """Writing from a stale read raises ConcurrentUpdate and keeps the first write."""
        stored = store_team(store, new_team())
        first = add(stored, "bob")
        second = add(stored, "cas")
        with store.unit_of_work() as uow:
            uow.teams.update(first)
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(errors.ConcurrentUpdate) as info:
            uow.teams.update(second)
        assert (info.value.expected_version, info.value.found_version) == (1, 2)
        with store.unit_of_work() as uow:
            assert uow.teams.get("team-1").member("bob") is not None
            assert uow.teams.get("team-1").member("cas") is None

    def test_stale_write_from_another_store(self, store_factory: StoreFactory) -> None:
        """A write from another store object on the same data loses against a newer commit."""
        store = store_factory()
        stored = store_team(store, new_team())
        with store_factory().unit_of_work() as uow:
            uow.teams.update(add(stored, "bob"))
            uow.commit()
        with store.unit_of_work() as uow, pytest.raises(errors.ConcurrentUpdate):
            uow.teams.update(add(stored, "cas"))

    def test_without_commit_nothing_is_kept(self, store: Store) -> None:
        """Leaving the unit of work without commit keeps nothing."""
        with store.unit_of_work() as uow:
            uow.teams.add(new_team())
        with store.unit_of_work() as uow, pytest.raises(errors.NotFound):
            uow.teams.get("team-1")

    def test_reads_see_own_writes(self, store: Store) -> None:
        """Inside a unit of work, a read sees what it wrote."""
        with store.unit_of_work() as uow:
            uow.teams.add(new_team())
            assert uow.teams.get("team-1").version == 1
            assert [t.id for t in uow.teams.list()] == ["team-1"]


class TestLookups:
    """Finding teams by account, subscription and token digests."""

    def test_for_account_and_subscription(self, store: Store) -> None:
        """Active and pending members find their team; removed ones and strangers do not."""
        team, _ = busy_team()
        store_team(store, team)
        store_team(store, new_team("team-2"))
        with store.unit_of_work() as uow:
            assert [t.id for t in uow.teams.for_account("ann")] == ["team-1", "team-2"]
            assert [t.id for t in uow.teams.for_account("pat")] == ["team-1"]
            assert uow.teams.for_account("zed") == []
            assert [t.id for t in uow.teams.for_subscription(team.subscription_id)] == ["team-1"]
            assert [t.id for t in uow.teams.list()] == ["team-1", "team-2"]

    def test_by_token(self, store: Store) -> None:
        """Current link and invitation tokens find the team; a rotated-away token does not."""
        team, tokens = busy_team()
        store_team(store, team)
        with store.unit_of_work() as uow:
            found = uow.teams.with_link(KEYS.digests(tokens["l-open"], "link"))
            assert found is not None
            assert found.id == "team-1"
            assert uow.teams.with_link(KEYS.digests(tokens["l-open-old"], "link")) is None
            assert uow.teams.with_link(KEYS.digests(tokens["i-pending"], "link")) is None
            invited = uow.teams.with_invitation(KEYS.digests(tokens["i-pending"], "invitation"))
            assert invited is not None
            assert invited.id == "team-1"
            assert uow.teams.with_invitation(KEYS.digests(teams.new_token(), "invitation")) is None


class TestJoinThroughTheStore:
    """teams.join finds the team by token and stores the join."""

    def test_join_and_team_full(self, store: Store) -> None:
        """Joins are stored; past the free seats the next one is TeamFull."""
        team = new_team(seats=3)
        issued = teams.create_link(team, by="ann", keys=KEYS, at=START)
        store_team(store, issued.team)
        for who in ("bob", "cas"):
            joined = join(store, issued.token, "link", who, name=who, email=f"{who}@x.org")
        assert joined.team.version == 3
        for token, refusal in (
            (issued.token, errors.TeamFull),
            (teams.new_token(), errors.UnknownLink),
        ):
            with pytest.raises(refusal):
                join(store, token, "link", "dan", name="Dan", email="dan@x.org")
        with store.unit_of_work() as uow:
            assert [m.account_id for m in uow.teams.get("team-1").members] == ["ann", "bob", "cas"]

    def test_invitation_once(self, store: Store) -> None:
        """An invitation joins once; the second use is InvitationUsed."""
        issued = teams.invite(new_team(), by="ann", email="bob@x.org", keys=KEYS, at=START)
        store_team(store, issued.team)
        join(store, issued.token, "invitation", "bob", name="Bob", email="bob@x.org")
        with pytest.raises(errors.InvitationUsed):
            join(store, issued.token, "invitation", "bob2", name="Bob", email="bob@x.org")


class TestProgress:
    """The progress store: upsert per account and course, read per accounts."""

    def test_save_get_and_replace(self, store: Store) -> None:
        """Saving twice replaces; get returns None when not enrolled."""
        p = teams.enrol("bob", "excel", at=START)
        with store.unit_of_work() as uow:
            uow.progress.save(p)
            uow.commit()
        done = teams.record_progress(p, Decimal("100"), at=LATER)
        with store.unit_of_work() as uow:
            assert uow.progress.get("bob", "excel") == p
            uow.progress.save(done)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.progress.get("bob", "excel") == done
            assert uow.progress.get("bob", "python") is None

    def test_for_accounts(self, store: Store) -> None:
        """Only the asked accounts, by account, enrolment and course; exact percent kept."""
        rows = [
            teams.record_progress(teams.enrol("cas", "b", at=START), "12.5", at=LATER),
            teams.enrol("bob", "z", at=START),
            teams.enrol("bob", "a", at=LATER),
            teams.enrol("zed", "a", at=START),
        ]
        with store.unit_of_work() as uow:
            for row in rows:
                uow.progress.save(row)
            uow.commit()
        with store.unit_of_work() as uow:
            got = uow.progress.for_accounts(["bob", "cas"])
        assert [(p.account_id, p.course_id) for p in got] == [
            ("bob", "z"),
            ("bob", "a"),
            ("cas", "b"),
        ]
        assert got[2].percent == Decimal("12.5")
        assert got[2].last_activity_at == LATER

    def test_without_commit_nothing_is_kept(self, store: Store) -> None:
        """Progress is part of the unit of work."""
        with store.unit_of_work() as uow:
            uow.progress.save(teams.enrol("bob", "excel", at=START))
        with store.unit_of_work() as uow:
            assert uow.progress.get("bob", "excel") is None


class TestSeatChangeAudit:
    """A seat change reaches the audit log like every other subscription change."""

    def test_seats_changed_is_recorded(self, store: Store) -> None:
        """8 -> 10 seats: the subscription stores a 'seats_changed' entry after its
        'activated' one, with the seat counts, on every adapter."""
        sub = active_subscription("teams", seats=8, at=START)
        team = teams.create_team(
            sub, name="Sales", owner_id="ann", owner_name="Ann", owner_email="a@example.org",
            at=START, team_id="team-1",
        ).team  # fmt: skip
        with store.unit_of_work() as uow:
            sub = uow.subscriptions.add(sub)
            team = uow.teams.add(team)
            uow.commit()
        change = teams.change_seats(team, sub, 10, by="ann", at=LATER)
        assert [type(e).__name__ for e in change.subscription_events] == ["SeatsChanged"]
        with store.unit_of_work() as uow:
            uow.subscriptions.update(change.subscription, events=change.subscription_events)
            uow.teams.update(change.team)
            uow.commit()
        with store.unit_of_work() as uow:
            entries = list(uow.audit.for_subject("subscription", sub.id))
        assert [e.kind for e in entries] == ["seats_changed"]
        assert entries[0].data["seats_before"] == 8
        assert entries[0].data["seats_after"] == 10
