"""The privacy contract: consents, requests, pseudonyms, and the erasure methods of the
other ports (activity, audit, certificates, progress), on every store."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import attrs
import pytest

from subscriptionkit import errors, metering, plans, privacy, teams
from subscriptionkit.audit import AuditEntry
from subscriptionkit.certificates import issue
from subscriptionkit.storage import Store
from subscriptionkit.testing import active_subscription

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _consent(subject: str = "ann", purpose: str = "promotion", cid: str = "c1") -> privacy.Consent:
    return privacy.record_consent(
        subject, purpose, at=AT, source="web", text_version="v1", consent_id=cid
    )


class TestConsents:
    """Saved when given, saved again when withdrawn; read per subject in order."""

    def test_save_withdraw_read(self, store: Store) -> None:
        """A withdrawal replaces the record; has_consent answers from what is read."""
        given = _consent()
        with store.unit_of_work() as uow:
            uow.consents.save(given)
            uow.consents.save(_consent("bob", cid="c2"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.consents.save(privacy.withdraw_consent(given, at=AT + DAY, source="mail"))
            uow.commit()
        with store.unit_of_work() as uow:
            got = uow.consents.for_subject("ann")
            assert uow.consents.get("c1") == got[0]
            assert [c.consent_id for c in uow.consents.list()] == ["c1", "c2"]
        assert got[0].withdrawn_at == AT + DAY
        assert privacy.has_consent(got, "ann", "promotion", at=AT)
        assert not privacy.has_consent(got, "ann", "promotion", at=AT + DAY)

    def test_has_consent_at_any_moment(self, store: Store) -> None:
        """uow.consents.has_consent(subject, purpose, at=...): before it was given no,
        while in force yes, from the withdrawal's own moment on no; staged writes count."""
        given = _consent()
        with store.unit_of_work() as uow:
            uow.consents.save(given)
            uow.consents.save(_consent("bob", "newsletter", cid="c2"))
            assert uow.consents.has_consent("ann", "promotion", at=AT)
            uow.commit()
        with store.unit_of_work() as uow:
            uow.consents.save(privacy.withdraw_consent(given, at=AT + DAY, source="mail"))
            uow.commit()
        with store.unit_of_work() as uow:
            answers = [
                uow.consents.has_consent("ann", "promotion", at=moment)
                for moment in (AT - DAY, AT, AT + DAY - dt.timedelta(microseconds=1), AT + DAY)
            ]
            assert answers == [False, True, True, False]
            assert not uow.consents.has_consent("ann", "newsletter", at=AT)
            assert uow.consents.has_consent("bob", "newsletter", at=AT + 9 * DAY)
            assert not uow.consents.has_consent("nobody", "promotion", at=AT)
            with pytest.raises(errors.NaiveDatetimeError):
                uow.consents.has_consent("ann", "promotion", at=dt.datetime(2026, 3, 2))
            with pytest.raises(errors.InvalidArgument):
                uow.consents.has_consent(None, "promotion", at=AT)  # type: ignore[arg-type]

    def test_rollback_and_not_found(self, store: Store) -> None:
        """Nothing is kept without a commit; an unknown id is NotFound."""
        with store.unit_of_work() as uow:
            uow.consents.save(_consent())
        with store.unit_of_work() as uow:
            assert uow.consents.for_subject("ann") == []
            with pytest.raises(errors.NotFound):
                uow.consents.get("c1")
            with pytest.raises(errors.InvalidInput):
                uow.consents.save("c1")  # type: ignore[arg-type]

    def test_pseudonymise(self, store: Store) -> None:
        """Erasure replaces the subject by its pseudonym."""
        with store.unit_of_work() as uow:
            uow.consents.save(_consent())
            assert uow.consents.pseudonymise("ann", "anon-1") == 1
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.consents.for_subject("ann") == []
            assert uow.consents.get("c1").subject_id == "anon-1"

    def test_an_id_given_again_is_refused(self, store: Store) -> None:
        """Another subject's consent under a taken id is refused, in the same and in a
        later unit of work; the first consent stays (trial report: it was overwritten)."""
        with store.unit_of_work() as uow:
            uow.consents.save(_consent("zed", cid="c-dup"))
            with pytest.raises(errors.AlreadyExists, match="expected a new id"):
                uow.consents.save(_consent("yan", "newsletter", cid="c-dup"))
            uow.commit()
        with store.unit_of_work() as uow:
            with pytest.raises(errors.AlreadyExists, match="'c-dup' exists already"):
                uow.consents.save(_consent("zed", "newsletter", cid="c-dup"))
            assert uow.consents.get("c-dup").subject_id == "zed"


