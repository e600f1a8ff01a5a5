"""The billing rules, each with exact amounts: advance, usage, true-up, upgrade, seats.

Published prices (seed 002): Focus PO 1-2 and 1-8 € 0,96 per pupil per month and
€ 11,50 per year; Focus PO 3-8 € 0,30 and € 3,60. Teams has no published price; the
tests configure € 60,00 per seat per year.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Hashable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import attrs
import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from subscriptionkit import billing, metering, plans, subscriptions
from subscriptionkit.errors import (
    InvalidGrade,
    InvalidInput,
    PriceNotConfigured,
)
from subscriptionkit.metering import ActivityEvent, CountMoment, Month, MonthlyCounts
from subscriptionkit.money import eur, line_amount
from subscriptionkit.subscriptions import SeatsChanged, Status, Subscription, Upgraded

AMS = "Europe/Amsterdam"
ZONE = ZoneInfo(AMS)
CATALOG = plans.default_catalog()


def _pupil_plan(plan: plans.Plan) -> plans.PupilPlan:
    assert isinstance(plan, plans.PupilPlan)
    return plan


P12 = _pupil_plan(CATALOG["focus-po-1-2"])
P38 = _pupil_plan(CATALOG["focus-po-3-8"])
COMBI = _pupil_plan(CATALOG["focus-po-combi"])
P18 = _pupil_plan(CATALOG["focus-po-1-8"])
TEAMS = plans.teams_plan(eur("60.00"))
SCHOOL = "school-42"
#: The first year starts on 1 August 2025 at 09:00 in Amsterdam.
START = dt.datetime(2025, 8, 1, 9, 0, tzinfo=ZONE)
RENEWAL = dt.datetime(2026, 8, 1, 9, 0, tzinfo=ZONE)
MICRO = dt.timedelta(microseconds=5)
PUPILS = {1: 28, 2: 30, 3: 31, 4: 29, 5: 30, 6: 27, 7: 33, 8: 25}


def _sub(
    plan: plans.Plan = P12, *, at: dt.datetime = START, seats: int | None = None
) -> Subscription:
    return subscriptions.subscribe(
        SCHOOL, plan, at=at, seats=seats, subscription_id="sub-1"
    ).subscription


def _renewed(sub: Subscription, years: int = 1) -> Subscription:
    for _ in range(years):
        paid = sub.paid_through
        assert paid is not None
        sub = subscriptions.catch_up(sub, at=paid).subscription
    return sub


def _months(first: str, last: str) -> tuple[Month, ...]:
    return metering.month_range(Month.parse(first), Month.parse(last))


def _counts(
    plan: plans.PupilPlan,
    months: Iterable[Month],
    per_band: Mapping[str, int],
    *,
    school: str = SCHOOL,
) -> MonthlyCounts:
    """Counts with the same number of pupils every month, per band."""
    ms = tuple(months)
    labels = tuple(b.label for b in plan.bands)
    counts: dict[tuple[Hashable, Month, str], int] = {
        (school, m, label): per_band.get(label, 0) for m in ms for label in labels
    }
    return MonthlyCounts(plan.id, ms, labels, counts)


def _event(
    pupil: str,
    grade: int,
    at: dt.datetime,
    category: str = "engagement",
    *,
    event_id: str | None = None,
) -> ActivityEvent:
    return ActivityEvent(
        event_id or f"{pupil}@{at.isoformat()}", SCHOOL, pupil, grade, category, at
    )


def _summary(invoice: billing.Invoice) -> list[tuple[str, str | None, object, str, str]]:
    """(kind, band, quantity, unit price, amount) per line, amounts as strings."""
    return [
        (ln.kind, ln.band, ln.quantity, str(ln.unit_price.amount), str(ln.amount.amount))
        for ln in invoice.lines
    ]


class TestAdvance:
    """The advance: pupils in the plan's grades × the published price per year."""

    def test_per_year_price_not_twelve_months(self) -> None:
        """40 pupils on Focus PO 1-2 cost 40 × € 11,50 = € 460,00, not 40 × 12 × € 0,96."""
        inv = billing.advance(_sub(), {1: 20, 2: 20})
        assert _summary(inv) == [("advance", "1-2", 40, "11.50", "460.00")]
        assert inv.total == eur("460.00")
        assert inv.total != line_amount(eur("0.96"), 40 * 12)  # € 460,80
        assert (inv.kind, inv.plan_id, inv.customer_id, inv.subscription_id) == (
            "advance",
            "focus-po-1-2",
            SCHOOL,
            "sub-1",
        )

    def test_the_year_it_covers_and_issue_date(self) -> None:
        """The line covers 1 Aug 2025 – 31 Jul 2026; issued on the first day unless told."""
        inv = billing.advance(_sub(), {"1-2": 40})
        assert (inv.lines[0].start, inv.lines[0].end) == (dt.date(2025, 8, 1), dt.date(2026, 7, 31))
        assert inv.issued_on == dt.date(2025, 8, 1)
        later = billing.advance(_sub(), {"1-2": 40}, issued_on=dt.date(2025, 8, 15))
        assert later.issued_on == dt.date(2025, 8, 15)

    def test_later_year_is_the_current_period(self) -> None:
        """After a renewal the advance covers the new year."""
        inv = billing.advance(_renewed(_sub()), {"1-2": 41})
        assert (inv.lines[0].start, inv.lines[0].end) == (dt.date(2026, 8, 1), dt.date(2027, 7, 31))
        assert inv.issued_on == dt.date(2026, 8, 1)
        assert inv.total == eur("471.50")

    def test_combi_counts_by_grade(self) -> None:
        """Combi: 58 pupils in 1-2 at € 11,50 and 175 in 3-8 at € 3,60: € 1.297,00."""
        inv = billing.advance(_sub(COMBI), PUPILS)
        assert _summary(inv) == [
            ("advance", "1-2", 58, "11.50", "667.00"),
            ("advance", "3-8", 175, "3.60", "630.00"),
        ]
        assert inv.total == eur("1297.00")

    def test_counts_by_band_equal_counts_by_grade(self) -> None:
        """``{"1-2": 58, "3-8": 175}`` gives the same invoice as the counts per grade."""
        by_band = billing.advance(_sub(COMBI), {"1-2": 58, "3-8": 175})
        assert by_band == billing.advance(_sub(COMBI), PUPILS)

    def test_uncovered_grades_are_ignored(self) -> None:
        """Focus PO 1-2 bills grades 1-2 only; 3-8 pupils are left out."""
        assert billing.advance(_sub(P12), PUPILS).total == eur("667.00")
        assert billing.advance(_sub(P38), PUPILS).total == eur("630.00")
        assert billing.advance(_sub(P18), PUPILS).total == eur("2679.50")  # 233 × 11,50

    def test_zero_pupils(self) -> None:
        """No pupils counted: a zero line, a zero total."""
        inv = billing.advance(_sub(COMBI), {})
        assert [ln.amount for ln in inv.lines] == [eur("0.00"), eur("0.00")]
        assert inv.total == eur(0)

    def test_seat_subscription_raises(self) -> None:
        """A Teams subscription has no advance."""
        with pytest.raises(InvalidInput) as err:
            billing.advance(_sub(TEAMS, seats=5), {1: 3})
        assert str(err.value) == (
            "subscription 'sub-1' is on seat plan 'teams'; expected a per-pupil plan"
        )

    def test_unknown_band_raises(self) -> None:
        """A band label the plan does not have is an error, not silently dropped."""
        with pytest.raises(InvalidInput) as err:
            billing.advance(_sub(P12), {"3-8": 10})
        assert str(err.value) == "plan 'focus-po-1-2' has no band '3-8'; expected one of 1-2"

    def test_negative_count_raises(self) -> None:
        """Counts must be whole numbers >= 0."""
        with pytest.raises(InvalidInput) as err:
            billing.advance(_sub(P12), {1: -1})
        assert str(err.value) == "pupil counts must be whole numbers >= 0, got -1 for 1"

    @pytest.mark.parametrize("bad", [True, 2.0, "3"])
    def test_non_integer_count_raises(self, bad: object) -> None:
        """Booleans, floats and strings are not counts."""
        pupils = {1: bad}
        with pytest.raises(InvalidInput, match="pupil counts must be whole numbers >= 0, got"):
            billing.advance(_sub(P12), pupils)  # type: ignore[arg-type]

    def test_grade_outside_primary_school_raises(self) -> None:
        """Grade 9 does not exist in Dutch primary school."""
        with pytest.raises(InvalidGrade) as err:
            billing.advance(_sub(P12), {9: 1})
        assert str(err.value) == "grade must be one of 1–8, got 9"

    def test_trial_has_no_paid_period(self) -> None:
        """A trial is not billed."""
        trial = subscriptions.start_trial(
            SCHOOL, at=START, length="P3M", subscription_id="t-1"
        ).subscription
        with pytest.raises(InvalidInput) as err:
            billing.advance(trial, {1: 1})
        assert str(err.value) == (
            "subscription 't-1' has no paid period (it is trial); "
            "expected an activated subscription"
        )


