"""Audit entries: what they accept, and how subscription events become entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from subscriptionkit import errors, plans, subscriptions
from subscriptionkit.audit import AuditEntry

AT = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)


def _entry(**changes: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "subject_type": "subscription",
        "subject_id": "sub-1",
        "customer_id": "school-1",
        "kind": "renewed",
        "at": AT,
        "data": {"plan_id": "focus-po-1-2"},
    }
    values.update(changes)
    return AuditEntry(**values)


class TestAuditEntry:
    def test_equal_as_instants(self) -> None:
        """Two entries at one instant written in different zones are equal."""
        other = AT.astimezone(dt.timezone(dt.timedelta(hours=-5)))
        assert _entry() == _entry(at=other)
        assert _entry() != _entry(at=AT + dt.timedelta(microseconds=1))

    def test_data_is_read_only(self) -> None:
        """The data mapping cannot be changed after the fact."""
        entry = _entry()
        with pytest.raises(TypeError):
            entry.data["plan_id"] = "x"  # type: ignore[index]

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            (
                {"kind": "Renewed"},
                "an audit entry's kind must be a lower-case snake_case name of at most 60 "
                "characters such as 'subscription' or 'seats_changed', got 'Renewed'",
            ),
            (
                {"customer_id": ""},
                "an audit entry's customer_id must be a non-empty id of at most 200 characters, "
                "got ''",
            ),
            (
                {"data": {"amount": 1.5}},
                "an audit entry's data['amount'] must be text, a whole number, a boolean or "
                "None, got float: 1.5",
            ),
            (
                {"data": {"member": {"name": "Zoë"}}},
                "an audit entry's data['member'] must be text, a whole number, a boolean or "
                "None, got dict: {'name': 'Zoë'}",
            ),
        ],
    )
    def test_refused_values(self, changes: dict[str, Any], message: str) -> None:
        """Names, ids and data are checked, and the message says what was given."""
        with pytest.raises(errors.InvalidInput) as info:
            _entry(**changes)
        assert str(info.value) == message

    def test_naive_moment(self) -> None:
        """A naive moment is refused."""
        with pytest.raises(errors.NaiveDatetimeError):
            _entry(at=dt.datetime(2026, 1, 1))


class TestSubscriptionEntries:
    def test_every_field_but_the_ids_goes_to_data(self) -> None:
        """A renewal's entry: moment = start of the new period; the rest as ISO text or ids."""
        sub, _ = subscriptions.subscribe(
            "school-1", plans.default_catalog()["focus-po-1-2"], at=AT, subscription_id="s-1"
        )
        paid = sub.paid_through
        assert paid is not None
        _, events = subscriptions.catch_up(sub, at=paid)
        [entry] = subscriptions.audit_entries("school-1", events)
        assert (entry.subject_type, entry.subject_id, entry.kind) == (
            "subscription",
            "s-1",
            "renewed",
        )
        assert entry.at == paid
        assert dict(entry.data) == {
            "plan_id": "focus-po-1-2",
            "period_start": "2027-01-15T10:00:00+01:00",
            "paid_through": "2028-01-15T10:00:00+01:00",
        }

    def test_trial_started_keeps_the_customer_out_of_data(self) -> None:
        """The customer id is the entry's own field, not repeated in data."""
        _, events = subscriptions.start_trial("school-2", at=AT, length="P1M")
        [entry] = subscriptions.audit_entries("school-2", events)
        assert entry.kind == "trial_started"
        assert entry.customer_id == "school-2"
        assert set(entry.data) == {"ends_at"}

    def test_not_an_event(self) -> None:
        """Anything but a subscription event is refused."""
        with pytest.raises(
            errors.InvalidInput, match="audit entries are made of subscription events"
        ):
            subscriptions.audit_entries("school-1", ["renewed"])  # type: ignore[list-item]


class TestPendingReminders:
    def test_only_active_renewing_subscriptions(self) -> None:
        """A trial and a cancelled subscription hold no reminders; an active one holds two."""
        catalog = plans.default_catalog()
        sub, _ = subscriptions.subscribe("s", catalog["focus-po-1-2"], at=AT)
        trial, _ = subscriptions.start_trial("t", at=AT)
        cancelled, _ = subscriptions.cancel(sub, at=AT)
        assert subscriptions.pending_reminders(trial) == ()
        assert subscriptions.pending_reminders(cancelled) == ()
        kinds = [(r.kind, r.due_on) for r in subscriptions.pending_reminders(sub)]
        assert kinds == [
            ("renewal", dt.date(2026, 11, 15)),
            ("cancellation_deadline", dt.date(2026, 12, 15)),
        ]
