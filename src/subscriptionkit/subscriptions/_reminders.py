"""Which reminders to send on a given day, with their text in Dutch or English."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Literal

import attrs
import pendulum

from .._checks import accepts, argument, items
from .._i18n import Translator
from ..clock import timezone
from ..errors import InvalidInput
from ..money import DEFAULT_LOCALE
from ._model import Status, Subscription
from ._rules import cancellation_deadline, catch_up

ReminderKind = Literal["renewal", "cancellation_deadline"]


@attrs.frozen
class Message:
    """A rendered reminder: a subject line and a body."""

    subject: str
    body: str


@attrs.frozen
class Reminder:
    """A reminder due on one day for one subscription.

    Attributes:
        kind: ``"renewal"`` (sent ``reminder_lead`` before renewal: Teams 2 weeks, Focus PO
            2 months) or ``"cancellation_deadline"`` (sent on the last day to cancel).
        due_on: the calendar day it is due, in the customer's time zone.
        renews_at: the renewal (next payment) moment.
        deadline: the last moment to cancel (inclusive).
    """

    kind: ReminderKind
    subscription_id: str
    customer_id: str
    plan_name: str
    due_on: _dt.date
    renews_at: pendulum.DateTime
    deadline: pendulum.DateTime

    def message(self, locale: str = DEFAULT_LOCALE) -> Message:
        """Render the reminder for ``locale`` (Dutch and English ship with the library).

        >>> import datetime as dt
        >>> from subscriptionkit import plans, subscriptions
        >>> start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.timezone.utc)
        >>> sub, _ = subscriptions.subscribe(
        ...     "school-1", plans.default_catalog()["focus-po-1-2"], at=start)
        >>> [r] = subscriptions.due_reminders([sub], on=dt.date(2026, 11, 15))
        >>> print(r.message("nl_NL").subject)
        Je abonnement Focus PO 1-2 wordt verlengd op 15 januari 2027
        >>> print(r.message("en_GB").body)
        Your Focus PO 1-2 subscription renews automatically on 15 January 2027. If you do
        nothing, it continues and no data is lost. To cancel or change it, let us know by
        15 December 2026 at 10:00.
        """
        t = Translator(locale)
        values = {
            "plan": self.plan_name,
            "renewal": t.date(self.renews_at.date()),
            "deadline": t.gettext("{date} at {time}").format(
                date=t.date(self.deadline.date()), time=t.time(self.deadline)
            ),
        }
        if self.kind == "renewal":
            subject = t.gettext("Your {plan} subscription renews on {renewal}")
            body = t.gettext(
                "Your {plan} subscription renews automatically on {renewal}. If you do nothing, "
                "it continues and no data is lost. To cancel or change it, let us know by "
                "{deadline}."
            )
        else:
            subject = t.gettext("Last day to cancel your {plan} subscription")
            body = t.gettext(
                "Today is the last day to cancel your {plan} subscription: until {deadline}. "
                "After that it renews on {renewal}."
            )
        return Message(subject.format(**values), body.format(**values))


def due_reminders(subscriptions: Iterable[Subscription], *, on: _dt.date) -> list[Reminder]:
    """Return the reminders to send on the calendar day ``on``.

    Each subscription is judged in its own time zone and first caught up to the start of
    that day (renewals that fell due are applied), so a store that was not updated still
    yields the right reminders. Only active, automatically renewing subscriptions get
    reminders; a cancelled one has nothing left to decide.

    Raises:
        InvalidInput: ``on`` is a datetime rather than a date.
    """
    if isinstance(on, _dt.datetime) or not isinstance(on, _dt.date):
        raise InvalidInput(
            f"on must be a calendar day (datetime.date), got {type(on).__name__}: {on!r}"
        )
    out: list[Reminder] = []
    for original in items(subscriptions, "subscriptions", "an iterable of Subscription"):
        argument(original, Subscription, "each subscription", "a Subscription")
        day_start = pendulum.datetime(on.year, on.month, on.day, tz=timezone(original.timezone))
        sub = catch_up(original, at=day_start).subscription
        out.extend(r for r in pending_reminders(sub) if r.due_on == on)
    return out


@accepts(subscription=(Subscription, "a Subscription"))
def pending_reminders(subscription: Subscription) -> tuple[Reminder, ...]:
    """Return the reminders the subscription's current period holds, each on its own day.

    These are the reminders :func:`due_reminders` sends for this period, as the
    subscription stands (it is not caught up first): ``"renewal"`` on the reminder day
    before :attr:`~Subscription.paid_through` and ``"cancellation_deadline"`` on the
    day of the last moment to cancel, both in the customer's time zone. Only an active,
    automatically renewing subscription has any. Stores keep them as rows so a daily job
    can ask for the reminders due without reading every subscription.

    >>> import datetime as dt
    >>> from subscriptionkit import plans, subscriptions
    >>> start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.timezone.utc)
    >>> sub, _ = subscriptions.subscribe(
    ...     "school-1", plans.default_catalog()["focus-po-1-2"], at=start)
    >>> [(r.kind, r.due_on.isoformat()) for r in subscriptions.pending_reminders(sub)]
    [('renewal', '2026-11-15'), ('cancellation_deadline', '2026-12-15')]
    """
    sub = subscription
    if sub.status is not Status.ACTIVE or not sub.plan.terms.auto_renew:
        return ()
    renews = sub.paid_through
    deadline = cancellation_deadline(sub)
    assert renews is not None
    assert deadline is not None
    reminder_on = sub.plan.terms.reminder_date(renews, tz=sub.timezone).date()
    days: tuple[tuple[ReminderKind, _dt.date], ...] = (
        ("renewal", reminder_on),
        ("cancellation_deadline", deadline.date()),
    )
    return tuple(
        Reminder(kind, sub.id, sub.customer_id, sub.plan.name, day, renews, deadline)
        for kind, day in days
    )