class TestPupilsByBand:
    """Counts per grade or per band, grouped into the plan's bands."""

    def test_grades_and_bands_mix(self) -> None:
        """Grades add into their band; band labels add as given."""
        assert billing.pupils_by_band(COMBI, {1: 3, 2: 4, 5: 6}) == {"1-2": 7, "3-8": 6}
        assert billing.pupils_by_band(COMBI, {"3-8": 9}) == {"1-2": 0, "3-8": 9}


class TestAdvanceCount:
    """The advance of a later year: pupils with data in the first weeks after renewal."""

    def test_window_is_half_open(self) -> None:
        """At the renewal counts; at renewal + 28 days does not; a microsecond before does."""
        end = RENEWAL + dt.timedelta(days=28)
        events = [
            _event("at-renewal", 1, RENEWAL),
            _event("just-before-end", 2, end - dt.timedelta(microseconds=1)),
            _event("at-end", 1, end),
            _event("before-renewal", 1, RENEWAL - dt.timedelta(microseconds=1)),
        ]
        assert billing.advance_count(events, P12, renewal=RENEWAL) == {"1-2": 2}

    def test_window_is_on_the_wall_clock_across_dst(self) -> None:
        """20 Mar 09:00 CET + 28 days ends 17 Apr 09:00 CEST (07:00 UTC), not 08:00 UTC."""
        renewal = dt.datetime(2026, 3, 20, 9, 0, tzinfo=ZONE)
        utc = dt.UTC
        events = [
            _event("in", 1, dt.datetime(2026, 4, 17, 6, 59, 59, tzinfo=utc)),
            _event("out", 1, dt.datetime(2026, 4, 17, 7, 30, tzinfo=utc)),
        ]
        assert billing.advance_count(events, P12, renewal=renewal) == {"1-2": 1}

    def test_latest_grade_decides_the_band(self) -> None:
        """A pupil seen in grade 2 and later in grade 3 is a 3-8 pupil, and counted once."""
        day = dt.timedelta(days=1)
        events = [
            _event("mover", 2, RENEWAL + day),
            _event("mover", 3, RENEWAL + 5 * day),
            _event("back", 3, RENEWAL + day),
            _event("back", 2, RENEWAL + 2 * day),
            _event("stay", 4, RENEWAL + 3 * day),
        ]
        assert billing.advance_count(events, COMBI, renewal=RENEWAL) == {"1-2": 1, "3-8": 2}
        # As in metering, Focus PO 1-2 looks only at grades it covers: the mover's grade-2
        # event in the window counts it there.
        assert billing.advance_count(events, P12, renewal=RENEWAL) == {"1-2": 2}

    def test_one_school_at_a_time(self) -> None:
        """Events of two schools need school_id; with it, only that school counts."""
        other = attrs.evolve(_event("p9", 4, RENEWAL), school_id="elsewhere")
        events = [_event("p1", 4, RENEWAL), other]
        with pytest.raises(InvalidInput, match="pass school_id= to choose one"):
            billing.advance_count(events, COMBI, renewal=RENEWAL)
        assert billing.advance_count(events, COMBI, renewal=RENEWAL, school_id="elsewhere") == {
            "1-2": 0,
            "3-8": 1,
        }

    def test_same_second_takes_the_higher_grade_in_any_order(self) -> None:
        """Two grades in one second: the higher grade, as metering does, whatever the order."""
        at = RENEWAL + dt.timedelta(days=3)
        three = _event("p", 3, at, event_id="e3")
        for two in (_event("p", 2, at, event_id="e2"), _event("p", 2, at + MICRO, event_id="e2")):
            expected = {"1-2": 0, "3-8": 1}
            assert billing.advance_count([two, three], COMBI, renewal=RENEWAL) == expected
            assert billing.advance_count([three, two], COMBI, renewal=RENEWAL) == expected
            counts = metering.monthly_counts([two, three], COMBI, _months("2026-08", "2026-08"))
            assert counts.count(SCHOOL, Month(2026, 8), "3-8") == 1

    def test_non_billable_and_uncovered_are_ignored(self) -> None:
        """A login does not count, nor does a later login change the band; grade 5 is not 1-2."""
        day = dt.timedelta(days=1)
        events = [
            _event("a", 1, RENEWAL + day, "login"),
            _event("b", 5, RENEWAL + day, "cross_method_test"),
            _event("c", 2, RENEWAL + day, "objective_mastery"),
            _event("c", 3, RENEWAL + 2 * day, "report_viewed"),
        ]
        assert billing.advance_count(events, P12, renewal=RENEWAL) == {"1-2": 1}

    def test_window_length_is_a_plan_term(self) -> None:
        """With a two-week count period, an event on day 20 is outside."""
        short = attrs.evolve(
            P12, terms=attrs.evolve(P12.terms, advance_count_period=plans.Span(days=14))
        )
        events = [
            _event("early", 1, RENEWAL + dt.timedelta(days=13)),
            _event("late", 1, RENEWAL + dt.timedelta(days=20)),
        ]
        assert billing.advance_count(events, short, renewal=RENEWAL) == {"1-2": 1}
        assert billing.advance_count(events, P12, renewal=RENEWAL) == {"1-2": 2}

    def test_feeds_the_advance(self) -> None:
        """The count goes straight into :func:`advance` (by band)."""
        events = [_event(f"p{i}", 1 + i % 8, RENEWAL + dt.timedelta(hours=i)) for i in range(24)]
        counts = billing.advance_count(events, COMBI, renewal=RENEWAL)
        assert counts == {"1-2": 6, "3-8": 18}
        inv = billing.advance(_renewed(_sub(COMBI)), counts)
        assert inv.total == eur("133.80")  # 6 × 11,50 + 18 × 3,60


