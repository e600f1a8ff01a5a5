"""Data-subject requests: four weeks to answer, extensions, identity checks, forwarding."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptionkit.clock import instant
from subscriptionkit.errors import (
    ExtensionNotAllowed,
    IdentityAlreadyChecked,
    IdentityNotVerified,
    InvalidInput,
    RequestClosed,
    RequestForwarded,
    StepBeforePrevious,
)
from subscriptionkit.privacy import (
    RequestStatus,
    SubjectRequest,
    complete_request,
    default_register,
    extend_request,
    forward_request,
    overdue,
    receive_request,
    record_identity_check,
    refuse_request,
    request_deadline,
)

AMS = ZoneInfo("Europe/Amsterdam")
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=AMS)


class TestDeadline:
    """The end of the local day 28 days after receipt, in the subject's zone."""

    @pytest.mark.parametrize(
        ("received", "due"),
        [
            # across the end of a month
            (dt.datetime(2026, 1, 31, 12, 0, tzinfo=AMS), "2026-02-28T23:59:59.999999+01:00"),
            # across the spring DST change (March 29th 2026): the due day is in summer time
            (dt.datetime(2026, 3, 10, 9, 0, tzinfo=AMS), "2026-04-07T23:59:59.999999+02:00"),
            # across the autumn change (October 25th 2026)
            (dt.datetime(2026, 10, 20, 9, 0, tzinfo=AMS), "2026-11-17T23:59:59.999999+01:00"),
            # 23:30 UTC is already the next day in Amsterdam
            (dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC), "2026-04-08T23:59:59.999999+02:00"),
            # a leap year
            (dt.datetime(2028, 2, 1, 0, 0, tzinfo=AMS), "2028-02-29T23:59:59.999999+01:00"),
        ],
    )
    def test_examples(self, received: dt.datetime, due: str) -> None:
        """Whole local days, wherever the clocks change."""
        assert request_deadline(received, tz="Europe/Amsterdam").isoformat() == due

    def test_subject_zone(self) -> None:
        """The day ends in the subject's zone."""
        at = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # still March 1st in New York
        assert request_deadline(at, tz="America/New_York").date() == dt.date(2026, 3, 29)

    def test_extension_moves_it_by_months(self) -> None:
        """Two further months clamp at month ends."""
        received = dt.datetime(2026, 1, 3, 12, 0, tzinfo=AMS)  # due Jan 31
        assert request_deadline(received, extension_months=1).date() == dt.date(2026, 2, 28)
        assert request_deadline(received, extension_months=2).date() == dt.date(2026, 3, 31)
        with pytest.raises(InvalidInput, match="from 0 to 2"):
            request_deadline(received, extension_months=3)

    @given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1)))
    def test_property_whole_local_days(self, naive: dt.datetime) -> None:
        """Due is the last microsecond of local day receipt+28, 27 to 29 days later."""
        received = naive.replace(tzinfo=dt.UTC)
        due = request_deadline(received, tz="Europe/Amsterdam")
        local_day = received.astimezone(AMS).date()
        assert due.astimezone(AMS).date() == local_day + dt.timedelta(days=28)
        after = instant(due) + dt.timedelta(microseconds=1)
        assert after.astimezone(AMS).date() == local_day + dt.timedelta(days=29)


