"""Rectification across every store (memory, SQLite, PostgreSQL), all or nothing.

Checked by (issue 12): after a corrected name and e-mail address, a scan of every table
and in-memory store finds the old name and addresses nowhere (invoices name their
customer by id, as issued, and hold neither); a pending invitation to an old address
follows the new one with a new token, the old token stops working; historical
invitations keep no old address; a fault at any write leaves every store as it was.
"""

from __future__ import annotations

import datetime as dt

import pytest

from privacy_helpers import dump, fault_at_every_write
from subscriptionkit import billing, certificates, privacy, teams
from subscriptionkit.audit import AuditEntry
from subscriptionkit.errors import InvalidInput, UnknownInvitation
from subscriptionkit.plans import VatTreatment
from subscriptionkit.storage import Store
from subscriptionkit.testing import active_subscription

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
LATER = AT + 5 * DAY  # invitations sent at AT are pending (14 days)
KEYS = teams.TokenKeys.generate()
#: Ann's id, her old name, her membership address and a second old address.
ANN = ("u-ann", "Ann Smit", "ann.smit@example.org", "ann.private@example.org")
NEW = ("Ann de Boer", "ann@boer.example")
#: The writes a rectification makes, per port.
_WRITES = {"teams": {"update"}, "certificates": {"relabel"}, "requests": {"save"}}


def _team(sub_id: str, team_id: str, owner: str) -> teams.Team:
    sub = active_subscription("teams", sub_id, seats=6, at=AT)
    return teams.create_team(
        sub, name=team_id.title(), owner_id=owner, owner_name=owner.title(),
        owner_email=f"{owner}@example.org", at=AT, team_id=team_id,
    ).team  # fmt: skip


def _invite(team: teams.Team, email: str, inv_id: str, at: dt.datetime) -> teams.TokenIssued:
    return teams.invite(team, by=team.owner.account_id, email=email, keys=KEYS, at=at,
                        invitation_id=inv_id)  # fmt: skip


def _populate(store: Store) -> dict[str, str]:
    """Ann joined team-1 by an invitation to her membership address; team-2 invited that
    address (pending, expired, revoked) and Bob; team-3 invited both her old addresses.
    Return the tokens sent, by invitation id."""
    tokens: dict[str, str] = {}
    one = _invite(_team("acme", "team-1", "olga"), ANN[2], "inv-1", AT)
    tokens["inv-1"] = one.token
    sales, _ = teams.join_with_invitation(
        one.team, one.token, account_id=ANN[0], name=ANN[1], email=ANN[2], keys=KEYS, at=AT
    )
    support = _team("bolt", "team-2", "piet")
    for inv_id, email, at in (
        ("inv-2-old", ANN[2], AT - 30 * DAY),  # expired long ago
        ("inv-2-revoked", ANN[2], AT - DAY),  # revoked by the re-send below
        ("inv-2", ANN[2], AT),
        ("inv-2-bob", "bob@example.org", AT),
    ):
        issued = _invite(support, email, inv_id, at)
        support, tokens[inv_id] = issued.team, issued.token
    third = _team("core", "team-3", "piet")
    for inv_id, email, at in (("inv-3a", ANN[3], AT), ("inv-3b", ANN[2], AT + DAY)):
        issued = _invite(third, email, inv_id, at)
        third, tokens[inv_id] = issued.team, issued.token
    earlier = privacy.receive_request(
        ANN[0], "rectification", at=AT, changes={"email": ANN[2]}, request_id="r-0"
    )
    earlier = privacy.complete_request(
        privacy.record_identity_check(earlier, at=AT, by="dpo"), at=AT
    )
    cert = certificates.issue(
        holder_id=ANN[0], holder_name=ANN[1], course_id="c-1", course_title="Feedback",
        completed_on=AT.date(), issued_at=AT, issuer="Soofos", certificate_id="cert-1",
    )  # fmt: skip
    school = active_subscription("focus-po-1-8", "school-1", at=AT)
    with store.unit_of_work() as uow:
        for team in (sales, support, third):
            uow.teams.add(team)
        uow.subscriptions.add(school)
        uow.certificates.add(cert)
        uow.requests.save(earlier)
        uow.audit.append([
            AuditEntry("team", "team-1", "acme", "member_joined", AT, {"account_id": ANN[0]}),
        ])  # fmt: skip
        uow.ledger.issue(
            billing.advance(school, {1: 10}), series="2026", vat=VatTreatment.standard("21")
        )
        uow.commit()
    return tokens