# -- usage months ---------------------------------------------------------------


@st.composite
def _starts(draw: st.DrawFn) -> dt.datetime:
    """Start moments in Amsterdam, often on month ends, leap days, DST days and midnight."""
    year = draw(st.integers(2000, 2060))
    month = draw(st.integers(1, 12))
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    day = draw(st.sampled_from([1, 28, 29, 30, 31, 15]) | st.integers(1, 31))
    if draw(st.booleans()):  # the last Sunday of March or October: a DST change
        month = draw(st.sampled_from([3, 10]))
        last = 31
        day = max(d for d in range(25, 32) if dt.date(year, month, d).weekday() == 6)
    hour, minute = draw(
        st.sampled_from([(0, 0), (2, 30), (23, 59)])
        | st.tuples(st.integers(0, 23), st.integers(0, 59))
    )
    fold = draw(st.integers(0, 1))
    return dt.datetime(year, month, min(day, last), hour, minute, tzinfo=ZONE, fold=fold)


def _year_after(start: dt.datetime, years: int = 1) -> dt.datetime:
    return P12.terms.renewal_date(start, years, tz=AMS)


class TestUsageMonths:
    """Which months' usage belongs to a period ``(start, end]``."""

    def test_a_year_from_the_first_of_august(self) -> None:
        """1 Aug 2025 09:00 – 1 Aug 2026 09:00: August 2025 to July 2026."""
        months = billing.usage_months(START, RENEWAL)
        assert [str(m) for m in months] == [str(m) for m in _months("2025-08", "2026-07")]

    def test_a_year_from_midnight(self) -> None:
        """From midnight 1 Aug: July's count moment is the start itself, so July is out."""
        start = dt.datetime(2025, 8, 1, tzinfo=ZONE)
        months = billing.usage_months(start, _year_after(start))
        assert months == _months("2025-08", "2026-07")

    def test_a_year_cut_short_by_an_upgrade(self) -> None:
        """Upgrade on 15 Feb 2026: Aug–Jan stay with the old year, February goes to the new."""
        upgrade = dt.datetime(2026, 2, 15, 10, 0, tzinfo=ZONE)
        assert billing.usage_months(START, upgrade) == _months("2025-08", "2026-01")
        assert billing.usage_months(upgrade, _year_after(upgrade)) == _months("2026-02", "2027-01")

    def test_another_count_day(self) -> None:
        """Counted on the 15th: 1 Aug 09:00 – 1 Aug 09:00 still holds twelve months."""
        months = billing.usage_months(START, RENEWAL, count_moment=CountMoment(day=15))
        assert months == _months("2025-07", "2026-06")

    @settings(max_examples=200, deadline=None)
    @given(start=_starts(), day=st.sampled_from([1, 1, 1, 15, 28]))
    @example(start=dt.datetime(2024, 2, 29, 12, 0, tzinfo=ZONE), day=1)
    @example(start=dt.datetime(2025, 1, 31, 23, 59, tzinfo=ZONE), day=1)
    @example(start=dt.datetime(2025, 3, 30, 2, 30, tzinfo=ZONE), day=1)  # in the DST gap
    @example(start=dt.datetime(2025, 10, 26, 2, 30, tzinfo=ZONE, fold=1), day=1)  # the fold
    def test_any_year_has_twelve_consecutive_months(self, start: dt.datetime, day: int) -> None:
        """Every 12-month year, whatever its start, holds exactly twelve consecutive months."""
        months = billing.usage_months(start, _year_after(start), count_moment=CountMoment(day=day))
        assert len(months) == 12
        assert all(b - a == 1 for a, b in itertools.pairwise(months))

    @settings(max_examples=200, deadline=None)
    @given(
        start=_starts(),
        cut=st.floats(0, 1, exclude_min=True),
        years_after=st.integers(1, 3),
    )
    def test_consecutive_periods_partition_the_months(
        self, start: dt.datetime, cut: float, years_after: int
    ) -> None:
        """A year cut short by an upgrade and the years after: no month twice, none lost."""
        end_of_first = _year_after(start)
        span = end_of_first - start
        upgrade = start + dt.timedelta(seconds=int(span.total_seconds() * cut) or 1)
        bounds = [start, upgrade, *(_year_after(upgrade, k) for k in range(1, years_after + 1))]
        parts = [billing.usage_months(a, b) for a, b in itertools.pairwise(bounds)]
        joined = [m for part in parts for m in part]
        assert joined == list(billing.usage_months(bounds[0], bounds[-1]))
        assert all(b - a == 1 for a, b in itertools.pairwise(joined))
        assert all(len(part) == 12 for part in parts[1:])


