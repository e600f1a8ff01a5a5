"""Spans and terms: parsing, defaults, the calendar calculators and their boundaries."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings

import strategies
from subscriptionkit.errors import InvalidPlan, NaiveDatetimeError
from subscriptionkit.plans import FOCUS_PO_TERMS, TEAMS_TERMS, Span, Terms

AMS = ZoneInfo("Europe/Amsterdam")
US = dt.timedelta(microseconds=1)
SPAN_ERROR = (
    "a span must be an ISO 8601 duration of years, months, weeks and days such as 'P12M', "
    "'P2M', 'P14D', got {!r}"
)


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=AMS)


class TestSpan:
    """ISO 8601 calendar spans."""

    @pytest.mark.parametrize(
        ("text", "months", "days", "canonical"),
        [
            ("P12M", 12, 0, "P12M"),
            ("P1Y", 12, 0, "P12M"),
            ("P1Y2M", 14, 0, "P14M"),
            ("P2W", 0, 14, "P14D"),
            ("P1W3D", 0, 10, "P10D"),
            ("P5D", 0, 5, "P5D"),
            ("P1M5D", 1, 5, "P1M5D"),
            ("P0D", 0, 0, "P0D"),
        ],
    )
    def test_parse(self, text: str, months: int, days: int, canonical: str) -> None:
        """Years become months, weeks become days; str() writes the canonical form."""
        span = Span.parse(text)
        assert (span.months, span.days) == (months, days)
        assert str(span) == canonical
        assert Span.parse(str(span)) == span

    @settings(deadline=None)
    @given(span=strategies.spans())
    def test_round_trip(self, span: Span) -> None:
        """parse(str(span)) gives the span back."""
        assert Span.parse(str(span)) == span

    @pytest.mark.parametrize(
        "text", ["", "P", "12M", "P1H", "PT5M", "P-1D", "P1.5M", "p1m", "P1M\n", " P1M", "P١M"]
    )
    def test_parse_errors(self, text: str) -> None:
        """Anything but PnYnMnWnD is refused with the text shown."""
        with pytest.raises(InvalidPlan) as info:
            Span.parse(text)
        assert str(info.value) == SPAN_ERROR.format(text)

    def test_parse_non_text(self) -> None:
        """A number is not a span."""
        with pytest.raises(InvalidPlan) as info:
            Span.parse(12)  # type: ignore[arg-type]
        assert str(info.value) == SPAN_ERROR.format(12)

    @pytest.mark.parametrize(("field", "value"), [("months", -1), ("days", 1.5), ("days", True)])
    def test_fields_must_be_whole_and_non_negative(self, field: str, value: object) -> None:
        """Negative, fractional and bool fields are refused."""
        kwargs: dict[str, Any] = {field: value}
        with pytest.raises(InvalidPlan) as info:
            Span(**kwargs)
        assert str(info.value) == f"Span.{field} must be a whole number >= 0, got {value!r}"

    def test_after_and_before(self) -> None:
        """Months then days, on the local wall clock."""
        start = _at(2024, 1, 31, 9, 0)
        assert Span(months=1, days=1).after(start) == _at(2024, 3, 1, 9, 0)
        assert Span(months=1).before(_at(2024, 3, 31, 9, 0)) == _at(2024, 2, 29, 9, 0)
        assert Span(days=14).before(_at(2025, 1, 31, 10, 0)) == _at(2025, 1, 17, 10, 0)

    def test_after_in_another_zone(self) -> None:
        """The zone decides which month end applies."""
        utc_late = dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.UTC)  # Feb 1 in Amsterdam
        assert Span(months=1).after(utc_late, tz="UTC").day == 28
        assert Span(months=1).after(utc_late).day == 1


class TestTermsDefaults:
    """Defaults and the published terms."""

    def test_defaults(self) -> None:
        """A year, renewing, one month notice, two months reminder, four weeks count."""
        terms = Terms()
        assert terms.term == Span(months=12)
        assert terms.auto_renew is True
        assert terms.cancellation_notice == Span(months=1)
        assert terms.reminder_lead == Span(months=2)
        assert terms.advance_count_period == Span(days=28)
        assert terms.seat_proration == "prorate"

    def test_teams_terms(self) -> None:
        """Teams: 5 days notice, reminder 14 days ahead (published)."""
        assert TEAMS_TERMS.cancellation_notice == Span(days=5)
        assert TEAMS_TERMS.reminder_lead == Span(days=14)
        assert TEAMS_TERMS.term == Span(months=12)

    def test_focus_po_terms(self) -> None:
        """Focus PO: reminder 2 months ahead (published), notice 1 month (a default)."""
        assert FOCUS_PO_TERMS.reminder_lead == Span(months=2)
        assert FOCUS_PO_TERMS.cancellation_notice == Span(months=1)
        assert FOCUS_PO_TERMS.advance_count_period == Span(days=28)
        assert FOCUS_PO_TERMS.auto_renew is True

    def test_spans_from_text(self) -> None:
        """Span fields accept ISO 8601 text."""
        assert Terms(cancellation_notice="P5D").cancellation_notice == Span(days=5)

    def test_zero_term_refused(self) -> None:
        """A term of zero length makes no sense."""
        with pytest.raises(InvalidPlan) as info:
            Terms(term=Span())
        assert str(info.value) == "a plan's term must be longer than zero, got P0D"

    def test_bad_proration(self) -> None:
        """Only the two proration modes exist."""
        with pytest.raises(InvalidPlan) as info:
            Terms(seat_proration="daily")  # type: ignore[arg-type]
        assert str(info.value) == ("seat_proration must be 'prorate' or 'at_renewal', got 'daily'")


class TestCalculators:
    """Renewal, period, deadline and reminder, with both sides of each boundary."""

    start = _at(2024, 1, 31, 9, 0)

    def test_renewal_date(self) -> None:
        """Periods count from the start, clamped at month ends."""
        assert TEAMS_TERMS.renewal_date(self.start) == _at(2025, 1, 31, 9, 0)
        assert TEAMS_TERMS.renewal_date(self.start, 0) == self.start
        assert TEAMS_TERMS.renewal_date(_at(2024, 2, 29, 9, 0)) == _at(2025, 2, 28, 9, 0)
        assert TEAMS_TERMS.renewal_date(_at(2024, 2, 29, 9, 0), 4) == _at(2028, 2, 29, 9, 0)

    def test_renewal_date_negative_periods(self) -> None:
        """A negative period count is refused."""
        with pytest.raises(InvalidPlan) as info:
            TEAMS_TERMS.renewal_date(self.start, -1)
        assert str(info.value) == "periods must be >= 0, got -1"

    def test_current_period(self) -> None:
        """Half-open [begin, end): the renewal moment itself starts the next period."""
        renewal = _at(2025, 1, 31, 9, 0)
        assert TEAMS_TERMS.current_period(self.start, renewal - US) == (self.start, renewal)
        assert TEAMS_TERMS.current_period(self.start, renewal) == (
            renewal,
            _at(2026, 1, 31, 9, 0),
        )
        assert TEAMS_TERMS.current_period(self.start, _at(2030, 6, 1)) == (
            _at(2030, 1, 31, 9, 0),
            _at(2031, 1, 31, 9, 0),
        )

    def test_current_period_before_start(self) -> None:
        """Before the start, the first period is returned."""
        assert TEAMS_TERMS.current_period(self.start, _at(2020, 1, 1)) == (
            self.start,
            _at(2025, 1, 31, 9, 0),
        )

    def test_current_period_day_terms(self) -> None:
        """Terms in days step day by day."""
        terms = Terms(term=Span(days=28))
        begin, end = terms.current_period(self.start, _at(2024, 3, 27, 9, 0))
        assert (begin, end) == (_at(2024, 3, 27, 9, 0), _at(2024, 4, 24, 9, 0))

    @settings(deadline=None)
    @given(start=strategies.aware_datetimes(allow_imaginary=False), terms=strategies.terms())
    def test_current_period_contains_at(self, start: dt.datetime, terms: Terms) -> None:
        """For any moment after the start, begin <= at < end and end is the next renewal."""
        at = start + dt.timedelta(days=400, seconds=1)
        begin, end = terms.current_period(start, at)
        assert begin <= at < end
        assert terms.next_renewal(start, at) == end

    def test_next_renewal_is_strictly_after(self) -> None:
        """At the renewal moment, the next renewal is a year later."""
        renewal = _at(2025, 1, 31, 9, 0)
        assert TEAMS_TERMS.next_renewal(self.start, renewal - US) == renewal
        assert TEAMS_TERMS.next_renewal(self.start, renewal) == _at(2026, 1, 31, 9, 0)

    def test_cancel_deadline_and_reminder(self) -> None:
        """Teams: 5 days and 14 days before; Focus PO: 1 and 2 months before, clamped.

        Whole days: the deadline is the end of its day, a reminder the start of its day.
        """
        renewal = _at(2025, 3, 31, 9, 0)
        assert TEAMS_TERMS.last_day_to_cancel(renewal) == dt.date(2025, 3, 26)
        assert TEAMS_TERMS.cancel_deadline(renewal) == _at(2025, 3, 27, 0, 0) - US
        assert TEAMS_TERMS.reminder_day(renewal) == dt.date(2025, 3, 17)
        assert TEAMS_TERMS.reminder_date(renewal) == _at(2025, 3, 17, 0, 0)
        assert FOCUS_PO_TERMS.last_day_to_cancel(renewal) == dt.date(2025, 2, 28)
        assert FOCUS_PO_TERMS.cancel_deadline(renewal) == _at(2025, 3, 1, 0, 0) - US
        assert FOCUS_PO_TERMS.reminder_date(renewal) == _at(2025, 1, 31, 0, 0)

    @pytest.mark.parametrize(
        ("terms", "deadline"),
        [
            (TEAMS_TERMS, _at(2025, 1, 27, 0, 0) - US),
            (FOCUS_PO_TERMS, _at(2025, 1, 1, 0, 0) - US),
        ],
    )
    def test_can_cancel_boundary(self, terms: Terms, deadline: dt.datetime) -> None:
        """The whole last day is on time; the first instant of the next day is not."""
        assert terms.cancel_deadline(terms.renewal_date(self.start)) == deadline
        assert terms.can_cancel(self.start, deadline - US)
        assert terms.can_cancel(self.start, deadline)
        assert not terms.can_cancel(self.start, deadline + US)

    def test_can_cancel_after_renewal_targets_next_period(self) -> None:
        """After a renewal, the next period's deadline applies."""
        renewal = _at(2025, 1, 31, 9, 0)
        assert not TEAMS_TERMS.can_cancel(self.start, renewal - US)
        assert TEAMS_TERMS.can_cancel(self.start, renewal)

    def test_deadline_across_dst(self) -> None:
        """A summer renewal has its winter-side deadline at the end of the local day."""
        renewal = _at(2026, 4, 2, 9, 0)
        deadline = TEAMS_TERMS.cancel_deadline(renewal)
        assert deadline.isoformat() == "2026-03-28T23:59:59.999999+01:00"
        assert deadline.utcoffset() == dt.timedelta(hours=1)

    def test_timezone_argument(self) -> None:
        """Calculators run on the wall clock of the given zone."""
        start = dt.datetime(2024, 1, 31, 23, 30, tzinfo=dt.UTC)  # Feb 1 in Amsterdam
        assert TEAMS_TERMS.renewal_date(start, tz="UTC").day == 31
        monthly = Terms(term=Span(months=1))
        assert (monthly.renewal_date(start, tz="UTC").month, monthly.renewal_date(start).month) == (
            2,
            3,
        )

    def test_naive_rejected(self) -> None:
        """Naive datetimes are refused by every calculator."""
        with pytest.raises(NaiveDatetimeError):
            TEAMS_TERMS.cancel_deadline(dt.datetime(2025, 1, 31))


