"""Clock and calendar: aware datetimes only, month-end clamping, DST-safe arithmetic."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies
from subscriptionkit import plans
from subscriptionkit.clock import (
    DEFAULT_TIMEZONE,
    Clock,
    FixedClock,
    SystemClock,
    add_days,
    add_months,
    ensure_aware,
    local,
    start_of_day,
    start_of_month,
    timezone,
)
from subscriptionkit.errors import InvalidInput, InvalidTimezone, NaiveDatetimeError

AMS = ZoneInfo("Europe/Amsterdam")
NAIVE = dt.datetime(2026, 1, 31, 9, 0)
AWARE = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC)
TERMS = plans.Terms()


def _wall(value: dt.datetime) -> tuple[int, int, int, int, int, float]:
    offset = value.utcoffset()
    assert offset is not None
    return (
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        offset.total_seconds() / 3600,
    )


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


NAIVE_CALLS: dict[str, Callable[[dt.datetime], Any]] = {
    "ensure_aware": lambda x: ensure_aware(x),
    "local": lambda x: local(x),
    "add_months": lambda x: add_months(x, 1),
    "add_days": lambda x: add_days(x, 1),
    "start_of_day": lambda x: start_of_day(x),
    "start_of_month": lambda x: start_of_month(x),
    "FixedClock": lambda x: FixedClock(x),
    "FixedClock.set": lambda x: FixedClock(AWARE).set(x),
    "Terms.renewal_date": lambda x: TERMS.renewal_date(x),
    "Terms.current_period.start": lambda x: TERMS.current_period(x, AWARE),
    "Terms.current_period.at": lambda x: TERMS.current_period(AWARE, x),
    "Terms.next_renewal": lambda x: TERMS.next_renewal(AWARE, x),
    "Terms.cancel_deadline": lambda x: TERMS.cancel_deadline(x),
    "Terms.reminder_date": lambda x: TERMS.reminder_date(x),
    "Terms.can_cancel": lambda x: TERMS.can_cancel(AWARE, x),
    "Span.after": lambda x: plans.Span(days=1).after(x),
    "Span.before": lambda x: plans.Span(days=1).before(x),
}


class TestAware:
    """Naive datetimes are refused everywhere."""

    @pytest.mark.parametrize("where", sorted(NAIVE_CALLS))
    def test_naive_rejected(self, where: str) -> None:
        """Every entry point raises NaiveDatetimeError for a naive datetime."""
        with pytest.raises(NaiveDatetimeError) as info:
            NAIVE_CALLS[where](NAIVE)
        assert info.value.got == NAIVE
        assert "must be a timezone-aware datetime (with tzinfo), got a naive datetime" in str(
            info.value
        )

    def test_naive_message_names_the_argument(self) -> None:
        """The message names the argument and shows the value."""
        with pytest.raises(NaiveDatetimeError) as info:
            ensure_aware(NAIVE, "at")
        assert str(info.value) == (
            "at must be a timezone-aware datetime (with tzinfo), got a naive datetime "
            "2026-01-31T09:00:00"
        )
        assert info.value.name == "at"

    def test_naive_is_type_and_value_error(self) -> None:
        """Callers catching TypeError or ValueError both see it."""
        assert issubclass(NaiveDatetimeError, TypeError)
        assert issubclass(NaiveDatetimeError, ValueError)

    def test_fixed_clock_message(self) -> None:
        """FixedClock names its own argument."""
        with pytest.raises(NaiveDatetimeError, match=r"^the moment of a FixedClock must be"):
            FixedClock(NAIVE)

    @pytest.mark.parametrize(
        ("value", "shown"),
        [
            (dt.date(2026, 1, 1), "date: 2026-01-01"),
            ("2026-01-01", "str: '2026-01-01'"),
            (None, "NoneType: None"),
        ],
    )
    def test_not_a_datetime(self, value: object, shown: str) -> None:
        """Dates, strings and None are refused with their type named; a date as ISO text."""
        with pytest.raises(InvalidInput) as info:
            ensure_aware(value, "on")
        assert not isinstance(info.value, NaiveDatetimeError)
        assert str(info.value) == f"on must be a timezone-aware datetime, got {shown}"

    def test_returns_pendulum(self) -> None:
        """Aware stdlib datetimes come back as pendulum DateTimes, same instant."""
        got = ensure_aware(dt.datetime(2026, 1, 1, 12, tzinfo=AMS))
        assert isinstance(got, pendulum.DateTime)
        assert got.timestamp() == dt.datetime(2026, 1, 1, 11, tzinfo=dt.UTC).timestamp()
        same = pendulum.datetime(2026, 1, 1, tz="UTC")
        assert ensure_aware(same) is same

    @settings(deadline=None)
    @given(value=strategies.aware_datetimes())
    def test_instant_preserved(self, value: dt.datetime) -> None:
        """ensure_aware keeps Python's instant (PEP 495), DST gaps and folds included."""
        got = ensure_aware(value)
        assert got.astimezone(dt.UTC) == value.astimezone(dt.UTC)
        assert got.utcoffset() == got.tzinfo.utcoffset(got)  # type: ignore[union-attr]