class TestSteps:
    """Receive, check identity, extend, complete; overdue lists the late ones."""

    def test_carried_out_only_after_identity_check(self) -> None:
        """The seed asks for an ID copy; the library records that the check happened."""
        r = receive_request("ann", "erasure", at=T0, request_id="r1")
        with pytest.raises(IdentityNotVerified, match="no identity check is recorded"):
            complete_request(r, at=T0)
        r = record_identity_check(r, at=T0 + dt.timedelta(hours=1), by="dpo-1")
        assert r.status is RequestStatus.VERIFIED
        assert r.identity_check is not None
        assert r.identity_check.checked_by == "dpo-1"
        assert set(r.identity_check.to_dict()) == {"checked_at", "checked_by", "method"}
        done = complete_request(r, at=T0 + dt.timedelta(days=2))
        assert done.status is RequestStatus.COMPLETED
        with pytest.raises(RequestClosed):
            complete_request(done, at=T0 + dt.timedelta(days=3))

    def test_pupil_request_is_forwarded_to_the_school(self) -> None:
        """The school is controller: the request is recorded and forwarded, not carried out."""
        r = receive_request("pupil-7", "access", at=T0, controller="school-1")
        r = record_identity_check(r, at=T0, by="dpo")
        with pytest.raises(RequestForwarded, match="controller 'school-1'"):
            complete_request(r, at=T0)
        f = forward_request(r, at=T0 + dt.timedelta(hours=2))
        assert f.status is RequestStatus.FORWARDED
        assert f.note == "school-1"
        assert overdue([f], at=T0 + dt.timedelta(days=60)) == ()

    def test_forward_needs_a_controller(self) -> None:
        """Only requests about a controller's data are forwarded."""
        with pytest.raises(InvalidInput, match="carry it out instead"):
            forward_request(receive_request("ann", "access", at=T0), at=T0)

    def test_extension_rules(self) -> None:
        """At most two further months, with a reason, before the deadline."""
        r = receive_request("ann", "access", at=T0)
        first_due = r.due_at
        with pytest.raises(ExtensionNotAllowed, match="no reason"):
            extend_request(r, months=1, reason=" ", at=T0)
        r1 = extend_request(r, months=1, reason="many requests", at=T0 + dt.timedelta(days=3))
        assert r1.due_at.date() == dt.date(2026, 4, 30)
        assert r1.extensions[0].reason == "many requests"
        with pytest.raises(ExtensionNotAllowed, match="3 months in total"):
            extend_request(r1, months=2, reason="more", at=T0 + dt.timedelta(days=4))
        r2 = extend_request(r1, months=1, reason="complex", at=T0 + dt.timedelta(days=4))
        assert r2.due_at.date() == dt.date(2026, 5, 30)
        late = instant(first_due) + dt.timedelta(seconds=1)
        with pytest.raises(ExtensionNotAllowed, match="has passed"):
            extend_request(r, months=1, reason="late", at=late)

    def test_overdue(self) -> None:
        """Open requests past their deadline, oldest deadline first."""
        a = receive_request("ann", "access", at=T0, request_id="a")
        b = receive_request("bob", "portability", at=T0 + dt.timedelta(days=1), request_id="b")
        c = refuse_request(
            receive_request("cas", "access", at=T0, request_id="c"), at=T0, reason="unfounded"
        )
        on_due = a.due_at
        assert overdue([a, b, c], at=on_due) == ()
        just_after = instant(on_due) + dt.timedelta(microseconds=1)
        assert [r.request_id for r in overdue([b, a, c], at=just_after)] == ["a"]
        far = T0 + dt.timedelta(days=90)
        assert [r.request_id for r in overdue([b, a, c], at=far)] == ["a", "b"]

    def test_restriction_and_objection_name_purposes(self) -> None:
        """And an objection only stops a legitimate interest."""
        with pytest.raises(InvalidInput, match="names the purposes"):
            receive_request("ann", "restriction", at=T0)
        with pytest.raises(
            InvalidInput, match="rests on the subject's consent, so withdraw the consent"
        ):
            receive_request(
                "ann", "objection", at=T0, purposes=["newsletter"], register=default_register()
            )
        with pytest.raises(InvalidInput, match="corrected"):
            receive_request("ann", "rectification", at=T0)

    def test_round_trip(self) -> None:
        """to_dict / from_dict keep everything; due_at is recomputed."""
        r = receive_request("ann", "rectification", at=T0, changes={"name": "Ann B."})
        r = extend_request(record_identity_check(r, at=T0, by="dpo"), months=2, reason="x", at=T0)
        data = r.to_dict()
        assert SubjectRequest.from_dict(data) == r
        assert data["due_at"] == r.due_at.isoformat()

    def test_no_copy_of_the_id(self) -> None:
        """There is no way to hand the library the ID copy."""
        r = receive_request("ann", "access", at=T0)
        with pytest.raises(InvalidInput):
            record_identity_check(r, at=T0, by="dpo", copy=b"...")  # type: ignore[call-arg]


