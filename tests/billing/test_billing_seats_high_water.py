"""Seats are paid once per term: the high-water mark (issue 10, section 1).

Any sequence of seat changes within one term charges each seat-day at most once. The
term keeps the highest seat count already paid for; an increase charges only the seats
above it, prorated from its day; a decrease refunds nothing and keeps the mark; the mark
resets at renewal, whose invoice charges the seats held then.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from subscriptionkit import billing, plans, subscriptions
from subscriptionkit.money import eur
from subscriptionkit.subscriptions import SeatsChanged, Subscription

AMS = "Europe/Amsterdam"
ZONE = ZoneInfo(AMS)
CENT = Decimal("0.01")


def _teams(price: str = "100.00") -> plans.SeatPlan:
    return plans.teams_plan(eur(price))


def _start(plan: plans.SeatPlan, seats: int, at: dt.datetime) -> Subscription:
    return subscriptions.subscribe("team-1", plan, at=at, seats=seats, tz=AMS).subscription


def _change(sub: Subscription, seats: int, at: dt.datetime) -> tuple[Subscription, SeatsChanged]:
    changed, events = subscriptions.change_seats(sub, seats, at=at)
    event = events[-1]
    assert isinstance(event, SeatsChanged)
    return changed, event


class TestIssueCase:
    """10 seats at € 100 from 2025-01-01; 5 on 1 March; 10 again on 2 March."""

    def test_back_to_ten_charges_nothing(self) -> None:
        """The customer already paid for 10 seats for the whole term: € 0,00, no invoice."""
        plan = _teams()
        sub = _start(plan, 10, dt.datetime(2025, 1, 1, tzinfo=ZONE))
        assert billing.seat_invoice(sub).total == eur("1000.00")
        lower, down = _change(sub, 5, dt.datetime(2025, 3, 1, 10, 0, tzinfo=ZONE))
        assert billing.seat_change_invoice(lower, down) is None
        again, up = _change(lower, 10, dt.datetime(2025, 3, 2, 10, 0, tzinfo=ZONE))
        assert (up.seats_before, up.seats_after) == (5, 10)
        assert (up.high_water_before, up.high_water_after, up.seats_to_charge) == (10, 10, 0)
        assert billing.seat_change_invoice(again, up) is None
        assert (again.seats, again.seat_high_water) == (10, 10)

    def test_above_the_mark_charges_only_the_seats_above(self) -> None:
        """From 5 (mark 10) to 12 on 2 March: 2 seats × € 100 × 305/365 = € 167,12."""
        plan = _teams()
        sub = _start(plan, 10, dt.datetime(2025, 1, 1, tzinfo=ZONE))
        lower, _ = _change(sub, 5, dt.datetime(2025, 3, 1, 10, 0, tzinfo=ZONE))
        more, up = _change(lower, 12, dt.datetime(2025, 3, 2, 10, 0, tzinfo=ZONE))
        inv = billing.seat_change_invoice(more, up)
        assert inv is not None
        (line,) = inv.lines
        assert (line.quantity, line.details) == (2, {"days": 305, "period_days": 365})
        assert inv.total == eur("167.12")  # 200 × 305 / 365 = 167,123...
        assert more.seat_high_water == 12

    def test_the_mark_resets_at_renewal(self) -> None:
        """After renewal the invoice charges the seats held then, and that is the new mark."""
        plan = _teams()
        sub = _start(plan, 10, dt.datetime(2025, 1, 1, tzinfo=ZONE))
        lower, _ = _change(sub, 5, dt.datetime(2025, 3, 1, 10, 0, tzinfo=ZONE))
        renewed = subscriptions.catch_up(lower, at=dt.datetime(2026, 1, 1, tzinfo=ZONE))
        new_term = renewed.subscription
        assert (new_term.periods, new_term.seats, new_term.seat_high_water) == (2, 5, 5)
        assert billing.seat_invoice(new_term).total == eur("500.00")
        up_sub, up = _change(new_term, 7, dt.datetime(2026, 1, 1, 12, 0, tzinfo=ZONE))
        inv = billing.seat_change_invoice(up_sub, up)
        assert inv is not None
        assert inv.total == eur("200.00")  # 2 seats from the first day: the whole term

    def test_the_mark_survives_storage_as_plain_data(self) -> None:
        """to_dict/from_dict keep the mark; a document without it means 'the seats held'."""
        sub = _start(_teams(), 10, dt.datetime(2025, 1, 1, tzinfo=ZONE))
        lower, _ = _change(sub, 5, dt.datetime(2025, 3, 1, 10, 0, tzinfo=ZONE))
        assert Subscription.from_dict(lower.to_dict()).seat_high_water == 10
        old = lower.to_dict()
        del old["seats_paid"]
        assert Subscription.from_dict(old).seat_high_water == 5


def _exact_cents(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


class TestHighWaterProperty:
    @given(
        cents=st.integers(1_000, 50_000),
        start=st.dates(dt.date(2000, 1, 1), dt.date(2099, 1, 1)),
        initial=st.integers(3, 40),
        changes=st.lists(st.tuples(st.integers(0, 400), st.integers(3, 40)), max_size=12),
    )
    def test_each_seat_day_is_charged_at_most_once(
        self, cents: int, start: dt.date, initial: int, changes: list[tuple[int, int]]
    ) -> None:
        """Sum of a term's seat invoices = initial charge + Σ new highs' prorated seats.

        Each increase above the mark adds (new high − old high) × price × remaining local
        days ÷ days of the term (365 or 366), within a cent per invoice; decreases add
        nothing; and the term never costs more than the final high paid from day one.
        """
        price = Decimal(cents).scaleb(-2)
        plan = _teams(str(price))
        begin = dt.datetime(start.year, start.month, start.day, 9, 0, tzinfo=ZONE)
        sub = _start(plan, initial, begin)
        end = sub.paid_through
        assert end is not None
        period_days = end.date().toordinal() - start.toordinal()
        assert period_days in (365, 366)
        invoices = [billing.seat_invoice(sub)]
        expected = Fraction(initial) * Fraction(price)
        high = initial
        for offset, seats in sorted(changes):
            day = start + dt.timedelta(days=offset % period_days)
            at = dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=ZONE)
            sub, event = _change(sub, seats, at)
            invoice = billing.seat_change_invoice(sub, event)
            if seats > high:
                remaining = period_days - (day - start).days
                expected += (seats - high) * Fraction(price) * Fraction(remaining, period_days)
                high = seats
                assert invoice is not None
                invoices.append(invoice)
            else:
                assert invoice is None
            assert sub.seat_high_water == high
        charged = sum((inv.total.amount for inv in invoices), Decimal(0))
        assert abs(charged - _exact_cents(expected)) <= CENT * len(invoices)
        assert charged <= high * price
