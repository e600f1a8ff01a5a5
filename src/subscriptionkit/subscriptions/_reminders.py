"""Which reminders to send on a given day, with their text in Dutch or English."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Literal

import attrs
import pendulum

from .._checks import accepts, argument, items
from .._errors_base import _repr
from .._i18n import Translator
from ..clock import day_start
from ..errors import InvalidInput
from ..money import DEFAULT_LOCALE
from ._model import Status, Subscription
from ._rules import cancellation_deadline, catch_up, last_day_to_cancel

#: What a reminder is about: the coming renewal, or the last day to cancel.
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
        renews_at: the renewal (payment) moment it is about.
        deadline: the last instant to cancel (inclusive): the end of the last day to
            cancel, in the customer's time zone. The whole of that day counts.
    """

    kind: ReminderKind
    subscription_id: str
    customer_id: str
    plan_name: str
    due_on: _dt.date
    renews_at: pendulum.DateTime
    deadline: pendulum.DateTime

    @property
    def last_day_to_cancel(self) -> _dt.date:
        """The last calendar day to cancel, in the customer's time zone."""
        return self.deadline.date()

    def still_true_on(self, day: _dt.date) -> bool:
        """Whether the reminder can still be sent on the calendar day ``day``.

        A reminder tells the customer it can still cancel: the renewal reminder "let us
        know by" the last day to cancel, the last-day reminder "today". One that a job
        missed is sent late only while that stays true: the renewal reminder up to and
        on the last day to cancel, the last-day reminder only on that day. After that it
        is dropped, never sent (the renewal it was about renews as the terms say).

        >>> import datetime as dt
        >>> from subscriptionkit import plans, subscriptions
        >>> start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.timezone.utc)
        >>> sub, _ = subscriptions.subscribe(
        ...     "school-1", plans.default_catalog()["focus-po-1-2"], at=start)
        >>> renewal, last_day = subscriptions.pending_reminders(sub)
        >>> renewal.still_true_on(dt.date(2026, 12, 15)), last_day.still_true_on(dt.date(2026, 12, 15))
        (True, True)
        >>> renewal.still_true_on(dt.date(2026, 12, 16)), last_day.still_true_on(dt.date(2026, 12, 16))
        (False, False)
        """
        if isinstance(day, _dt.datetime) or not isinstance(day, _dt.date):
            raise InvalidInput(
                f"day must be a calendar day (datetime.date), got {type(day).__name__}: "
                f"{_repr(day)}"
            )
        if self.kind == "cancellation_deadline":
            return day == self.last_day_to_cancel
        return self.due_on <= day <= self.last_day_to_cancel

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
        15 December 2026.
        """
        t = Translator(locale)
        values = {
            "plan": self.plan_name,
            "renewal": t.date(self.renews_at.date()),
            # A whole day: the last day to cancel, which counts until its end.
            "deadline": t.date(self.last_day_to_cancel),
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
                "Today, {deadline}, is the last day to cancel your {plan} subscription: "
                "cancelling works until the end of the day. After that it renews on {renewal}."
            )
        return Message(subject.format(**values), body.format(**values))


def due_reminders(subscriptions: Iterable[Subscription], *, on: _dt.date) -> list[Reminder]:
    """Return the reminders to send on the calendar day ``on``.

    Each subscription is judged in its own time zone and first caught up to the start of
    that day (renewals that fell due are applied), so a store that was not updated still
    yields the right reminders. Only active, automatically renewing subscriptions get
    reminders; a cancelled one has nothing left to decide.

    Reminders are whole days: the renewal reminder on
    :meth:`~subscriptionkit.plans.Terms.reminder_day` (never after the last day to
    cancel), the last-day reminder on the last day to cancel, a day on which cancelling
    still works until its end. Every upcoming renewal is considered, not only the next
    one, so a plan whose reminder lead is as long as its term or longer (a monthly plan
    reminded two months ahead) misses none.

    Raises:
        InvalidInput: ``on`` is a datetime rather than a date.
    """
    if isinstance(on, _dt.datetime) or not isinstance(on, _dt.date):
        raise InvalidInput(
            f"on must be a calendar day (datetime.date), got {type(on).__name__}: {_repr(on)}"
        )
    out: list[Reminder] = []
    for original in items(subscriptions, "subscriptions", "an iterable of Subscription"):
        argument(original, Subscription, "each subscription", "a Subscription")
        sub = catch_up(original, at=day_start(on, tz=original.timezone)).subscription
        out.extend(r for r in pending_reminders(sub) if r.due_on == on)
    return out


@accepts(subscription=(Subscription, "a Subscription"))
def pending_reminders(subscription: Subscription) -> tuple[Reminder, ...]:
    """Return the reminders that fall due before the current period ends, each on its day.

    These are the reminders :func:`due_reminders` sends while the subscription stands as
    it is (it is not caught up first): for the next renewal (:attr:`~Subscription.paid_through`)
    ``"renewal"`` on :meth:`~subscriptionkit.plans.Terms.reminder_day` and
    ``"cancellation_deadline"`` on the last day to cancel, both whole days in the
    customer's time zone. When the reminder lead (or the notice) is as long as the term or
    longer, the reminders of later renewals can fall due within the current period too;
    they are included, so none is missed. Only an active, automatically renewing
    subscription has any. Stores keep them as rows so a daily job can ask for the
    reminders due without reading every subscription.

    >>> import datetime as dt
    >>> from subscriptionkit import plans, subscriptions
    >>> start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.timezone.utc)
    >>> sub, _ = subscriptions.subscribe(
    ...     "school-1", plans.default_catalog()["focus-po-1-2"], at=start)
    >>> [(r.kind, r.due_on.isoformat()) for r in subscriptions.pending_reminders(sub)]
    [('renewal', '2026-11-15'), ('cancellation_deadline', '2026-12-15')]
    """
    sub = subscription
    first_end = sub.paid_through
    if first_end is None:
        return ()
    period_end = first_end.in_timezone(sub.timezone).date()
    out: list[Reminder] = []
    # Reminder days only grow from one renewal to the next: walk the renewals ahead
    # until their reminders fall after the current period.
    while sub.status is Status.ACTIVE and sub.plan.terms.auto_renew:
        renews = sub.paid_through
        last_day = last_day_to_cancel(sub)
        deadline = cancellation_deadline(sub)
        assert renews is not None
        assert last_day is not None
        assert deadline is not None
        reminder_on = sub.plan.terms.reminder_day(renews, tz=sub.timezone)
        if out and min(reminder_on, last_day) > period_end:
            break
        days: tuple[tuple[ReminderKind, _dt.date], ...] = (
            ("renewal", reminder_on),
            ("cancellation_deadline", last_day),
        )
        out.extend(
            Reminder(kind, sub.id, sub.customer_id, sub.plan.name, day, renews, deadline)
            for kind, day in days
        )
        sub = catch_up(sub, at=renews).subscription
    return tuple(out)
