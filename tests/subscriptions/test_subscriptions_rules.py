"""Examples for every lifecycle function and every error it raises, messages included."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptionkit import errors, plans
from subscriptionkit.money import eur
from subscriptionkit.subscriptions import (
    Activated,
    CancellationScheduled,
    Course,
    DowngradeScheduled,
    Expired,
    Renewed,
    SeatsChanged,
    Status,
    Subscription,
    TrialStarted,
    Upgraded,
    activate,
    cancel,
    cancellation_deadline,
    catch_up,
    change_seats,
    due_reminders,
    has_access,
    last_day_to_cancel,
    schedule_downgrade,
    start_trial,
    subscribe,
    upgrade,
)

AMS = ZoneInfo("Europe/Amsterdam")
US = dt.timedelta(microseconds=1)
CATALOG = plans.default_catalog(teams=plans.teams_plan(eur("60.00")))
TEAMS = CATALOG["teams"]
PO_1_2 = CATALOG["focus-po-1-2"]
PO_3_8 = CATALOG["focus-po-3-8"]
COMBI = CATALOG["focus-po-combi"]
PO_1_8 = CATALOG["focus-po-1-8"]
PAID = Course("course-1")
FREE = Course("free-1", kind="free")
PROGRAMME = Course("programme-1", kind="programme")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> pendulum.DateTime:
    """An Amsterdam wall-clock moment."""
    return pendulum.datetime(year, month, day, hour, minute, tz="Europe/Amsterdam")


def eod(year: int, month: int, day: int) -> pendulum.DateTime:
    """The last microsecond of an Amsterdam calendar day: where a whole-day deadline ends."""
    return pendulum.datetime(year, month, day, 23, 59, 59, 999999, tz="Europe/Amsterdam")


START = at(2026, 1, 15)


def teams_sub(start: dt.datetime = START, seats: int = 10) -> Subscription:
    """A Teams subscription started at ``start``."""
    return subscribe("team-1", TEAMS, at=start, seats=seats, subscription_id="sub-t").subscription


def po_sub(plan: plans.Plan = PO_1_2, start: dt.datetime = START) -> Subscription:
    """A Focus PO subscription started at ``start`` without a trial."""
    return subscribe("school-1", plan, at=start, subscription_id="sub-p").subscription


def trial(start: dt.datetime = START, length: str = "P3M") -> Subscription:
    """A Focus PO trial for school-1."""
    return start_trial("school-1", at=start, length=length, subscription_id="sub-x").subscription


class TestStartTrial:
    def test_trial_runs_on_focus_po_1_8(self) -> None:
        """Every trial is Focus PO 1-8 (full), from ``at`` for its length."""
        sub, events = start_trial("school-1", at=START, length="P3M", subscription_id="s1")
        assert sub.plan_id == "focus-po-1-8"
        assert sub.status is Status.TRIAL
        assert sub.trial_started_at == START
        assert sub.trial_ends_at == at(2026, 4, 15)
        assert sub.paid_through == at(2026, 4, 15)
        assert sub.periods == 0
        assert events == (TrialStarted("s1", "school-1", START, at(2026, 4, 15)),)

    def test_default_length_is_six_months(self) -> None:
        """Without a length the trial lasts the maximum, six months."""
        sub = start_trial("school-1", at=START).subscription
        assert sub.trial_ends_at == at(2026, 7, 15)

    @pytest.mark.parametrize("length", ["P6M", "P1D", "P25W", "P5M30D"])
    def test_lengths_up_to_six_months_are_allowed(self, length: str) -> None:
        """Any length above zero and up to six months is accepted."""
        sub = start_trial("school-1", at=START, length=length).subscription
        assert sub.trial_ends_at is not None
        assert START < sub.trial_ends_at <= at(2026, 7, 15)

    @pytest.mark.parametrize("length", ["P6M1D", "P0D", "P7M", "P1Y", "P26W"])
    def test_other_lengths_are_refused(self, length: str) -> None:
        """Zero or more than six months raises InvalidInput naming the length."""
        with pytest.raises(errors.InvalidInput) as info:
            start_trial("school-1", at=START, length=length)
        span = plans.Span.parse(length)
        assert str(info.value) == (
            f"a trial lasts more than zero and at most P6M (six months), got {span}"
        )

    def test_six_months_from_august_31_ends_on_february_28(self) -> None:
        """A six-month trial from 31 August ends on the last day of February."""
        sub = start_trial("school-1", at=at(2026, 8, 31)).subscription
        assert sub.trial_ends_at == at(2027, 2, 28)

    def test_second_trial_is_refused_via_history(self) -> None:
        """A customer with an earlier trial gets TrialAlreadyUsed, whatever came after."""
        first = trial()
        paid = activate(first, PO_1_2, at=at(2026, 2, 1)).subscription
        with pytest.raises(errors.TrialAlreadyUsed) as info:
            start_trial("school-1", at=at(2027, 6, 1), history=[paid])
        assert info.value.customer_id == "school-1"
        assert info.value.trial_started == START
        assert str(info.value) == (
            "customer 'school-1' already had its trial (started 2026-01-15T09:00:00+01:00); "
            "a trial is given only once per customer, whatever plan follows: "
            "activate a plan instead"
        )

    def test_history_without_a_trial_or_of_others_allows_one(self) -> None:
        """Paid subscriptions, and other customers' trials, do not use up the trial."""
        history = [po_sub(), start_trial("school-2", at=START).subscription]
        sub = start_trial("school-1", at=at(2026, 3, 1), history=history).subscription
        assert sub.status is Status.TRIAL

    def test_naive_start_is_refused(self) -> None:
        """A naive datetime raises NaiveDatetimeError naming ``at``."""
        with pytest.raises(errors.NaiveDatetimeError) as info:
            start_trial("school-1", at=dt.datetime(2026, 1, 1))
        assert info.value.name == "at"