def _zoe_history(store: Store) -> None:
    """Zoe's reported history: consent on 1 May, withdrawn on 1 June (Amsterdam time)."""
    with store.unit_of_work() as uow:
        given = privacy.record_consent(
            "zoe", "newsletter", at=MAY_1, source="s", text_version="v1", consent_id="z1"
        )
        uow.consents.save(given)
        uow.consents.save(privacy.withdraw_consent(given, at=JUNE_1, source="command line"))
        uow.commit()


CEST = dt.timezone(dt.timedelta(hours=2))
MAY_1 = dt.datetime(2026, 5, 1, 10, tzinfo=CEST)
MAY_10 = dt.datetime(2026, 5, 10, 10, tzinfo=CEST)
MAY_15 = dt.datetime(2026, 5, 15, 10, tzinfo=CEST)
JUNE_1 = dt.datetime(2026, 6, 1, 10, tzinfo=CEST)


class TestConsentHistory:
    """Consent history is append-only evidence (GDPR Art. 7(1)) on every store: a
    withdrawal is never changed, and no step is dated before the last one."""

    def test_reported_backdating_is_refused_and_answers_stay(self, store: Store) -> None:
        """The reported steps: a consent on 15 May after the withdrawal of 1 June, then a
        withdrawal on 10 May, are refused; the withdrawal of 1 June stands, and
        has_consent answers for every moment as recorded."""
        _zoe_history(store)
        with store.unit_of_work() as uow:
            history = uow.consents.for_subject("zoe")
        with pytest.raises(errors.ConsentOutOfOrder, match="before the withdrawal at"):
            privacy.record_consent(
                "zoe", "newsletter", at=MAY_15, source="s", text_version="v1", history=history
            )
        with pytest.raises(errors.ConsentOutOfOrder, match="expected a moment at or after"):
            privacy.unsubscribe(history, "zoe", at=MAY_10)
        with store.unit_of_work() as uow:
            stored = uow.consents.get("z1")
            # the store refuses a changed withdrawal whatever the caller does
            with pytest.raises(errors.ConsentAlreadyWithdrawn, match="withdrawn at 2026-06-01"):
                uow.consents.save(attrs.evolve(stored, withdrawn_at=MAY_10))
            uow.consents.save(stored)  # saved again unchanged: allowed
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.consents.get("z1").withdrawn_at == JUNE_1
            moments = [
                MAY_1 - dt.timedelta(microseconds=1),
                MAY_1,
                MAY_10,
                MAY_15,
                JUNE_1 - dt.timedelta(microseconds=1),
                JUNE_1,
                JUNE_1 + 30 * DAY,
            ]
            answers = [uow.consents.has_consent("zoe", "newsletter", at=m) for m in moments]
        assert answers == [False, True, True, True, True, False, False]

    def test_a_later_consent_then_withdrawal_append(self, store: Store) -> None:
        """After the withdrawal, a new consent and its withdrawal are new records; the
        first keeps its withdrawal."""
        _zoe_history(store)
        july = JUNE_1 + 30 * DAY
        with store.unit_of_work() as uow:
            again = privacy.record_consent(
                "zoe", "newsletter", at=july, source="s", text_version="v2",
                consent_id="z2", history=uow.consents.for_subject("zoe"),
            )  # fmt: skip
            uow.consents.save(again)
            for done in privacy.unsubscribe(uow.consents.for_subject("zoe"), "zoe", at=july + DAY):
                uow.consents.save(done)
            uow.commit()
        with store.unit_of_work() as uow:
            got = {c.consent_id: c.withdrawn_at for c in uow.consents.for_subject("zoe")}
            assert got == {"z1": JUNE_1, "z2": july + DAY}
            assert uow.consents.has_consent("zoe", "newsletter", at=july)
            assert not uow.consents.has_consent("zoe", "newsletter", at=july + DAY)


