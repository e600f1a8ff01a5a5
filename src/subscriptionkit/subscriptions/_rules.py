"""The lifecycle as pure functions: each returns the new subscription and its events."""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Iterable
from typing import Final

import attrs
import pendulum

from .._checks import Kind, accepts, identifier, items, optional_identifier
from ..clock import DEFAULT_TIMEZONE, day_end, ensure_aware, instant, local
from ..errors import (
    CancellationTooLate,
    InvalidInput,
    InvalidPlan,
    InvalidTransition,
    NotAnUpgrade,
    TrialAlreadyUsed,
)
from ..plans import Catalog, Plan, PupilPlan, SeatPlan, Span, default_catalog
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

#: The longest trial there is (published: at most six months).
MAX_TRIAL: Final = Span(months=6)
#: The plan every trial runs on (published: Focus PO 1-8, the full plan).
TRIAL_PLAN_ID: Final = "focus-po-1-8"


_SUB: Kind = (Subscription, "a Subscription")
_PLAN: Kind = ((SeatPlan, PupilPlan), "a SeatPlan or PupilPlan")
_AT: Kind = (_dt.datetime, "a timezone-aware datetime")
_TZ: Kind = (str, "an IANA time zone name such as 'Europe/Amsterdam'")


def _new_id() -> str:
    return uuid.uuid4().hex


def _check_seats(plan: Plan, seats: int | None) -> int | None:
    if isinstance(plan, SeatPlan):
        checked = plan.check_seats(seats)
        plan.price()  # a seat plan is sold at a configured price: without one, no subscription
        return checked
    if seats is not None:
        raise InvalidInput(
            f"plan {plan.id!r} is priced per pupil and takes no seats; got seats={seats!r}"
        )
    return None


def _check_not_before(at: pendulum.DateTime, earliest: pendulum.DateTime, what: str) -> None:
    if instant(at) < instant(earliest):
        raise InvalidInput(
            f"{what} must not be before {earliest.isoformat()}, got {at.isoformat()}"
        )


@accepts(
    at=_AT,
    length=((Span, str), "a Span or a length such as '6 months'"),
    catalog=(Catalog, "a Catalog"),
    tz=_TZ,
)
def start_trial(
    customer_id: str,
    *,
    at: _dt.datetime,
    length: Span | str = MAX_TRIAL,
    history: Iterable[Subscription] = (),
    catalog: Catalog | None = None,
    tz: str = DEFAULT_TIMEZONE,
    subscription_id: str | None = None,
) -> Transition:
    """Start the customer's one free trial of Focus PO 1-8 (full).

    Args:
        customer_id: the customer (school, team owner's organisation...).
        at: when the trial starts.
        length: how long it lasts, at most six months (tied to the advisory track).
        history: the customer's earlier subscriptions; a trial among them refuses this one.
        catalog: where to take the Focus PO 1-8 plan from (default: the published one).
        tz: the customer's time zone.
        subscription_id: an id to use (default: a new random one).

    Raises:
        TrialAlreadyUsed: the customer had a trial before, whatever plan followed.
        InvalidInput: the length is zero or longer than six months.
    """
    customer_id = identifier(customer_id, "customer_id")
    subscription_id = optional_identifier(subscription_id, "subscription_id")
    at = ensure_aware(at, "at")
    span = length if isinstance(length, Span) else Span.parse(length)
    ends = span.after(at, tz=tz)
    if instant(ends) <= instant(at) or instant(ends) > instant(MAX_TRIAL.after(at, tz=tz)):
        raise InvalidInput(
            f"a trial lasts more than zero and at most {MAX_TRIAL} (six months), got {span}"
        )
    for earlier in items(history, "history", "an iterable of Subscription"):
        if not isinstance(earlier, Subscription):
            raise InvalidInput(
                f"history must hold Subscription values, got {type(earlier).__name__}: {earlier!r}"
            )
        if earlier.customer_id == customer_id and earlier.trial_started_at is not None:
            raise TrialAlreadyUsed(customer_id=customer_id, trial_started=earlier.trial_started_at)
    plan = (catalog or default_catalog())[TRIAL_PLAN_ID]
    sub = Subscription(
        id=subscription_id or _new_id(),
        customer_id=customer_id,
        plan=plan,
        status=Status.TRIAL,
        started_at=at,
        trial_started_at=at,
        trial_ends_at=ends,
        timezone=tz,
    )
    return Transition(sub, (TrialStarted(sub.id, customer_id, local(at, tz), ends),))