class TestTermsData:
    """to_dict / from_dict."""

    def test_to_dict(self) -> None:
        """Spans are written as ISO 8601 text."""
        assert TEAMS_TERMS.to_dict() == {
            "term": "P12M",
            "auto_renew": True,
            "cancellation_notice": "P5D",
            "reminder_lead": "P14D",
            "advance_count_period": "P28D",
            "seat_proration": "prorate",
        }

    @settings(deadline=None)
    @given(terms=strategies.terms())
    def test_round_trip(self, terms: Terms) -> None:
        """from_dict(to_dict()) gives equal terms."""
        assert Terms.from_dict(terms.to_dict()) == terms

    def test_missing_keys_take_defaults(self) -> None:
        """An empty mapping gives the default terms."""
        assert Terms.from_dict({}) == Terms()
        assert Terms.from_dict({"cancellation_notice": "P5D"}).reminder_lead == Span(months=2)

    def test_unknown_key(self) -> None:
        """Typos are reported with the known keys."""
        with pytest.raises(InvalidPlan) as info:
            Terms.from_dict({"notice": "P5D", "remind": "P1D"})
        assert str(info.value) == (
            "unknown terms field(s) notice, remind; expected some of advance_count_period, "
            "auto_renew, cancellation_notice, reminder_lead, seat_proration, term"
        )

    @pytest.mark.parametrize("value", ["yes", 1, None])
    def test_auto_renew_must_be_bool(self, value: Any) -> None:
        """auto_renew is true or false, not a truthy value."""
        with pytest.raises(InvalidPlan) as info:
            Terms.from_dict({"auto_renew": value})
        assert str(info.value) == f"terms.auto_renew must be true or false, got {value!r}"

    def test_bad_span(self) -> None:
        """A bad span in the data is reported with the text."""
        with pytest.raises(InvalidPlan) as info:
            Terms.from_dict({"term": "one year"})
        assert str(info.value) == SPAN_ERROR.format("one year")
