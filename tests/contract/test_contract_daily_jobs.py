"""The daily jobs as store queries: due renewals, due reminders and mark_sent, on every store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum
import pytest

from subscriptionkit import errors, subscriptions
from subscriptionkit.storage import Store
from subscriptionkit.testing import active_subscription, trial_subscription

AMS = "Europe/Amsterdam"
#: Every subscription here starts on 15 January 2026, 10:00 in Amsterdam.
START = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)

StoreFactory = Callable[[], Store]


def _add(store: Store, *subs: subscriptions.Subscription) -> list[subscriptions.Subscription]:
    with store.unit_of_work() as uow:
        stored = [uow.subscriptions.add(s) for s in subs]
        uow.commit()
    return stored


def _day_start(day: dt.date, tz: str = AMS) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, tz=tz)


def _keys(reminders: object) -> list[tuple[str, str, dt.date]]:
    assert isinstance(reminders, list | tuple)
    return [(r.subscription_id, r.kind, r.due_on) for r in reminders]


def _catch_up(store: Store, until: dt.datetime) -> int:
    """The daily job's first step: catch every due subscription up, in batches of 2."""
    done = 0
    while True:
        with store.unit_of_work() as uow:
            due = uow.subscriptions.due_renewals(until=until, limit=2)
            for sub in due:
                new, events = subscriptions.catch_up(sub, at=until)
                uow.subscriptions.update(new, events=events)
            uow.commit()
        done += len(due)
        if not due:
            return done


class TestDueRenewals:
    def test_due_from_paid_through_on(self, store: Store) -> None:
        """A subscription is due exactly from its paid-through moment on (an instant)."""
        [sub] = _add(store, active_subscription(at=START))
        paid = sub.paid_through
        assert paid is not None
        with store.unit_of_work() as uow:
            before = uow.subscriptions.due_renewals(until=paid - dt.timedelta(microseconds=1))
            at_paid = uow.subscriptions.due_renewals(until=paid.in_timezone("Asia/Tokyo"))
        assert before == []
        assert at_paid == [sub]

    def test_every_kind_of_step_is_due_and_expired_ones_are_not(self, store: Store) -> None:
        """Renewals, trial ends and cancellations taking effect are due; expired ones never."""
        active = active_subscription(at=START)
        trial = trial_subscription(at=START, length="P3M")
        cancelled = subscriptions.cancel(
            active_subscription(at=START), at=START + dt.timedelta(days=30)
        ).subscription
        expired = subscriptions.cancel(trial_subscription(at=START), at=START).subscription
        _add(store, active, trial, cancelled, expired)
        with store.unit_of_work() as uow:
            due = uow.subscriptions.due_renewals(until=START + dt.timedelta(days=800))
        # Ordered by paid-through: the trial ends first, then both years end together.
        assert [s.id for s in due] == [trial.id, *sorted([active.id, cancelled.id])]

    def test_catching_up_empties_the_queue(self, store: Store) -> None:
        """After the job catches them up, nothing is due; the events reach the audit log."""
        subs = _add(store, *(active_subscription(at=START) for _ in range(5)))
        until = START + dt.timedelta(days=800)
        assert _catch_up(store, until) == 5
        with store.unit_of_work() as uow:
            assert uow.subscriptions.due_renewals(until=until) == []
            again = uow.subscriptions.get(subs[0].id)
            entries = uow.audit.for_subject("subscription", subs[0].id)
        assert again.periods == 3
        assert [e.kind for e in entries] == ["renewed", "renewed"]

    def test_limit_takes_the_earliest(self, store: Store) -> None:
        """limit=n returns the n earliest due, by paid-through then id."""
        late = active_subscription(at=START + dt.timedelta(days=3))
        early = active_subscription(at=START)
        _add(store, late, early)
        with store.unit_of_work() as uow:
            got = uow.subscriptions.due_renewals(until=START + dt.timedelta(days=400), limit=1)
        assert [s.id for s in got] == [early.id]

    def test_sees_its_own_unit_of_work(self, store: Store) -> None:
        """Staged writes count; rolled-back ones do not."""
        sub = active_subscription(at=START)
        until = START + dt.timedelta(days=400)
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            assert [s.id for s in uow.subscriptions.due_renewals(until=until)] == [sub.id]
        with store.unit_of_work() as uow:
            assert uow.subscriptions.due_renewals(until=until) == []

    def test_bad_arguments(self, store: Store) -> None:
        """A naive moment and a limit below one are refused, saying what was given."""
        with store.unit_of_work() as uow:
            with pytest.raises(errors.NaiveDatetimeError):
                uow.subscriptions.due_renewals(until=dt.datetime(2026, 1, 1))
            with pytest.raises(errors.InvalidInput) as info:
                uow.subscriptions.due_renewals(until=START, limit=0)
        assert str(info.value) == "limit must be a whole number above zero or None, got 0"