@accepts(plan=_PLAN, at=_AT, tz=_TZ)
def subscribe(
    customer_id: str,
    plan: Plan,
    *,
    at: _dt.datetime,
    seats: int | None = None,
    tz: str = DEFAULT_TIMEZONE,
    subscription_id: str | None = None,
) -> Transition:
    """Start a paid subscription without a trial (Teams, or a school that skips it).

    Raises:
        SeatCountOutOfRange: seats outside the plan's range.
        PriceNotConfigured: a seat plan without a configured price.
        InvalidInput: seats given for a per-pupil plan.
        InvalidIdentifier: ``customer_id`` or ``subscription_id`` is not a usable id.
    """
    customer_id = identifier(customer_id, "customer_id")
    subscription_id = optional_identifier(subscription_id, "subscription_id")
    at = ensure_aware(at, "at")
    sub = Subscription(
        id=subscription_id or _new_id(),
        customer_id=customer_id,
        plan=plan,
        status=Status.ACTIVE,
        started_at=at,
        periods=1,
        seats=_check_seats(plan, seats),
        activated_at=at,
        timezone=tz,
    )
    paid = sub.paid_through
    assert paid is not None
    return Transition(sub, (Activated(sub.id, plan.id, local(at, tz), paid),))


@accepts(subscription=_SUB, plan=_PLAN, at=_AT)
def activate(
    subscription: Subscription, plan: Plan, *, at: _dt.datetime, seats: int | None = None
) -> Transition:
    """Turn a trial (running or run out) into a paid one-year subscription on ``plan``.

    The year starts at ``at``.

    The trial is Focus PO 1-8 (seed 002: "elk eenjarig abonnement wordt voorafgegaan door
    een gratis proefabonnement Focus PO 1-8"), so it becomes a per-pupil (Focus PO) plan,
    never a seat plan such as Teams, another platform's product, taken with
    :func:`subscribe`.

    Raises:
        InvalidTransition: the subscription is not a trial (or a trial that ran out).
        InvalidPlan: ``plan`` is not a per-pupil plan.
    """
    at = ensure_aware(at, "at")
    sub = subscription
    trial_only = sub.periods == 0 and sub.trial_started_at is not None
    if not (sub.status is Status.TRIAL or (sub.status is Status.EXPIRED and trial_only)):
        raise InvalidTransition(
            action="activate", state=_describe(sub), allowed=("on trial", "expired after a trial")
        )
    if not isinstance(plan, PupilPlan):
        raise InvalidPlan(
            f"a Focus PO trial becomes a one-year Focus PO subscription; expected a "
            f"per-pupil plan, got {plan.id!r} ({plan.name}), which is priced per seat "
            "(subscribe to it instead)"
        )
    _check_not_before(at, sub.started_at, "activation")
    new = attrs.evolve(
        sub,
        plan=plan,
        status=Status.ACTIVE,
        started_at=at,
        periods=1,
        seats=_check_seats(plan, seats),
        trial_ends_at=min(sub.trial_ends_at, at, key=instant) if sub.trial_ends_at else None,
        activated_at=at,
        ended_at=None,
    )
    paid = new.paid_through
    assert paid is not None
    return Transition(new, (Activated(new.id, plan.id, local(at, new.timezone), paid),))