# -- usage lines ----------------------------------------------------------------


class TestUsageLines:
    """Actual usage: pupil-months × the price per pupil per month, per band."""

    def test_pupil_months_times_monthly_price(self) -> None:
        """1-2: 30..41 pupils (426 pupil-months, € 408,96); 3-8: 100 a month (€ 360,00)."""
        months = _months("2025-08", "2026-07")
        counts: dict[tuple[Hashable, Month, str], int] = {
            (SCHOOL, m, "1-2"): 30 + i for i, m in enumerate(months)
        }
        counts |= {(SCHOOL, m, "3-8"): 100 for m in months}
        mc = MonthlyCounts(COMBI.id, months, ("1-2", "3-8"), counts)
        lines = billing.usage_lines(mc, COMBI, school_id=SCHOOL, start=START, end=RENEWAL)
        assert [(ln.kind, ln.band, ln.quantity, ln.amount) for ln in lines] == [
            ("usage", "1-2", 426, eur("408.96")),
            ("usage", "3-8", 1200, eur("360.00")),
        ]
        assert (lines[0].start, lines[0].end) == (dt.date(2025, 8, 1), dt.date(2026, 7, 31))

    def test_only_the_period_months_count(self) -> None:
        """Counts for more months than the period: only the period's months are summed."""
        mc = _counts(P12, _months("2025-01", "2026-12"), {"1-2": 10})
        (line,) = billing.usage_lines(mc, P12, school_id=SCHOOL, start=START, end=RENEWAL)
        assert (line.quantity, line.amount) == (120, eur("115.20"))

    def test_other_school_counts_nothing(self) -> None:
        """Counts are per school: another school's usage is zero."""
        mc = _counts(P12, _months("2025-08", "2026-07"), {"1-2": 10})
        (line,) = billing.usage_lines(mc, P12, school_id="other", start=START, end=RENEWAL)
        assert line.amount == eur("0.00")

    def test_from_events(self) -> None:
        """Monthly counts from events: one pupil active once is billable for nine months."""
        events = [_event("p1", 1, dt.datetime(2025, 9, 10, 12, 0, tzinfo=ZONE))]
        months = _months("2025-07", "2026-08")
        mc = metering.monthly_counts(events, P12, months)
        (line,) = billing.usage_lines(mc, P12, school_id=SCHOOL, start=START, end=RENEWAL)
        assert (line.quantity, line.amount) == (9, eur("8.64"))  # September to May

    def test_counts_for_another_plan_raise(self) -> None:
        """Counts made with the Focus PO 1-2 bands cannot price a Combi year."""
        mc = _counts(P12, _months("2025-08", "2026-07"), {"1-2": 10})
        with pytest.raises(InvalidInput) as err:
            billing.usage_lines(mc, COMBI, school_id=SCHOOL, start=START, end=RENEWAL)
        assert str(err.value) == (
            "counts were made for plan 'focus-po-1-2'; expected counts for 'focus-po-combi'"
        )

    def test_missing_months_raise(self) -> None:
        """Counts that stop in May cannot price a year that ends in July."""
        mc = _counts(P12, _months("2025-08", "2026-05"), {"1-2": 10})
        with pytest.raises(InvalidInput) as err:
            billing.usage_lines(mc, P12, school_id=SCHOOL, start=START, end=RENEWAL)
        assert str(err.value) == (
            "counts lack month(s) 2026-06, 2026-07 of the period; expected counts for "
            "2025-08, 2025-09, 2025-10, 2025-11, 2025-12, 2026-01, 2026-02, 2026-03, "
            "2026-04, 2026-05, 2026-06, 2026-07"
        )


# -- true-up --------------------------------------------------------------------

YEAR1 = _months("2025-08", "2026-07")
YEAR2 = _months("2026-08", "2027-07")


