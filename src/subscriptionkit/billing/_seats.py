"""Seat invoices: a seat plan's period, and the seats added during one (billed once per term)."""

from __future__ import annotations

import datetime as _dt
import decimal

from moneyed import Money

from .._checks import accepts
from ..clock import instant, local
from ..errors import InvalidInput
from ..subscriptions import SeatsChanged, Subscription
from ._invoice import Invoice, InvoiceLine
from ._shared import (
    _DATE,
    _SUB,
    _days,
    _period,
    _seat_plan,
)


@accepts(subscription=_SUB, issued_on=_DATE)
def seat_invoice(subscription: Subscription, *, issued_on: _dt.date | None = None) -> Invoice:
    """The invoice for a seat plan's current period: seats × price per seat per year."""
    plan = _seat_plan(subscription)
    start, end = _period(subscription)
    first, last = _days(start, end)
    seats = subscription.seats or 0
    line = InvoiceLine.priced("seats", None, seats, plan.price(), first, last)
    return Invoice(
        "seats",
        subscription.customer_id,
        subscription.id,
        plan.id,
        issued_on or first,
        plan.currency,
        [line],
    )


@accepts(subscription=_SUB, event=(SeatsChanged, "a SeatsChanged event"))
def seat_change_invoice(subscription: Subscription, event: SeatsChanged) -> Invoice | None:
    """The invoice for seats added mid-term, by the plan's ``seat_proration`` term.

    Seats are paid once per term (the high-water mark, see
    :attr:`~subscriptionkit.subscriptions.Subscription.seat_high_water`): only the seats
    above the highest count already paid for in the term are charged
    (:attr:`~subscriptionkit.subscriptions.SeatsChanged.seats_to_charge`). 10 seats, down
    to 5, back to 10 charges nothing; up to 12 charges 2.

    ``"prorate"``: those seats × the price per seat per year × the remaining days of
    the period ÷ its days, rounded once; the day of the change counts as remaining.
    ``"at_renewal"``: nothing now; the next period's invoice has the new seat count.
    Removed seats are not refunded (the paid period stays paid): ``None``. Nothing to
    charge is ``None`` too, never a zero invoice.
    """
    plan = _seat_plan(subscription)
    added = event.seats_to_charge
    if added <= 0 or plan.terms.seat_proration == "at_renewal":
        return None
    start, end = _period(subscription)
    first, last = _days(start, end)
    at = local(event.at, subscription.timezone)
    # Compare instants: a period from 09:00 runs until 09:00 on the renewal day, which
    # is past its last full day; a change in those hours is charged as on the last day.
    if not instant(start) <= instant(at) < instant(end):
        raise InvalidInput(
            f"the seat change on {at.date()} is outside the current period {first} – {last}; "
            "expected a change within it"
        )
    day = min(at.date(), last)
    period_days = (last - first).days + 1
    remaining = (last - day).days + 1
    price = plan.price()
    # The unit price (price × remaining ÷ period days) rarely has a finite decimal form.
    # It is cut away from zero at 28 digits, so that a line that is exactly half a cent
    # (3 × € 119,99 × 61/366 = € 59,995) still rounds half-up once in ``line_amount``;
    # cut to nearest it can fall just below (€ 59,99). Any other line is at least
    # 1/(2 × period days) cent from a half cent, far beyond the 28th digit.
    with decimal.localcontext() as ctx:
        ctx.rounding = decimal.ROUND_UP
        unit = Money(price.amount * remaining / period_days, price.currency)
    line = InvoiceLine.priced(
        "seats_prorated", None, added, unit, day, last, days=remaining, period_days=period_days
    )
    return Invoice(
        "seat_change",
        subscription.customer_id,
        subscription.id,
        plan.id,
        at.date(),
        plan.currency,
        [line],
    )