class TestRequests:
    """Requests with their identity check, open ones by deadline."""

    def test_round_trip_and_open(self, store: Store) -> None:
        """Everything read back; open requests by deadline; the check's who and when."""
        late = privacy.receive_request("ann", "access", at=AT + DAY, request_id="r2")
        early = privacy.receive_request("ann", "erasure", at=AT, request_id="r1")
        early = privacy.record_identity_check(early, at=AT, by="dpo-1")
        done = privacy.complete_request(
            privacy.record_identity_check(
                privacy.receive_request("bob", "access", at=AT, request_id="r3"), at=AT, by="dpo"
            ),
            at=AT,
        )
        with store.unit_of_work() as uow:
            for r in (late, early, done):
                uow.requests.save(r)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.requests.get("r1") == early
            assert [r.request_id for r in uow.requests.for_subject("ann")] == ["r1", "r2"]
            assert [r.request_id for r in uow.requests.open_requests()] == ["r1", "r2"]
            assert [r.request_id for r in uow.requests.list()] == ["r1", "r2", "r3"]
            check = uow.requests.get("r1").identity_check
        assert check is not None
        assert check.checked_by == "dpo-1"
        assert privacy.overdue([early, late], at=AT + 40 * DAY) == (early, late)

    def test_pseudonymise(self, store: Store) -> None:
        """Erasure replaces the subject by its pseudonym."""
        with store.unit_of_work() as uow:
            uow.requests.save(privacy.receive_request("ann", "access", at=AT, request_id="r1"))
            assert uow.requests.pseudonymise("ann", "anon-1") == 1
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.requests.get("r1").subject_id == "anon-1"
            with pytest.raises(errors.NotFound):
                uow.requests.get("r9")

    def test_an_id_given_again_is_refused_and_steps_still_save(self, store: Store) -> None:
        """A new request under a verified request's id is refused; the request's own
        next step (received -> verified -> completed) saves over it."""
        received = privacy.receive_request("mia-1", "erasure", at=AT, request_id="r-dup")
        with store.unit_of_work() as uow:
            uow.requests.save(received)
            uow.commit()
        verified = privacy.record_identity_check(received, at=AT + DAY, by="dpo-1")
        with store.unit_of_work() as uow:
            uow.requests.save(verified)
            uow.commit()
        with store.unit_of_work() as uow:
            for other in (
                privacy.receive_request("bob-9", "erasure", at=AT, request_id="r-dup"),
                privacy.receive_request("mia-1", "access", at=AT, request_id="r-dup"),
                privacy.receive_request("mia-1", "erasure", at=AT + DAY, request_id="r-dup"),
            ):
                with pytest.raises(errors.AlreadyExists, match="request with id 'r-dup'"):
                    uow.requests.save(other)
            uow.requests.save(privacy.complete_request(verified, at=AT + 2 * DAY))
            uow.commit()
        with store.unit_of_work() as uow:
            kept = uow.requests.get("r-dup")
        assert kept.subject_id == "mia-1"
        assert kept.status is privacy.RequestStatus.COMPLETED
        assert kept.identity_check == verified.identity_check


class TestMisspeltPurpose:
    """A purpose nobody registered is refused, never answered "no consent"."""

    def test_store_refuses_unknown_purpose(self, store: Store) -> None:
        """uow.consents.has_consent with a typo raises UnknownPurpose, as
        privacy.has_consent does; with a register that lists the purpose it answers."""
        with store.unit_of_work() as uow:
            uow.consents.save(_consent("ann", "newsletter"))
            assert uow.consents.has_consent("ann", "newsletter", at=AT)
            with pytest.raises(errors.UnknownPurpose, match="no purpose 'newsleter'"):
                uow.consents.has_consent("ann", "newsleter", at=AT)
            with pytest.raises(errors.InvalidInput, match="rests on contract"):
                uow.consents.has_consent("ann", "account", at=AT)
            custom = attrs.evolve(
                privacy.default_register(),
                purposes=(
                    *privacy.default_register().purposes,
                    attrs.evolve(privacy.default_register().purpose("promotion"), id="webinar"),
                ),
            )
            assert not uow.consents.has_consent("ann", "webinar", at=AT, register=custom)


