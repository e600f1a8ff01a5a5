"""Contract terms: term length, renewal, cancellation notice, reminder lead."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs
import pendulum

from ..clock import DEFAULT_TIMEZONE, day_end, day_start, instant, local
from ..errors import InvalidPlan

_SPAN_RE: Final = re.compile(
    r"P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?", re.ASCII
)

#: How seats added mid-term are billed: prorated to the day, or from the renewal on.
SeatProration = Literal["prorate", "at_renewal"]


def _non_negative(_inst: object, attr: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidPlan(f"Span.{attr.name} must be a whole number >= 0, got {value!r}")


@attrs.frozen
class Span:
    """A calendar length: whole months plus whole days, applied in local time.

    Months are added with month-end clamping; days are calendar days, so a span keeps
    the wall-clock time across DST changes. Written as ISO 8601 (``P1M``, ``P5D``, ``P2W``).

    >>> Span.parse("P2M")
    Span(months=2, days=0)
    >>> str(Span(days=14))
    'P14D'
    """

    months: int = attrs.field(default=0, validator=_non_negative)
    days: int = attrs.field(default=0, validator=_non_negative)

    @classmethod
    def parse(cls, text: str) -> Span:
        """Parse an ISO 8601 calendar duration: ``PnYnMnWnD`` (no time part).

        Raises:
            InvalidPlan: the text is not such a duration.
        """
        match = _SPAN_RE.fullmatch(text) if isinstance(text, str) else None
        if match is None or text == "P":
            raise InvalidPlan(
                f"a span must be an ISO 8601 duration of years, months, weeks and days "
                f"such as 'P12M', 'P2M', 'P14D', got {text!r}"
            )
        y, m, w, d = (int(match.group(k) or 0) for k in "ymwd")
        return cls(months=12 * y + m, days=7 * w + d)

    def __str__(self) -> str:
        if not self.months and not self.days:
            return "P0D"
        return (
            "P"
            + (f"{self.months}M" if self.months else "")
            + (f"{self.days}D" if self.days else "")
        )

    def after(
        self, at: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> pendulum.DateTime:
        """Return ``at`` plus this span, on the wall clock of ``tz``."""
        return local(at, tz).add(months=self.months, days=self.days)

    def before(
        self, at: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> pendulum.DateTime:
        """Return ``at`` minus this span, on the wall clock of ``tz``."""
        return local(at, tz).subtract(months=self.months, days=self.days)

    def days_before(self, day: _dt.date) -> _dt.date:
        """Return the calendar day this span before ``day`` (months first, clamped).

        >>> import datetime as dt
        >>> Span(days=5).days_before(dt.date(2027, 1, 10))
        datetime.date(2027, 1, 5)
        >>> Span(months=1).days_before(dt.date(2026, 3, 31))
        datetime.date(2026, 2, 28)
        """
        moved = pendulum.date(day.year, day.month, day.day).subtract(
            months=self.months, days=self.days
        )
        return _dt.date(moved.year, moved.month, moved.day)


def _span(value: Span | str) -> Span:
    return value if isinstance(value, Span) else Span.parse(value)


@attrs.frozen
class Terms:
    """The calendar terms of a plan.

    Attributes:
        term: the length of one subscription period (one year).
        auto_renew: whether a period renews by itself when nobody cancels.
        cancellation_notice: how long before the next renewal/payment a cancellation must
            be made. Teams: 5 days (published). Focus PO: not published; the default
            here is one month, a documented choice you can change.
        reminder_lead: how long before renewal the reminder goes out (Teams: 14 days,
            Focus PO: 2 months, both published).
        advance_count_period: Focus PO: the advance for a new year is based on the
            pupils with processed data in the first weeks after the renewal date; not
            published, default four weeks.
        seat_proration: Teams: how seats added mid-term are charged, ``"prorate"`` (to
            the day, for the rest of the term) or ``"at_renewal"`` (from the next term).

    The calculators answer the calendar questions of one subscription. All take and
    return aware datetimes, computed on the wall clock of ``tz``.

    Deadlines are **whole local days**: a notice in days, weeks or months names a
    calendar day (:meth:`last_day_to_cancel`: the day that far before the local day of
    the renewal), and the whole of that day counts, until its end in the customer's
    time zone, whatever the time of day the subscription started. :meth:`cancel_deadline`
    is that end as an inclusive instant (the last microsecond of the day): a cancellation
    made at or before it is on time, one made a microsecond later is late. Reminders
    are days too (:meth:`reminder_day`), never later than the last day to cancel.

    >>> import datetime as dt
    >>> teams = Terms(cancellation_notice=Span(days=5), reminder_lead=Span(days=14))
    >>> start = dt.datetime(2024, 1, 31, 9, 0, tzinfo=dt.timezone.utc)
    >>> renewal = teams.renewal_date(start)
    >>> renewal.isoformat()
    '2025-01-31T10:00:00+01:00'
    >>> teams.last_day_to_cancel(renewal)
    datetime.date(2025, 1, 26)
    >>> teams.cancel_deadline(renewal).isoformat()
    '2025-01-26T23:59:59.999999+01:00'
    >>> teams.reminder_day(renewal)
    datetime.date(2025, 1, 17)
    >>> teams.reminder_date(renewal).isoformat()
    '2025-01-17T00:00:00+01:00'
    """

    term: Span = attrs.field(default=Span(months=12), converter=_span)
    auto_renew: bool = True
    cancellation_notice: Span = attrs.field(default=Span(months=1), converter=_span)
    reminder_lead: Span = attrs.field(default=Span(months=2), converter=_span)
    advance_count_period: Span = attrs.field(default=Span(days=28), converter=_span)
    seat_proration: SeatProration = attrs.field(default="prorate")

    @term.validator
    def _check_term(self, _a: object, value: Span) -> None:
        if value.months == 0 and value.days == 0:
            raise InvalidPlan(f"a plan's term must be longer than zero, got {value}")

    @seat_proration.validator
    def _check_proration(self, _a: object, value: object) -> None:
        if value not in ("prorate", "at_renewal"):
            raise InvalidPlan(f"seat_proration must be 'prorate' or 'at_renewal', got {value!r}")

    # -- calculators -------------------------------------------------------------

    def renewal_date(
        self, start: _dt.datetime, periods: int = 1, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> pendulum.DateTime:
        """Return the end of period ``periods`` counted from ``start`` (the renewal moment).

        Always computed from ``start`` (not period by period), so renewals never drift
        across month ends: Jan 31 → Feb 28/29 → Mar 31.
        """
        if periods < 0:
            raise InvalidPlan(f"periods must be >= 0, got {periods!r}")
        return local(start, tz).add(
            months=self.term.months * periods, days=self.term.days * periods
        )

    def current_period(
        self, start: _dt.datetime, at: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> tuple[pendulum.DateTime, pendulum.DateTime]:
        """Return the half-open period ``[begin, end)`` that contains ``at``.

        Before ``start`` the first period is returned.
        """
        begin_local = local(start, tz)
        at_local = local(at, tz)
        n = 0
        if self.term.days == 0:
            # Jump close with whole months, then step; never drifts since each end is from start.
            months = (at_local.year - begin_local.year) * 12 + at_local.month - begin_local.month
            n = max(0, months // self.term.months - 1)
        while instant(self.renewal_date(begin_local, n + 1, tz=tz)) <= instant(at_local):
            n += 1
        return self.renewal_date(begin_local, n, tz=tz), self.renewal_date(
            begin_local, n + 1, tz=tz
        )

    def next_renewal(
        self, start: _dt.datetime, at: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> pendulum.DateTime:
        """Return the next renewal (payment) moment strictly after ``at``."""
        return self.current_period(start, at, tz=tz)[1]

    def last_day_to_cancel(
        self, renewal: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> _dt.date:
        """Return the last calendar day (in ``tz``) to cancel before ``renewal``.

        The day :attr:`cancellation_notice` before the local day of ``renewal`` (Teams:
        "until 5 days before the payment": a payment on 10 January gives 5 January). The
        whole of that day counts; see :meth:`cancel_deadline`.
        """
        return self.cancellation_notice.days_before(local(renewal, tz).date())

    def cancel_deadline(
        self, renewal: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> pendulum.DateTime:
        """Return the last instant (inclusive) to cancel before ``renewal``.

        The end of :meth:`last_day_to_cancel` in ``tz``: its last microsecond, so that
        ``instant(at) <= instant(deadline)`` is "on or before the last day".
        """
        return day_end(self.last_day_to_cancel(renewal, tz=tz), tz=tz)

    def reminder_day(
        self, renewal: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> _dt.date:
        """Return the calendar day (in ``tz``) the renewal reminder is due for ``renewal``.

        :attr:`reminder_lead` before the local day of ``renewal`` (Teams: 2 weeks; Focus
        PO: 2 months), but never after :meth:`last_day_to_cancel`: a reminder must come
        on a day when cancelling still works.
        """
        day = self.reminder_lead.days_before(local(renewal, tz).date())
        return min(day, self.last_day_to_cancel(renewal, tz=tz))

    def reminder_date(
        self, renewal: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> pendulum.DateTime:
        """Return the moment the renewal reminder falls due: the start of :meth:`reminder_day`."""
        return day_start(self.reminder_day(renewal, tz=tz), tz=tz)

    def can_cancel(
        self, start: _dt.datetime, at: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> bool:
        """Whether a cancellation at ``at`` still stops the next renewal."""
        renewal = self.next_renewal(start, at, tz=tz)
        return instant(local(at, tz)) <= instant(self.cancel_deadline(renewal, tz=tz))

    # -- data ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the terms as plain data (spans as ISO 8601 strings)."""
        return {
            "term": str(self.term),
            "auto_renew": self.auto_renew,
            "cancellation_notice": str(self.cancellation_notice),
            "reminder_lead": str(self.reminder_lead),
            "advance_count_period": str(self.advance_count_period),
            "seat_proration": self.seat_proration,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Terms:
        """Build terms from :meth:`to_dict` output; missing keys take the defaults.

        Raises:
            InvalidPlan: an unknown key or a bad value.
        """
        if not isinstance(data, Mapping):
            raise InvalidPlan(f"terms must be a mapping, got {type(data).__name__}: {data!r}")
        known = {f.name for f in attrs.fields(cls)}
        unknown = sorted(map(str, set(data) - known))
        if unknown:
            raise InvalidPlan(
                f"unknown terms field(s) {', '.join(unknown)}; expected some of {', '.join(sorted(known))}"
            )
        auto = data.get("auto_renew", True)
        if not isinstance(auto, bool):
            raise InvalidPlan(f"terms.auto_renew must be true or false, got {auto!r}")
        return cls(**{str(k): v for k, v in data.items()})