class TestSubscribe:
    def test_teams_subscription_pays_a_year(self) -> None:
        """subscribe() starts an active first year with its seats."""
        sub, events = subscribe("team-1", TEAMS, at=START, seats=10, subscription_id="t1")
        assert (sub.status, sub.periods, sub.seats) == (Status.ACTIVE, 1, 10)
        assert sub.activated_at == START
        assert sub.paid_through == at(2027, 1, 15)
        assert events == (Activated("t1", "teams", START, at(2027, 1, 15)),)

    @pytest.mark.parametrize("seats", [None, 2, 41, 0])
    def test_teams_needs_3_to_40_seats(self, seats: int | None) -> None:
        """Seats outside 3–40 (or none) raise SeatCountOutOfRange."""
        with pytest.raises(errors.SeatCountOutOfRange) as info:
            subscribe("team-1", TEAMS, at=START, seats=seats)
        assert (info.value.minimum, info.value.maximum, info.value.got) == (3, 40, seats)
        given = "no number of seats" if seats is None else repr(seats)
        assert str(info.value).startswith(
            f"seats for plan 'teams' must be a whole number from 3 to 40, got {given}"
        )

    def test_pupil_plan_takes_no_seats(self) -> None:
        """Seats for a per-pupil plan raise InvalidInput."""
        with pytest.raises(errors.InvalidInput) as info:
            subscribe("school-1", PO_1_2, at=START, seats=5)
        assert str(info.value) == (
            "plan 'focus-po-1-2' is priced per pupil and takes no seats; got seats=5"
        )


class TestActivate:
    def test_activating_a_running_trial_ends_it_now(self) -> None:
        """Activation during the trial cuts the trial short and starts the year at once."""
        act = at(2026, 2, 20)
        sub, events = activate(trial(), PO_1_2, at=act)
        assert sub.status is Status.ACTIVE
        assert (sub.started_at, sub.activated_at, sub.periods) == (act, act, 1)
        assert sub.trial_started_at == START
        assert sub.trial_ends_at == act
        assert sub.paid_through == at(2027, 2, 20)
        assert events == (Activated("sub-x", "focus-po-1-2", act, at(2027, 2, 20)),)

    def test_activating_after_an_expired_trial(self) -> None:
        """A trial that ran out can still be activated; the gap is not paid for."""
        expired = catch_up(trial(), at=at(2026, 5, 1)).subscription
        assert expired.status is Status.EXPIRED
        sub = activate(expired, COMBI, at=at(2026, 6, 1)).subscription
        assert sub.status is Status.ACTIVE
        assert sub.ended_at is None
        assert sub.trial_ends_at == at(2026, 4, 15)
        assert sub.paid_through == at(2027, 6, 1)

    def test_a_trial_is_not_activated_into_a_seat_plan(self) -> None:
        """The reported case: a Focus PO trial activated into Teams is refused (seed 002:
        the trial precedes a one-year Focus PO subscription)."""
        with pytest.raises(errors.InvalidPlan) as info:
            activate(trial(), TEAMS, at=at(2026, 2, 1), seats=3)
        assert str(info.value) == (
            "a Focus PO trial becomes a one-year Focus PO subscription; expected a per-pupil "
            "plan, got 'teams' (Teams), which is priced per seat (subscribe to it instead)"
        )

    def test_activating_an_active_subscription_is_refused(self) -> None:
        """An active subscription raises InvalidTransition."""
        with pytest.raises(errors.InvalidTransition) as info:
            activate(po_sub(), COMBI, at=at(2026, 2, 1))
        assert (info.value.action, info.value.state) == ("activate", "active")
        assert str(info.value) == (
            "cannot activate a subscription that is active; expected one that is "
            "on trial or expired after a trial"
        )

    def test_activating_an_expired_paid_subscription_is_refused(self) -> None:
        """A paid subscription that expired cannot be re-activated (subscribe anew)."""
        cancelled = cancel(po_sub(), at=at(2026, 2, 1)).subscription
        expired = catch_up(cancelled, at=at(2027, 1, 15)).subscription
        with pytest.raises(errors.InvalidTransition) as info:
            activate(expired, PO_1_2, at=at(2027, 2, 1))
        assert str(info.value) == (
            "cannot activate a subscription that is expired; expected one that is "
            "on trial or expired after a trial"
        )

    def test_activation_before_the_trial_started_is_refused(self) -> None:
        """Activation before the trial's start raises InvalidInput with both moments."""
        with pytest.raises(errors.InvalidInput) as info:
            activate(trial(), PO_1_2, at=at(2026, 1, 1))
        assert str(info.value) == (
            "activation must not be before 2026-01-15T09:00:00+01:00, got 2026-01-01T09:00:00+01:00"
        )


