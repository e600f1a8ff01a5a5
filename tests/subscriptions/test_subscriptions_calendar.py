"""Properties of the subscription calendar: renewals, deadlines, reminders, periods.

Every expectation is computed independently of pendulum, with ``zoneinfo`` and plain
date arithmetic, from one rule for wall-clock times:

* a calendar step (months, days) keeps the local wall-clock time;
* a wall time that does not exist on the target day (a DST gap) is moved forward by
  the length of the gap (02:30 on the spring-forward night in Amsterdam becomes 03:30);
* a wall time that exists twice (a DST fold) is read as the later occurrence;
* a step of zero keeps the moment as it is.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from subscriptionkit import clock, plans, subscriptions
from subscriptionkit.errors import CancellationTooLate, InvalidPlan
from subscriptionkit.metering import ActivityEvent, CountMoment, Month, billable_pupils
from subscriptionkit.money import eur
from subscriptionkit.plans import FOCUS_PO_TERMS, TEAMS_TERMS, Span, Terms
from subscriptionkit.subscriptions import Status

#: At least twenty zones: one-hour DST (Amsterdam, New York), half-hour DST (Lord Howe),
#: 45-minute offsets with DST (Chatham), half-hour offsets without DST (Kolkata); zones
#: whose DST change happens at **midnight**, so local midnight is skipped or repeated
#: (Santiago, Havana, Beirut, Asuncion, Cairo, Azores, Tehran, Damascus, Amman, Nuuk);
#: the southern hemisphere (Santiago, Asuncion, Sao Paulo, Sydney, Auckland, Lord Howe,
#: Chatham, Easter Island); a two-hour DST (Troll); a skipped calendar day (Apia lost
#: 30 December 2011); and UTC.
ZONES = (
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "America/Sao_Paulo",
    "UTC",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
    "America/Asuncion",
    "Africa/Cairo",
    "Atlantic/Azores",
    "Asia/Tehran",
    "Asia/Damascus",
    "Asia/Amman",
    "America/Nuuk",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Easter",
    "Antarctica/Troll",
    "Pacific/Apia",
)

UTC = dt.UTC
AMS = "Europe/Amsterdam"
ONE_MICROSECOND = dt.timedelta(microseconds=1)
MONTHLY = Terms(term="P1M", cancellation_notice="P5D", reminder_lead="P14D")
TEAMS = plans.teams_plan(eur("100.00"))


def zones() -> st.SearchStrategy[str]:
    """A zone name from :data:`ZONES`."""
    return st.sampled_from(ZONES)


def instants() -> st.SearchStrategy[dt.datetime]:
    """Aware datetimes from 2000 to 2100, in any of :data:`ZONES` (folds and gaps too)."""
    return st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2100, 12, 31, 23, 59, 59, 999999),
        timezones=st.sampled_from([ZoneInfo(z) for z in ZONES]),
    )


# -- an independent model of the wall-clock rule --------------------------------------


def wall(at: dt.datetime, tz: str) -> dt.datetime:
    """Return the naive local wall-clock time of ``at`` in ``tz``."""
    # Through UTC: astimezone() into the tzinfo a datetime already has returns it as it
    # is, imaginary wall times included.
    return at.astimezone(UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def is_imaginary(naive: dt.datetime, tz: str) -> bool:
    """Whether the wall time ``naive`` does not exist in ``tz`` (it falls in a DST gap)."""
    return wall(naive.replace(tzinfo=ZoneInfo(tz)), tz) != naive


def expected_instant(naive: dt.datetime, tz: str) -> dt.datetime:
    """The moment (in UTC) a calendar step lands on, by the module docstring's rule."""
    # PEP 495: fold=0 reads a gap time with the offset before the gap (so it moves
    # forward); fold=1 picks the later of two ambiguous times.
    fold = 0 if is_imaginary(naive, tz) else 1
    return naive.replace(tzinfo=ZoneInfo(tz), fold=fold).astimezone(UTC)