def _request(store: Store) -> privacy.SubjectRequest:
    request = privacy.receive_request(
        ANN[0], "rectification", at=LATER, changes={"name": NEW[0], "email": NEW[1]},
        request_id="r-1",
    )  # fmt: skip
    request = privacy.record_identity_check(request, at=LATER, by="dpo")
    with store.unit_of_work() as uow:
        uow.requests.save(request)
        uow.commit()
    return request


def _rectify(store: object, request: privacy.SubjectRequest | None = None) -> privacy.Rectification:
    return privacy.rectify_subject(
        store,  # type: ignore[arg-type]  # a Counting store
        ANN[0], at=LATER, name=NEW[0], email=NEW[1], emails=[ANN[3]], keys=KEYS,
        request=request,
    )  # fmt: skip


def _team_of(store: Store, team_id: str) -> teams.Team:
    with store.unit_of_work() as uow:
        return uow.teams.get(team_id)


class TestEveryStore:
    """The old name and addresses are gone; the new ones are everywhere they were."""

    def test_scan_finds_no_old_name_or_address(self, store: Store) -> None:
        """Memberships, invitations (pending and historical), certificates, requests."""
        _populate(store)
        done = _rectify(store, _request(store))
        text = "\n".join(dump(store)).casefold()
        for old in ANN[1:]:
            assert old.casefold() not in text, old
        for kept in (ANN[0], NEW[0].casefold(), NEW[1], "bob@example.org", "school-1"):
            assert kept in text, kept
        # records, as the export counts them: team-1's membership and used invitation,
        # team-2's three invitations to her, team-3's two
        assert done.changed == {"teams": 7, "certificates": 1, "requests": 1}
        assert done.request is not None
        assert done.request.status is privacy.RequestStatus.COMPLETED
        member = _team_of(store, "team-1").member(ANN[0])
        assert member is not None
        assert (member.name, member.email) == NEW
        with store.unit_of_work() as uow:
            assert uow.certificates.get("cert-1").holder_name == NEW[0]
            assert uow.requests.get("r-0").changes == {"email": NEW[1]}
        support = _team_of(store, "team-2")
        for inv_id in ("inv-2-old", "inv-2-revoked", "inv-2"):
            invitation = support.invitation(inv_id)
            assert invitation is not None
            assert invitation.email == NEW[1], inv_id
        bob = support.invitation("inv-2-bob")
        assert bob is not None
        assert bob.email == "bob@example.org"
        export = privacy.export_subject(store, ANN[0], at=LATER)
        assert {r.get("invitation_id") for r in export["sections"]["teams"]} >= {
            "inv-1", "inv-2", "inv-3a", "inv-3b",
        }  # fmt: skip

    def test_pending_invitation_follows_with_a_new_token(self, store: Store) -> None:
        """The token sent to the wrong address stops working; the new one, reported for
        sending, works for the corrected address; id and expiry stay."""
        tokens = _populate(store)
        before = _team_of(store, "team-2").invitation("inv-2")
        done = _rectify(store)
        assert [(r.team_id, r.invitation_id) for r in done.reissued] == [
            ("team-2", "inv-2"),
            ("team-3", "inv-3b"),
        ]
        assert tokens["inv-2"] not in repr(done)
        support = _team_of(store, "team-2")
        with pytest.raises(UnknownInvitation):
            teams.find_invitation(support, tokens["inv-2"], KEYS)
        sent = done.reissued[0]
        assert before is not None
        assert (sent.email, sent.expires_at) == (NEW[1], before.expires_at)
        joined, _ = teams.join_with_invitation(
            support, sent.token, account_id=ANN[0], name=NEW[0], email=NEW[1], keys=KEYS,
            at=LATER,
        )  # fmt: skip
        assert joined.member(ANN[0]) is not None
        invitation = support.invitation("inv-2")
        assert invitation is not None
        message = teams.invitation_message(
            support, invitation, sent.token, url_template="https://x/{token}"
        )
        assert message.to == NEW[1]

    def test_one_seat_per_person(self, store: Store) -> None:
        """Two pending invitations to two old addresses in one team: the latest is
        re-addressed, the other revoked, so the person never holds two seats."""
        _populate(store)
        _rectify(store)
        third = _team_of(store, "team-3")
        a, b = third.invitation("inv-3a"), third.invitation("inv-3b")
        assert a is not None
        assert b is not None
        assert a.revoked_at is not None
        assert b.is_pending(LATER)
        assert len(third.pending_invitations(LATER)) == 1

    def test_invitation_another_account_used(self, store: Store) -> None:
        """An invitation to an old address that another account used is that account's
        record (the address was theirs): it keeps its address."""
        issued = _invite(_team("acme", "team-9", "olga"), ANN[3], "inv-9", AT)
        team, _ = teams.join_with_invitation(
            issued.team, issued.token, account_id="u-eve", name="Eve", email=ANN[3], keys=KEYS,
            at=AT,
        )  # fmt: skip
        with store.unit_of_work() as uow:
            uow.teams.add(team)
            uow.commit()
        done = privacy.rectify_subject(
            store, ANN[0], at=LATER, email=NEW[1], emails=[ANN[3]], keys=KEYS
        )
        assert done.changed["teams"] == 0
        invitation = _team_of(store, "team-9").invitation("inv-9")
        assert invitation is not None
        assert invitation.email == ANN[3]

    def test_name_only_leaves_invitations(self, store: Store) -> None:
        """No corrected address: no invitation changes."""
        _populate(store)
        done = privacy.rectify_subject(store, ANN[0], at=LATER, name=NEW[0])
        assert done.changed == {"teams": 1, "certificates": 1, "requests": 0}
        assert done.reissued == ()
        assert ANN[2] in "\n".join(dump(store))


