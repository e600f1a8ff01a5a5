"""Discounts bound to a subscription: a percentage or an amount per seat, for some terms.

Seed 000: "eventuele kortingen waar je nu gebruik van maakt [zijn] dan waarschijnlijk niet
meer geldig". A discount belongs to the running subscription: a cancellation or expiry
ends it (:func:`end_discounts`; the storage ports store these ends whenever they store
the lifecycle step), and a later re-subscription is a new subscription, to which it
never applies. On an invoice it is its own line, a credit per seat line, rounded once.
"""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

import attrs
import pendulum
from moneyed import Money

from .._checks import accepts, argument, is_identifier, items
from ..clock import ensure_aware
from ..errors import InvalidInput
from ..money import check_money
from ..subscriptions import CancellationScheduled, Event, Expired, Status, Subscription
from ._invoice import Invoice, InvoiceLine

#: How a discount is given: a percentage, or an amount per seat.
DiscountKind = Literal["percent", "per_seat"]

_HUNDRED = Decimal(100)


def _aware_or_none(value: _dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, "ended_at")


@attrs.frozen
class Discount:
    """A discount on a subscription's seat lines, for ``terms`` terms from ``first_term``.

    Build one with :meth:`percent` or :meth:`per_seat`.

    Attributes:
        kind: ``"percent"`` (``value`` is a :class:`~decimal.Decimal` percentage, 0 < p <= 100)
            or ``"per_seat"`` (``value`` is :class:`~moneyed.Money` off per seat per year;
            prorated lines get the same share of it as of the price).
        first_term: the subscription's term (its ``periods`` count, 1 = first) it starts in.
        terms: how many terms it lasts; ``None`` for open-ended.
        ended_at: when it ended (a cancellation); an ended discount never applies again.
    """

    id: str = attrs.field(validator=is_identifier)
    subscription_id: str = attrs.field(validator=is_identifier)
    kind: DiscountKind
    value: Decimal | Money
    first_term: int = 1
    terms: int | None = None
    ended_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)

    def __attrs_post_init__(self) -> None:
        if self.kind == "percent":
            if (
                not isinstance(self.value, Decimal)
                or not self.value.is_finite()
                or not Decimal(0) < self.value <= _HUNDRED
            ):
                raise InvalidInput(
                    f"a percentage discount must be a Decimal above 0 and at most 100, "
                    f"got {self.value!r}"
                )
        elif self.kind == "per_seat":
            if not isinstance(self.value, Money) or check_money(self.value).amount <= 0:
                raise InvalidInput(
                    f"a per-seat discount must be a positive Money amount, got {self.value!r}"
                )
        else:
            raise InvalidInput(f"discount kind must be 'percent' or 'per_seat', got {self.kind!r}")
        for name, value, allow_none in (
            ("first_term", self.first_term, False),
            ("terms", self.terms, True),
        ):
            if value is None and allow_none:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInput(f"{name} must be a whole number >= 1, got {value!r}")

    @classmethod
    @accepts(subscription=(Subscription, "a Subscription"))
    def percent(
        cls,
        discount_id: str,
        subscription: Subscription,
        percent: Decimal | int | str,
        *,
        terms: int | None = None,
    ) -> Discount:
        """A percentage off the seat lines, from the subscription's current term.

        >>> from decimal import Decimal
        >>> from subscriptionkit.testing import active_subscription
        >>> d = Discount.percent("launch", active_subscription("teams"), "10", terms=1)
        >>> d.kind, d.value, d.terms
        ('percent', Decimal('10'), 1)
        """
        try:
            if isinstance(percent, bool | float) or not isinstance(percent, Decimal | int | str):
                raise decimal.InvalidOperation
            value = Decimal(str(percent)) if not isinstance(percent, Decimal) else percent
        except decimal.InvalidOperation:
            raise InvalidInput(f"percent must be a number, got {percent!r}") from None
        return cls(
            discount_id, subscription.id, "percent", value, max(subscription.periods, 1), terms
        )

    @classmethod
    @accepts(subscription=(Subscription, "a Subscription"), amount=(Money, "Money"))
    def per_seat(
        cls,
        discount_id: str,
        subscription: Subscription,
        amount: Money,
        *,
        terms: int | None = None,
    ) -> Discount:
        """An amount off per seat per year, from the subscription's current term.

        Raises:
            InvalidInput: the amount is more than the subscription's price per seat per
                year (a discount never makes a seat cost less than nothing).
        """
        price = getattr(subscription.plan, "price_per_seat_year", None)
        if (
            isinstance(price, Money)
            and isinstance(amount, Money)
            and amount.currency == price.currency
            and amount.amount > price.amount
        ):
            raise InvalidInput(
                f"a per-seat discount must be at most the price per seat per year of "
                f"subscription {subscription.id!r} ({price.amount} {price.currency.code}), "
                f"got {amount.amount} {amount.currency.code}"
            )
        return cls(
            discount_id, subscription.id, "per_seat", amount, max(subscription.periods, 1), terms
        )

    def applies_to(self, subscription: Subscription) -> bool:
        """Whether it applies to the subscription's current term.

        Only to its own subscription, while that is active (not cancelled or expired), not
        ended, and within its terms.
        """
        term = subscription.periods
        return (
            subscription.id == self.subscription_id
            and subscription.status is Status.ACTIVE
            and self.ended_at is None
            and term >= self.first_term
            and (self.terms is None or term < self.first_term + self.terms)
        )