class TestWhatAKindTakes:
    """Purposes and corrections only on the kinds that act on them; ids never blank."""

    def test_purposes_and_corrections_elsewhere_are_refused(self) -> None:
        """An access request with a name or a purpose would record what is never done."""
        with pytest.raises(InvalidInput, match="an access request names no purposes"):
            receive_request("ann", "access", at=T0, purposes=["newsletter"])
        with pytest.raises(InvalidInput, match=r"carries no corrections .* got name 'X'"):
            receive_request("ann", "access", at=T0, changes={"name": "X"})
        with pytest.raises(InvalidInput, match="corrected name or e-mail address, got neither"):
            receive_request("ann", "rectification", at=T0)

    def test_a_blank_id_is_refused_not_replaced(self) -> None:
        """An empty request id raises; it never means "make a new one"."""
        with pytest.raises(InvalidInput, match="request_id is empty"):
            receive_request("ann", "access", at=T0, request_id="")

    def test_objection_to_a_legal_obligation_says_what_can_be_done(self) -> None:
        """The basis in words, and no advice to withdraw a consent that is not there."""
        with pytest.raises(InvalidInput, match="rests on a legal obligation") as caught:
            receive_request("ann", "objection", at=T0, purposes=["invoicing"])
        assert "withdraw" not in str(caught.value)
        assert "restriction request (GDPR Art. 18)" in str(caught.value)


class TestTimeline:
    """Every step comes at or after the request's receipt and the step recorded last
    (trial report: an identity check dated the day before receipt was accepted)."""

    def _received(self) -> SubjectRequest:
        return receive_request("mia-1", "erasure", at=T0, request_id="r-e")

    def test_identity_check_before_receipt_is_refused(self) -> None:
        with pytest.raises(StepBeforePrevious, match=r"before its receipt") as caught:
            record_identity_check(self._received(), at=T0 - dt.timedelta(days=1), by="dpo-1")
        assert caught.value.request_id == "r-e"
        assert "expected a moment at or after 2026-03-02T" in str(caught.value)

    @pytest.mark.parametrize(
        "step",
        [
            lambda r, at: extend_request(r, months=1, reason="complex", at=at),
            lambda r, at: complete_request(r, at=at),
            lambda r, at: refuse_request(r, at=at, reason="unfounded"),
        ],
        ids=["extend", "complete", "refuse"],
    )
    def test_steps_before_the_identity_check_are_refused(self, step: Any) -> None:
        checked = record_identity_check(self._received(), at=T0 + dt.timedelta(days=2), by="dpo")
        with pytest.raises(StepBeforePrevious, match="before its identity check"):
            step(checked, T0 + dt.timedelta(days=1))
        assert step(checked, T0 + dt.timedelta(days=2)).request_id == "r-e"

    def test_complete_two_days_before_receipt_is_refused(self) -> None:
        checked = record_identity_check(self._received(), at=T0, by="dpo")
        with pytest.raises(StepBeforePrevious):
            complete_request(checked, at=T0 - dt.timedelta(days=2))

    def test_forward_before_receipt_is_refused(self) -> None:
        pupil = receive_request("p1", "erasure", at=T0, controller="school-1")
        with pytest.raises(StepBeforePrevious, match="cannot forward"):
            forward_request(pupil, at=T0 - dt.timedelta(minutes=1))

    def test_a_second_identity_check_keeps_the_first(self) -> None:
        first = record_identity_check(self._received(), at=T0, by="dpo-1")
        with pytest.raises(IdentityAlreadyChecked, match="'dpo-1' at 2026-03-02") as caught:
            record_identity_check(first, at=T0 + dt.timedelta(hours=1), by="dpo-2")
        assert caught.value.checked_by == "dpo-1"

    def test_erasure_of_a_request_checked_after_its_receipt(self) -> None:
        """erase_subject carries out a request checked a day after receipt, at a later
        moment, and refuses a moment before the check."""
        from subscriptionkit.privacy import erase_subject
        from subscriptionkit.storage import MemoryStore

        checked = record_identity_check(self._received(), at=T0 + dt.timedelta(days=1), by="dpo")
        with pytest.raises(StepBeforePrevious):
            erase_subject(MemoryStore(), "mia-1", at=T0, request=checked)
        done = erase_subject(MemoryStore(), "mia-1", at=T0 + dt.timedelta(days=2), request=checked)
        assert done.request is not None
        assert done.request.status is RequestStatus.COMPLETED
