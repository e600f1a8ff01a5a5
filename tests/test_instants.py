"""Moments compare as instants, never as wall clocks (issue 10, section 3).

Python compares two datetimes that share a tzinfo by their wall clocks and ignores
``fold``: 02:30+02:00 and 02:30+01:00 on 26 October 2025 in Amsterdam are "equal",
though an hour apart. Every equality, ordering, window and dedupe on moments goes
through :func:`subscriptionkit.clock.instant`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptionkit import billing, plans
from subscriptionkit.clock import instant
from subscriptionkit.errors import InvalidEvent, InvalidInput, NaiveDatetimeError
from subscriptionkit.metering import ActivityEvent, EventLog

AMS = ZoneInfo("Europe/Amsterdam")
#: 02:30 on the night the clocks go back in Amsterdam, first (CEST) and second (CET) time.
SUMMER = dt.datetime(2025, 10, 26, 2, 30, tzinfo=AMS)
WINTER = dt.datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=AMS)


class TestInstant:
    def test_the_repeated_hour_is_two_instants(self) -> None:
        """02:30+02:00 and 02:30+01:00 are equal to Python, an hour apart as instants."""
        assert SUMMER == WINTER  # the fault the helper exists for
        assert instant(WINTER) - instant(SUMMER) == dt.timedelta(hours=1)
        assert instant(SUMMER).isoformat() == "2025-10-26T00:30:00+00:00"
        assert instant(WINTER).isoformat() == "2025-10-26T01:30:00+00:00"

    def test_pendulum_and_plain_datetimes_agree(self) -> None:
        """A pendulum DateTime in the repeated hour keeps its fold through the helper."""
        p = pendulum.instance(WINTER)
        assert instant(p) == instant(WINTER)
        assert type(instant(p)) is dt.datetime

    @given(st.datetimes(timezones=st.sampled_from([AMS, ZoneInfo("America/Santiago")])))
    def test_orders_like_utc(self, moment: dt.datetime) -> None:
        """instant() is the moment in UTC, whatever zone and fold it was written in."""
        assert instant(moment) == moment.astimezone(dt.UTC)
        assert instant(moment).tzinfo is dt.UTC

    def test_naive_and_non_datetimes_are_refused(self) -> None:
        """A naive datetime raises NaiveDatetimeError; a date raises InvalidInput."""
        with pytest.raises(NaiveDatetimeError, match="at must be a timezone-aware datetime"):
            instant(dt.datetime(2026, 1, 1), "at")
        with pytest.raises(InvalidInput) as info:
            instant(dt.date(2026, 1, 1))  # type: ignore[arg-type]
        assert str(info.value) == ("moment must be a timezone-aware datetime, got date: 2026-01-01")


def _event(at: dt.datetime, event_id: str = "e1") -> ActivityEvent:
    return ActivityEvent(event_id, "school-1", "p1", 1, "engagement", at)


class TestEventLogDedupe:
    def test_a_reused_id_an_hour_later_is_a_conflict(self) -> None:
        """The same id at 02:30+02:00 and at 02:30+01:00 is refused, not dropped."""
        log = EventLog()
        assert log.ingest([_event(SUMMER)]) == 1
        with pytest.raises(InvalidEvent) as info:
            log.ingest([_event(WINTER)])
        assert (info.value.field, info.value.got) == ("event_id", "e1")
        assert [e.processed_at for e in log] == [SUMMER]

    def test_rows_report_the_conflict(self) -> None:
        """ingest_rows reports the second row as rejected, with its index."""
        rows = [("e1", "school-1", "p1", 1, "engagement", at) for at in (SUMMER, WINTER)]
        result = EventLog().ingest_rows(rows)
        assert (result.accepted, result.duplicates) == (1, 0)
        assert [(i, e.field) for i, e in result.rejected] == [(1, "event_id")]

    def test_the_same_instant_in_another_zone_is_a_duplicate(self) -> None:
        """00:30Z is 02:30+02:00: a redelivery, whatever offset it is written with."""
        log = EventLog()
        log.ingest([_event(SUMMER)])
        assert log.ingest([_event(dt.datetime(2025, 10, 26, 0, 30, tzinfo=dt.UTC))]) == 0
        assert _event(SUMMER) != _event(WINTER)
        assert hash(_event(SUMMER)) == hash(_event(instant(SUMMER)))


class TestAdvanceWindow:
    """The advance count window starts at a renewal at 02:30+01:00 (the second 02:30)."""

    PLAN = plans.default_catalog()["focus-po-1-2"]

    def _count(self, at: dt.datetime) -> dict[str, int]:
        assert isinstance(self.PLAN, plans.PupilPlan)
        return billing.advance_count([_event(at)], self.PLAN, renewal=WINTER)

    def test_45_minutes_before_the_renewal_does_not_count(self) -> None:
        """02:45+02:00 is 45 minutes before 02:30+01:00: outside the window."""
        before = dt.datetime(2025, 10, 26, 2, 45, tzinfo=AMS)  # fold=0: CEST
        assert instant(WINTER) - instant(before) == dt.timedelta(minutes=45)
        assert self._count(before) == {"1-2": 0}

    def test_the_renewal_itself_and_after_count(self) -> None:
        """The window is [renewal, renewal + 4 weeks): the renewal moment counts."""
        assert self._count(WINTER) == {"1-2": 1}
        assert self._count(dt.datetime(2025, 10, 26, 2, 45, fold=1, tzinfo=AMS)) == {"1-2": 1}
        four_weeks = pendulum.instance(WINTER).add(weeks=4)
        assert self._count(four_weeks) == {"1-2": 0}
        assert self._count(four_weeks - dt.timedelta(microseconds=1)) == {"1-2": 1}