class TestCatchUp:
    def test_renewals_one_per_period(self) -> None:
        """Three years later there are three renewals, each counted from the start."""
        sub, events = catch_up(po_sub(), at=at(2029, 1, 16))
        assert sub.periods == 4
        assert sub.paid_through == at(2030, 1, 15)
        assert events == tuple(
            Renewed("sub-p", "focus-po-1-2", at(y, 1, 15), at(y + 1, 1, 15))
            for y in (2027, 2028, 2029)
        )
        assert sub.period_start == at(2029, 1, 15)

    def test_renewal_happens_exactly_at_paid_through(self) -> None:
        """Nothing is due a microsecond before the renewal; at the renewal it renews."""
        sub = po_sub()
        assert tuple(catch_up(sub, at=at(2027, 1, 15) - US)) == (sub, ())
        assert catch_up(sub, at=at(2027, 1, 15)).subscription.periods == 2

    def test_is_idempotent(self) -> None:
        """Catching up twice to the same moment changes nothing the second time."""
        once = catch_up(po_sub(), at=at(2031, 7, 1)).subscription
        assert tuple(catch_up(once, at=at(2031, 7, 1))) == (once, ())

    def test_downgrade_takes_effect_at_renewal(self) -> None:
        """A scheduled downgrade becomes the plan at the renewal, not before."""
        sub = schedule_downgrade(po_sub(COMBI), PO_1_2, at=at(2026, 6, 1)).subscription
        before = catch_up(sub, at=at(2027, 1, 15) - US).subscription
        assert (before.plan_id, before.pending_plan) == ("focus-po-combi", PO_1_2)
        after, events = catch_up(sub, at=at(2027, 1, 15))
        assert (after.plan_id, after.pending_plan) == ("focus-po-1-2", None)
        assert after.paid_through == at(2028, 1, 15)
        assert events == (Renewed("sub-p", "focus-po-1-2", at(2027, 1, 15), at(2028, 1, 15)),)

    def test_downgrade_from_february_29_does_not_drift(self) -> None:
        """After a downgrade a year begun on 29 February still renews on 29 February."""
        sub = po_sub(COMBI, start=at(2024, 2, 29))
        sub = schedule_downgrade(sub, PO_1_2, at=at(2026, 6, 1)).subscription
        sub = catch_up(sub, at=at(2028, 1, 1)).subscription
        assert sub.plan_id == "focus-po-1-2"
        assert sub.paid_through == at(2028, 2, 29)

    def test_downgrade_to_another_term_restarts_the_count(self) -> None:
        """A smaller plan with a monthly term counts its months from the renewal date."""
        monthly = attrs.evolve(PO_1_2, terms=attrs.evolve(PO_1_2.terms, term=plans.Span(months=1)))
        sub = schedule_downgrade(po_sub(COMBI), monthly, at=at(2026, 6, 1)).subscription
        after = catch_up(sub, at=at(2027, 3, 1)).subscription
        assert (after.started_at, after.plan.terms.term) == (at(2027, 1, 15), plans.Span(months=1))
        assert after.paid_through == at(2027, 3, 15)

    def test_cancelled_expires_exactly_at_paid_through(self) -> None:
        """A cancelled subscription stays cancelled until paid_through, then expires."""
        sub = cancel(po_sub(), at=at(2026, 6, 1)).subscription
        assert catch_up(sub, at=at(2027, 1, 15) - US).subscription.status is Status.CANCELLED
        expired, events = catch_up(sub, at=at(2027, 1, 15))
        assert (expired.status, expired.ended_at) == (Status.EXPIRED, at(2027, 1, 15))
        assert events == (Expired("sub-p", at(2027, 1, 15), "cancelled"),)

    def test_trial_expires_at_its_end(self) -> None:
        """A trial that is not activated expires at its end."""
        sub = trial()
        assert catch_up(sub, at=at(2026, 4, 15) - US).subscription.status is Status.TRIAL
        expired, events = catch_up(sub, at=at(2030, 1, 1))
        assert (expired.status, expired.ended_at) == (Status.EXPIRED, at(2026, 4, 15))
        assert events == (Expired("sub-x", at(2026, 4, 15), "trial ended"),)

    def test_a_plan_without_auto_renewal_expires(self) -> None:
        """A plan whose terms do not renew automatically expires at the end of its term."""
        plan = attrs.evolve(PO_1_2, terms=attrs.evolve(PO_1_2.terms, auto_renew=False))
        sub, events = catch_up(po_sub(plan), at=at(2028, 1, 1))
        assert sub.status is Status.EXPIRED
        assert events == (
            Expired("sub-p", at(2027, 1, 15), "term ended without automatic renewal"),
        )