class TestTrueUp:
    """The invoice at the start of year 2 and later: three parts."""

    def test_three_parts(self) -> None:
        """Credit 40 × € 11,50, usage 456 × € 0,96, advance 42 × € 11,50: € 460,76."""
        sub = _sub()
        adv = billing.advance(sub, {"1-2": 40})
        counts = _counts(P12, YEAR1, {"1-2": 38})
        inv = billing.true_up(
            _renewed(sub), previous_advance=adv, counts=counts, next_pupils={1: 20, 2: 22}
        )
        assert inv is not None
        assert _summary(inv) == [
            ("advance_credit", "1-2", 40, "11.50", "-460.00"),
            ("usage", "1-2", 456, "0.96", "437.76"),
            ("advance", "1-2", 42, "11.50", "483.00"),
        ]
        assert inv.total == eur("460.76")
        assert (inv.kind, inv.issued_on) == ("true_up", dt.date(2026, 8, 1))
        assert [(ln.start, ln.end) for ln in inv.lines] == [
            (dt.date(2025, 8, 1), dt.date(2026, 7, 31)),
            (dt.date(2025, 8, 1), dt.date(2026, 7, 31)),
            (dt.date(2026, 8, 1), dt.date(2027, 7, 31)),
        ]
        assert inv.subtotal("advance_credit") == -adv.total

    def test_previous_advance_of_another_subscription_is_refused(self) -> None:
        """Crediting another subscription's advance raises InvalidInput naming both."""
        sub = _sub()
        other = attrs.evolve(sub, id="someone-else")
        adv = billing.advance(other, {"1-2": 40})
        counts = _counts(P12, YEAR1, {"1-2": 38})
        with pytest.raises(InvalidInput) as info:
            billing.true_up(_renewed(sub), previous_advance=adv, counts=counts, next_pupils={1: 1})
        assert str(info.value) == (
            f"previous_advance belongs to subscription 'someone-else'; expected one of {sub.id!r}"
        )

    def test_third_year_credits_the_second_advance(self) -> None:
        """The year-2 true-up's advance lines are what the year-3 true-up credits."""
        sub = _sub()
        adv = billing.advance(sub, {"1-2": 40})
        counts = _counts(P12, (*YEAR1, *YEAR2), {"1-2": 40})
        tu2 = billing.true_up(
            _renewed(sub), previous_advance=adv, counts=counts, next_pupils={"1-2": 42}
        )
        assert tu2 is not None
        tu3 = billing.true_up(
            _renewed(sub, 2), previous_advance=tu2, counts=counts, next_pupils={"1-2": 45}
        )
        assert tu3 is not None
        assert _summary(tu3) == [
            ("advance_credit", "1-2", 42, "11.50", "-483.00"),
            ("usage", "1-2", 480, "0.96", "460.80"),
            ("advance", "1-2", 45, "11.50", "517.50"),
        ]
        assert tu3.issued_on == dt.date(2027, 8, 1)

    def test_not_renewed_yet(self) -> None:
        """Still in the first year: nothing to true up."""
        sub = _sub()
        adv = billing.advance(sub, {"1-2": 40})
        counts = _counts(P12, YEAR1, {"1-2": 38})
        assert billing.true_up(sub, previous_advance=adv, counts=counts, next_pupils={}) is None

    def test_customer_stops_after_the_first_year(self) -> None:
        """Cancelled in time, then caught up past the renewal: no true-up."""
        sub = _sub()
        adv = billing.advance(sub, {"1-2": 40})
        cancelled = subscriptions.cancel(sub, at=dt.datetime(2026, 5, 1, tzinfo=ZONE)).subscription
        ended = subscriptions.catch_up(cancelled, at=RENEWAL + dt.timedelta(days=1)).subscription
        assert ended.status is Status.EXPIRED
        counts = _counts(P12, YEAR1, {"1-2": 38})
        assert billing.true_up(ended, previous_advance=adv, counts=counts, next_pupils={}) is None

    def test_customer_stops_after_the_second_year(self) -> None:
        """The library applies "no true-up when the customer stops" to every year."""
        sub = _renewed(_sub())
        adv = billing.advance(sub, {"1-2": 40})
        cancelled = subscriptions.cancel(sub, at=dt.datetime(2027, 5, 1, tzinfo=ZONE)).subscription
        ended = subscriptions.catch_up(
            cancelled, at=dt.datetime(2027, 8, 2, tzinfo=ZONE)
        ).subscription
        counts = _counts(P12, (*YEAR1, *YEAR2), {"1-2": 38})
        assert billing.true_up(ended, previous_advance=adv, counts=counts, next_pupils={}) is None

    def test_cancelled_after_the_renewal_still_owes_the_true_up(self) -> None:
        """Renewed into year 2, then cancelled for the end of year 2: year 1 is trued up."""
        sub = _sub()
        adv = billing.advance(sub, {"1-2": 40})
        renewed = _renewed(sub)
        cancelled = subscriptions.cancel(
            renewed, at=dt.datetime(2026, 9, 1, tzinfo=ZONE)
        ).subscription
        assert cancelled.status is Status.CANCELLED
        counts = _counts(P12, YEAR1, {"1-2": 38})

        def year_end(renewed: Subscription) -> billing.Invoice | None:
            return billing.true_up(
                renewed, previous_advance=adv, counts=counts, next_pupils={"1-2": 42}
            )

        expected = year_end(renewed)
        assert expected is not None
        assert expected.total == eur("460.76")
        assert year_end(cancelled) == expected

    def test_downgrade_at_renewal_prices_the_past_year_on_the_old_plan(self) -> None:
        """Combi → 1-2 at renewal: the past year's usage has both bands at Combi prices."""
        sub = _sub(COMBI)
        adv = billing.advance(sub, PUPILS)
        down = subscriptions.schedule_downgrade(
            sub, P12, at=dt.datetime(2026, 6, 1, tzinfo=ZONE)
        ).subscription
        renewed = _renewed(down)
        assert renewed.plan_id == "focus-po-1-2"
        counts = _counts(COMBI, YEAR1, {"1-2": 50, "3-8": 170})
        inv = billing.true_up(
            renewed,
            previous_advance=adv,
            counts=counts,
            next_pupils={"1-2": 55},
            previous_plan=COMBI,
        )
        assert inv is not None
        assert _summary(inv) == [
            ("advance_credit", "1-2", 58, "11.50", "-667.00"),
            ("advance_credit", "3-8", 175, "3.60", "-630.00"),
            ("usage", "1-2", 600, "0.96", "576.00"),
            ("usage", "3-8", 2040, "0.30", "612.00"),
            ("advance", "1-2", 55, "11.50", "632.50"),
        ]
        assert inv.total == eur("523.50")

    def test_issue_date_and_school_id(self) -> None:
        """The issue date and the school in the counts can be given."""
        sub = _sub()
        adv = billing.advance(sub, {"1-2": 40})
        counts = _counts(P12, YEAR1, {"1-2": 38}, school="brin-01AB")
        inv = billing.true_up(
            _renewed(sub),
            previous_advance=adv,
            counts=counts,
            next_pupils={"1-2": 40},
            issued_on=dt.date(2026, 8, 15),
            school_id="brin-01AB",
        )
        assert inv is not None
        assert inv.issued_on == dt.date(2026, 8, 15)
        assert inv.subtotal("usage") == eur("437.76")

    def test_previous_invoice_must_carry_an_advance(self) -> None:
        """A seat invoice is not an advance to credit."""
        seats = billing.seat_invoice(_sub(TEAMS, seats=5))
        counts = _counts(P12, YEAR1, {"1-2": 38})
        with pytest.raises(InvalidInput) as err:
            billing.true_up(_renewed(_sub()), previous_advance=seats, counts=counts, next_pupils={})
        assert str(err.value) == (
            "previous_advance must be an advance (or an invoice with one), got a seats invoice"
        )


