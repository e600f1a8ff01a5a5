"""The life of a subscription: trial, activation, renewal, cancellation, upgrade, access.

Every step is a pure function over a frozen :class:`Subscription` that returns a
:class:`Transition`: the new value and the domain events it caused. Dates come from the
plan's :class:`~subscriptionkit.plans.Terms`, on the customer's wall clock.

>>> import datetime as dt
>>> from subscriptionkit import plans, subscriptions
>>> catalog = plans.default_catalog()
>>> at = dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.timezone.utc)
>>> trial, events = subscriptions.start_trial("school-1", at=at, length="P3M")
>>> trial.trial_ends_at.isoformat()
'2026-04-30T10:00:00+02:00'
>>> sub, events = subscriptions.activate(trial, catalog["focus-po-1-2"], at=trial.trial_ends_at)
>>> sub.paid_through.isoformat()
'2027-04-30T10:00:00+02:00'
>>> upgraded, events = subscriptions.upgrade(sub, catalog["focus-po-combi"], at=at.replace(month=9, day=1))
>>> [type(e).__name__ for e in events], upgraded.paid_through.isoformat()
(['Upgraded'], '2027-09-01T11:00:00+02:00')
"""

import typing

from .. import _lazy

if typing.TYPE_CHECKING:
    from ._audit import audit_entries
    from ._model import (
        Activated,
        CancellationScheduled,
        Course,
        DowngradeScheduled,
        Event,
        Expired,
        Renewed,
        SeatsChanged,
        Status,
        Subscription,
        Transition,
        TrialStarted,
        Upgraded,
    )
    from ._reminders import Message, Reminder, ReminderKind, due_reminders, pending_reminders
    from ._rules import (
        MAX_TRIAL,
        TRIAL_PLAN_ID,
        activate,
        cancel,
        cancellation_deadline,
        catch_up,
        change_seats,
        has_access,
        last_day_to_cancel,
        schedule_downgrade,
        start_trial,
        subscribe,
        upgrade,
    )

if not typing.TYPE_CHECKING:  # at run time each name's module is imported on first use
    __getattr__, __dir__ = _lazy.attach(__name__, __file__)

__all__ = [
    "MAX_TRIAL",
    "TRIAL_PLAN_ID",
    "Activated",
    "CancellationScheduled",
    "Course",
    "DowngradeScheduled",
    "Event",
    "Expired",
    "Message",
    "Reminder",
    "ReminderKind",
    "Renewed",
    "SeatsChanged",
    "Status",
    "Subscription",
    "Transition",
    "TrialStarted",
    "Upgraded",
    "activate",
    "audit_entries",
    "cancel",
    "cancellation_deadline",
    "catch_up",
    "change_seats",
    "due_reminders",
    "has_access",
    "last_day_to_cancel",
    "pending_reminders",
    "schedule_downgrade",
    "start_trial",
    "subscribe",
    "upgrade",
]