class TestErasureClosesRequests:
    """An erasure closes the subject's other open requests in its unit of work, and
    stops while the subject waits for a copy of its data."""

    def _save(self, store: Store, *requests: privacy.SubjectRequest) -> None:
        with store.unit_of_work() as uow:
            for r in requests:
                uow.requests.save(r)
            uow.commit()

    def test_open_requests_closed_and_not_overdue(self, store: Store) -> None:
        """A rectification and a restriction left open are completed by the erasure,
        with a note, reported on the Erasure, and no longer overdue; another subject's
        request stays open."""
        erasure = privacy.record_identity_check(
            privacy.receive_request("ann", "erasure", at=AT, request_id="r-erase"),
            at=AT,
            by="dpo",
        )
        fix = privacy.receive_request(
            "ann", "rectification", at=AT, request_id="r-fix", changes={"name": "Ann Smith"}
        )
        stop = privacy.receive_request(
            "ann", "restriction", at=AT, request_id="r-stop", purposes=["marketing"]
        )
        other = privacy.receive_request("bob", "access", at=AT, request_id="r-bob")
        self._save(store, erasure, fix, stop, other)
        done = privacy.erase_subject(store, "ann", at=AT + DAY, request=erasure)
        assert [r.request_id for r in done.closed] == ["r-fix", "r-stop"]
        assert {r.subject_id for r in done.closed} == {done.pseudonym}
        with store.unit_of_work() as uow:
            stored = {r.request_id: r for r in uow.requests.list()}
            still_open = [r.request_id for r in uow.requests.open_requests()]
        assert still_open == ["r-bob"]
        for rid in ("r-fix", "r-stop"):
            closed = stored[rid]
            assert closed.status is privacy.RequestStatus.COMPLETED
            assert closed.closed_at == AT + DAY
            assert (
                closed.note == "closed by the erasure of its subject at 2026-03-03T09:00:00+00:00"
            )
            assert "Ann Smith" not in str(closed.to_dict())
        assert stored["r-erase"].status is privacy.RequestStatus.COMPLETED
        assert privacy.overdue(stored.values(), at=AT + 90 * DAY) == (stored["r-bob"],)

    def test_backdated_erasure_cannot_close_a_later_request(self, store: Store) -> None:
        """An erasure dated before an open request's receipt would close it before it
        arrived: StepBeforePrevious, nothing changed."""
        fix = privacy.receive_request(
            "ann", "rectification", at=AT + DAY, request_id="r-fix", changes={"name": "Ann S"}
        )
        self._save(store, fix)
        with pytest.raises(errors.StepBeforePrevious, match="r-fix") as caught:
            privacy.erase_subject(store, "ann", at=AT)
        assert caught.value.earliest == AT + DAY
        with store.unit_of_work() as uow:
            assert uow.requests.get("r-fix") == fix
            assert not uow.pseudonyms.erased("ann")

    def test_open_access_request_stops_the_erasure(self, store: Store) -> None:
        """An unanswered access request: AccessNotAnswered, nothing changed; once it is
        answered the erasure goes ahead and nothing of the subject is overdue."""
        access = privacy.record_identity_check(
            privacy.receive_request("ann", "access", at=AT, request_id="r-access"),
            at=AT,
            by="dpo",
        )
        self._save(
            store, access, privacy.receive_request("ann", "portability", at=AT, request_id="r-port")
        )
        with pytest.raises(errors.AccessNotAnswered, match="'r-access', 'r-port'") as caught:
            privacy.erase_subject(store, "ann", at=AT + DAY)
        assert caught.value.request_ids == ("r-access", "r-port")
        with store.unit_of_work() as uow:
            assert [r.subject_id for r in uow.requests.list()] == ["ann", "ann"]
            assert not uow.pseudonyms.erased("ann")
        with store.unit_of_work() as uow:
            uow.requests.save(privacy.complete_request(access, at=AT + DAY))
            uow.requests.save(
                privacy.refuse_request(
                    uow.requests.get("r-port"), at=AT + DAY, reason="identity not confirmed"
                )
            )
            uow.commit()
        done = privacy.erase_subject(store, "ann", at=AT + 2 * DAY)
        assert done.closed == ()
        with store.unit_of_work() as uow:
            assert privacy.overdue(uow.requests.open_requests(), at=AT + 90 * DAY) == ()


class TestPseudonyms:
    """One key per store: the same subject gets the same pseudonym in every unit of work."""

    def test_deterministic_and_keyed(self, store: Store) -> None:
        """Stable across units of work; different subjects differ; no id in clear."""
        with store.unit_of_work() as uow:
            first = uow.pseudonyms.pseudonym("ann")
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.pseudonyms.pseudonym("ann") == first
            assert uow.pseudonyms.pseudonym("bob") != first
        assert first.startswith("anon-")
        assert "ann" not in first

    def test_erasure_recorded(self, store: Store) -> None:
        """An erasure is kept at commit only."""
        with store.unit_of_work() as uow:
            uow.pseudonyms.record_erasure("ann", at=AT)
            assert uow.pseudonyms.erased("ann")
        with store.unit_of_work() as uow:
            assert not uow.pseudonyms.erased("ann")
            pseudonym = uow.pseudonyms.record_erasure("ann", at=AT)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.pseudonyms.erased("ann")
            assert not uow.pseudonyms.erased("bob")
            assert uow.pseudonyms.pseudonym("ann") == pseudonym