class TestCancel:
    def test_teams_cancel_exactly_at_the_deadline(self) -> None:
        """Teams: the last day to cancel (5 days before payment) counts until its end."""
        sub = teams_sub()
        assert last_day_to_cancel(sub) == dt.date(2027, 1, 10)
        deadline = cancellation_deadline(sub)
        assert deadline == eod(2027, 1, 10)
        new, events = cancel(sub, at=deadline)
        assert new.status is Status.CANCELLED
        assert new.paid_through == at(2027, 1, 15)
        assert events == (CancellationScheduled("sub-t", eod(2027, 1, 10), at(2027, 1, 15)),)

    def test_teams_cancel_a_microsecond_late(self) -> None:
        """Midnight after the last day raises CancellationTooLate with the next chance."""
        late = at(2027, 1, 11, 0, 0)
        assert late == eod(2027, 1, 10) + US
        with pytest.raises(errors.CancellationTooLate) as info:
            cancel(teams_sub(), at=late)
        err = info.value
        assert (err.deadline, err.at) == (eod(2027, 1, 10), late)
        assert (err.next_possible_end, err.next_deadline) == (at(2028, 1, 15), eod(2028, 1, 10))
        assert str(err) == (
            "cancellation is too late: the deadline was 2027-01-10T23:59:59.999999+01:00, "
            "the request came at 2027-01-11T00:00:00+01:00; the subscription renews, "
            "and the earliest possible end is 2028-01-15T09:00:00+01:00 "
            "(cancel by 2028-01-10T23:59:59.999999+01:00)"
        )

    def test_after_the_renewal_the_next_deadline_applies(self) -> None:
        """A late cancellation works again after the renewal, for the next period."""
        new, events = cancel(teams_sub(), at=at(2027, 2, 1))
        assert new.status is Status.CANCELLED
        assert new.paid_through == at(2028, 1, 15)
        assert [type(e) for e in events] == [Renewed, CancellationScheduled]

    def test_focus_po_notice_is_one_month(self) -> None:
        """Focus PO: the (configurable) notice is a month before the renewal, a whole day."""
        assert cancel(po_sub(), at=eod(2026, 12, 15)).subscription.status is Status.CANCELLED
        with pytest.raises(errors.CancellationTooLate):
            cancel(po_sub(), at=eod(2026, 12, 15) + US)

    def test_trial_cancel_ends_at_once(self) -> None:
        """Cancelling a trial ends it (and its access) at that moment."""
        when = at(2026, 2, 1)
        new, events = cancel(trial(), at=when)
        assert (new.status, new.ended_at, new.trial_ends_at) == (Status.EXPIRED, when, when)
        assert events == (Expired("sub-x", when, "trial cancelled"),)
        assert not has_access(new, PAID, at=when)

    def test_cancel_twice_is_refused(self) -> None:
        """A second cancel raises InvalidTransition."""
        once = cancel(po_sub(), at=at(2026, 3, 1)).subscription
        with pytest.raises(errors.InvalidTransition) as info:
            cancel(once, at=at(2026, 3, 2))
        assert str(info.value) == (
            "cannot cancel a subscription that is cancelled (ending at the end of the paid "
            "period); expected one that is on trial or active"
        )

    def test_cancel_drops_a_scheduled_downgrade(self) -> None:
        """Cancelling forgets a pending downgrade."""
        sub = schedule_downgrade(po_sub(COMBI), PO_1_2, at=at(2026, 3, 1)).subscription
        assert cancel(sub, at=at(2026, 3, 2)).subscription.pending_plan is None

    def test_too_late_names_the_end_catch_up_will_give(self) -> None:
        """With a downgrade pending, the next possible end is the renewal catch_up applies."""
        sub = schedule_downgrade(po_sub(COMBI, start=at(2024, 2, 29)), PO_1_2, at=at(2026, 6, 1))
        late = at(2027, 2, 20)
        with pytest.raises(errors.CancellationTooLate) as info:
            cancel(sub.subscription, at=late)
        renewed = catch_up(sub.subscription, at=at(2027, 3, 1)).subscription
        assert info.value.next_possible_end == renewed.paid_through == at(2028, 2, 29)

    def test_deadline_in_the_repeated_hour_is_an_instant(self) -> None:
        """New York: 01:45 EDT is before a 01:30 EST deadline on the fall-back night."""
        ny = ZoneInfo("America/New_York")
        sub = subscribe(
            "team-ny",
            TEAMS,
            at=dt.datetime(2026, 11, 12, 1, 30, tzinfo=ny),
            seats=5,
            tz="America/New_York",
        ).subscription
        deadline = cancellation_deadline(sub)
        assert deadline is not None
        assert deadline.isoformat() == "2027-11-07T23:59:59.999999-05:00"
        for moment in (5, 6):  # 01:45 EDT, then 01:45 EST an hour later
            early = dt.datetime(2027, 11, 7, moment, 45, tzinfo=dt.UTC)
            assert cancel(sub, at=early).subscription.status is Status.CANCELLED
        with pytest.raises(errors.CancellationTooLate):
            cancel(sub, at=deadline + US)