class TestNothingMatched:
    """A rectification that finds no record corrects nothing and answers no request."""

    def test_request_stays_open(self, store: Store) -> None:
        """The reported case: the invitation went to gus@exampel.org, gus has no
        membership; without the old address nothing matches and the request stays open;
        with it, the invitation is corrected (one record) and the request answered."""
        team = _invite(_team("acme", "team-1", "olga"), "gus@exampel.org", "inv-g", AT).team
        request = privacy.receive_request(
            "gus", "rectification", at=AT, changes={"email": "gus@example.org"},
            request_id="rc-1",
        )  # fmt: skip
        request = privacy.record_identity_check(request, at=AT, by="dpo")
        with store.unit_of_work() as uow:
            uow.teams.add(team)
            uow.requests.save(request)
            uow.commit()
        done = privacy.rectify_subject(
            store, "gus", at=LATER, email="gus@example.org", keys=KEYS, request=request
        )
        assert (done.matched, done.request, sum(done.changed.values())) == (False, None, 0)
        with store.unit_of_work() as uow:
            assert uow.requests.get("rc-1").is_open
        done = privacy.rectify_subject(
            store, "gus", at=LATER, email="gus@example.org", emails=["gus@exampel.org"],
            keys=KEYS, request=request,
        )  # fmt: skip
        assert done.matched
        assert done.changed["teams"] == 1
        assert done.request is not None
        with store.unit_of_work() as uow:
            assert not uow.requests.get("rc-1").is_open


class TestRefusals:
    """Refused rectifications change nothing."""

    def test_pending_invitation_needs_the_keys(self, store: Store) -> None:
        """Without the token keys a pending invitation cannot be re-issued."""
        _populate(store)
        before = dump(store)
        with pytest.raises(InvalidInput, match="keys"):
            privacy.rectify_subject(store, ANN[0], at=LATER, email=NEW[1])
        assert dump(store) == before

    def test_other_corrections_than_the_request(self, store: Store) -> None:
        """The request names the corrections carried out."""
        _populate(store)
        request = _request(store)
        with pytest.raises(InvalidInput, match="asks to correct"):
            privacy.rectify_subject(
                store, ANN[0], at=LATER, name="Someone Else", email=NEW[1], keys=KEYS,
                request=request,
            )  # fmt: skip

    @pytest.mark.parametrize("email", ["not an address", "a@b@c"])
    def test_malformed_address(self, store: Store, email: str) -> None:
        """The corrected address must look like one."""
        with pytest.raises(InvalidInput, match="e-mail"):
            privacy.rectify_subject(store, ANN[0], at=LATER, email=email)


class TestAllOrNothing:
    """A fault at any write of a rectification leaves every store as it was."""

    def test_fault_at_every_write(self, store: Store) -> None:
        """Count the writes of a clean run, then fail at each in turn."""

        def prepare(target: Store) -> privacy.SubjectRequest:
            _populate(target)
            return _request(target)

        assert fault_at_every_write(store, _WRITES, prepare, _rectify) >= 5
