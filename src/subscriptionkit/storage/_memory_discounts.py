"""The discounts of the in-memory adapter (internal; wired in by ``memory``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from ..billing import Discount, end_discounts
from ..errors import AlreadyExists, InvalidInput, NotFound
from ..subscriptions import CancellationScheduled, Event, Expired, Status, Subscription

if TYPE_CHECKING:
    from ._team_ledger_ports import DiscountStore
    from .memory import MemoryUnitOfWork

_DISCOUNT = "discount"


def check_discount(discount: object, method: str) -> Discount:
    """Return ``discount`` if it is a Discount (every adapter checks this first)."""
    if not isinstance(discount, Discount):
        raise InvalidInput(
            f"discounts.{method}() takes a billing Discount, got {type(discount).__name__}"
        )
    return discount


def ended(stored: Discount, discount: Discount) -> Discount:
    """What :meth:`DiscountStore.end` keeps: ``stored`` with the end of ``discount``.

    Raises:
        InvalidInput: ``discount`` differs from ``stored`` in more than its end.
    """
    if attrs.evolve(discount, ended_at=None) != attrs.evolve(stored, ended_at=None):
        raise InvalidInput(
            f"ending a discount stores only the end of discount {stored.id!r}; expected it "
            f"as stored but for ended_at, got {discount!r}"
        )
    if stored.ended_at is not None or discount.ended_at is None:
        return stored
    return discount


def end_with_subscription(
    discounts: DiscountStore, subscription: Subscription, events: Sequence[Event]
) -> None:
    """End the open discounts of ``subscription`` when what is stored of it ends it.

    Every adapter's ``subscriptions.add`` and ``subscriptions.update`` call this in the same
    unit of work, so every path that ends a subscription (a cancellation, a trial or term
    running out in :func:`~subscriptionkit.subscriptions.catch_up`, a cancelled trial) ends its
    discounts the one way (seed 000): at the moment :func:`~subscriptionkit.billing.end_discounts`
    gives for ``events``, or, for a subscription stored as expired without its events, at its
    ``ended_at``. Nothing is read when nothing ends.
    """
    ends: list[Event] = [e for e in events if isinstance(e, CancellationScheduled | Expired)]
    if subscription.status is Status.EXPIRED and subscription.ended_at is not None:
        # Last, so the step's own event gives the moment where it has one.
        ends.append(Expired(subscription.id, subscription.ended_at, "expired"))
    if not ends:
        return
    stored = discounts.for_subscription(subscription.id)
    for before, after in zip(stored, end_discounts(stored, ends), strict=True):
        if after is not before:
            discounts.end(after)


class MemoryDiscounts:
    """The discounts of one memory unit of work (reads see staged writes)."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._store = uow.store
        self._staged: dict[str, Discount] = {}
        #: The ids this unit of work added (commit refuses one another added meanwhile).
        self._new: set[str] = set()

    def __repr__(self) -> str:
        return f"<memory discounts staged={len(self._staged)}>"

    def _visible(self) -> dict[str, Discount]:
        return {**self._store._discounts, **self._staged}

    def add(self, discount: Discount) -> Discount:
        self._uow._require_open()
        check_discount(discount, "add")
        self._uow.subscriptions.get(discount.subscription_id)  # NotFound if unknown
        with self._store._lock:
            if discount.id in self._visible():
                raise AlreadyExists(kind=_DISCOUNT, key=discount.id)
            self._staged[discount.id] = discount
            self._new.add(discount.id)
        return discount

    def get(self, discount_id: str) -> Discount:
        self._uow._require_open()
        with self._store._lock:
            found = self._visible().get(discount_id)
        if found is None:
            raise NotFound(kind=_DISCOUNT, key=discount_id)
        return found

    def for_subscription(self, subscription_id: str) -> Sequence[Discount]:
        self._uow._require_open()
        with self._store._lock:
            found = [d for d in self._visible().values() if d.subscription_id == subscription_id]
        return sorted(found, key=lambda d: d.id)

    def end(self, discount: Discount) -> Discount:
        check_discount(discount, "end")
        stored = ended(self.get(discount.id), discount)
        with self._store._lock:
            self._staged[stored.id] = stored
        return stored

    def _check(self) -> None:
        for discount_id in self._new:
            if discount_id in self._store._discounts:
                raise AlreadyExists(kind=_DISCOUNT, key=discount_id)

    def _apply(self) -> None:
        data = self._store._discounts
        for discount_id, discount in self._staged.items():
            known = data.get(discount_id)
            # An end another unit of work committed meanwhile stays the first end.
            data[discount_id] = ended(known, discount) if known is not None else discount

    def _discard(self) -> None:
        self._staged.clear()
        self._new.clear()