class TestScheduleDowngrade:
    def test_combi_to_1_2_is_allowed(self) -> None:
        """Combi → 1-2 is scheduled for the renewal."""
        new, events = schedule_downgrade(po_sub(COMBI), PO_1_2, at=at(2026, 6, 1))
        assert new.pending_plan == PO_1_2
        assert new.plan_id == "focus-po-combi"
        assert events == (
            DowngradeScheduled(
                "sub-p", at(2026, 6, 1), "focus-po-combi", "focus-po-1-2", at(2027, 1, 15)
            ),
        )

    def test_1_2_to_combi_is_refused(self) -> None:
        """A bigger plan is no downgrade: InvalidInput."""
        with pytest.raises(errors.InvalidInput) as info:
            schedule_downgrade(po_sub(), COMBI, at=at(2026, 6, 1))
        assert str(info.value) == (
            "'focus-po-combi' is not a downgrade of 'focus-po-1-2': expected a plan that "
            "'focus-po-1-2' is an upgrade of"
        )

    def test_teams_has_no_downgrade(self) -> None:
        """Teams cannot be downgraded to a Focus PO plan."""
        with pytest.raises(errors.InvalidInput):
            schedule_downgrade(teams_sub(), PO_1_2, at=at(2026, 6, 1))

    def test_after_the_notice_deadline_is_too_late(self) -> None:
        """A downgrade after the notice deadline raises CancellationTooLate."""
        assert schedule_downgrade(po_sub(PO_1_8), PO_3_8, at=eod(2026, 12, 15)).subscription
        with pytest.raises(errors.CancellationTooLate) as info:
            schedule_downgrade(po_sub(PO_1_8), PO_3_8, at=eod(2026, 12, 15) + US)
        assert info.value.next_possible_end == at(2028, 1, 15)

    def test_a_trial_cannot_be_downgraded(self) -> None:
        """Only active subscriptions downgrade: InvalidTransition."""
        with pytest.raises(errors.InvalidTransition) as info:
            schedule_downgrade(trial(), PO_1_2, at=at(2026, 2, 1))
        assert str(info.value) == (
            "cannot downgrade a subscription that is on trial; expected one that is active"
        )


class TestUpgrade:
    @pytest.mark.parametrize(
        ("source", "target"),
        [(PO_1_2, COMBI), (PO_3_8, COMBI), (PO_1_2, PO_1_8), (PO_3_8, PO_1_8), (COMBI, PO_1_8)],
    )
    def test_allowed_upgrades_restart_the_year(
        self, source: plans.Plan, target: plans.Plan
    ) -> None:
        """1-2/3-8 → combi and anything → 1-8 take effect now and restart the year."""
        when = at(2026, 9, 1, 14, 30)
        new, events = upgrade(po_sub(source), target, at=when)
        assert (new.plan_id, new.started_at, new.periods) == (target.id, when, 1)
        assert new.paid_through == target.terms.renewal_date(when, 1) == at(2027, 9, 1, 14, 30)
        assert events == (
            Upgraded("sub-p", when, source.id, target.id, START, at(2027, 9, 1, 14, 30)),
        )

    def test_previous_started_at_is_the_year_cut_short(self) -> None:
        """After renewals, the upgrade event names the start of the current year."""
        new, events = upgrade(po_sub(), COMBI, at=at(2028, 3, 1))
        [*renewals, event] = events
        assert len(renewals) == 2
        assert isinstance(event, Upgraded)
        assert event.previous_started_at == at(2028, 1, 15)
        assert new.activated_at == START

    def test_1_8_to_combi_is_not_an_upgrade(self) -> None:
        """From the top plan nothing is an upgrade: NotAnUpgrade with the allowed list."""
        with pytest.raises(errors.NotAnUpgrade) as info:
            upgrade(po_sub(PO_1_8), COMBI, at=at(2026, 3, 1))
        assert (info.value.current, info.value.requested, info.value.allowed) == (
            "focus-po-1-8",
            "focus-po-combi",
            (),
        )
        assert str(info.value) == (
            "'focus-po-combi' is not an upgrade of 'focus-po-1-8'; expected one of "
            "(none: this is the top plan). Downgrades go through cancellation within the "
            "notice period, effective at renewal"
        )

    def test_combi_to_1_2_is_not_an_upgrade(self) -> None:
        """A smaller plan raises NotAnUpgrade listing the real upgrades."""
        with pytest.raises(errors.NotAnUpgrade) as info:
            upgrade(po_sub(COMBI), PO_1_2, at=at(2026, 3, 1))
        assert str(info.value).startswith(
            "'focus-po-1-2' is not an upgrade of 'focus-po-combi'; expected one of 'focus-po-1-8'. "
        )

    def test_teams_has_no_upgrades(self) -> None:
        """A seat plan names no upgrades."""
        with pytest.raises(errors.NotAnUpgrade):
            upgrade(teams_sub(), PO_1_8, at=at(2026, 3, 1))

    def test_upgrade_clears_a_pending_downgrade(self) -> None:
        """An upgrade replaces a scheduled downgrade."""
        sub = schedule_downgrade(po_sub(COMBI), PO_1_2, at=at(2026, 3, 1)).subscription
        assert upgrade(sub, PO_1_8, at=at(2026, 4, 1)).subscription.pending_plan is None

    def test_a_cancelled_subscription_cannot_upgrade(self) -> None:
        """Upgrading a cancelled subscription raises InvalidTransition."""
        sub = cancel(po_sub(), at=at(2026, 3, 1)).subscription
        with pytest.raises(errors.InvalidTransition) as info:
            upgrade(sub, COMBI, at=at(2026, 4, 1))
        assert info.value.allowed == ("active",)