def _event(n: int, pupil: str) -> metering.ActivityEvent:
    return metering.ActivityEvent(f"e{n}", "school-1", pupil, 3, "engagement", AT + n * DAY)


class TestErasureMethods:
    """The erasure methods of the other ports."""

    def test_activity_pseudonymise_keeps_counts(self, store: Store) -> None:
        """Counts are the same; events arriving later for the erased pupil are pseudonymised."""
        plan = plans.default_catalog()["focus-po-1-8"]
        assert isinstance(plan, plans.PupilPlan)
        months = metering.month_range(metering.Month(2026, 3), metering.Month(2026, 5))
        with store.unit_of_work() as uow:
            uow.activity.add([_event(1, "p1"), _event(2, "p2"), _event(3, "p1")])
            uow.commit()
        with store.unit_of_work() as uow:
            before = uow.activity.monthly_counts(plan, months)
            pseudonym = uow.pseudonyms.record_erasure("p1", at=AT, school_id="school-1")
            assert uow.activity.pseudonymise("school-1", "p1", pseudonym) == 2
            assert uow.activity.monthly_counts(plan, months).counts == before.counts
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.activity.monthly_counts(plan, months).counts == before.counts
            assert uow.activity.add([_event(40, "p1"), _event(41, "p3")]) == 2
            uow.commit()
        with store.unit_of_work() as uow:
            pupils = {e.event_id: e.pupil_id for e in uow.activity.events()}
        assert pupils == {
            "e1": pseudonym, "e2": "p2", "e3": pseudonym, "e40": pseudonym, "e41": "p3",
        }  # fmt: skip

    def test_audit_pseudonymise(self, store: Store) -> None:
        """Customer, subject and data values; order and sequence stay."""
        entries = [
            AuditEntry("member", "ann", "acme", "member_added", AT, {"by": "bob"}),
            AuditEntry("team", "t1", "acme", "member_removed", AT, {"account_id": "ann"}),
            AuditEntry("team", "t1", "ann", "seats_changed", AT, {"seats": 5}),
        ]
        with store.unit_of_work() as uow:
            uow.audit.append(entries)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.audit.pseudonymise("ann", "anon-1") == 3
            uow.commit()
        with store.unit_of_work() as uow:
            team = uow.audit.for_subject("team", "t1")
            assert uow.audit.for_subject("member", "anon-1")[0].data["by"] == "bob"
            assert uow.audit.for_customer("ann") == []
        assert [dict(e.data) for e in team] == [{"account_id": "anon-1"}, {"seats": 5}]
        assert team[1].customer_id == "anon-1"

    def test_certificate_relabel(self, store: Store) -> None:
        """Holder id and name change; nothing else."""
        cert = issue(
            holder_id="ann", holder_name="Ann de Vries", course_id="c1", course_title="Feedback",
            completed_on=AT.date(), issued_at=AT, issuer="Soofos", certificate_id="cert-1",
        )  # fmt: skip
        with store.unit_of_work() as uow:
            uow.certificates.add(cert)
            uow.commit()
        with store.unit_of_work() as uow:
            uow.certificates.relabel("cert-1", holder_id="anon-1", holder_name="erased")
            uow.commit()
        with store.unit_of_work() as uow:
            got = uow.certificates.get("cert-1")
            assert uow.certificates.for_holder("ann") == []
            with pytest.raises(errors.NotFound):
                uow.certificates.relabel("nope", holder_id="x", holder_name="y")
        assert (got.holder_id, got.holder_name, got.course_title) == (
            "anon-1",
            "erased",
            "Feedback",
        )

    def test_progress_erase(self, store: Store) -> None:
        """Every row of the account goes; others stay."""
        with store.unit_of_work() as uow:
            for account in ("ann", "bob"):
                p = teams.enrol(account, "c1", at=AT)
                uow.progress.save(teams.record_progress(p, Decimal(50), at=AT))
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.progress.erase("ann") == 1
            uow.commit()
        with store.unit_of_work() as uow:
            assert [p.account_id for p in uow.progress.for_accounts(["ann", "bob"])] == ["bob"]


