"""The subscription events as audit log entries (ids and facts only)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable

import attrs

from .._checks import identifier, items
from ..audit import AuditEntry, AuditValue
from ..errors import InvalidInput
from ._model import Event, Renewed

#: The ``subject_type`` of every entry about a subscription.
SUBJECT_TYPE = "subscription"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _value(value: object) -> AuditValue:
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, str | int | bool | type(None)):
        return value
    raise InvalidInput(  # pragma: no cover (every event field is one of the above)
        f"an event field must be a moment, text, a number or None, got {type(value).__name__}"
    )


def audit_entries(customer_id: str, events: Iterable[Event]) -> tuple[AuditEntry, ...]:
    """Turn the events of a lifecycle step into audit log entries for ``customer_id``.

    Each entry is about the event's subscription (``subject_type="subscription"``), its
    ``kind`` is the event's class in snake_case (``Renewed`` → ``"renewed"``,
    ``SeatsChanged`` → ``"seats_changed"``), ``at`` is when it happened (a renewal: the
    start of the new period), and ``data`` holds the event's other fields, moments as
    ISO 8601 text with their offset. Events carry ids only, so entries do too.

    >>> import datetime as dt
    >>> from subscriptionkit import plans, subscriptions
    >>> at = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.timezone.utc)
    >>> sub, events = subscriptions.subscribe(
    ...     "school-1", plans.default_catalog()["focus-po-1-2"], at=at, subscription_id="sub-1")
    >>> [entry] = subscriptions.audit_entries(sub.customer_id, events)
    >>> entry.kind, entry.subject_id, dict(entry.data)
    ('activated', 'sub-1', {'plan_id': 'focus-po-1-2', 'paid_through': '2027-01-15T10:00:00+01:00'})

    Raises:
        InvalidInput: an event that is not a subscription event.
    """
    customer_id = identifier(customer_id, "customer_id")
    out = []
    for event in items(events, "events", "an iterable of subscription events"):
        if not attrs.has(type(event)) or not hasattr(event, "subscription_id"):
            raise InvalidInput(
                f"audit entries are made of subscription events (Activated, Renewed...), "
                f"got {type(event).__name__}"
            )
        at = event.period_start if isinstance(event, Renewed) else event.at
        data = {
            f.name: _value(getattr(event, f.name))
            for f in attrs.fields(type(event))
            if f.name not in ("subscription_id", "customer_id", "at")
        }
        out.append(
            AuditEntry(
                subject_type=SUBJECT_TYPE,
                subject_id=event.subscription_id,
                customer_id=customer_id,
                kind=_snake(type(event).__name__),
                at=at,
                data=data,
            )
        )
    return tuple(out)
