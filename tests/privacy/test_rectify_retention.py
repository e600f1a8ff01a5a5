"""Rectification reaches every store; retention erases through the same erasers."""

from __future__ import annotations

import datetime as dt

import pytest

from privacy_helpers import team_and_certificate as _team_and_certificate
from subscriptionkit import metering, privacy
from subscriptionkit.errors import IdentityNotVerified, InvalidInput
from subscriptionkit.storage import Store

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


class TestRectification:
    """A corrected name or e-mail reaches every store that keeps one."""

    def test_name_and_email(self, store: Store) -> None:
        """Membership and certificate; the request completed with it."""
        _team_and_certificate(store)
        request = privacy.receive_request(
            "u-ann", "rectification", at=AT, changes={"name": "Ann de Boer"}, request_id="r1"
        )
        with pytest.raises(IdentityNotVerified):
            privacy.rectify_subject(store, "u-ann", at=AT, name="Ann de Boer", request=request)
        request = privacy.record_identity_check(request, at=AT, by="dpo")
        with store.unit_of_work() as uow:
            uow.requests.save(request)
            uow.commit()
        done = privacy.rectify_subject(
            store,
            "u-ann",
            at=AT + DAY,
            name="Ann de Boer",
            email="ann@boer.example",
            request=request,
        )
        assert done.changed == {"teams": 1, "certificates": 1, "requests": 0}
        assert done.reissued == ()
        with store.unit_of_work() as uow:
            member = uow.teams.get("team-1").member("u-ann")
            assert uow.certificates.get("cert-1").holder_name == "Ann de Boer"
            assert uow.requests.get("r1").status is privacy.RequestStatus.COMPLETED
        assert member is not None
        assert (member.name, member.email) == ("Ann de Boer", "ann@boer.example")

    def test_nothing_to_correct(self, store: Store) -> None:
        """Neither a name nor an e-mail."""
        with pytest.raises(InvalidInput, match="neither"):
            privacy.rectify_subject(store, "u-ann", at=AT)


class TestRetention:
    """due_for_deletion lists what ran out; purge erases it, nothing else."""

    def test_activity_two_years_after_the_last_event(self, store: Store) -> None:
        """Under the default register pupil data is kept 2 years after its last use."""
        with store.unit_of_work() as uow:
            uow.activity.add(
                metering.ActivityEvent(f"e{n}", "s1", pupil, 3, "engagement", AT + n * 30 * DAY)
                for n, pupil in enumerate(["p-old", "p-old", "p-new"])
            )
            uow.commit()
        register = privacy.default_register()
        at = AT + 775 * DAY  # p-old: last event 2026-04-01, kept to 2028-04-01; p-new: 2028-05-01
        due = privacy.due_for_deletion(register, at=at, store=store)
        assert [r.subject_id for r in due] == ["p-old"]
        with store.unit_of_work() as uow:  # the pure form judges the same records alike
            listed = privacy.DEFAULT_HANDLERS[4].retained(uow, register, at)  # type: ignore[misc]
        assert privacy.due_for_deletion(register, listed, at=at) == due
        purged = privacy.purge(store, register, at=at)
        assert [(r.section, r.subject_id) for r in purged] == [("activity", "p-old")]
        with store.unit_of_work() as uow:
            pupils = {e.pupil_id for e in uow.activity.events()}
        assert "p-old" not in pupils
        assert "p-new" in pupils
        assert privacy.purge(store, register, at=at) == ()

    def test_unknown_purpose_is_never_due(self) -> None:
        """Nothing is deleted on a guess."""
        record = privacy.Retained("activity", "p1", "no-such-purpose", AT)
        assert (
            privacy.due_for_deletion(privacy.default_register(), [record], at=AT + 9999 * DAY) == ()
        )


class TestStoredRestriction:
    """A restriction kept in the store stops a purpose until lifted."""

    def test_marketing_stopped_then_resumed(self, store: Store) -> None:
        """may_process over what the store holds."""
        register = privacy.default_register()
        request = privacy.receive_request("u-ann", "restriction", at=AT, purposes=["marketing"])
        request = privacy.complete_request(
            privacy.record_identity_check(request, at=AT, by="dpo"), at=AT
        )
        with store.unit_of_work() as uow:
            uow.requests.save(request)
            uow.commit()
        with store.unit_of_work() as uow:
            held = uow.requests.for_subject("u-ann")
        assert not privacy.may_process(register, "u-ann", "marketing", at=AT + DAY, requests=held)
        lifted = privacy.lift_restriction(held[0], at=AT + 2 * DAY)
        with store.unit_of_work() as uow:
            uow.requests.save(lifted)
            uow.commit()
        with store.unit_of_work() as uow:
            held = uow.requests.for_subject("u-ann")
        assert privacy.may_process(register, "u-ann", "marketing", at=AT + 3 * DAY, requests=held)