class TestDueReminders:
    def test_the_day_itself_matches_the_rules(self, store: Store) -> None:
        """On its day a reminder comes back equal to what the pure rules say."""
        [sub] = _add(store, active_subscription("focus-po-1-2", at=START))
        day = dt.date(2026, 11, 15)
        with store.unit_of_work() as uow:
            assert uow.subscriptions.due_reminders(on=day - dt.timedelta(days=1)) == []
            got = uow.subscriptions.due_reminders(on=day)
        assert got == subscriptions.due_reminders([sub], on=day)
        assert [r.kind for r in got] == ["renewal"]
        assert got[0].renews_at.timezone_name == AMS
        assert got[0].message("en_GB") == subscriptions.due_reminders([sub], on=day)[0].message(
            "en_GB"
        )

    def test_a_skipped_day_loses_nothing_and_mark_sent_is_idempotent(self, store: Store) -> None:
        """Unsent reminders stay due on later days while they are true; marked ones never
        come back."""
        [sub] = _add(store, active_subscription("teams", at=START))
        with store.unit_of_work() as uow:
            late = uow.subscriptions.due_reminders(on=dt.date(2027, 1, 10))
        assert _keys(late) == [
            (sub.id, "renewal", dt.date(2027, 1, 1)),
            (sub.id, "cancellation_deadline", dt.date(2027, 1, 10)),
        ]
        with store.unit_of_work() as uow:
            assert [uow.subscriptions.mark_sent(r, at=START) for r in late] == [True, True]
            assert uow.subscriptions.mark_sent(late[0], at=START) is False
            assert uow.subscriptions.due_reminders(on=dt.date(2027, 1, 10)) == []
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.subscriptions.due_reminders(on=dt.date(2027, 1, 14)) == []
            assert uow.subscriptions.mark_sent(late[1], at=START) is False

    def test_a_reminder_past_its_last_day_to_cancel_is_dropped(self, store: Store) -> None:
        """A job that missed the last day to cancel never sends "today is the last day"
        afterwards, nor "let us know by" a day gone by: on 12 January nothing is due."""
        [sub] = _add(store, active_subscription("teams", at=START))
        with store.unit_of_work() as uow:
            assert _keys(uow.subscriptions.due_reminders(on=dt.date(2027, 1, 9))) == [
                (sub.id, "renewal", dt.date(2027, 1, 1))
            ]
            assert uow.subscriptions.due_reminders(on=dt.date(2027, 1, 11)) == []
            assert uow.subscriptions.due_reminders(on=dt.date(2027, 1, 12)) == []

    def test_a_rolled_back_mark_is_forgotten(self, store: Store) -> None:
        """mark_sent without commit keeps nothing."""
        [sub] = _add(store, active_subscription("teams", at=START))
        day = dt.date(2027, 1, 1)
        with store.unit_of_work() as uow:
            [reminder] = uow.subscriptions.due_reminders(on=day)
            assert uow.subscriptions.mark_sent(reminder, at=START)
        with store.unit_of_work() as uow:
            assert uow.subscriptions.due_reminders(on=day) == [reminder]
        assert reminder.subscription_id == sub.id

    def test_writes_keep_sent_marks_and_follow_the_rules(self, store: Store) -> None:
        """A later write keeps a sent mark; cancelling withdraws what is pending."""
        [sub] = _add(store, active_subscription("teams", at=START))
        with store.unit_of_work() as uow:
            [renewal] = uow.subscriptions.due_reminders(on=dt.date(2027, 1, 1))
            uow.subscriptions.mark_sent(renewal, at=START)
            uow.commit()
        with store.unit_of_work() as uow:
            current = uow.subscriptions.get(sub.id)
            more, events = subscriptions.change_seats(
                current, 12, at=_day_start(dt.date(2027, 1, 2))
            )
            uow.subscriptions.update(more, events=events)
            uow.commit()
        with store.unit_of_work() as uow:
            assert _keys(uow.subscriptions.due_reminders(on=dt.date(2027, 1, 10))) == [
                (sub.id, "cancellation_deadline", dt.date(2027, 1, 10))
            ]
            current = uow.subscriptions.get(sub.id)
            gone, events = subscriptions.cancel(current, at=_day_start(dt.date(2027, 1, 3)))
            uow.subscriptions.update(gone, events=events)
            assert uow.subscriptions.due_reminders(on=dt.date(2027, 1, 10)) == []

    def test_unknown_reminder_and_bad_day(self, store: Store) -> None:
        """mark_sent of a reminder the store never held raises NotFound; on must be a date."""
        sub = active_subscription("teams", at=START)
        [reminder] = subscriptions.due_reminders([sub], on=dt.date(2027, 1, 1))
        with store.unit_of_work() as uow:
            with pytest.raises(errors.NotFound) as info:
                uow.subscriptions.mark_sent(reminder, at=START)
            with pytest.raises(errors.InvalidInput, match="on must be a calendar day"):
                uow.subscriptions.due_reminders(on=START)
        assert info.value.kind == "reminder"
        assert info.value.key == f"{sub.id}/renewal/2027-01-01"

    def test_daily_job_equals_the_pure_rules(self, store: Store) -> None:
        """Run daily over half a year: each day's answer equals subscriptions.due_reminders."""
        starts = [START + dt.timedelta(days=d, hours=h) for d, h in ((0, 0), (3, 15), (40, 7))]
        subs = [
            *(active_subscription("teams", at=s) for s in starts),
            *(active_subscription("focus-po-combi", at=s) for s in starts),
            trial_subscription(at=START, length="P2M"),
        ]
        _add(store, *subs)
        day, sent = dt.date(2026, 10, 1), 0
        while day < dt.date(2027, 4, 1):
            begin = _day_start(day)
            _catch_up(store, begin)
            with store.unit_of_work() as uow:
                everything = list(uow.subscriptions.list())
                due = uow.subscriptions.due_reminders(on=day)
                assert due == sorted(
                    subscriptions.due_reminders(everything, on=day),
                    key=lambda r: (r.due_on, r.subscription_id, r.kind),
                ), day
                sent += sum(uow.subscriptions.mark_sent(r, at=begin) for r in due)
                uow.commit()
            day += dt.timedelta(days=1)
        assert sent == 12  # six renewing subscriptions, two reminders each