def end_discounts(discounts: Iterable[Discount], events: Iterable[Event]) -> tuple[Discount, ...]:
    """End the discounts of every subscription that a cancellation or expiry ended.

    Pass the events of a lifecycle step (``subscriptions.cancel`` ...); an ended discount
    stays ended, whatever happens to its subscription later.
    """
    discounts = items(discounts, "discounts", "an iterable of Discount")
    for discount in discounts:
        argument(discount, Discount, "each discount", "a Discount")
    ended: dict[str, pendulum.DateTime] = {}
    for event in items(events, "events", "an iterable of lifecycle events"):
        if isinstance(event, CancellationScheduled | Expired):
            ended.setdefault(event.subscription_id, event.at)
    return tuple(
        attrs.evolve(d, ended_at=ended[d.subscription_id])
        if d.ended_at is None and d.subscription_id in ended
        else d
        for d in discounts
    )


def _discount_line(discount: Discount, line: InvoiceLine, left: Money) -> InvoiceLine | None:
    """The credit line of ``discount`` on seat line ``line``, capped at ``left`` (what the
    discounts before it left of the line); ``None`` when nothing is left."""
    unit = line.unit_price
    if discount.kind == "percent":
        assert isinstance(discount.value, Decimal)
        off = Money(unit.amount * discount.value / _HUNDRED, unit.currency)
        credit = InvoiceLine.priced(
            "discount_percent",
            None,
            line.quantity,
            off,
            line.start,
            line.end,
            credit=True,
            percent=f"{discount.value.normalize():f}",
        )
    else:
        assert isinstance(discount.value, Money)
        share = Decimal(1)
        if line.kind == "seats_prorated":
            share = Decimal(line.details["days"]) / Decimal(line.details["period_days"])
        with decimal.localcontext() as ctx:
            ctx.rounding = decimal.ROUND_UP  # as for prorated prices: cut away from zero
            amount = min(discount.value.amount * share, unit.amount)
        credit = InvoiceLine.priced(
            "discount_per_seat",
            None,
            line.quantity,
            Money(amount, unit.currency),
            line.start,
            line.end,
            credit=True,
        )
    if left.amount <= 0:
        return None
    if -credit.amount.amount > left.amount:
        # Capped: the line keeps its quantity and price, and says what it takes.
        credit = attrs.evolve(credit, amount=-left, details={**credit.details, "capped": True})
    return credit


@accepts(invoice=(Invoice, "an Invoice"), subscription=(Subscription, "a Subscription"))
def apply_discounts(
    invoice: Invoice, subscription: Subscription, discounts: Iterable[Discount]
) -> Invoice:
    """Return the invoice with a credit line per applicable discount and seat line.

    A percentage takes that share of the seat line; an amount per seat takes that amount
    per seat (for a prorated line, prorated the same way; never more than the price).
    Each discount line is rounded once, so the total is the exact sum of the lines.

    The discounts apply in the order given (the storage ports give them by id), and
    together never take a seat line below zero: each is capped at what the ones before
    it left of that line, and one that finds nothing left adds no line.

    Raises:
        CurrencyMismatch: a per-seat amount in another currency than the invoice.
    """
    if invoice.subscription_id != subscription.id:
        raise InvalidInput(
            f"the invoice is for subscription {invoice.subscription_id!r}; expected that "
            f"subscription, got {subscription.id!r}"
        )
    discounts = items(discounts, "discounts", "an iterable of Discount")
    for discount in discounts:
        argument(discount, Discount, "each discount", "a Discount")
    seat_lines = [ln for ln in invoice.lines if ln.kind in ("seats", "seats_prorated")]
    applicable = [d for d in discounts if d.applies_to(subscription)]
    found: dict[tuple[int, int], InvoiceLine] = {}
    for j, line in enumerate(seat_lines):
        left = line.amount
        for i, discount in enumerate(applicable):
            credit = _discount_line(discount, line, left)
            if credit is not None:
                found[i, j] = credit
                left = left + credit.amount
    # Listed discount by discount, each one's lines in seat-line order.
    extra = [found[key] for key in sorted(found)]
    if not extra:
        return invoice
    return attrs.evolve(invoice, lines=(*invoice.lines, *extra))