class TestChangeSeats:
    @pytest.mark.parametrize("seats", [3, 40, 25])
    def test_within_3_to_40(self, seats: int) -> None:
        """Any count from 3 to 40 is accepted and reported, with the term's seat mark."""
        new, events = change_seats(teams_sub(seats=10), seats, at=at(2026, 5, 1))
        assert new.seats == seats
        mark = max(10, seats)
        assert events == (SeatsChanged("sub-t", at(2026, 5, 1), 10, seats, 10, mark),)
        assert new.seat_high_water == mark

    def test_41_points_to_the_organisation_plan(self) -> None:
        """More than 40 seats raises SeatCountOutOfRange that mentions Organisation."""
        with pytest.raises(errors.SeatCountOutOfRange) as info:
            change_seats(teams_sub(), 41, at=at(2026, 5, 1))
        assert str(info.value) == (
            "seats for plan 'teams' must be a whole number from 3 to 40, got 41; teams of "
            "more than 40 people need an Organisation plan, which is sold on request"
        )

    def test_2_is_too_few(self) -> None:
        """Fewer than 3 seats raises SeatCountOutOfRange without the Organisation hint."""
        with pytest.raises(errors.SeatCountOutOfRange) as info:
            change_seats(teams_sub(), 2, at=at(2026, 5, 1))
        assert "Organisation" not in str(info.value)

    def test_pupil_plan_has_no_seats(self) -> None:
        """A per-pupil plan raises InvalidInput."""
        with pytest.raises(errors.InvalidInput) as info:
            change_seats(po_sub(), 10, at=at(2026, 5, 1))
        assert str(info.value) == (
            "plan 'focus-po-1-2' is priced per pupil and has no seats to change"
        )

    def test_cancelled_subscription_keeps_its_seats(self) -> None:
        """Seats of a cancelled subscription cannot change: InvalidTransition."""
        sub = cancel(teams_sub(), at=at(2026, 3, 1)).subscription
        with pytest.raises(errors.InvalidTransition):
            change_seats(sub, 12, at=at(2026, 5, 1))


