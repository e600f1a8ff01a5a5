"""Test doubles for code that uses subscriptionkit: clocks, stores and factories.

>>> from subscriptionkit.testing import FixedClock, MemoryStore, active_subscription
>>> sub = active_subscription("focus-po-combi")
>>> sub.status.value, sub.plan_id
('active', 'focus-po-combi')
"""

from __future__ import annotations

import datetime as _dt
import itertools
from typing import Final

from .clock import DEFAULT_TIMEZONE, FixedClock
from .money import eur
from .plans import Catalog, default_catalog, teams_plan
from .storage import MemoryStore
from .subscriptions import Subscription, start_trial, subscribe

__all__ = [
    "DEFAULT_START",
    "FixedClock",
    "MemoryStore",
    "active_subscription",
    "trial_subscription",
]

#: The moment factories start subscriptions at unless told otherwise.
DEFAULT_START: Final = _dt.datetime(2026, 1, 15, 9, 0, tzinfo=_dt.UTC)

_ids = itertools.count(1)


def _catalog() -> Catalog:
    # Teams gets a price here so that seat subscriptions can be made in tests.
    return default_catalog(teams=teams_plan(eur("60.00")))


def trial_subscription(
    customer_id: str | None = None,
    *,
    at: _dt.datetime = DEFAULT_START,
    length: str = "P6M",
    tz: str = DEFAULT_TIMEZONE,
) -> Subscription:
    """Return a fresh trial (Focus PO 1-8) for ``customer_id`` (default: a new customer)."""
    n = next(_ids)
    return start_trial(
        customer_id or f"customer-{n}",
        at=at,
        length=length,
        tz=tz,
        subscription_id=f"sub-{n}",
    ).subscription


def active_subscription(
    plan_id: str = "focus-po-1-2",
    customer_id: str | None = None,
    *,
    at: _dt.datetime = DEFAULT_START,
    seats: int | None = None,
    tz: str = DEFAULT_TIMEZONE,
) -> Subscription:
    """Return an active subscription on ``plan_id`` (Teams priced at € 60 a seat, 10 seats)."""
    plan = _catalog()[plan_id]
    if plan.kind == "seat" and seats is None:
        seats = 10
    n = next(_ids)
    return subscribe(
        customer_id or f"customer-{n}",
        plan,
        at=at,
        seats=seats,
        tz=tz,
        subscription_id=f"sub-{n}",
    ).subscription