# -- upgrade settlement ---------------------------------------------------------

UPGRADE_AT = dt.datetime(2026, 2, 1, 9, 0, tzinfo=ZONE)
NEXT_PUPILS = {1: 20, 2: 20, 3: 20, 4: 20, 5: 20, 6: 20, 7: 15, 8: 15}


def _upgraded(
    at: dt.datetime = UPGRADE_AT, sub: Subscription | None = None
) -> tuple[Subscription, Upgraded]:
    upgraded, events = subscriptions.upgrade(sub or _sub(), COMBI, at=at)
    event = events[-1]
    assert isinstance(event, Upgraded)
    return upgraded, event


class TestUpgradeSettlement:
    """The invoice the month after an upgrade: old year settled against the new advance."""

    def test_old_usage_at_old_prices_and_new_advance(self) -> None:
        """1-2 → Combi on 1 Feb 2026: 240 pupil-months at € 0,96; Combi advance from 1 Feb."""
        adv = billing.advance(_sub(), {1: 20, 2: 20})
        upgraded, event = _upgraded()
        counts = _counts(P12, _months("2025-08", "2026-01"), {"1-2": 40})
        inv = billing.upgrade_settlement(
            upgraded,
            event,
            previous_plan=P12,
            previous_advance=adv,
            counts=counts,
            next_pupils=NEXT_PUPILS,
        )
        assert _summary(inv) == [
            ("advance_credit", "1-2", 40, "11.50", "-460.00"),
            ("usage", "1-2", 240, "0.96", "230.40"),
            ("advance", "1-2", 40, "11.50", "460.00"),
            ("advance", "3-8", 110, "3.60", "396.00"),
        ]
        assert inv.total == eur("626.40")
        assert (inv.kind, inv.plan_id, inv.issued_on) == (
            "upgrade_settlement",
            "focus-po-combi",
            dt.date(2026, 3, 1),
        )
        assert [(ln.start, ln.end) for ln in inv.lines][1:3] == [
            (dt.date(2025, 8, 1), dt.date(2026, 1, 31)),
            (dt.date(2026, 2, 1), dt.date(2027, 1, 31)),
        ]

    def test_default_issue_date_is_on_the_local_calendar(self) -> None:
        """31 Jan 23:30 in Amsterdam is still January: issued 1 February, not 1 March."""
        at = dt.datetime(2026, 1, 31, 22, 30, tzinfo=dt.UTC)  # 23:30 CET
        adv = billing.advance(_sub(), {"1-2": 40})
        upgraded, event = _upgraded(at)
        counts = _counts(P12, _months("2025-08", "2026-01"), {"1-2": 40})
        inv = billing.upgrade_settlement(
            upgraded,
            event,
            previous_plan=P12,
            previous_advance=adv,
            counts=counts,
            next_pupils={},
        )
        assert inv.issued_on == dt.date(2026, 2, 1)
        # December's count moment (1 Jan) is in the old year; January's (1 Feb) is not.
        assert inv.subtotal("usage") == line_amount(eur("0.96"), 5 * 40)
        later = billing.upgrade_settlement(
            upgraded,
            event,
            previous_plan=P12,
            previous_advance=adv,
            counts=counts,
            next_pupils={},
            issued_on=dt.date(2026, 2, 20),
        )
        assert later.issued_on == dt.date(2026, 2, 20)

    def test_upgrade_in_the_second_year(self) -> None:
        """An upgrade on 1 Nov 2026 settles Aug–Oct 2026 against the year-2 advance."""
        renewed = _renewed(_sub())
        adv2 = billing.advance(renewed, {"1-2": 40})
        upgraded, event = _upgraded(dt.datetime(2026, 11, 1, 9, 0, tzinfo=ZONE), renewed)
        assert event.previous_started_at == RENEWAL
        counts = _counts(P12, YEAR2, {"1-2": 40})
        inv = billing.upgrade_settlement(
            upgraded,
            event,
            previous_plan=P12,
            previous_advance=adv2,
            counts=counts,
            next_pupils={"1-2": 40, "3-8": 100},
        )
        assert inv.subtotal("usage") == eur("115.20")  # 3 × 40 × € 0,96
        assert inv.total == eur("475.20")  # -460 + 115,20 + 460 + 360
        assert inv.issued_on == dt.date(2026, 12, 1)

    def test_mismatched_previous_plan_raises(self) -> None:
        """The previous plan must be the one the event upgraded from."""
        adv = billing.advance(_sub(), {"1-2": 40})
        upgraded, event = _upgraded()
        counts = _counts(P38, _months("2025-08", "2026-01"), {"3-8": 40})
        with pytest.raises(InvalidInput) as err:
            billing.upgrade_settlement(
                upgraded,
                event,
                previous_plan=P38,
                previous_advance=adv,
                counts=counts,
                next_pupils={},
            )
        assert str(err.value) == (
            "the upgrade event goes from 'focus-po-1-2' to 'focus-po-combi'; got "
            "previous_plan='focus-po-3-8' and a subscription on 'focus-po-combi'"
        )

    def test_mismatched_subscription_raises(self) -> None:
        """The subscription must be on the plan the event upgraded to."""
        adv = billing.advance(_sub(), {"1-2": 40})
        _, event = _upgraded()
        counts = _counts(P12, _months("2025-08", "2026-01"), {"1-2": 40})
        with pytest.raises(InvalidInput, match="a subscription on 'focus-po-1-2'"):
            billing.upgrade_settlement(
                _sub(),
                event,
                previous_plan=P12,
                previous_advance=adv,
                counts=counts,
                next_pupils={},
            )

    def test_counts_of_the_new_plan_raise(self) -> None:
        """The old year is priced on the old plan: Combi counts are refused."""
        adv = billing.advance(_sub(), {"1-2": 40})
        upgraded, event = _upgraded()
        counts = _counts(COMBI, _months("2025-08", "2026-01"), {"1-2": 40})
        with pytest.raises(InvalidInput, match="counts were made for plan 'focus-po-combi'"):
            billing.upgrade_settlement(
                upgraded,
                event,
                previous_plan=P12,
                previous_advance=adv,
                counts=counts,
                next_pupils={},
            )


