"""The billing rules: advance, usage, year-end true-up, upgrade settlement.

Seat invoices are in ``_seats``, corrections for late usage in ``_late_usage``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence

import attrs

from .._checks import accepts, argument, items
from .._errors_base import _indefinite
from ..clock import instant, local
from ..errors import InvalidInput
from ..metering import ActivityEvent, CountMoment, Month, MonthlyCounts, month_range
from ..plans import PupilPlan
from ..subscriptions import Status, Subscription, Upgraded
from ._invoice import Invoice, InvoiceKind, InvoiceLine
from ._late_usage import _corrections
from ._shared import (
    _AT,
    _COUNTS,
    _DATE,
    _INVOICE,
    _MOMENT,
    _PUPIL_PLAN,
    _PUPILS,
    _SCHOOL,
    _SUB,
    _TZ,
    _days,
    _period,
    _pupil_plan,
    _usage_records,
)


@accepts(plan=_PUPIL_PLAN, counts=_PUPILS)
def pupils_by_band(
    plan: PupilPlan, counts: Mapping[int, int] | Mapping[str, int]
) -> dict[str, int]:
    """Return pupils per band label from counts per grade (``{1: 28}``) or per band (``{"1-2": 58}``).

    Grades the plan does not cover are left out.

    Raises:
        InvalidInput: an unknown band label, a negative or non-integer count.
        InvalidGrade: a grade outside 1–8.
    """
    labels = [b.label for b in plan.bands]
    out = dict.fromkeys(labels, 0)
    for key, count in counts.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise InvalidInput(
                f"pupil counts must be whole numbers >= 0, got {count!r} for {key!r}"
            )
        if isinstance(key, str):
            if key not in out:
                raise InvalidInput(
                    f"plan {plan.id!r} has no band {key!r}; expected one of {', '.join(labels)}"
                )
            out[key] += count
        else:
            band = plan.band_for(key)
            if band is not None:
                out[band.label] += count
    return out


@accepts(subscription=_SUB, pupils=_PUPILS, issued_on=_DATE)
def advance(
    subscription: Subscription,
    pupils: Mapping[int, int] | Mapping[str, int],
    *,
    issued_on: _dt.date | None = None,
) -> Invoice:
    """The advance ("voorinvestering") for the subscription's current year.

    One line per band: the pupils counted in the plan's grades × the band's **published
    price per pupil per year** (€ 11,50 or € 3,60: not 12 × the monthly price).

    Which count: the caller passes the pupils counted in the plan's grades. For the first
    year that is the school's pupil count at the start (what "Mijn gegevens" shows); for
    later years the seed prescribes the pupils with processed data in the first weeks
    after the renewal date: :func:`advance_count` computes exactly that from activity.

    Args:
        subscription: an activated per-pupil subscription; its current period is billed.
        pupils: counts per grade (``{1: 28, 2: 30}``) or per band (``{"1-2": 58}``).
        issued_on: the invoice date (default: the first day of the period).
    """
    plan = _pupil_plan(subscription)
    start, end = _period(subscription)
    first, last = _days(start, end)
    counts = pupils_by_band(plan, pupils)
    lines = [
        InvoiceLine.priced("advance", b.label, counts[b.label], b.price_per_pupil_year, first, last)
        for b in plan.bands
    ]
    return Invoice(
        "advance",
        subscription.customer_id,
        subscription.id,
        plan.id,
        issued_on or first,
        plan.currency,
        lines,
    )


@accepts(plan=_PUPIL_PLAN, renewal=_AT, tz=_TZ, school_id=_SCHOOL)
def advance_count(
    events: Iterable[ActivityEvent],
    plan: PupilPlan,
    *,
    renewal: _dt.datetime,
    tz: str = "Europe/Amsterdam",
    school_id: str | None = None,
) -> dict[str, int]:
    """Pupils per band with billable data processed in the first weeks after ``renewal``.

    The window is ``[renewal, renewal + plan.terms.advance_count_period)`` (default four
    weeks, a documented choice: the seed says "the first weeks"). As in metering, only
    events in grades the plan covers count, and a pupil's band is the grade of its latest
    counting event in the window (within one second: the higher grade).

    Args:
        school_id: the school to count; events of other schools are skipped. Without it
            the events must all be of one school (pupil ids are unique per school only).

    Raises:
        InvalidInput: events of several schools and no ``school_id``.
    """
    begin = local(renewal, tz)
    end = plan.terms.advance_count_period.after(begin, tz=tz)
    first, after = instant(begin), instant(end)
    grades = plan.grades
    latest: dict[str, tuple[int, int]] = {}
    school = school_id
    for event in items(events, "events", "an iterable of ActivityEvent"):
        argument(event, ActivityEvent, "each event", "an ActivityEvent")
        if school is None:
            school = event.school_id
        elif event.school_id != school:
            if school_id is not None:
                continue
            raise InvalidInput(
                f"advance_count counts one school; got events of {school!r} and "
                f"{event.school_id!r}: pass school_id= to choose one"
            )
        if not event.billable or event.grade not in grades:
            continue
        # Instants, not wall clocks: 45 minutes before a renewal at 02:30+01:00 is
        # 02:45+02:00, which a same-zone comparison would put after it.
        if not first <= instant(event.processed_at) < after:
            continue
        # As in metering: the latest second wins, within one second the higher grade,
        # whatever the order of the events.
        key = (event.epoch, event.grade)
        seen = latest.get(event.pupil_id)
        if seen is None or key > seen:
            latest[event.pupil_id] = key
    counts: dict[int, int] = {}
    for _at, grade in latest.values():
        counts[grade] = counts.get(grade, 0) + 1
    return pupils_by_band(plan, counts)


@accepts(start=_AT, end=_AT, tz=_TZ, count_moment=_MOMENT)
def usage_months(
    start: _dt.datetime,
    end: _dt.datetime,
    *,
    tz: str = "Europe/Amsterdam",
    count_moment: CountMoment | None = None,
) -> tuple[Month, ...]:
    """The months whose usage belongs to the period ``(start, end]``.

    A month belongs to the period whose span holds its count moment (start exclusive,
    end inclusive). Twelve months belong to every full year, whatever day it starts on,
    and consecutive periods (a year cut short by an upgrade, the new year) share none.
    """
    moment = count_moment or CountMoment()
    first = Month.of(local(start, tz).subtract(months=2), tz)
    last = Month.of(local(end, tz).add(months=1), tz)
    begin, until = instant(start), instant(end)
    return tuple(m for m in month_range(first, last) if begin < instant(moment.at(m, tz)) <= until)


@accepts(
    counts=_COUNTS,
    plan=_PUPIL_PLAN,
    school_id=_SCHOOL,
    start=_AT,
    end=_AT,
    tz=_TZ,
    count_moment=_MOMENT,
)
def usage_lines(
    counts: MonthlyCounts,
    plan: PupilPlan,
    *,
    school_id: str,
    start: _dt.datetime,
    end: _dt.datetime,
    tz: str = "Europe/Amsterdam",
    count_moment: CountMoment | None = None,
) -> tuple[InvoiceLine, ...]:
    """The actual usage of ``(start, end]``: per band, pupil-months × price per pupil per month.

    Raises:
        InvalidInput: the counts are for another plan, or lack a month of the period.
    """
    if counts.plan_id != plan.id:
        raise InvalidInput(
            f"counts were made for plan {counts.plan_id!r}; expected counts for {plan.id!r}"
        )
    months = usage_months(start, end, tz=tz, count_moment=count_moment)
    missing = [str(m) for m in months if m not in counts.months]
    if missing:
        raise InvalidInput(
            f"counts lack month(s) {', '.join(missing)} of the period; expected counts for "
            f"{', '.join(str(m) for m in months)}"
        )
    first, last = _days(local(start, tz), local(end, tz))
    return tuple(
        InvoiceLine.priced(
            "usage",
            band.label,
            sum(counts.count(school_id, m, band.label) for m in months),
            band.price_per_pupil_month,
            first,
            last,
        )
        for band in plan.bands
    )


def _credit(invoice: Invoice) -> list[InvoiceLine]:
    return [
        InvoiceLine.priced(
            "advance_credit", ln.band, ln.quantity, ln.unit_price, ln.start, ln.end, credit=True
        )
        for ln in invoice.lines
        if ln.kind == "advance"
    ]


def _settlement(
    kind: InvoiceKind,
    previous_advance: Invoice,
    usage: Sequence[InvoiceLine],
    next_advance: Invoice,
    issued_on: _dt.date,
) -> Invoice:
    """Three parts: the previous advance credited, the actual usage, the next advance."""
    if previous_advance.kind not in ("advance", "true_up", "upgrade_settlement"):
        raise InvalidInput(
            f"previous_advance must be an advance (or an invoice with one), got {_indefinite(str(previous_advance.kind))} invoice"
        )
    if previous_advance.subscription_id != next_advance.subscription_id:
        raise InvalidInput(
            f"previous_advance belongs to subscription {previous_advance.subscription_id!r}; "
            f"expected one of {next_advance.subscription_id!r}"
        )
    lines = [
        *_credit(previous_advance),
        *usage,
        *(ln for ln in next_advance.lines if ln.kind == "advance"),
    ]
    return Invoice(
        kind,
        next_advance.customer_id,
        next_advance.subscription_id,
        next_advance.plan_id,
        issued_on,
        next_advance.currency,
        lines,
    )


@accepts(
    renewed=_SUB,
    previous_advance=_INVOICE,
    counts=_COUNTS,
    next_pupils=_PUPILS,
    issued_on=_DATE,
    count_moment=_MOMENT,
    previous_plan=_PUPIL_PLAN,
    school_id=_SCHOOL,
)
def true_up(
    renewed: Subscription,
    *,
    previous_advance: Invoice,
    counts: MonthlyCounts,
    next_pupils: Mapping[int, int] | Mapping[str, int],
    issued_on: _dt.date | None = None,
    count_moment: CountMoment | None = None,
    previous_plan: PupilPlan | None = None,
    school_id: str | None = None,
    billed: Mapping[tuple[Month, str], int] | None = None,
) -> Invoice | None:
    """The invoice at the start of year 2 and later: true-up plus the next advance.

    Three parts: the previous year's advance (credited), the actual usage of the past
    year (charged, from the monthly counts) and the advance for the coming year (from
    ``next_pupils``, see :func:`advance_count`).

    A customer that stops gets no true-up: when ``renewed`` did not renew into a new
    year (cancelled or expired at the renewal), the result is ``None``. The seed says
    this of the first year; the library applies it to every year, since the true-up is
    part of the next year's first invoice and there is none. A cancellation made after
    the renewal (effective at the end of the new year) does not undo it: the true-up is
    still due.

    Args:
        renewed: the subscription caught up past the renewal (see
            :func:`~subscriptionkit.subscriptions.catch_up`); its current period is the
            new year.
        previous_advance: the advance invoice of the past year (or its true-up invoice).
        counts: monthly counts of the past year for the subscription's plan.
        next_pupils: the pupils counted for the new year's advance.
        issued_on: the invoice date (default: the first day of the new year).
        previous_plan: the plan of the past year, when a downgrade took effect at the
            renewal (default: the subscription's plan).
        school_id: the school in ``counts`` (default: the subscription's customer id).
        billed: what the ledger says was billed per (month, band) before
            (:meth:`~subscriptionkit.storage.ports.InvoiceLedger.billed_usage`). When
            given, every already-billed month that ``counts`` covers and whose count has
            changed since (usage that arrived late) gets a separate correction line, as
            :func:`late_usage` makes them.

    The invoice's ``Invoice.usage`` records the pupils it bills per month and band,
    so a later true-up or :func:`late_usage` can tell what was billed.
    """
    # CANCELLED with periods >= 2: it did renew, and will stop at the end of this year.
    if renewed.status not in (Status.ACTIVE, Status.CANCELLED) or renewed.periods < 2:
        return None
    plan = _pupil_plan(renewed)
    start, _end = _period(renewed)
    past_start = renewed.plan.terms.renewal_date(
        renewed.started_at, renewed.periods - 2, tz=renewed.timezone
    )
    usage = usage_lines(
        counts,
        previous_plan or plan,
        school_id=school_id or renewed.customer_id,
        start=past_start,
        end=start,
        tz=renewed.timezone,
        count_moment=count_moment,
    )
    next_advance = advance(renewed, next_pupils)
    school = school_id or renewed.customer_id
    past_plan = previous_plan or plan
    months = usage_months(past_start, start, tz=renewed.timezone, count_moment=count_moment)
    records = _usage_records(counts, past_plan, school, months)
    corrections: list[InvoiceLine] = []
    if billed is not None:
        late = _corrections(counts, past_plan, school, billed, skip=frozenset(months))
        corrections = [line for line, _ in late]
        records += [record for _, record in late]
    invoice = _settlement(
        "true_up", previous_advance, [*usage, *corrections], next_advance, issued_on or start.date()
    )
    return attrs.evolve(invoice, usage=records)


@accepts(
    upgraded=_SUB,
    event=(Upgraded, "an Upgraded event"),
    previous_plan=_PUPIL_PLAN,
    previous_advance=_INVOICE,
    counts=_COUNTS,
    next_pupils=_PUPILS,
    issued_on=_DATE,
    count_moment=_MOMENT,
    school_id=_SCHOOL,
)
def upgrade_settlement(
    upgraded: Subscription,
    event: Upgraded,
    *,
    previous_plan: PupilPlan,
    previous_advance: Invoice,
    counts: MonthlyCounts,
    next_pupils: Mapping[int, int] | Mapping[str, int],
    issued_on: _dt.date | None = None,
    count_moment: CountMoment | None = None,
    school_id: str | None = None,
) -> Invoice:
    """The invoice of the month after an upgrade: the old year settled against the new advance.

    Three parts, as in a true-up: the previous plan's advance credited, its actual usage
    from the start of its year up to the upgrade (priced at the previous plan's prices,
    from ``counts`` for that plan), and the new plan's advance for the year that restarted
    at the upgrade.

    Args:
        upgraded: the subscription after :func:`~subscriptionkit.subscriptions.upgrade`.
        event: the :class:`~subscriptionkit.subscriptions.Upgraded` event of that step.
        previous_plan: the plan before the upgrade.
        previous_advance: that plan's advance invoice for the year cut short.
        counts: monthly counts for ``previous_plan`` covering that year up to the upgrade.
        next_pupils: the pupils counted for the new plan's advance.
        issued_on: the invoice date (default: the first day of the month after the upgrade).
        school_id: the school in ``counts`` (default: the subscription's customer id).
    """
    if previous_plan.id != event.from_plan_id or upgraded.plan.id != event.to_plan_id:
        raise InvalidInput(
            f"the upgrade event goes from {event.from_plan_id!r} to {event.to_plan_id!r}; got "
            f"previous_plan={previous_plan.id!r} and a subscription on {upgraded.plan.id!r}"
        )
    tz = upgraded.timezone
    usage = usage_lines(
        counts,
        previous_plan,
        school_id=school_id or upgraded.customer_id,
        start=event.previous_started_at,
        end=event.at,
        tz=tz,
        count_moment=count_moment,
    )
    next_advance = advance(upgraded, next_pupils)
    default_day = local(event.at, tz).start_of("month").add(months=1).date()
    invoice = _settlement(
        "upgrade_settlement", previous_advance, usage, next_advance, issued_on or default_day
    )
    months = usage_months(event.previous_started_at, event.at, tz=tz, count_moment=count_moment)
    school = school_id or upgraded.customer_id
    return attrs.evolve(invoice, usage=_usage_records(counts, previous_plan, school, months))