class TestHasAccess:
    def test_free_courses_are_always_open(self) -> None:
        """Free courses are open on trial, active, cancelled and expired subscriptions."""
        expired = cancel(trial(), at=at(2026, 2, 1)).subscription
        for sub in (trial(), po_sub(), expired):
            assert has_access(sub, FREE, at=at(2040, 1, 1))

    def test_programmes_are_never_included(self) -> None:
        """Programmes ("opleidingen") are never part of a subscription."""
        assert not has_access(teams_sub(), PROGRAMME, at=at(2026, 6, 1))
        assert not has_access(trial(), PROGRAMME, at=at(2026, 2, 1))

    def test_paid_until_exactly_paid_through(self) -> None:
        """Paid courses open at activation and close exactly at paid_through (no renewal)."""
        plan = attrs.evolve(PO_1_2, terms=attrs.evolve(PO_1_2.terms, auto_renew=False))
        sub = po_sub(plan)
        assert not has_access(sub, PAID, at=START - US)
        assert has_access(sub, PAID, at=START)
        assert has_access(sub, PAID, at=at(2027, 1, 15) - US)
        assert not has_access(sub, PAID, at=at(2027, 1, 15))

    def test_cancelled_keeps_access_until_the_end(self) -> None:
        """A cancelled subscription has access until paid_through, exclusive."""
        sub = cancel(teams_sub(), at=at(2026, 3, 1)).subscription
        assert has_access(sub, PAID, at=at(2027, 1, 15) - US)
        assert not has_access(sub, PAID, at=at(2027, 1, 15))
        assert not has_access(
            catch_up(sub, at=at(2027, 1, 15)).subscription, PAID, at=at(2027, 1, 15)
        )

    def test_trial_window(self) -> None:
        """A trial opens paid courses from its start until its end, exclusive."""
        sub = trial()
        assert not has_access(sub, PAID, at=START - US)
        assert has_access(sub, PAID, at=START)
        assert has_access(sub, PAID, at=at(2026, 4, 15) - US)
        assert not has_access(sub, PAID, at=at(2026, 4, 15))

    def test_no_access_between_expired_trial_and_activation(self) -> None:
        """The gap between a trial's end and a later activation has no access."""
        expired = catch_up(trial(), at=at(2026, 5, 1)).subscription
        sub = activate(expired, PO_1_2, at=at(2026, 6, 1)).subscription
        assert has_access(sub, PAID, at=at(2026, 3, 1))
        assert not has_access(sub, PAID, at=at(2026, 4, 15))
        assert not has_access(sub, PAID, at=at(2026, 6, 1) - US)
        assert has_access(sub, PAID, at=at(2026, 6, 1))

    def test_a_stale_stored_value_keeps_access_after_renewal(self) -> None:
        """A subscription not caught up since its renewal still has access (it renewed)."""
        sub = teams_sub()
        assert has_access(sub, PAID, at=at(2027, 1, 15))
        assert has_access(sub, PAID, at=at(2031, 6, 1))
        stale_trial = trial()
        assert not has_access(stale_trial, PAID, at=at(2026, 4, 15))

    def test_fall_back_hour_is_compared_as_instants(self) -> None:
        """New York: access ends at 01:00 EST, so 01:59 EDT (earlier) still has access."""
        ny = ZoneInfo("America/New_York")
        sub = subscribe(
            "team-ny",
            TEAMS,
            at=dt.datetime(2026, 11, 7, 1, 0, tzinfo=ny),
            seats=5,
            tz="America/New_York",
        ).subscription
        sub = cancel(sub, at=dt.datetime(2027, 1, 1, tzinfo=ny)).subscription
        assert sub.paid_through is not None
        assert sub.paid_through.isoformat() == "2027-11-07T01:00:00-05:00"
        just_before = sub.paid_through - US
        assert just_before.isoformat() == "2027-11-07T01:59:59.999999-04:00"
        assert has_access(sub, PAID, at=just_before)
        assert not has_access(sub, PAID, at=sub.paid_through)

    def test_any_zone_for_at(self) -> None:
        """``at`` may be given in any zone; the instant counts."""
        sub = cancel(teams_sub(), at=at(2026, 3, 1)).subscription
        end_utc = dt.datetime(2027, 1, 15, 8, 0, tzinfo=dt.UTC)
        assert has_access(sub, PAID, at=end_utc - US)
        assert not has_access(sub, PAID, at=end_utc)