class TestLaterCsv:
    """Events of an erased pupil that arrive in a CSV file are stored under its pseudonym
    too (PostgreSQL's columnar path bypasses add(): it catches up after the copy)."""

    def test_csv_after_erasure(self, store: Store) -> None:
        """The erased pupil's rows are pseudonymised; the others stay as they are."""
        text = (
            "event_id,school_id,pupil_id,grade,category,processed_at\n"
            "e1,s1,p1,3,engagement,2026-03-02T10:00:00+01:00\n"
            "e2,s1,p2,4,engagement,2026-03-02T11:00:00+01:00\n"
        )
        with store.unit_of_work() as uow:
            pseudonym = uow.pseudonyms.record_erasure("p1", at=AT, school_id="s1")
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.activity.add_csv(io.BytesIO(text.encode())) == 2
            uow.commit()
        with store.unit_of_work() as uow:
            pupils = {e.event_id: e.pupil_id for e in uow.activity.events()}
        assert pupils == {"e1": pseudonym, "e2": "p2"}


class TestErasureScopedToSchool:
    """Pupil ids are unique only within a school (each school is the controller for its
    pupils, seed 002): erasing pupil ``p1`` of one school leaves ``p1`` of another as it is."""

    CSV = (
        "event_id,school_id,pupil_id,grade,category,processed_at\n"
        "c1,s-a,p1,3,engagement,2026-04-02T10:00:00+02:00\n"
        "c2,s-b,p1,4,engagement,2026-04-02T11:00:00+02:00\n"
    )

    def test_other_school_untouched(self, store: Store) -> None:
        """A's p1 is pseudonymised (also later, by add and by CSV); B's p1 never is."""
        plan = plans.default_catalog()["focus-po-1-8"]
        assert isinstance(plan, plans.PupilPlan)
        months = metering.month_range(metering.Month(2026, 3), metering.Month(2026, 5))

        def event(n: int, school: str, pupil: str) -> metering.ActivityEvent:
            return metering.ActivityEvent(f"e{n}", school, pupil, 3, "engagement", AT + n * DAY)

        def counts() -> dict[str, object]:
            with store.unit_of_work() as uow:
                return {
                    s: uow.activity.monthly_counts(plan, months, school_id=s).counts
                    for s in ("s-a", "s-b")
                }

        with store.unit_of_work() as uow:
            uow.activity.add(
                [event(1, "s-a", "p1"), event(2, "s-a", "p2"), event(3, "s-b", "p1"),
                 event(4, "s-b", "p1"), event(5, "s-a", "p1")]
            )  # fmt: skip
            uow.commit()
        before = counts()
        done = privacy.erase_subject(store, "p1", at=AT, school_id="s-a")
        assert done.changed["activity"] == 2
        assert counts() == before
        with store.unit_of_work() as uow:
            assert uow.pseudonyms.erased("p1", school_id="s-a")
            assert not uow.pseudonyms.erased("p1", school_id="s-b")
            assert not uow.pseudonyms.erased("p1")
            assert done.pseudonym != uow.pseudonyms.pseudonym("p1", school_id="s-b")
            assert done.pseudonym != uow.pseudonyms.pseudonym("p1")
            assert uow.activity.add([event(40, "s-a", "p1"), event(41, "s-b", "p1")]) == 2
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.activity.add_csv(io.BytesIO(self.CSV.encode())) == 2
            uow.commit()
        with store.unit_of_work() as uow:
            pupils = {e.event_id: (e.school_id, e.pupil_id) for e in uow.activity.events()}
        a, b = ("s-a", done.pseudonym), ("s-b", "p1")
        assert pupils == {
            "e1": a, "e2": ("s-a", "p2"), "e3": b, "e4": b, "e5": a,
            "e40": a, "e41": b, "c1": a, "c2": b,
        }  # fmt: skip