# -- seats ----------------------------------------------------------------------

TEAMS_START = dt.datetime(2025, 1, 1, 0, 0, tzinfo=ZONE)


def _seat_change(
    sub: Subscription, seats: int, at: dt.datetime
) -> tuple[Subscription, SeatsChanged]:
    changed, events = subscriptions.change_seats(sub, seats, at=at)
    event = events[-1]
    assert isinstance(event, SeatsChanged)
    return changed, event


class TestSeatInvoice:
    """Seat plans: seats × the price per seat per year."""

    def test_seats_times_price(self) -> None:
        """10 seats × € 60,00 = € 600,00 for 2025."""
        inv = billing.seat_invoice(_sub(TEAMS, at=TEAMS_START, seats=10))
        assert _summary(inv) == [("seats", None, 10, "60.00", "600.00")]
        assert (inv.kind, inv.issued_on) == ("seats", dt.date(2025, 1, 1))
        assert (inv.lines[0].start, inv.lines[0].end) == (
            dt.date(2025, 1, 1),
            dt.date(2025, 12, 31),
        )
        assert billing.seat_invoice(
            _sub(TEAMS, at=TEAMS_START, seats=10), issued_on=dt.date(2024, 12, 20)
        ).issued_on == dt.date(2024, 12, 20)

    def test_unpriced_teams_raises(self) -> None:
        """The published Teams plan has no price; billing it says what to configure."""
        with pytest.raises(PriceNotConfigured) as err:
            billing.seat_invoice(_sub(CATALOG["teams"], at=TEAMS_START, seats=10))
        assert err.value.plan_id == "teams"
        assert str(err.value) == (
            "plan 'teams' has no configured price: the published sources give none, so it "
            "must be set (price_per_seat_year); got no price"
        )

    def test_pupil_plan_raises(self) -> None:
        """A per-pupil subscription has no seats."""
        with pytest.raises(InvalidInput) as err:
            billing.seat_invoice(_sub())
        assert str(err.value) == (
            "subscription 'sub-1' is on per-pupil plan 'focus-po-1-2'; expected a seat plan"
        )