class TestTimezone:
    """IANA names, tzinfo objects and errors."""

    def test_names_and_tzinfos(self) -> None:
        """Names, zoneinfo and fixed offsets become pendulum zones."""
        assert timezone("Asia/Kolkata").name == "Asia/Kolkata"
        assert timezone(AMS).name == "Europe/Amsterdam"
        assert timezone(dt.UTC).utcoffset(None) == dt.timedelta(0)
        offset = dt.timezone(dt.timedelta(hours=5, minutes=30))
        assert timezone(offset).utcoffset(None) == dt.timedelta(hours=5, minutes=30)
        zone = pendulum.timezone("Europe/Amsterdam")
        assert timezone(zone) is zone

    @pytest.mark.parametrize("bad", ["Mars/Olympus", "", "Europe/Amsterdamm", 5, None])
    def test_invalid(self, bad: object) -> None:
        """Unknown names and non-names raise InvalidTimezone with the value."""
        with pytest.raises(InvalidTimezone) as info:
            timezone(bad)  # type: ignore[arg-type]
        assert str(info.value) == (
            f"time zone must be an IANA name such as 'Europe/Amsterdam', got {bad!r}"
        )
        assert info.value.got == bad

    def test_invalid_zone_in_arithmetic(self) -> None:
        """Calendar functions report a bad zone the same way."""
        with pytest.raises(InvalidTimezone):
            add_months(AWARE, 1, tz="Nowhere/Land")

    def test_default_zone(self) -> None:
        """The default zone is Amsterdam."""
        assert DEFAULT_TIMEZONE == "Europe/Amsterdam"
        assert local(AWARE).timezone_name == "Europe/Amsterdam"
        assert _wall(local(AWARE)) == (2026, 1, 31, 10, 0, 1.0)


class TestMonthEnd:
    """Adding months clamps to the month's end."""

    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            ((2024, 1, 31), 1, (2024, 2, 29)),
            ((2025, 1, 31), 1, (2025, 2, 28)),
            ((2024, 3, 31), -1, (2024, 2, 29)),
            ((2025, 3, 31), -1, (2025, 2, 28)),
            ((2025, 5, 31), 1, (2025, 6, 30)),
            ((2024, 2, 29), 12, (2025, 2, 28)),
            ((2024, 2, 29), 48, (2028, 2, 29)),
            ((2025, 1, 15), 0, (2025, 1, 15)),
        ],
    )
    def test_clamping(
        self, start: tuple[int, int, int], months: int, expected: tuple[int, int, int]
    ) -> None:
        """The day is kept where it exists and clamped otherwise; the time is kept."""
        got = add_months(dt.datetime(*start, 12, 0, tzinfo=AMS), months)
        assert (got.year, got.month, got.day, got.hour, got.minute) == (*expected, 12, 0)

    def test_local_month_not_utc_month(self) -> None:
        """The month is the customer's: 31 Jan 23:30 UTC is 1 Feb in Amsterdam."""
        late = dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.UTC)
        assert _wall(add_months(late, 1)) == (2025, 3, 1, 0, 30, 1.0)
        assert _wall(add_months(late, 1, tz="UTC")) == (2025, 2, 28, 23, 30, 0.0)

    @pytest.mark.parametrize("months", [1.5, "1", True, None])
    def test_months_must_be_whole(self, months: object) -> None:
        """Fractional, text and bool months are refused."""
        with pytest.raises(InvalidInput) as info:
            add_months(AWARE, months)  # type: ignore[arg-type]
        assert str(info.value) == f"months must be a whole number, got {months!r}"

    @pytest.mark.parametrize("days", [0.5, "1", False])
    def test_days_must_be_whole(self, days: object) -> None:
        """Fractional, text and bool days are refused."""
        with pytest.raises(InvalidInput) as info:
            add_days(AWARE, days)  # type: ignore[arg-type]
        assert str(info.value) == f"days must be a whole number, got {days!r}"

    @settings(deadline=None)
    @given(
        value=strategies.aware_datetimes(allow_imaginary=False),
        months=st.integers(-120, 120),
    )
    def test_day_is_clamped_property(self, value: dt.datetime, months: int) -> None:
        """add_months keeps the local day, or the month's last day when it is shorter."""
        tz = str(value.tzinfo)
        start = local(value, tz)
        got = add_months(value, months, tz=tz)
        index = start.year * 12 + start.month - 1 + months
        year, month = divmod(index, 12)
        assert (got.year, got.month) == (year, month + 1)
        assert got.day == min(start.day, _last_day(year, month + 1))
        assert got.timezone_name == tz

    @settings(deadline=None)
    @given(
        value=strategies.aware_datetimes(allow_imaginary=False),
        periods=st.integers(0, 40),
    )
    def test_renewals_never_drift(self, value: dt.datetime, periods: int) -> None:
        """renewal_date(start, n) counts from the start: Jan 31 → Feb 28/29 → Mar 31."""
        tz = str(value.tzinfo)
        terms = plans.Terms(term=plans.Span(months=1))
        start = local(value, tz)
        got = terms.renewal_date(value, periods, tz=tz)
        year, month = divmod(start.year * 12 + start.month - 1 + periods, 12)
        assert got.day == min(start.day, _last_day(year, month + 1))

    def test_renewals_from_january_31(self) -> None:
        """Monthly renewals from Jan 31 go to Feb 29, then back to Mar 31, Apr 30."""
        terms = plans.Terms(term=plans.Span(months=1))
        start = dt.datetime(2024, 1, 31, 9, 0, tzinfo=AMS)
        days = [(d.month, d.day) for d in (terms.renewal_date(start, n) for n in range(1, 5))]
        assert days == [(2, 29), (3, 31), (4, 30), (5, 31)]