class TestPupilReads:
    """A pupil's events (with its school) and the schools of a pupil id, for export and
    erasure: other schools' pupils with the same id, and erased pupils, are not among them."""

    def _events(self) -> list[metering.ActivityEvent]:
        def event(n: int, school: str, pupil: str, at: dt.datetime) -> metering.ActivityEvent:
            return metering.ActivityEvent(f"e{n}", school, pupil, 3, "engagement", at)

        later = AT + DAY
        return [
            event(1, "s-b", "p1", later),
            event(2, "s-b", "p1", AT.astimezone(dt.timezone(dt.timedelta(hours=5)))),
            event(3, "s-b", "p2", AT),
            event(4, "s-a", "p1", later + dt.timedelta(microseconds=1)),
            event(5, "s-c", "p2", AT),
            event(6, "s-b", "p1", AT + dt.timedelta(microseconds=1)),
        ]

    def test_pupil_events_oldest_first(self, store: Store) -> None:
        """Only the pair's events, oldest first as instants (to the microsecond)."""
        with store.unit_of_work() as uow:
            uow.activity.add(self._events())
            assert [e.event_id for e in uow.activity.pupil_events("s-b", "p1")] == [
                "e2", "e6", "e1",
            ]  # fmt: skip
            uow.commit()
        with store.unit_of_work() as uow:
            assert [e.event_id for e in uow.activity.pupil_events("s-b", "p1")] == [
                "e2", "e6", "e1",
            ]  # fmt: skip
            assert [e.event_id for e in uow.activity.pupil_events("s-a", "p1")] == ["e4"]
            assert uow.activity.pupil_events("s-c", "p1") == []
            assert uow.activity.pupil_events("s-a", "p9") == []

    def test_schools_of_pupil(self, store: Store) -> None:
        """Sorted, each once; staged events count; an erased pupil's school drops out,
        also when events arrive later under its id."""
        with store.unit_of_work() as uow:
            uow.activity.add(self._events())
            assert uow.activity.schools_of_pupil("p1") == ("s-a", "s-b")
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.activity.schools_of_pupil("p2") == ("s-b", "s-c")
            assert uow.activity.schools_of_pupil("p9") == ()
            pseudonym = uow.pseudonyms.record_erasure("p1", at=AT, school_id="s-b")
            uow.activity.pseudonymise("s-b", "p1", pseudonym)
            assert uow.activity.schools_of_pupil("p1") == ("s-a",)
            uow.commit()
        with store.unit_of_work() as uow:
            uow.activity.add([metering.ActivityEvent("e9", "s-b", "p1", 3, "login", AT)])
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.activity.schools_of_pupil("p1") == ("s-a",)
            assert uow.activity.schools_of_pupil(pseudonym) == ("s-b",)
            assert uow.activity.pupil_events("s-b", "p1") == []


class TestTeamsInvolving:
    """The teams holding something about a person, found without reading the others."""

    def test_member_invitation_link_and_address(self, store: Store) -> None:
        """Member, invitation maker or user, link maker, or an address (without case)."""
        keys = teams.TokenKeys.generate()
        sub = active_subscription("teams", "acme", seats=5, at=AT)

        def team(team_id: str, owner: str = "olga") -> teams.Team:
            made: teams.Team
            made, _ = teams.create_team(
                sub, name=team_id, owner_id=owner, owner_name=owner.title(),
                owner_email=f"{owner}@example.org", at=AT, team_id=team_id,
            )  # fmt: skip
            return made

        member, _ = teams.add_member(
            team("t1"), by="olga", account_id="ann", name="Ann", email="ann@example.org", at=AT
        )
        invited = teams.invite(team("t2"), by="olga", email="x@example.org", keys=keys, at=AT)
        maker = attrs.evolve(
            invited.team,
            invitations=[attrs.evolve(i, used_by="ann") for i in invited.team.invitations],
        )
        addressed = teams.invite(
            team("t3"), by="olga", email="ANN.Private@Example.org", keys=keys, at=AT
        ).team
        linked = teams.create_link(team("t4"), by="olga", keys=keys, at=AT).team
        linked = attrs.evolve(
            linked, links=[attrs.evolve(ln, created_by="ann") for ln in linked.links]
        )
        with store.unit_of_work() as uow:
            for t in (linked, member, team("t5"), addressed, maker):
                uow.teams.add(t)
            uow.commit()
        with store.unit_of_work() as uow:
            found = uow.teams.involving("ann", ["ann.private@example.org"])
            assert [t.id for t in found] == ["t1", "t2", "t3", "t4"]
            assert found[0] == uow.teams.get("t1")
            assert [t.id for t in uow.teams.involving("ann")] == ["t1", "t2", "t4"]
            assert [t.id for t in uow.teams.involving("olga")] == ["t1", "t2", "t3", "t4", "t5"]
            assert uow.teams.involving("zed", ["nobody@example.org"]) == []