@accepts(subscription=_SUB, at=_AT)
def catch_up(subscription: Subscription, *, at: _dt.datetime) -> Transition:
    """Apply everything that fell due by ``at``: trial ends, renewals, cancellations.

    Renewals happen period by period, each counted from the start of the year, so
    they never drift across month ends. A scheduled downgrade takes effect at the first
    renewal. A plan that does not renew automatically expires at its end.
    """
    at = local(at, subscription.timezone)
    sub = subscription
    events: list[Event] = []
    while True:
        paid = sub.paid_through
        if paid is None or instant(at) < instant(paid) or sub.status is Status.EXPIRED:
            break
        if sub.status is Status.TRIAL:
            sub = attrs.evolve(sub, status=Status.EXPIRED, ended_at=paid)
            events.append(Expired(sub.id, paid, "trial ended"))
        elif sub.status is Status.CANCELLED:
            sub = attrs.evolve(sub, status=Status.EXPIRED, ended_at=paid)
            events.append(Expired(sub.id, paid, "cancelled"))
        elif not sub.plan.terms.auto_renew:
            sub = attrs.evolve(sub, status=Status.EXPIRED, ended_at=paid)
            events.append(Expired(sub.id, paid, "term ended without automatic renewal"))
        elif (pending := sub.pending_plan) is not None:
            if pending.terms.term == sub.plan.terms.term:
                # Same term: keep counting from the start, so the renewal never drifts
                # (a year started on 29 February renews on 29 February in leap years).
                sub = attrs.evolve(sub, plan=pending, pending_plan=None, periods=sub.periods + 1)
            else:
                # Another term length: the count restarts from the renewal date.
                sub = attrs.evolve(sub, plan=pending, pending_plan=None, started_at=paid, periods=1)
            new_paid = sub.paid_through
            assert new_paid is not None
            events.append(Renewed(sub.id, sub.plan.id, paid, new_paid))
        else:
            # A new term: the renewal invoice charges the seats held now, the new mark.
            sub = attrs.evolve(sub, periods=sub.periods + 1, seats_paid=None)
            new_paid = sub.paid_through
            assert new_paid is not None
            events.append(Renewed(sub.id, sub.plan.id, paid, new_paid))
    return Transition(sub, tuple(events))


@accepts(subscription=_SUB)
def cancellation_deadline(subscription: Subscription) -> pendulum.DateTime | None:
    """Return the last instant (inclusive) to cancel before the next renewal, if any.

    Deadlines are whole local days: this is the end of :func:`last_day_to_cancel` in the
    subscription's time zone. ``None`` when nothing renews: the subscription is not
    active, or its plan does not renew automatically (it ends by itself).
    """
    day = last_day_to_cancel(subscription)
    if day is None:
        return None
    return day_end(day, tz=subscription.timezone)


@accepts(subscription=_SUB)
def last_day_to_cancel(subscription: Subscription) -> _dt.date | None:
    """Return the last calendar day to cancel before the next renewal, if any.

    The plan's notice before the local day of the next payment (Teams: 5 days, so a
    payment on 10 January 2027 gives 5 January 2027), in the subscription's time zone;
    the whole of that day counts. ``None`` as for :func:`cancellation_deadline`.
    """
    paid = subscription.paid_through
    if (
        subscription.status is not Status.ACTIVE
        or paid is None
        or not subscription.plan.terms.auto_renew
    ):
        return None
    return subscription.plan.terms.last_day_to_cancel(paid, tz=subscription.timezone)


def _too_late(
    sub: Subscription, at: pendulum.DateTime, deadline: pendulum.DateTime
) -> CancellationTooLate:
    # The period after this one, as catch_up will renew it (on a scheduled downgrade too).
    paid = sub.paid_through
    assert paid is not None
    renewed = catch_up(sub, at=paid).subscription
    next_end = renewed.paid_through
    assert next_end is not None
    return CancellationTooLate(
        deadline=deadline,
        at=at,
        next_possible_end=next_end,
        next_deadline=renewed.plan.terms.cancel_deadline(next_end, tz=sub.timezone),
    )


