"""Export and erasure across every store (memory, SQLite, PostgreSQL).

Checked by (issue 12): after erasure a scan of every table and in-memory store finds none
of the subject's name, e-mail or identifiers in clear; metering and invoice totals are
unchanged; the subject's certificates verify and show nothing personal; the export holds
every record inserted about the subject and nothing about anyone else; a fault injected
at every write of an erasure leaves every store as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import attrs
import pytest

from privacy_helpers import dump as _dump
from privacy_helpers import fault_at_every_write
from subscriptionkit import billing, certificates, metering, plans, privacy, teams
from subscriptionkit.audit import AuditEntry
from subscriptionkit.errors import OwnershipTransferRequired
from subscriptionkit.plans import VatTreatment
from subscriptionkit.storage import Store
from subscriptionkit.subscriptions import Status
from subscriptionkit.testing import active_subscription

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
LATER = AT + 30 * DAY
ANN = ("u-ann", "Ann de Vries", "ann.devries@example.org", "ann.private@example.org")
OTHERS = ("u-bob", "Bob Jansen", "bob@example.org", "u-olga", "Olga Owner", "olga@example.org")
PLAN = plans.default_catalog()["focus-po-1-8"]
MONTHS = metering.month_range(metering.Month(2026, 3), metering.Month(2026, 6))
RING = certificates.KeyRing.generate(at=AT - DAY)


def _populate(store: Store) -> dict[str, str]:
    """Ann (the subject), Bob and Olga (the owner) in every store; return Ann's token."""
    keys = teams.TokenKeys.generate()
    sub = active_subscription("teams", "acme", seats=5, at=AT)
    team, _ = teams.create_team(
        sub, name="Sales", owner_id="u-olga", owner_name="Olga Owner",
        owner_email="olga@example.org", at=AT, team_id="team-1",
    )  # fmt: skip
    for account, name, email in (
        ("u-ann", ANN[1], ANN[2]),
        ("u-bob", "Bob Jansen", "bob@example.org"),
    ):
        team, _ = teams.add_member(
            team, by="u-olga", account_id=account, name=name, email=email, at=AT
        )
    team = teams.invite(
        team, by="u-olga", email=ANN[3], keys=keys, at=AT, invitation_id="inv-1"
    ).team
    school = active_subscription("focus-po-1-8", "school-1", at=AT)
    tokens = {}
    with store.unit_of_work() as uow:
        uow.subscriptions.add(sub)
        uow.subscriptions.add(school)
        uow.teams.add(team)
        for account in ("u-ann", "u-bob"):
            uow.progress.save(
                teams.record_progress(teams.enrol(account, "c-1", at=AT), Decimal(40), at=AT)
            )
        for n, (holder, name) in enumerate((("u-ann", ANN[1]), ("u-bob", "Bob Jansen"))):
            cert = certificates.issue(
                holder_id=holder, holder_name=name, course_id="c-1", course_title="Feedback",
                completed_on=AT.date(), issued_at=AT, issuer="Soofos", certificate_id=f"cert-{n}",
            )  # fmt: skip
            uow.certificates.add(cert)
            tokens[holder] = certificates.token(cert, RING)
        uow.keys.save_public_keys(RING.public_keyset())
        uow.activity.add(
            metering.ActivityEvent(
                f"ev-{n}", "school-1", pupil, 1 + n % 8, "engagement", AT + n * DAY
            )
            for n, pupil in enumerate(["u-ann", "u-bob", "u-ann", "p-7", "u-ann"])
        )
        uow.audit.append([
            AuditEntry("team", "team-1", "acme", "member_added", AT, {"account_id": "u-ann", "by": "u-olga"}),
            AuditEntry("consent", "c-ann", "u-ann", "consent_given", AT, {"purpose": "newsletter"}),
            AuditEntry("team", "team-1", "acme", "member_added", AT, {"account_id": "u-bob", "by": "u-olga"}),
        ])  # fmt: skip
        uow.consents.save(
            privacy.implicit_consent(
                "u-ann", "newsletter_signup", at=AT, source="footer", consent_id="c-ann"
            )
        )
        uow.consents.save(
            privacy.implicit_consent("u-bob", "review", at=AT, source="course", consent_id="c-bob")
        )
        uow.requests.save(privacy.receive_request("u-bob", "access", at=AT, request_id="r-bob"))
        invoice = billing.advance(school, {1: 10, 3: 12})
        uow.ledger.issue(invoice, series="2026", vat=VatTreatment.standard("21"))
        uow.commit()
    return tokens


