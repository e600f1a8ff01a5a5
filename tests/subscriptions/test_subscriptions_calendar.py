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

from subscriptionkit.errors import InvalidPlan
from subscriptionkit.plans import FOCUS_PO_TERMS, TEAMS_TERMS, Span, Terms

#: Zones with one-hour DST (Amsterdam, New York), half-hour DST (Lord Howe), 45-minute
#: offsets with DST (Chatham), half-hour offsets without DST (Kolkata), and UTC.
ZONES = (
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "America/Sao_Paulo",
    "UTC",
)

UTC = dt.UTC
ONE_MICROSECOND = dt.timedelta(microseconds=1)
MONTHLY = Terms(term="P1M", cancellation_notice="P5D", reminder_lead="P14D")


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
    """``at`` in UTC: PEP 495 makes datetimes in a gap or fold unequal to any other zone's."""
    return at.astimezone(UTC)


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


# -- the Teams cancellation deadline --------------------------------------------------


class TestCancelDeadline:
    @given(start=instants(), tz=zones(), periods=st.integers(1, 10))
    def test_teams_deadline_is_five_local_days_before_payment(
        self, start: dt.datetime, tz: str, periods: int
    ) -> None:
        """The Teams deadline is 5 local calendar days before the payment, same wall time.

        DST rule: the wall-clock time of the payment is kept on the deadline day. If that
        time does not exist on the deadline day (it falls in a DST gap), it moves forward
        by the gap (Amsterdam: 02:30 → 03:30; Lord Howe: 02:10 → 02:40); if it exists twice,
        the later one counts. The local date is always exactly 5 days earlier.
        """
        renewal = TEAMS_TERMS.renewal_date(start, periods, tz=tz)
        deadline = TEAMS_TERMS.cancel_deadline(renewal, tz=tz)
        pay_wall, dead_wall = wall(renewal, tz), wall(deadline, tz)
        assert dead_wall.date() == pay_wall.date() - dt.timedelta(days=5)
        target = step(pay_wall, days=-5)
        if is_imaginary(target, tz):
            assert dead_wall > target
        else:
            assert dead_wall == target
        assert utc(deadline) == expected_instant(target, tz)

    def test_dst_gap_moves_the_deadline_forward(self) -> None:
        """A 02:30 payment on 4 April gives a 03:30 deadline on the spring-forward night."""
        renewal = dt.datetime(2025, 4, 4, 2, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
        deadline = TEAMS_TERMS.cancel_deadline(renewal)
        assert deadline.isoformat() == "2025-03-30T03:30:00+02:00"

    def test_dst_fold_takes_the_later_time(self) -> None:
        """A 02:30 payment on 31 October gives the second 02:30 of 26 October (CET)."""
        renewal = dt.datetime(2025, 10, 31, 2, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
        deadline = TEAMS_TERMS.cancel_deadline(renewal)
        assert deadline.isoformat() == "2025-10-26T02:30:00+01:00"


# -- reminders --------------------------------------------------------------------------


class TestReminderDate:
    @given(renewal=instants(), tz=zones())
    def test_teams_reminder_is_14_days_before(self, renewal: dt.datetime, tz: str) -> None:
        """The Teams reminder is 14 local calendar days before the renewal."""
        got = TEAMS_TERMS.reminder_date(renewal, tz=tz)
        assert wall(got, tz).date() == wall(renewal, tz).date() - dt.timedelta(days=14)
        assert utc(got) == expected_instant(step(wall(renewal, tz), days=-14), tz)

    @given(renewal=instants(), tz=zones())
    @example(renewal=dt.datetime(2025, 4, 30, 9, tzinfo=UTC), tz="UTC")
    @example(renewal=dt.datetime(2024, 4, 30, 9, tzinfo=UTC), tz="UTC")
    def test_focus_po_reminder_is_two_months_before(self, renewal: dt.datetime, tz: str) -> None:
        """The Focus PO reminder is 2 months before renewal, clamped to the month's end."""
        got = wall(FOCUS_PO_TERMS.reminder_date(renewal, tz=tz), tz).date()
        day = wall(renewal, tz).date()
        year, month = (day.year, day.month - 2) if day.month > 2 else (day.year - 1, day.month + 10)
        assert got == dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

    def test_april_30_reminds_on_the_last_day_of_february(self) -> None:
        """Two months before 30 April is 28 February (29 in a leap year)."""
        ams = ZoneInfo("Europe/Amsterdam")
        for year, want in ((2025, dt.date(2025, 2, 28)), (2028, dt.date(2028, 2, 29))):
            renewal = dt.datetime(year, 4, 30, 9, 0, tzinfo=ams)
            assert FOCUS_PO_TERMS.reminder_date(renewal).date() == want


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