@accepts(subscription=_SUB, at=_AT)
def cancel(subscription: Subscription, *, at: _dt.datetime) -> Transition:
    """Cancel: a trial ends at once; a paid subscription ends at the end of the paid period.

    A paid subscription must be cancelled by its deadline (Teams: 5 days before the next
    payment; Focus PO: the notice period before renewal). Deadlines are whole local days:
    the whole of the last day counts, until its end in the customer's time zone (see
    :func:`last_day_to_cancel`). A plan that does not renew automatically can be
    cancelled at any time in its term; it ends at the end of the paid period either way.

    Raises:
        CancellationTooLate: after the deadline; names the deadline and the next possible end.
        InvalidTransition: already cancelled or expired.
    """
    at_local = local(at, subscription.timezone)
    sub, events = catch_up(subscription, at=at_local)
    if sub.status is Status.TRIAL:
        ended = attrs.evolve(sub, status=Status.EXPIRED, ended_at=at_local, trial_ends_at=at_local)
        return Transition(ended, (*events, Expired(sub.id, at_local, "trial cancelled")))
    if sub.status is not Status.ACTIVE:
        raise InvalidTransition(
            action="cancel", state=_describe(sub), allowed=("on trial", "active")
        )
    deadline = cancellation_deadline(sub)
    paid = sub.paid_through
    assert paid is not None
    # A plan that does not renew has no deadline: cancelling only confirms its end.
    if deadline is not None and instant(at_local) > instant(deadline):
        raise _too_late(sub, at_local, deadline)
    new = attrs.evolve(sub, status=Status.CANCELLED, pending_plan=None)
    return Transition(new, (*events, CancellationScheduled(sub.id, at_local, paid)))


@accepts(subscription=_SUB, plan=_PLAN, at=_AT)
def schedule_downgrade(subscription: Subscription, plan: Plan, *, at: _dt.datetime) -> Transition:
    """Move to a smaller plan at the next renewal (Focus PO: only within the notice period).

    A downgrade is any plan from which the current plan is an upgrade.

    Raises:
        CancellationTooLate: after the notice deadline.
        InvalidInput: ``plan`` is not below the current plan.
    """
    at_local = local(at, subscription.timezone)
    sub, events = catch_up(subscription, at=at_local)
    if sub.status is not Status.ACTIVE:
        raise InvalidTransition(action="downgrade", state=_describe(sub), allowed=("active",))
    if not (isinstance(plan, PupilPlan) and sub.plan.id in plan.upgrades):
        raise InvalidInput(
            f"{plan.id!r} is not a downgrade of {sub.plan.id!r}: expected a plan that "
            f"{sub.plan.id!r} is an upgrade of"
        )
    deadline = cancellation_deadline(sub)
    paid = sub.paid_through
    assert paid is not None
    if deadline is not None and instant(at_local) > instant(deadline):
        raise _too_late(sub, at_local, deadline)
    new = attrs.evolve(sub, pending_plan=plan)
    return Transition(
        new, (*events, DowngradeScheduled(sub.id, at_local, sub.plan.id, plan.id, paid))
    )