def _ann_request(store: Store) -> privacy.SubjectRequest:
    request = privacy.receive_request("u-ann", "erasure", at=LATER, request_id="r-ann")
    request = privacy.record_identity_check(request, at=LATER, by="dpo-1")
    with store.unit_of_work() as uow:
        uow.requests.save(request)
        uow.commit()
    return request


#: What Ann's own request and consent documents name: a rectification's new name and
#: e-mail, and free text naming her.
ANN_NEW = ("Ann Nieuwenhuis", "ann.new@example.org")


def _ann_documents(store: Store) -> None:
    """Ann's rectification (new name and e-mail, extended with a reason naming her), a
    refused request whose note names her new address, a consent whose sources name her id."""
    step = privacy.receive_request(
        "u-ann", "rectification", at=AT + DAY, request_id="r-ann-rect",
        changes={"name": ANN_NEW[0], "email": ANN_NEW[1]},
    )  # fmt: skip
    step = privacy.record_identity_check(step, at=AT + 2 * DAY, by="dpo-1")
    step = privacy.extend_request(step, months=1, reason=f"{ANN_NEW[0]}: two", at=AT + 3 * DAY)
    rectified = privacy.complete_request(step, at=AT + 4 * DAY)
    refused = privacy.refuse_request(
        privacy.receive_request("u-ann", "access", at=AT + DAY, request_id="r-ann-refused"),
        at=AT + 2 * DAY,
        reason=f"sent from {ANN_NEW[1].upper()}, not the address we know",
    )
    consent = privacy.record_consent(
        "u-ann", "promotion", at=AT, source="form:U-Ann", text_version="v1", consent_id="c-ann-2"
    )
    withdrawn = privacy.withdraw_consent(consent, at=AT + DAY, source="mail from u-ann")
    with store.unit_of_work() as uow:
        uow.requests.save(rectified)
        uow.requests.save(refused)
        uow.consents.save(withdrawn)
        uow.commit()


def _totals(store: Store) -> tuple[object, object]:
    assert isinstance(PLAN, plans.PupilPlan)
    with store.unit_of_work() as uow:
        counts = uow.activity.monthly_counts(PLAN, MONTHS).counts
        invoices = [i.to_dict() for i in uow.ledger.list()]
    return counts, invoices


class TestExport:
    """Every record about the subject, nothing about anyone else."""

    def test_export(self, store: Store) -> None:
        """All sections filled from every store; no other person in the document."""
        _populate(store)
        _ann_request(store)
        doc = privacy.export_subject(store, "u-ann", at=LATER, school_id="school-1")
        text = json.dumps(doc)
        assert doc["schema"] == "subscriptionkit.privacy.export"
        assert doc["version"] == 1
        s = doc["sections"]
        assert [r["record"] for r in s["teams"]] == ["membership"]
        assert s["teams"][0]["email"] == ANN[2]
        assert [e["event_id"] for e in s["activity"]] == ["ev-0", "ev-2", "ev-4"]
        assert [c["certificate_id"] for c in s["certificates"]] == ["cert-0"]
        assert [p["course_id"] for p in s["progress"]] == ["c-1"]
        assert [c["consent_id"] for c in s["consents"]] == ["c-ann"]
        assert [r["request_id"] for r in s["requests"]] == ["r-ann"]
        assert [a["kind"] for a in s["audit"]] == ["member_added", "consent_given"]
        assert s["subscriptions"] == []
        assert s["invoices"] == []
        for other in OTHERS:
            assert other not in text, other

    def test_activity_of_the_named_school_only(self, store: Store) -> None:
        """Pupil ids repeat across schools: the export holds the named school's events of
        the pupil only, and none without a school (as erasure changes none without one)."""
        _populate(store)
        with store.unit_of_work() as uow:
            uow.activity.add(
                [metering.ActivityEvent("ev-b", "school-2", "u-ann", 3, "engagement", LATER)]
            )
            uow.commit()
        one = privacy.export_subject(store, "u-ann", at=LATER, school_id="school-1")
        assert [e["event_id"] for e in one["sections"]["activity"]] == ["ev-0", "ev-2", "ev-4"]
        two = privacy.export_subject(store, "u-ann", at=LATER, school_id="school-2")
        assert [e["event_id"] for e in two["sections"]["activity"]] == ["ev-b"]
        none = privacy.export_subject(store, "u-ann", at=LATER)
        assert none["sections"]["activity"] == []

    def test_invitation_by_address(self, store: Store) -> None:
        """An invitation to another of the subject's addresses, when it is given."""
        _populate(store)
        doc = privacy.export_subject(store, "u-ann", at=LATER, emails=[ANN[3]])
        assert [r["record"] for r in doc["sections"]["teams"]] == ["membership", "invitation"]