class TestDueReminders:
    def test_teams_two_weeks_before_and_on_the_deadline(self) -> None:
        """Teams: a renewal reminder 14 days ahead, and one on the last day to cancel."""
        sub = teams_sub()
        days = {
            d: [r.kind for r in due_reminders([sub], on=d)]
            for d in (dt.date(2026, 12, 31) + dt.timedelta(days=i) for i in range(16))
        }
        assert {d: k for d, k in days.items() if k} == {
            dt.date(2027, 1, 1): ["renewal"],
            dt.date(2027, 1, 10): ["cancellation_deadline"],
        }
        [reminder] = due_reminders([sub], on=dt.date(2027, 1, 1))
        assert (reminder.renews_at, reminder.deadline) == (at(2027, 1, 15), eod(2027, 1, 10))
        assert reminder.last_day_to_cancel == dt.date(2027, 1, 10)
        assert (reminder.due_on, reminder.subscription_id) == (dt.date(2027, 1, 1), "sub-t")

    def test_focus_po_two_months_before(self) -> None:
        """Focus PO: the renewal reminder goes out two months before the renewal."""
        sub = po_sub()
        assert [r.kind for r in due_reminders([sub], on=dt.date(2026, 11, 15))] == ["renewal"]
        assert due_reminders([sub], on=dt.date(2026, 11, 14)) == []
        assert due_reminders([sub], on=dt.date(2026, 11, 16)) == []
        assert [r.kind for r in due_reminders([sub], on=dt.date(2026, 12, 15))] == [
            "cancellation_deadline"
        ]

    def test_renewal_texts(self) -> None:
        """The renewal reminder reads exactly so in Dutch and in English."""
        [r] = due_reminders([po_sub()], on=dt.date(2026, 11, 15))
        nl, en = r.message("nl_NL"), r.message("en_GB")
        assert nl.subject == "Je abonnement Focus PO 1-2 wordt verlengd op 15 januari 2027"
        assert nl.body == (
            "Je abonnement Focus PO 1-2 wordt op 15 januari 2027 automatisch verlengd. Doe je "
            "niets, dan loopt het door en verlies je geen data. Wil je opzeggen of wijzigen, "
            "laat het ons dan uiterlijk 15 december 2026 weten."
        )
        assert en.subject == "Your Focus PO 1-2 subscription renews on 15 January 2027"
        assert en.body == (
            "Your Focus PO 1-2 subscription renews automatically on 15 January 2027. If you "
            "do nothing, it continues and no data is lost. To cancel or change it, let us "
            "know by 15 December 2026."
        )

    def test_deadline_texts(self) -> None:
        """The last-day reminder reads exactly so in Dutch and in English."""
        [r] = due_reminders([teams_sub()], on=dt.date(2027, 1, 10))
        nl, en = r.message("nl_NL"), r.message("en_GB")
        assert nl.subject == "Laatste dag om je abonnement Teams op te zeggen"
        assert nl.body == (
            "Vandaag, 10 januari 2027, is de laatste dag om je abonnement Teams op te zeggen: "
            "dat kan tot het einde van de dag. Daarna wordt het verlengd op 15 januari 2027."
        )
        assert en.subject == "Last day to cancel your Teams subscription"
        assert en.body == (
            "Today, 10 January 2027, is the last day to cancel your Teams subscription: "
            "cancelling works until the end of the day. After that it renews on 15 January 2027."
        )

    def test_a_datetime_is_refused(self) -> None:
        """``on`` must be a date: a datetime raises InvalidInput."""
        with pytest.raises(errors.InvalidInput) as info:
            due_reminders([po_sub()], on=dt.datetime(2026, 11, 15))
        assert str(info.value) == (
            "on must be a calendar day (datetime.date), got datetime: 2026-11-15T00:00:00"
        )

    def test_subscriptions_not_caught_up(self) -> None:
        """A subscription stored years ago still gets the reminder of its next renewal."""
        [r] = due_reminders([teams_sub()], on=dt.date(2030, 1, 1))
        assert (r.kind, r.renews_at) == ("renewal", at(2030, 1, 15))

    def test_trials_and_cancelled_get_none(self) -> None:
        """Only active, automatically renewing subscriptions are reminded."""
        cancelled = cancel(teams_sub(), at=at(2026, 3, 1)).subscription
        assert due_reminders([trial(), cancelled], on=dt.date(2027, 1, 1)) == []


# -- to_dict / from_dict over random lifecycles -------------------------------------------

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["advance", "cancel", "upgrade", "downgrade", "seats", "activate"]),
        st.integers(0, 400),
        st.sampled_from(list(CATALOG)),
    ),
    max_size=8,
)


@st.composite
def lifecycles(draw: st.DrawFn) -> Subscription:
    """A subscription after a random walk through its lifecycle."""
    tz = draw(st.sampled_from(["Europe/Amsterdam", "America/New_York", "Pacific/Chatham"]))
    now = draw(
        st.datetimes(
            min_value=dt.datetime(2000, 1, 1),
            max_value=dt.datetime(2090, 1, 1),
            timezones=st.just(dt.UTC),
        )
    )
    if draw(st.booleans()):
        sub = start_trial("c", at=now, length=f"P{draw(st.integers(1, 6))}M", tz=tz).subscription
    else:
        plan = CATALOG[draw(st.sampled_from(list(CATALOG)))]
        seats = 5 if isinstance(plan, plans.SeatPlan) else None
        sub = subscribe("c", plan, at=now, seats=seats, tz=tz).subscription
    for action, number, plan_id in draw(ACTIONS):
        plan = CATALOG[plan_id]
        try:
            if action == "advance":
                now += dt.timedelta(days=number, microseconds=number)
                sub = catch_up(sub, at=now).subscription
            elif action == "cancel":
                sub = cancel(sub, at=now).subscription
            elif action == "upgrade":
                sub = upgrade(sub, plan, at=now).subscription
            elif action == "downgrade":
                sub = schedule_downgrade(sub, plan, at=now).subscription
            elif action == "seats":
                sub = change_seats(sub, 3 + number % 38, at=now).subscription
            else:
                seats = 3 + number % 38 if isinstance(plan, plans.SeatPlan) else None
                sub = activate(sub, plan, at=now, seats=seats).subscription
        except (errors.LifecycleError, errors.InvalidInput):
            pass
    return attrs.evolve(sub, version=draw(st.integers(0, 50)))


class TestSerialisation:
    @given(sub=lifecycles())
    def test_round_trip(self, sub: Subscription) -> None:
        """from_dict(to_dict(s)) == s, through JSON, with every moment's offset kept."""
        data = json.loads(json.dumps(sub.to_dict()))
        back = Subscription.from_dict(data)
        assert back == sub
        assert back.to_dict() == sub.to_dict()
        assert back.paid_through == sub.paid_through