def utc(at: dt.datetime) -> dt.datetime:
    """``at`` in UTC: PEP 495 makes datetimes in a gap or fold unequal to any other zone's.

    Always a plain datetime: pendulum's ``+ timedelta`` on a DateTime whose tzinfo is
    ``datetime.UTC`` drops the tzinfo.
    """
    u = dt.datetime.astimezone(at, UTC)
    return dt.datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, UTC)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months``, clamped to the target month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def step(naive: dt.datetime, *, months: int = 0, days: int = 0) -> dt.datetime:
    """A calendar step on a naive wall time: months first (clamped), then days."""
    moved = add_months(naive.date(), months) + dt.timedelta(days=days)
    return dt.datetime.combine(moved, naive.time())


# -- renewals --------------------------------------------------------------------------


class TestRenewalDate:
    @given(start=instants(), tz=zones(), periods=st.integers(0, 30))
    @example(start=dt.datetime(2024, 1, 31, 9, tzinfo=UTC), tz="UTC", periods=1)
    @example(start=dt.datetime(2024, 2, 29, 9, tzinfo=UTC), tz="UTC", periods=4)
    def test_renewal_n_is_counted_from_the_start(
        self, start: dt.datetime, tz: str, periods: int
    ) -> None:
        """Renewal n is the start plus 12·n months on the local calendar, never chained."""
        got = TEAMS_TERMS.renewal_date(start, periods, tz=tz)
        if periods == 0:
            assert utc(got) == utc(start)
        else:
            assert utc(got) == expected_instant(step(wall(start, tz), months=12 * periods), tz)
            assert wall(got, tz).date() == add_months(wall(start, tz).date(), 12 * periods)

    @given(start=instants(), tz=zones(), periods=st.integers(1, 40))
    def test_monthly_renewals_never_drift_across_month_ends(
        self, start: dt.datetime, tz: str, periods: int
    ) -> None:
        """A monthly plan keeps the start's day of month wherever the month has it."""
        got = wall(MONTHLY.renewal_date(start, periods, tz=tz), tz).date()
        first = wall(start, tz).date()
        length = calendar.monthrange(got.year, got.month)[1]
        assert got.day == min(first.day, length)

    def test_jan_31_monthly_chain(self) -> None:
        """Jan 31 → Feb 29 → Mar 31 → Apr 30 (2024, a leap year), each from the start."""
        start = dt.datetime(2024, 1, 31, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
        got = [MONTHLY.renewal_date(start, n).date() for n in range(4)]
        assert got == [
            dt.date(2024, 1, 31),
            dt.date(2024, 2, 29),
            dt.date(2024, 3, 31),
            dt.date(2024, 4, 30),
        ]

    def test_jan_31_yearly(self) -> None:
        """A year from 31 January 2024 is 31 January 2025, same wall-clock time."""
        start = dt.datetime(2024, 1, 31, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
        got = TEAMS_TERMS.renewal_date(start)
        assert got.isoformat() == "2025-01-31T09:00:00+01:00"

    def test_feb_29_comes_back_in_leap_years(self) -> None:
        """A year started on 29 February renews on 28 February, and on 29 February in 2028."""
        start = dt.datetime(2024, 2, 29, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
        got = [FOCUS_PO_TERMS.renewal_date(start, n).date() for n in range(1, 5)]
        assert got == [
            dt.date(2025, 2, 28),
            dt.date(2026, 2, 28),
            dt.date(2027, 2, 28),
            dt.date(2028, 2, 29),
        ]

    def test_negative_periods_are_refused(self) -> None:
        """periods < 0 raises InvalidPlan naming the value."""
        with pytest.raises(InvalidPlan) as info:
            TEAMS_TERMS.renewal_date(dt.datetime(2026, 1, 1, tzinfo=UTC), -1)
        assert str(info.value) == "periods must be >= 0, got -1"


# -- whole-day deadlines and reminders --------------------------------------------------


def first_instant(day: dt.date, tz: str) -> dt.datetime:
    """The first instant (UTC) whose wall-clock day in ``tz`` is ``day`` or later.

    Found by bisection over instants with zoneinfo only (independent of the library).
    """
    zone = ZoneInfo(tz)
    low = dt.datetime.combine(day, dt.time(), UTC) - dt.timedelta(days=2)
    high = low + dt.timedelta(days=4)
    while high - low > ONE_MICROSECOND:
        mid = low + (high - low) // 2
        if mid.astimezone(zone).date() >= day:
            high = mid
        else:
            low = mid
    return high


def months_before(day: dt.date, months: int, days: int = 0) -> dt.date:
    """``day`` minus whole months (clamped to the month's end), then minus days."""
    return add_months(day, -months) - dt.timedelta(days=days)


class TestCancelDeadline:
    @given(start=instants(), tz=zones(), periods=st.integers(1, 10))
    @example(start=dt.datetime(2026, 1, 10, tzinfo=ZoneInfo("Europe/Amsterdam")), tz=AMS, periods=1)
    def test_teams_deadline_is_the_whole_day_five_days_before_payment(
        self, start: dt.datetime, tz: str, periods: int
    ) -> None:
        """The last day to cancel is the local day 5 days before the payment day; the
        deadline is the last microsecond of that day, whatever time the payment falls.
        """
        renewal = TEAMS_TERMS.renewal_date(start, periods, tz=tz)
        last_day = TEAMS_TERMS.last_day_to_cancel(renewal, tz=tz)
        assert last_day == wall(renewal, tz).date() - dt.timedelta(days=5)
        deadline = TEAMS_TERMS.cancel_deadline(renewal, tz=tz)
        assert utc(deadline) == first_instant(last_day + dt.timedelta(days=1), tz) - ONE_MICROSECOND
        assert wall(deadline + ONE_MICROSECOND, tz).date() > last_day

    @given(start=instants(), tz=zones(), periods=st.integers(1, 10))
    @example(start=dt.datetime(2024, 3, 31, 9, tzinfo=UTC), tz="UTC", periods=1)
    def test_focus_po_notice_is_a_whole_day_a_month_before(
        self, start: dt.datetime, tz: str, periods: int
    ) -> None:
        """A month's notice before 31 March is 28 or 29 February, the whole day."""
        renewal = FOCUS_PO_TERMS.renewal_date(start, periods, tz=tz)
        last_day = FOCUS_PO_TERMS.last_day_to_cancel(renewal, tz=tz)
        assert last_day == months_before(wall(renewal, tz).date(), 1)
        deadline = FOCUS_PO_TERMS.cancel_deadline(renewal, tz=tz)
        assert utc(deadline) + ONE_MICROSECOND == first_instant(last_day + dt.timedelta(days=1), tz)

    def test_issue_case_5_january_is_a_whole_day(self) -> None:
        """Started 2026-01-10 00:00 Amsterdam: cancel until the end of 5 January 2027."""
        ams = ZoneInfo(AMS)
        renewal = TEAMS_TERMS.renewal_date(dt.datetime(2026, 1, 10, tzinfo=ams))
        assert renewal.isoformat() == "2027-01-10T00:00:00+01:00"
        assert TEAMS_TERMS.last_day_to_cancel(renewal) == dt.date(2027, 1, 5)
        deadline = TEAMS_TERMS.cancel_deadline(renewal)
        assert deadline.isoformat() == "2027-01-05T23:59:59.999999+01:00"

    def test_a_skipped_midnight_still_ends_the_day_right(self) -> None:
        """Santiago skips 00:00 on 11 September 2022: 10 September ends at 23:59:59.999999."""
        tz = "America/Santiago"
        renewal = dt.datetime(2022, 9, 15, 12, 0, tzinfo=ZoneInfo(tz))
        deadline = TEAMS_TERMS.cancel_deadline(renewal, tz=tz)
        assert deadline.isoformat() == "2022-09-10T23:59:59.999999-04:00"
        after = TEAMS_TERMS.cancel_deadline(dt.datetime(2022, 9, 16, 12, tzinfo=UTC), tz=tz)
        assert after.isoformat() == "2022-09-11T23:59:59.999999-03:00"

    def test_a_repeated_midnight_ends_the_day_before_the_first_one(self) -> None:
        """Havana repeats 00:00–01:00 on 1 November 2015: 31 October ends before the first."""
        tz = "America/Havana"
        renewal = dt.datetime(2015, 11, 5, 12, 0, tzinfo=ZoneInfo(tz))
        deadline = TEAMS_TERMS.cancel_deadline(renewal, tz=tz)
        assert deadline.isoformat() == "2015-10-31T23:59:59.999999-04:00"


class TestReminderDay:
    @given(renewal=instants(), tz=zones())
    def test_teams_reminder_is_14_days_before(self, renewal: dt.datetime, tz: str) -> None:
        """The Teams reminder day is 14 local days before; it falls due at the day's start."""
        day = TEAMS_TERMS.reminder_day(renewal, tz=tz)
        assert day == wall(renewal, tz).date() - dt.timedelta(days=14)
        assert utc(TEAMS_TERMS.reminder_date(renewal, tz=tz)) == first_instant(day, tz)

    @given(renewal=instants(), tz=zones())
    @example(renewal=dt.datetime(2025, 4, 30, 9, tzinfo=UTC), tz="UTC")
    @example(renewal=dt.datetime(2024, 4, 30, 9, tzinfo=UTC), tz="UTC")
    def test_focus_po_reminder_is_two_months_before(self, renewal: dt.datetime, tz: str) -> None:
        """The Focus PO reminder is 2 months before renewal, clamped to the month's end."""
        got = FOCUS_PO_TERMS.reminder_day(renewal, tz=tz)
        assert got == months_before(wall(renewal, tz).date(), 2)
        assert got <= FOCUS_PO_TERMS.last_day_to_cancel(renewal, tz=tz)

    def test_april_30_reminds_on_the_last_day_of_february(self) -> None:
        """Two months before 30 April is 28 February (29 in a leap year)."""
        ams = ZoneInfo(AMS)
        for year, want in ((2025, dt.date(2025, 2, 28)), (2028, dt.date(2028, 2, 29))):
            renewal = dt.datetime(year, 4, 30, 9, 0, tzinfo=ams)
            assert FOCUS_PO_TERMS.reminder_day(renewal) == want

    @given(renewal=instants(), tz=zones())
    def test_never_after_the_last_day_to_cancel(self, renewal: dt.datetime, tz: str) -> None:
        """A reminder lead shorter than the notice is moved to the last day to cancel."""
        terms = Terms(cancellation_notice="P10D", reminder_lead="P3D")
        assert terms.reminder_day(renewal, tz=tz) == terms.last_day_to_cancel(renewal, tz=tz)


# -- periods and cancellability ----------------------------------------------------------


TERMS = st.sampled_from(
    [TEAMS_TERMS, FOCUS_PO_TERMS, MONTHLY, Terms(term="P3M"), Terms(term="P1M15D")]
)


class TestCurrentPeriod:
    @given(
        start=instants(),
        tz=zones(),
        terms=TERMS,
        offset=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=3660)),
    )
    def test_period_is_half_open_and_contains_at(
        self, start: dt.datetime, tz: str, terms: Terms, offset: dt.timedelta
    ) -> None:
        """current_period returns consecutive renewals [n, n+1) with begin <= at < end."""
        at = start + offset
        begin, end = map(utc, terms.current_period(start, at, tz=tz))
        assert begin <= utc(at) < end
        n = next(k for k in range(2000) if utc(terms.renewal_date(start, k, tz=tz)) == begin)
        assert end == utc(terms.renewal_date(start, n + 1, tz=tz))
        assert utc(terms.next_renewal(start, at, tz=tz)) == end

    @given(start=instants(), tz=zones(), terms=TERMS, periods=st.integers(1, 24))
    def test_a_renewal_moment_opens_the_next_period(
        self, start: dt.datetime, tz: str, terms: Terms, periods: int
    ) -> None:
        """At exactly a renewal the new period begins; a microsecond before, the old one."""
        renewal = terms.renewal_date(start, periods, tz=tz)
        assert terms.current_period(start, renewal, tz=tz)[0] == renewal
        assert terms.current_period(start, renewal - ONE_MICROSECOND, tz=tz)[1] == renewal

    def test_before_the_start_gives_the_first_period(self) -> None:
        """A moment before the start falls back to the first period."""
        start = dt.datetime(2026, 3, 1, 9, tzinfo=UTC)
        begin, end = TEAMS_TERMS.current_period(start, start - dt.timedelta(days=40))
        assert (begin, end) == (start, TEAMS_TERMS.renewal_date(start))


class TestCanCancel:
    @given(start=instants(), tz=zones(), periods=st.integers(1, 20))
    @example(
        start=dt.datetime(2022, 11, 7, 1, 0, tzinfo=ZoneInfo("America/New_York")),
        tz="America/New_York",
        periods=5,
    )
    def test_flips_exactly_at_the_deadline(self, start: dt.datetime, tz: str, periods: int) -> None:
        """can_cancel is True at the deadline, False a microsecond later, True after renewal."""
        renewal = TEAMS_TERMS.renewal_date(start, periods, tz=tz)
        deadline = TEAMS_TERMS.cancel_deadline(renewal, tz=tz)
        assert TEAMS_TERMS.can_cancel(start, deadline, tz=tz)
        assert not TEAMS_TERMS.can_cancel(start, deadline + ONE_MICROSECOND, tz=tz)
        assert not TEAMS_TERMS.can_cancel(start, renewal - ONE_MICROSECOND, tz=tz)
        assert TEAMS_TERMS.can_cancel(start, renewal, tz=tz)


class TestFoldComparisons:
    def test_renewal_in_a_repeated_hour_is_compared_as_an_instant(self) -> None:
        """01:59 EDT comes before 01:00 EST on the fall-back night (regression).

        Python compares two datetimes sharing a tzinfo by wall clock and ignores ``fold``;
        the calculators compare instants.
        """
        ny = "America/New_York"
        start = dt.datetime(2022, 11, 7, 1, 0, tzinfo=ZoneInfo(ny))
        renewal = TEAMS_TERMS.renewal_date(start, 5, tz=ny)
        assert renewal.isoformat() == "2027-11-07T01:00:00-05:00"
        just_before = renewal - ONE_MICROSECOND
        assert just_before.isoformat() == "2027-11-07T01:59:59.999999-04:00"
        assert TEAMS_TERMS.current_period(start, just_before, tz=ny)[1] == renewal
        assert not TEAMS_TERMS.can_cancel(start, just_before, tz=ny)


class TestSpan:
    @given(months=st.integers(0, 60), days=st.integers(0, 400))
    def test_str_parses_back(self, months: int, days: int) -> None:
        """str(Span) is ISO 8601 and parses back to the same span."""
        span = Span(months=months, days=days)
        assert Span.parse(str(span)) == span

    @given(at=instants(), tz=zones(), months=st.integers(0, 24), days=st.integers(0, 60))
    def test_after_keeps_the_wall_clock(
        self, at: dt.datetime, tz: str, months: int, days: int
    ) -> None:
        """Span.after adds months (clamped) then days on the local wall clock."""
        got = Span(months=months, days=days).after(at, tz=tz)
        if months == days == 0:
            assert utc(got) == utc(at)
        else:
            assert utc(got) == expected_instant(step(wall(at, tz), months=months, days=days), tz)


# -- the lifecycle, months and count moments in every zone -------------------------------


class TestWholeDaysInTheLifecycle:
    @given(start=instants(), tz=zones())
    def test_cancelling_works_all_of_the_last_day(self, start: dt.datetime, tz: str) -> None:
        """cancel() is on time at the last microsecond of the last day, late one later."""
        sub = subscriptions.subscribe("t", TEAMS, at=start, seats=5, tz=tz).subscription
        deadline = subscriptions.cancellation_deadline(sub)
        assert deadline is not None
        if utc(deadline) < utc(start):
            return  # a renewal within five days of the start leaves no day to cancel
        cancelled, _ = subscriptions.cancel(sub, at=deadline)
        assert cancelled.status is Status.CANCELLED
        with pytest.raises(CancellationTooLate):
            subscriptions.cancel(sub, at=deadline + ONE_MICROSECOND)

    @given(start=instants(), tz=zones())
    def test_reminders_come_on_days_when_cancelling_works(
        self, start: dt.datetime, tz: str
    ) -> None:
        """Both reminders of the first renewal are due on days that cancelling still covers."""
        sub = subscriptions.subscribe("t", TEAMS, at=start, seats=5, tz=tz).subscription
        paid = sub.paid_through
        assert paid is not None
        last_day = TEAMS_TERMS.last_day_to_cancel(paid, tz=tz)
        for day, kind in (
            (TEAMS_TERMS.reminder_day(paid, tz=tz), "renewal"),
            (last_day, "cancellation_deadline"),
        ):
            if first_instant(day, tz) <= utc(start):
                continue  # the day began before the subscription did
            due = [r for r in subscriptions.due_reminders([sub], on=day) if r.kind == kind]
            assert len(due) == 1
            assert due[0].last_day_to_cancel == last_day
            assert (
                subscriptions.cancel(sub, at=due[0].deadline).subscription.status
                is Status.CANCELLED
            )


def months() -> st.SearchStrategy[Month]:
    """Months from 2000 to 2100."""
    return st.builds(Month, st.integers(2000, 2100), st.integers(1, 12))


class TestMonthsAndCountMoments:
    @given(month=months(), tz=zones(), day=st.integers(1, 28))
    @example(month=Month(2015, 10), tz="America/Havana", day=1)
    @example(month=Month(2023, 9), tz="America/Asuncion", day=1)
    def test_count_moment_is_the_first_instant_of_its_day(
        self, month: Month, tz: str, day: int
    ) -> None:
        """The count moment is the first instant of day ``day`` of the next month, even
        where DST skips or repeats that midnight; the window starts likewise 9 months back.
        """
        policy = CountMoment(day=day)
        nxt = month + 1
        at = policy.at(month, tz)
        assert utc(at) == first_instant(dt.date(nxt.year, nxt.month, day), tz)
        start, end = policy.window(month, tz)
        back = month + -8
        assert utc(start) == first_instant(dt.date(back.year, back.month, day), tz)
        assert end == at

    def test_havana_count_moment_is_the_first_midnight(self) -> None:
        """October 2015 in Havana ends at the first 00:00 of 1 November (-04:00)."""
        assert CountMoment().at(Month(2015, 10), "America/Havana").isoformat() == (
            "2015-11-01T00:00:00-04:00"
        )

    @given(moment=instants(), tz=zones())
    def test_start_of_month_and_day(self, moment: dt.datetime, tz: str) -> None:
        """start_of_day/start_of_month are the first instants of the local day/month."""
        local_day = wall(moment, tz).date()
        assert utc(clock.start_of_day(moment, tz=tz)) == first_instant(local_day, tz)
        first = local_day.replace(day=1)
        assert utc(clock.start_of_month(moment, tz=tz)) == first_instant(first, tz)
        assert utc(Month.of(moment, tz).first_day(tz)) == first_instant(first, tz)

    @given(month=months(), tz=zones())
    def test_events_at_the_edges_of_a_window(self, month: Month, tz: str) -> None:
        """An event at the window's first instant counts; one a microsecond before it does
        not; one at the count moment belongs to the next month."""
        start, end = CountMoment().window(month, tz)
        events = [
            ActivityEvent("a", "s", "first", 3, "engagement", start),
            ActivityEvent("b", "s", "before", 3, "engagement", start - ONE_MICROSECOND),
            ActivityEvent("c", "s", "end", 3, "engagement", end),
            ActivityEvent("d", "s", "last", 3, "engagement", end - ONE_MICROSECOND),
        ]
        assert billable_pupils(events, at=end, tz=tz) == {"first", "last"}