class TestSeatChangeInvoice:
    """Seats added mid-term: prorated to the day, or from the next renewal."""

    def test_prorated_to_the_day(self) -> None:
        """3 seats added on 1 Jul 2025: 3 × € 60 × 184/365 = € 90,739... → € 90,74."""
        sub = _sub(TEAMS, at=TEAMS_START, seats=10)
        changed, event = _seat_change(sub, 13, dt.datetime(2025, 7, 1, 15, 0, tzinfo=ZONE))
        inv = billing.seat_change_invoice(changed, event)
        assert inv is not None
        (line,) = inv.lines
        assert (line.kind, line.quantity, line.amount) == ("seats_prorated", 3, eur("90.74"))
        assert line.details == {"days": 184, "period_days": 365}
        assert (line.start, line.end, inv.issued_on) == (
            dt.date(2025, 7, 1),
            dt.date(2025, 12, 31),
            dt.date(2025, 7, 1),
        )
        assert inv.kind == "seat_change"

    def test_exact_half_cent_rounds_up_once(self) -> None:
        """3 × € 119,99 × 61/366 is exactly € 59,995: half-up once gives € 60,00."""
        plan = plans.teams_plan(eur("119.99"))
        sub = _sub(plan, at=dt.datetime(2024, 1, 1, tzinfo=ZONE), seats=5)
        changed, event = _seat_change(sub, 8, dt.datetime(2024, 11, 1, 12, 0, tzinfo=ZONE))
        inv = billing.seat_change_invoice(changed, event)
        assert inv is not None
        assert inv.lines[0].details == {"days": 61, "period_days": 366}
        assert inv.total == eur("60.00")

    def test_the_change_day_counts_as_remaining(self) -> None:
        """On the first day the whole year is charged; on the last day, one day."""
        sub = _sub(TEAMS, at=TEAMS_START, seats=10)
        first = billing.seat_change_invoice(*_seat_change(sub, 13, TEAMS_START))
        last = billing.seat_change_invoice(
            *_seat_change(sub, 13, dt.datetime(2025, 12, 31, 23, 59, tzinfo=ZONE))
        )
        assert first is not None
        assert last is not None
        assert first.total == eur("180.00")
        assert last.total == eur("0.49")  # 3 × 60 / 365 = 0,493...
        assert last.lines[0].details == {"days": 1, "period_days": 365}

    def test_renewal_day_before_the_renewal_time(self) -> None:
        """A period from 09:00 runs until 09:00 on its anniversary: 08:00 is its last day."""
        sub = _sub(TEAMS, at=dt.datetime(2025, 1, 1, 9, 0, tzinfo=ZONE), seats=10)
        changed, event = _seat_change(sub, 13, dt.datetime(2026, 1, 1, 8, 0, tzinfo=ZONE))
        assert changed.periods == 1
        inv = billing.seat_change_invoice(changed, event)
        assert inv is not None
        assert inv.lines[0].details == {"days": 1, "period_days": 365}
        assert (inv.lines[0].start, inv.lines[0].end) == (
            dt.date(2025, 12, 31),
            dt.date(2025, 12, 31),
        )
        assert (inv.total, inv.issued_on) == (eur("0.49"), dt.date(2026, 1, 1))

    def test_before_the_period_start_raises(self) -> None:
        """08:00 on the first day of a period that starts at 09:00 is not in the period."""
        sub = _sub(TEAMS, at=dt.datetime(2025, 1, 1, 9, 0, tzinfo=ZONE), seats=10)
        early = SeatsChanged("sub-1", pendulum.datetime(2025, 1, 1, 8, 0, tz=AMS), 10, 13)
        with pytest.raises(InvalidInput, match="the seat change on 2025-01-01 is outside"):
            billing.seat_change_invoice(sub, early)

    def test_at_renewal_charges_nothing_now(self) -> None:
        """With the ``at_renewal`` term, added seats wait for the next invoice."""
        plan = plans.teams_plan(eur("60.00"), seat_proration="at_renewal")
        sub = _sub(plan, at=TEAMS_START, seats=10)
        changed, event = _seat_change(sub, 13, dt.datetime(2025, 7, 1, tzinfo=ZONE))
        assert billing.seat_change_invoice(changed, event) is None
        renewed = _renewed(changed)
        assert billing.seat_invoice(renewed).total == eur("780.00")

    def test_removing_seats_refunds_nothing(self) -> None:
        """Fewer seats (or the same): no invoice; the paid period stays paid."""
        sub = _sub(TEAMS, at=TEAMS_START, seats=10)
        at = dt.datetime(2025, 7, 1, tzinfo=ZONE)
        assert billing.seat_change_invoice(*_seat_change(sub, 5, at)) is None
        assert billing.seat_change_invoice(*_seat_change(sub, 10, at)) is None

    def test_change_outside_the_period_raises(self) -> None:
        """An event from another period cannot be prorated against this one."""
        sub = _sub(TEAMS, at=TEAMS_START, seats=10)
        stale = SeatsChanged("sub-1", pendulum.datetime(2026, 1, 5, 12, 0, tz=AMS), 10, 13)
        with pytest.raises(InvalidInput) as err:
            billing.seat_change_invoice(sub, stale)
        assert str(err.value) == (
            "the seat change on 2026-01-05 is outside the current period 2025-01-01 – "
            "2025-12-31; expected a change within it"
        )

    @settings(max_examples=200, deadline=None)
    @given(
        cents=st.integers(1, 100_000),
        start=st.dates(dt.date(2023, 1, 1), dt.date(2030, 12, 31)),
        offset=st.integers(0, 400),
        before=st.integers(3, 39),
        added=st.integers(1, 37),
    )
    # Exact half cents: 3 × € 119,99 × 61/366 = € 59,995; 3 × € 0,01 × 61/366 = € 0,005.
    @example(cents=11999, start=dt.date(2024, 1, 1), offset=305, before=5, added=3)
    @example(cents=1, start=dt.date(2024, 1, 1), offset=305, before=3, added=3)
    def test_rounded_once_from_the_exact_fraction(
        self, cents: int, start: dt.date, offset: int, before: int, added: int
    ) -> None:
        """The amount is added × price × remaining ÷ period days, exact, rounded half-up once."""
        price = Decimal(cents).scaleb(-2)
        before = min(before, 40 - added)
        after = before + added
        begin = dt.datetime(start.year, start.month, start.day, 8, 0, tzinfo=ZONE)
        sub = _sub(plans.teams_plan(eur(price)), at=begin, seats=before)
        end = sub.paid_through
        assert end is not None
        period_days = end.date().toordinal() - start.toordinal()
        day = start + dt.timedelta(days=offset % period_days)
        at = dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=ZONE)
        inv = billing.seat_change_invoice(*_seat_change(sub, after, at))
        assert inv is not None
        remaining = period_days - offset % period_days
        exact = Fraction(after - before) * Fraction(price) * remaining / period_days
        expected = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        # A half-cent tie is a terminating decimal, so the quotient above is exact there;
        # elsewhere it is at least 1/(2 × period days) cent away from a tie.
        assert inv.total == eur(expected)
        assert inv.lines[0].details == {"days": remaining, "period_days": period_days}
        assert inv.lines[0].amount == line_amount(inv.lines[0].unit_price, inv.lines[0].quantity)