class TestDst:
    """Wall-clock times across the Amsterdam DST changes of 2026."""

    def test_spring_gap_input_moves_forward(self) -> None:
        """2026-03-29 02:30 does not exist: fold=0 reads it as 03:30 CEST (Python's instant)."""
        gap = dt.datetime(2026, 3, 29, 2, 30, tzinfo=AMS)
        got = ensure_aware(gap)
        assert _wall(got) == (2026, 3, 29, 3, 30, 2.0)
        assert got.timestamp() == gap.timestamp()

    def test_spring_gap_input_fold_1(self) -> None:
        """With fold=1 the same wall time is read with the summer offset, as Python does."""
        gap = dt.datetime(2026, 3, 29, 2, 30, fold=1, tzinfo=AMS)
        got = ensure_aware(gap)
        assert _wall(got) == (2026, 3, 29, 1, 30, 1.0)
        assert got.timestamp() == gap.timestamp()

    def test_autumn_fold(self) -> None:
        """2026-10-25 02:30 happens twice: fold=0 is CEST, fold=1 is CET."""
        first = ensure_aware(dt.datetime(2026, 10, 25, 2, 30, tzinfo=AMS))
        second = ensure_aware(dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=AMS))
        assert _wall(first) == (2026, 10, 25, 2, 30, 2.0)
        assert _wall(second) == (2026, 10, 25, 2, 30, 1.0)
        assert second.timestamp() - first.timestamp() == 3600

    def test_add_days_keeps_wall_time(self) -> None:
        """09:00 the day before a change is 09:00 the day after, in both directions."""
        spring = add_days(dt.datetime(2026, 3, 28, 9, 0, tzinfo=AMS), 1)
        autumn = add_days(dt.datetime(2026, 10, 24, 9, 0, tzinfo=AMS), 1)
        assert _wall(spring) == (2026, 3, 29, 9, 0, 2.0)
        assert _wall(autumn) == (2026, 10, 25, 9, 0, 1.0)
        assert spring.timestamp() - dt.datetime(2026, 3, 28, 8, 0, tzinfo=dt.UTC).timestamp() == (
            23 * 3600
        )

    def test_add_days_into_the_gap(self) -> None:
        """A wall time that does not exist on the target day moves forward by the gap."""
        got = add_days(dt.datetime(2026, 3, 28, 2, 30, tzinfo=AMS), 1)
        assert _wall(got) == (2026, 3, 29, 3, 30, 2.0)

    def test_add_months_into_the_gap(self) -> None:
        """Adding months onto the gap moves forward too."""
        got = add_months(dt.datetime(2026, 1, 29, 2, 30, tzinfo=AMS), 2)
        assert _wall(got) == (2026, 3, 29, 3, 30, 2.0)

    def test_add_months_onto_the_fold(self) -> None:
        """Landing on the repeated hour picks one of its two readings, same wall time."""
        got = add_months(dt.datetime(2026, 9, 25, 2, 30, tzinfo=AMS), 1)
        assert _wall(got)[:5] == (2026, 10, 25, 2, 30)
        assert _wall(got)[5] in (1.0, 2.0)

    def test_add_months_across_dst_keeps_wall_time(self) -> None:
        """A 09:00 renewal in winter is at 09:00 in summer too."""
        got = add_months(dt.datetime(2026, 1, 15, 9, 0, tzinfo=AMS), 5)
        assert _wall(got) == (2026, 6, 15, 9, 0, 2.0)

    def test_span_before_across_dst(self) -> None:
        """Five days before a summer 10:00 deadline in spring is 10:00 in winter time."""
        got = plans.Span(days=5).before(dt.datetime(2026, 4, 1, 10, 0, tzinfo=AMS))
        assert _wall(got) == (2026, 3, 27, 10, 0, 1.0)

    def test_start_of_day_and_month(self) -> None:
        """Local midnights, in the customer's zone."""
        assert _wall(start_of_day(dt.datetime(2026, 3, 29, 12, tzinfo=AMS))) == (
            2026,
            3,
            29,
            0,
            0,
            1.0,
        )
        late = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)  # 1 April in Amsterdam
        assert _wall(start_of_month(late)) == (2026, 4, 1, 0, 0, 2.0)
        assert _wall(start_of_month(late, tz="UTC")) == (2026, 3, 1, 0, 0, 0.0)

    @pytest.mark.parametrize(
        ("zone", "day"),
        [("America/New_York", (2026, 3, 8)), ("Australia/Lord_Howe", (2026, 4, 5))],
    )
    def test_other_zones_keep_wall_time(self, zone: str, day: tuple[int, int, int]) -> None:
        """Over New York's hour and Lord Howe's half hour, add_days keeps 09:00."""
        before = dt.datetime(*day, 9, 0, tzinfo=ZoneInfo(zone)) - dt.timedelta(days=1)
        got = add_days(before, 1, tz=zone)
        assert (got.day, got.hour, got.minute) == (day[2], 9, 0)
        assert got.utcoffset() != before.utcoffset()

    def test_kolkata_has_no_dst(self) -> None:
        """A zone without DST: a day is always 24 hours."""
        start = dt.datetime(2026, 3, 28, 9, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
        got = add_days(start, 1, tz="Asia/Kolkata")
        assert got.timestamp() - start.timestamp() == 24 * 3600

    @settings(deadline=None)
    @given(
        value=strategies.aware_datetimes(allow_imaginary=False),
        days=st.integers(-400, 400),
    )
    def test_add_days_property(self, value: dt.datetime, days: int) -> None:
        """add_days moves the local date by exactly `days` and keeps the wall time if it exists."""
        tz = str(value.tzinfo)
        start = local(value, tz)
        got = add_days(value, days, tz=tz)
        assert got.date() == start.date() + dt.timedelta(days=days)
        naive = dt.datetime.combine(got.date(), start.time())
        exists = (
            naive.replace(tzinfo=ZoneInfo(tz))
            .astimezone(dt.UTC)
            .astimezone(ZoneInfo(tz))
            .replace(tzinfo=None)
            == naive
        )
        if exists:
            assert got.time() == start.time()


class TestClocks:
    """Clock, SystemClock and FixedClock."""

    def test_system_clock(self) -> None:
        """SystemClock tells the current moment, in UTC."""
        before = dt.datetime.now(dt.UTC)
        now = SystemClock().now()
        assert before <= now <= dt.datetime.now(dt.UTC)
        assert now.utcoffset() == dt.timedelta(0)

    def test_protocol(self) -> None:
        """Both clocks satisfy the runtime-checkable Clock protocol; others do not."""
        assert isinstance(SystemClock(), Clock)
        assert isinstance(FixedClock(AWARE), Clock)
        assert not isinstance(object(), Clock)

    def test_fixed_clock(self) -> None:
        """A fixed clock stands still, moves when set and advances by exact durations."""
        clock = FixedClock(AWARE)
        assert clock.now() == AWARE
        assert clock.now() == clock.now()
        clock.set(dt.datetime(2026, 3, 28, 12, tzinfo=AMS))
        assert _wall(clock.now()) == (2026, 3, 28, 12, 0, 1.0)
        moved = clock.advance(days=1, hours=1, seconds=30)
        assert moved == clock.now()
        elapsed = moved.timestamp() - dt.datetime(2026, 3, 28, 12, tzinfo=AMS).timestamp()
        assert elapsed == 25 * 3600 + 30

    def test_fixed_clock_keyword(self) -> None:
        """The moment can be passed by keyword."""
        assert FixedClock(at=AWARE).now() == AWARE
