"""Cases from the field (issue 10): whole-day deadlines and history answers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest

from subscriptionkit import plans, subscriptions
from subscriptionkit.errors import CancellationTooLate
from subscriptionkit.money import eur
from subscriptionkit.subscriptions import Course, Status, Subscription

AMS = ZoneInfo("Europe/Amsterdam")
TEAMS = plans.teams_plan(eur("100.00"))
CATALOG = plans.default_catalog()
PO_1_2 = CATALOG["focus-po-1-2"]
PAID = Course("course-1")


def _teams_from_midnight() -> Subscription:
    start = dt.datetime(2026, 1, 10, 0, 0, tzinfo=AMS)
    return subscriptions.subscribe(
        "team-1", TEAMS, at=start, seats=10, tz="Europe/Amsterdam"
    ).subscription


class TestWholeDayDeadline:
    """Teams started 2026-01-10 00:00 Amsterdam: the payment is 2027-01-10 00:00."""

    def test_the_last_day_is_5_january(self) -> None:
        """The last day to cancel is 5 January 2027, the whole day."""
        sub = _teams_from_midnight()
        assert subscriptions.last_day_to_cancel(sub) == dt.date(2027, 1, 5)
        deadline = subscriptions.cancellation_deadline(sub)
        assert deadline is not None
        assert deadline.isoformat() == "2027-01-05T23:59:59.999999+01:00"

    def test_cancelling_at_08_00_on_5_january_works(self) -> None:
        """08:00 on the last day is on time (it used to raise CancellationTooLate)."""
        sub = _teams_from_midnight()
        new, _ = subscriptions.cancel(sub, at=dt.datetime(2027, 1, 5, 8, 0, tzinfo=AMS))
        assert new.status is Status.CANCELLED
        late = subscriptions.cancel
        new, _ = late(sub, at=dt.datetime(2027, 1, 5, 23, 59, 59, tzinfo=AMS))
        assert new.status is Status.CANCELLED
        with pytest.raises(CancellationTooLate) as info:
            late(sub, at=dt.datetime(2027, 1, 6, 0, 0, tzinfo=AMS))
        assert info.value.deadline.isoformat() == "2027-01-05T23:59:59.999999+01:00"

    def test_the_reminder_comes_on_a_day_when_cancelling_works(self) -> None:
        """The last-day reminder is due on 5 January, and cancelling works all that day."""
        sub = _teams_from_midnight()
        [reminder] = subscriptions.due_reminders([sub], on=dt.date(2027, 1, 5))
        assert reminder.kind == "cancellation_deadline"
        assert reminder.last_day_to_cancel == dt.date(2027, 1, 5)
        assert "5 January 2027" in reminder.message("en_GB").body
        assert "until the end of the day" in reminder.message("en_GB").body
        assert subscriptions.due_reminders([sub], on=dt.date(2027, 1, 6)) == []
        at_send = pendulum.datetime(2027, 1, 5, 18, 0, tz="Europe/Amsterdam")
        assert subscriptions.cancel(sub, at=at_send).subscription.status is Status.CANCELLED

    @pytest.mark.parametrize("hour", [0, 9, 23])
    def test_whatever_time_the_subscription_started(self, hour: int) -> None:
        """Focus PO's month of notice: the whole of 15 December, whatever the start hour."""
        start = dt.datetime(2026, 1, 15, hour, 30, tzinfo=AMS)
        sub = subscriptions.subscribe("school-1", PO_1_2, at=start).subscription
        assert subscriptions.last_day_to_cancel(sub) == dt.date(2026, 12, 15)
        end_of_day = dt.datetime(2026, 12, 15, 23, 59, 59, 999999, tzinfo=AMS)
        assert subscriptions.cancel(sub, at=end_of_day).subscription.status is Status.CANCELLED
        downgrade = subscriptions.schedule_downgrade
        combi = subscriptions.subscribe("s", CATALOG["focus-po-combi"], at=start).subscription
        assert downgrade(combi, PO_1_2, at=end_of_day).subscription.pending_plan == PO_1_2
        with pytest.raises(CancellationTooLate):
            downgrade(combi, PO_1_2, at=end_of_day + dt.timedelta(microseconds=1))