class TestErasure:
    """All stores at once; what the law keeps stays exact."""

    def test_nothing_in_clear_and_totals_unchanged(self, store: Store) -> None:
        """The scan finds no name, e-mail or id of Ann; counts and invoices are the same."""
        tokens = _populate(store)
        _ann_documents(store)
        request = _ann_request(store)
        before = _totals(store)
        done = privacy.erase_subject(
            store, "u-ann", at=LATER, school_id="school-1", emails=[ANN[3]], request=request
        )
        assert _totals(store) == before
        dump = "\n".join(_dump(store)).casefold()
        for clear in (*ANN, *ANN_NEW):
            assert clear.casefold() not in dump, clear
        for other in ("u-bob", "bob jansen", "olga owner"):
            assert other in dump, other
        assert done.changed["activity"] == 3
        # the membership removed and the invitation pseudonymised: the records the export
        # listed, not the one team they are on
        assert done.changed["teams"] == 2
        assert set(done.kept) == {"subscriptions", "invoices"}
        assert done.request is not None
        assert done.request.status is privacy.RequestStatus.COMPLETED
        with store.unit_of_work() as uow:
            assert uow.requests.get("r-ann").subject_id == done.pseudonym
            assert uow.pseudonyms.erased("u-ann", school_id="school-1")
            stored = uow.certificates.get("cert-0")
            keys = uow.keys.public_keys()
        # The certificate still verifies; the page has no name for it.
        verified = certificates.verify(tokens["u-ann"], keys, at=LATER)
        assert not verified.is_held_by(stored.holder_id)
        assert stored.holder_name == privacy.ERASED_NAME

    def test_later_events_pseudonymised(self, store: Store) -> None:
        """Events arriving after the erasure for the same pupil get the same pseudonym."""
        _populate(store)
        done = privacy.erase_subject(store, "u-ann", at=LATER, school_id="school-1")
        with store.unit_of_work() as uow:
            uow.activity.add(
                [metering.ActivityEvent("ev-9", "school-1", "u-ann", 3, "engagement", LATER)]
            )
            uow.commit()
        with store.unit_of_work() as uow:
            pupils = {e.event_id: e.pupil_id for e in uow.activity.events()}
        assert pupils["ev-9"] == pupils["ev-0"] == done.pseudonym

    def test_owner_transfers_first(self, store: Store) -> None:
        """A team owner cannot be erased; nothing changes."""
        _populate(store)
        before = _dump(store)
        with pytest.raises(OwnershipTransferRequired, match="owns team"):
            privacy.erase_subject(store, "u-olga", at=LATER)
        assert _dump(store) == before


#: Every write an erasure makes, per port.
_WRITES = {
    "teams": {"update"},
    "progress": {"erase"},
    "activity": {"pseudonymise"},
    "certificates": {"relabel"},
    "audit": {"pseudonymise"},
    "consents": {"pseudonymise", "save"},
    "requests": {"pseudonymise", "save"},
    "pseudonyms": {"record_erasure"},
}


class TestAllOrNothing:
    """A fault at any write of an erasure leaves every store as it was."""

    def test_fault_at_every_write(self, store: Store) -> None:
        """Count the writes of a clean run, then fail at each in turn."""

        def prepare(target: Store) -> privacy.SubjectRequest:
            _populate(target)
            return _ann_request(target)

        def run(target: Store, request: privacy.SubjectRequest) -> object:
            return privacy.erase_subject(
                target, "u-ann", at=LATER, school_id="school-1", emails=[ANN[3]], request=request
            )

        assert fault_at_every_write(store, _WRITES, prepare, run) >= 8

    def test_fault_at_every_write_of_a_purge(self, store: Store) -> None:
        """Retention too: pupils' activity and an invoice past its seven years, all or nothing."""
        register, at = privacy.default_register(), dt.datetime(2029, 1, 1, tzinfo=dt.UTC)

        def prepare(target: Store) -> None:
            _populate(target)
            stopped = attrs.evolve(
                active_subscription("focus-po-1-8", "school-0", at=AT), status=Status.EXPIRED
            )
            old = attrs.evolve(billing.advance(stopped, {1: 4}), issued_on=dt.date(2019, 5, 1))
            with target.unit_of_work() as uow:
                uow.subscriptions.add(stopped)
                uow.ledger.issue(old, series="2019", vat=VatTreatment.standard("21"))
                uow.commit()
            due = privacy.due_for_deletion(register, at=at, store=target)
            assert {r.section for r in due} == {"activity", "invoices"}

        def run(target: Store, _: None) -> object:
            return privacy.purge(target, register, at=at)

        # one write per due record: a pupil's pseudonymisation, the invoice's erasure
        assert fault_at_every_write(store, {**_WRITES, "ledger": {"erase"}}, prepare, run) == 4