@accepts(subscription=_SUB, plan=_PLAN, at=_AT)
def upgrade(subscription: Subscription, plan: Plan, *, at: _dt.datetime) -> Transition:
    """Upgrade at once; the subscription year restarts at ``at``.

    Allowed upgrades are named by the plan (1-2 → combi, 3-8 → combi, any → 1-8).

    Raises:
        NotAnUpgrade: ``plan`` is not an upgrade of the current plan (downgrades go
            through :func:`schedule_downgrade`).
        InvalidTransition: the subscription is not active.
    """
    at_local = local(at, subscription.timezone)
    sub, events = catch_up(subscription, at=at_local)
    if sub.status is not Status.ACTIVE:
        raise InvalidTransition(action="upgrade", state=_describe(sub), allowed=("active",))
    allowed = sub.plan.upgrades if isinstance(sub.plan, PupilPlan) else ()
    if plan.id not in allowed:
        raise NotAnUpgrade(current=sub.plan.id, requested=plan.id, allowed=allowed)
    _check_not_before(at_local, sub.started_at, "upgrade")
    new = attrs.evolve(sub, plan=plan, started_at=at_local, periods=1, pending_plan=None)
    paid = new.paid_through
    assert paid is not None
    event = Upgraded(sub.id, at_local, sub.plan.id, plan.id, sub.period_start, paid)
    return Transition(new, (*events, event))


@accepts(subscription=_SUB, at=_AT)
def change_seats(subscription: Subscription, seats: int, *, at: _dt.datetime) -> Transition:
    """Change the seats of a seat plan (billing applies the plan's proration term).

    The subscription keeps the term's high-water mark
    (:attr:`~Subscription.seat_high_water`): a decrease never lowers it, an increase
    raises it only when it goes above it. The :class:`SeatsChanged` event carries the mark
    before and after, so :func:`~subscriptionkit.billing.seat_change_invoice` charges each
    seat-day of a term at most once.

    Raises:
        SeatCountOutOfRange: outside the plan's 3–40.
        InvalidInput: the plan is not a seat plan.
    """
    at_local = local(at, subscription.timezone)
    sub, events = catch_up(subscription, at=at_local)
    if sub.status is not Status.ACTIVE:
        raise InvalidTransition(action="change seats of", state=_describe(sub), allowed=("active",))
    if not isinstance(sub.plan, SeatPlan):
        raise InvalidInput(f"plan {sub.plan.id!r} is priced per pupil and has no seats to change")
    new_seats = sub.plan.check_seats(seats)
    before = sub.seats or 0
    mark_before = sub.seat_high_water or before
    mark_after = max(mark_before, new_seats)
    new = attrs.evolve(sub, seats=new_seats, seats_paid=mark_after)
    event = SeatsChanged(sub.id, at_local, before, new_seats, mark_before, mark_after)
    return Transition(new, (*events, event))


@accepts(subscription=_SUB, course=(Course, "a Course"), at=_AT)
def has_access(subscription: Subscription, course: Course, *, at: _dt.datetime) -> bool:
    """Whether the subscription gives (or gave) access to ``course`` at ``at``.

    Free courses are always open; programmes are never included; paid courses are open
    during the trial ``[trial_started_at, trial_ends_at)`` and from activation until
    the end of the paid period ``[activated_at, paid_through)``, cancelled or not.

    This answers for any moment of the subscription's life, as a support desk asks
    ("did this school have access on 3 March?"): an expired subscription still says
    ``True`` for a moment when it was active. A stored value that was not updated at its
    renewal keeps its access, as the renewal would (it is caught up to ``at`` first).
    """
    moment = instant(at, "at")
    if course.kind == "free":
        return True
    if course.kind == "programme":
        return False
    sub = catch_up(subscription, at=at).subscription
    began, ended = sub.trial_started_at, sub.trial_ends_at
    if began is not None and ended is not None and instant(began) <= moment < instant(ended):
        return True
    if sub.activated_at is None or sub.periods == 0:
        return False
    # An expired subscription ended at ``ended_at``; otherwise access runs to paid_through.
    end = sub.ended_at if sub.status is Status.EXPIRED else sub.paid_through
    return end is not None and instant(sub.activated_at) <= moment < instant(end)


def _describe(sub: Subscription) -> str:
    return {
        Status.TRIAL: "on trial",
        Status.ACTIVE: "active",
        Status.CANCELLED: "cancelled (ending at the end of the paid period)",
        Status.EXPIRED: "expired",
    }[sub.status]