class TestHistoryAnswers:
    def test_an_expired_subscription_had_access_while_active(self) -> None:
        """'Did this school have access on 3 March?': yes, though it has expired since."""
        start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=AMS)
        sub = subscriptions.subscribe("school-1", PO_1_2, at=start).subscription
        cancelled = subscriptions.cancel(sub, at=start).subscription
        expired = subscriptions.catch_up(
            cancelled, at=dt.datetime(2028, 1, 1, tzinfo=AMS)
        ).subscription
        assert expired.status is Status.EXPIRED
        has = subscriptions.has_access
        assert has(expired, PAID, at=dt.datetime(2026, 3, 3, 12, 0, tzinfo=AMS))
        assert has(expired, PAID, at=start)
        assert not has(expired, PAID, at=start - dt.timedelta(microseconds=1))
        assert has(expired, PAID, at=dt.datetime(2027, 1, 15, 8, 59, tzinfo=AMS))
        assert not has(expired, PAID, at=dt.datetime(2027, 1, 15, 9, 0, tzinfo=AMS))

    def test_a_trial_that_ran_out_answers_for_the_trial(self) -> None:
        """An expired trial had access during the trial, and none after it."""
        start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=AMS)
        trial = subscriptions.start_trial("school-1", at=start, length="P3M").subscription
        expired = subscriptions.catch_up(trial, at=dt.datetime(2026, 6, 1, tzinfo=AMS)).subscription
        assert expired.status is Status.EXPIRED
        assert subscriptions.has_access(expired, PAID, at=dt.datetime(2026, 2, 1, tzinfo=AMS))
        assert not subscriptions.has_access(expired, PAID, at=dt.datetime(2026, 5, 1, tzinfo=AMS))

    def test_a_trial_then_a_paid_year_then_expired(self) -> None:
        """Trial, a gap, a paid year, expiry: each moment gets the answer of its time."""
        start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=AMS)
        trial = subscriptions.start_trial("school-1", at=start, length="P1M").subscription
        paid_at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=AMS)
        sub = subscriptions.activate(trial, PO_1_2, at=paid_at).subscription
        sub = subscriptions.cancel(sub, at=paid_at).subscription
        sub = subscriptions.catch_up(sub, at=dt.datetime(2030, 1, 1, tzinfo=AMS)).subscription
        has = subscriptions.has_access
        assert has(sub, PAID, at=dt.datetime(2026, 2, 1, tzinfo=AMS))  # trial
        assert not has(sub, PAID, at=dt.datetime(2026, 2, 20, tzinfo=AMS))  # the gap
        assert has(sub, PAID, at=dt.datetime(2026, 12, 1, tzinfo=AMS))  # paid
        assert not has(sub, PAID, at=dt.datetime(2027, 3, 2, tzinfo=AMS))  # expired


class TestRemindersWithLongLeads:
    @pytest.mark.parametrize("lead", ["P1M", "P2M", "P3M"])
    def test_a_monthly_plan_reminded_a_term_or_more_ahead_misses_none(self, lead: str) -> None:
        """Monthly terms with a lead of one, two or three months: one reminder per renewal."""
        terms = plans.Terms(term="P1M", cancellation_notice="P1D", reminder_lead=lead)
        plan = attrs.evolve(PO_1_2, terms=terms)
        start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=AMS)
        sub = subscriptions.subscribe("school-1", plan, at=start).subscription
        renewals = []
        day = dt.date(2026, 1, 15)
        while day < dt.date(2026, 12, 31):
            for reminder in subscriptions.due_reminders([sub], on=day):
                if reminder.kind == "renewal":
                    renewals.append((day, reminder.renews_at.date()))
            day += dt.timedelta(days=1)
        # Every renewal whose reminder day falls in 2026 (after the start) is reminded once,
        # on the day the lead names (clamped to the last day to cancel).
        expected = []
        for n in range(1, 20):
            renewal = terms.renewal_date(start, n, tz="Europe/Amsterdam")
            reminder_day = terms.reminder_day(renewal, tz="Europe/Amsterdam")
            if dt.date(2026, 1, 15) <= reminder_day < dt.date(2026, 12, 31):
                expected.append((reminder_day, renewal.date()))
        assert renewals == expected
        assert len(renewals) >= 9


class TestNonRenewingPlans:
    def test_cancelling_never_says_renews(self) -> None:
        """A plan that does not renew has no deadline; cancelling late just confirms its end."""
        plan = attrs.evolve(PO_1_2, terms=attrs.evolve(PO_1_2.terms, auto_renew=False))
        start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=AMS)
        sub = subscriptions.subscribe("school-1", plan, at=start).subscription
        assert subscriptions.cancellation_deadline(sub) is None
        assert subscriptions.last_day_to_cancel(sub) is None
        late = dt.datetime(2027, 1, 14, 9, 0, tzinfo=AMS)
        new, events = subscriptions.cancel(sub, at=late)
        assert new.status is Status.CANCELLED
        assert all("renew" not in repr(e).lower() for e in events)
        assert subscriptions.due_reminders([sub], on=dt.date(2026, 11, 15)) == []
