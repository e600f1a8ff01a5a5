"""The audit log contract: every store appends events in the unit of work and reads them back."""

from __future__ import annotations

import datetime as dt

import pytest

from subscriptionkit import errors, plans, subscriptions
from subscriptionkit.audit import AuditEntry
from subscriptionkit.storage import Store

AT = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)
CATALOG = plans.default_catalog()


def _without_sequence(
    entries: object,
) -> list[tuple[str, str, str, str, dt.datetime, dict[str, object]]]:
    assert isinstance(entries, list | tuple)
    return [
        (e.subject_type, e.subject_id, e.customer_id, e.kind, e.at, dict(e.data)) for e in entries
    ]


def _life(store: Store, customer: str, sub_id: str) -> list[AuditEntry]:
    """A trial, its activation and an upgrade, each stored with its events."""
    expected: list[AuditEntry] = []
    with store.unit_of_work() as uow:
        sub, events = subscriptions.start_trial(customer, at=AT, subscription_id=sub_id)
        sub = uow.subscriptions.add(sub, events=events)
        expected += subscriptions.audit_entries(customer, events)
        uow.commit()
    with store.unit_of_work() as uow:
        sub, events = subscriptions.activate(
            sub, CATALOG["focus-po-1-2"], at=AT + dt.timedelta(days=30)
        )
        sub = uow.subscriptions.update(sub, events=events)
        expected += subscriptions.audit_entries(customer, events)
        sub, events = subscriptions.upgrade(
            sub, CATALOG["focus-po-combi"], at=AT + dt.timedelta(days=60)
        )
        uow.subscriptions.update(sub, events=events)
        expected += subscriptions.audit_entries(customer, events)
        uow.commit()
    return expected


class TestAuditLog:
    def test_events_come_back_in_order(self, store: Store) -> None:
        """The events of each step are appended with it and read back in order, per record."""
        expected = _life(store, "school-1", "sub-a")
        with store.unit_of_work() as uow:
            got = uow.audit.for_subject("subscription", "sub-a")
        assert [e.kind for e in got] == ["trial_started", "activated", "upgraded"]
        assert _without_sequence(got) == _without_sequence(expected)
        assert [e.sequence for e in got] == sorted({e.sequence for e in got})
        assert got[1].data["plan_id"] == "focus-po-1-2"
        assert got[1].data["paid_through"] == "2027-02-14T10:00:00+01:00"

    def test_per_customer_across_records(self, store: Store) -> None:
        """for_customer gives every record of one customer, in the order appended, and no other."""
        first = _life(store, "school-1", "sub-a")
        _life(store, "school-2", "sub-b")
        with store.unit_of_work() as uow:
            sub, events = subscriptions.subscribe(
                "school-1", CATALOG["focus-po-3-8"], at=AT, subscription_id="sub-c"
            )
            uow.subscriptions.add(sub, events=events)
            uow.commit()
            mine = uow.audit.for_customer("school-1")
        assert [e.subject_id for e in mine] == ["sub-a"] * len(first) + ["sub-c"]
        assert {e.customer_id for e in mine} == {"school-1"}

    def test_in_the_same_unit_of_work(self, store: Store) -> None:
        """Entries are visible to their unit of work and vanish with a rollback."""
        with store.unit_of_work() as uow:
            sub, events = subscriptions.start_trial("school-3", at=AT, subscription_id="sub-d")
            uow.subscriptions.add(sub, events=events)
            assert len(uow.audit.for_subject("subscription", "sub-d")) == 1
        with store.unit_of_work() as uow:
            assert uow.audit.for_subject("subscription", "sub-d") == []
            assert uow.audit.for_customer("school-3") == []

    def test_a_failed_write_appends_nothing(self, store: Store) -> None:
        """An add that is refused leaves no entry behind."""
        _life(store, "school-4", "sub-e")
        with store.unit_of_work() as uow:
            again, events = subscriptions.start_trial("school-4", at=AT, subscription_id="sub-f")
            with pytest.raises(errors.TrialAlreadyUsed):
                uow.subscriptions.add(again, events=events)
            assert uow.audit.for_subject("subscription", "sub-f") == []

    def test_events_of_another_subscription_are_refused(self, store: Store) -> None:
        """Storing a subscription with another one's events raises InvalidInput."""
        mine, _ = subscriptions.start_trial("school-5", at=AT, subscription_id="sub-g")
        _, theirs = subscriptions.start_trial("school-6", at=AT, subscription_id="sub-h")
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidInput) as info:
            uow.subscriptions.add(mine, events=theirs)
        assert str(info.value) == (
            "the events stored with subscription 'sub-g' must be about it, "
            "got a trial_started event of 'sub-h'"
        )

    def test_other_domains_append_their_own(self, store: Store) -> None:
        """append() takes any entry (a team's, say) and returns it numbered."""
        entry = AuditEntry(
            subject_type="team",
            subject_id="team-1",
            customer_id="school-7",
            kind="member_added",
            at=dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            data={"member_id": "member-9", "seats": 12, "manager": False, "note": None},
        )
        with store.unit_of_work() as uow:
            [numbered] = uow.audit.append([entry])
            uow.commit()
        assert numbered.sequence > 0
        with store.unit_of_work() as uow:
            [got] = uow.audit.for_subject("team", "team-1")
            with pytest.raises(
                errors.InvalidInput,
                match="an entry appended to the audit log must be an AuditEntry, got",
            ):
                uow.audit.append(["member_added"])  # type: ignore[list-item]
        assert got == numbered
        assert got.at == dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
