"""Months, count moments and the bounds of the rolling 9-month window."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metering_strategies import AMS, event
from subscriptionkit.errors import InvalidInput
from subscriptionkit.metering import (
    CountMoment,
    Month,
    Timeline,
    billable_pupils,
    month_range,
)

US = dt.timedelta(microseconds=1)


def _count(month: Month, at: dt.datetime, policy: CountMoment | None = None) -> bool:
    """Whether a single event at ``at`` makes its pupil billable in ``month``."""
    moment = (policy or CountMoment()).at(month, AMS)
    found = billable_pupils(
        [event("p", at)],
        at=moment,
        tz=AMS,
        window_months=(policy or CountMoment()).window_months,
    )
    return found == {"p"}


class TestMonth:
    def test_parse_and_print(self) -> None:
        """YYYY-MM parses and prints back."""
        assert str(Month.parse("2026-03")) == "2026-03"

    @pytest.mark.parametrize("text", ["2026-3", "2026-13", "26-03", "march"])
    def test_parse_rejects(self, text: str) -> None:
        """Anything but YYYY-MM with a real month is refused, naming the input."""
        with pytest.raises(InvalidInput, match=repr(text)[1:-1]):
            Month.parse(text)

    @given(st.integers(1950 * 12, 9000 * 12), st.integers(-500, 500))
    def test_arithmetic(self, ordinal: int, k: int) -> None:
        """Adding k months and subtracting months are inverse."""
        m = Month.from_ordinal(ordinal)
        assert (m + k) - m == k
        assert Month.from_ordinal(m.ordinal) == m

    def test_of_uses_local_wall_clock(self) -> None:
        """23:30 UTC on 31 March is already April in Amsterdam."""
        at = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
        assert Month.of(at, AMS) == Month(2026, 4)
        assert Month.of(at, "UTC") == Month(2026, 3)

    def test_range(self) -> None:
        """month_range includes both ends and refuses a reversed range."""
        assert len(month_range(Month(2025, 1), Month(2026, 12))) == 24
        with pytest.raises(InvalidInput):
            month_range(Month(2026, 2), Month(2026, 1))


class TestCountMoment:
    def test_default_is_local_midnight_after_the_month(self) -> None:
        """The count moment of March is 1 April 00:00 in Amsterdam (CEST)."""
        assert CountMoment().at(Month(2026, 3), AMS).isoformat() == "2026-04-01T00:00:00+02:00"

    def test_default_window_is_nine_whole_months(self) -> None:
        """The window of March 2026 is July 2025 through March 2026."""
        start, end = CountMoment().window(Month(2026, 3), AMS)
        assert start.isoformat() == "2025-07-01T00:00:00+02:00"
        assert end.isoformat() == "2026-04-01T00:00:00+02:00"

    def test_configurable_day_and_length(self) -> None:
        """day=5 counts March on 5 April; window_months=6 looks back six months."""
        policy = CountMoment(day=5, window_months=6)
        start, end = policy.window(Month(2026, 3), AMS)
        assert (start.date(), end.date()) == (dt.date(2025, 10, 5), dt.date(2026, 4, 5))

    @pytest.mark.parametrize("day", [0, 29, 31])
    def test_day_must_exist_in_every_month(self, day: int) -> None:
        """Count days outside 1–28 are refused."""
        with pytest.raises(InvalidInput, match="1 to 28"):
            CountMoment(day=day)


class TestWindowBounds:
    @pytest.mark.parametrize(
        "month",
        [Month(2026, 3), Month(2025, 10), Month(2024, 2), Month(2024, 11), Month(2025, 12)],
    )
    def test_both_sides_of_both_bounds(self, month: Month) -> None:
        """Exactly 9 months before counts, 1 µs earlier not; the count moment itself not."""
        start, end = CountMoment().window(month, AMS)
        assert _count(month, start)
        assert not _count(month, start - US)
        assert _count(month, end - US)
        assert not _count(month, end)

    def test_leap_day(self) -> None:
        """An event on 29 Feb 2024 counts from February through October 2024."""
        at = pendulum.datetime(2024, 2, 29, 12, tz=AMS)
        assert not _count(Month(2024, 1), at)
        assert _count(Month(2024, 2), at)
        assert _count(Month(2024, 10), at)
        assert not _count(Month(2024, 11), at)

    def test_month_end_clamping_with_a_late_count_day(self) -> None:
        """With day=28 the window of January starts on 28 April, never a missing date."""
        start, _ = CountMoment(day=28).window(Month(2024, 1), AMS)
        assert start.date() == dt.date(2023, 5, 28)

    @pytest.mark.parametrize(
        ("month", "start", "end"),
        [
            (Month(2025, 2), "2024-06-01T00:00:00+02:00", "2025-03-01T00:00:00+01:00"),
            (Month(2025, 9), "2025-01-01T00:00:00+01:00", "2025-10-01T00:00:00+02:00"),
        ],
    )
    def test_dst_bounds_follow_the_local_clock(self, month: Month, start: str, end: str) -> None:
        """Windows straddling late March / late October start and end at local midnight."""
        got = CountMoment().window(month, AMS)
        assert (got[0].isoformat(), got[1].isoformat()) == (start, end)

    def test_dst_night_events(self) -> None:
        """Events in the DST-change nights count in the month they happen in."""
        spring = pendulum.datetime(2025, 3, 30, 3, 30, tz=AMS)  # just after the gap
        autumn = dt.datetime(2025, 10, 26, 0, 30, tzinfo=dt.UTC)  # 02:30 local, 2nd time
        assert _count(Month(2025, 3), spring)
        assert not _count(Month(2025, 2), spring)
        assert _count(Month(2025, 10), autumn)
        assert not _count(Month(2026, 7), autumn)
        assert _count(Month(2026, 6), autumn)

    def test_other_time_zone(self) -> None:
        """In UTC the count moment of March is 1 April 00:00 UTC."""
        at = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)  # April in Amsterdam
        moment = CountMoment().at(Month(2026, 3), "UTC")
        assert billable_pupils([event("p", at)], at=moment, tz="UTC") == {"p"}
        moment_ams = CountMoment().at(Month(2026, 3), AMS)
        assert billable_pupils([event("p", at)], at=moment_ams, tz=AMS) == frozenset()


class TestTimeline:
    def test_buckets_cover_contiguous_months(self) -> None:
        """Each bucket counts for a contiguous run of at most 9 months."""
        tl = Timeline.build(month_range(Month(2024, 1), Month(2025, 12)), AMS)
        for start, end, lo, hi in tl.buckets():
            assert start < end
            assert tl.span(start) == (lo, hi) == tl.span(end - 1)
            assert 0 <= hi - lo + 1 <= 9

    def test_months_must_be_consecutive(self) -> None:
        """A gap in the months is refused."""
        with pytest.raises(InvalidInput, match="consecutive"):
            Timeline.build((Month(2024, 1), Month(2024, 3)), AMS)
        with pytest.raises(InvalidInput, match="at least one month"):
            Timeline.build((), AMS)


class TestBillablePupils:
    def test_only_billable_categories_and_grades(self) -> None:
        """Non-billable categories never count; grades outside the filter do not either."""
        at = pendulum.datetime(2026, 3, 10, tz=AMS)
        events = [
            event("a", at, category="login"),
            event("b", at, grade=2),
            event("c", at, grade=5),
        ]
        moment = CountMoment().at(Month(2026, 3), AMS)
        assert billable_pupils(events, at=moment) == {"b", "c"}
        assert billable_pupils(events, at=moment, grades={1, 2}) == {"b"}

    def test_one_school_at_a_time(self) -> None:
        """Events of several schools need school_id."""
        at = pendulum.datetime(2026, 3, 10, tz=AMS)
        events = [event("a", at, school="s1"), event("a", at, school="s2")]
        moment = CountMoment().at(Month(2026, 3), AMS)
        with pytest.raises(InvalidInput, match="2 schools"):
            billable_pupils(events, at=moment)
        assert billable_pupils(events, at=moment, school_id="s2") == {"a"}
