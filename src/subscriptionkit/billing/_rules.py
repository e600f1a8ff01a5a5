"""The billing rules: advance, usage, year-end true-up, upgrade settlement, seats."""

from __future__ import annotations

import datetime as _dt
import decimal
from collections.abc import Iterable, Mapping, Sequence

import attrs
import pendulum
from moneyed import Money

from .._checks import Kind, accepts, argument, items
from ..clock import instant, local
from ..errors import InvalidInput
from ..metering import ActivityEvent, CountMoment, Month, MonthlyCounts, month_range
from ..plans import PupilPlan, SeatPlan
from ..subscriptions import SeatsChanged, Status, Subscription, Upgraded
from ._invoice import Invoice, InvoiceKind, InvoiceLine, UsageRecord

_SUB: Kind = (Subscription, "a Subscription")
_PUPIL_PLAN: Kind = (PupilPlan, "a PupilPlan")
_PUPILS: Kind = (Mapping, "a mapping of grade (int) or band label (str) to pupils")
_COUNTS: Kind = (MonthlyCounts, "MonthlyCounts (metering.monthly_counts)")
_INVOICE: Kind = (Invoice, "an Invoice")
_DATE: Kind = (_dt.date, "a date")
_AT: Kind = (_dt.datetime, "a timezone-aware datetime")
_TZ: Kind = (str, "an IANA time zone name such as 'Europe/Amsterdam'")
_MOMENT: Kind = (CountMoment, "a CountMoment")
_SCHOOL: Kind = (str, "a school id")


def _pupil_plan(sub: Subscription) -> PupilPlan:
    if not isinstance(sub.plan, PupilPlan):
        raise InvalidInput(
            f"subscription {sub.id!r} is on seat plan {sub.plan.id!r}; expected a per-pupil plan"
        )
    return sub.plan


def _seat_plan(sub: Subscription) -> SeatPlan:
    if not isinstance(sub.plan, SeatPlan):
        raise InvalidInput(
            f"subscription {sub.id!r} is on per-pupil plan {sub.plan.id!r}; expected a seat plan"
        )
    return sub.plan


def _period(sub: Subscription) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    end = sub.paid_through
    if sub.periods == 0 or end is None:
        raise InvalidInput(
            f"subscription {sub.id!r} has no paid period (it is {sub.status.value}); "
            "expected an activated subscription"
        )
    return local(sub.period_start, sub.timezone), local(end, sub.timezone)


def _days(start: _dt.datetime, end: _dt.datetime) -> tuple[_dt.date, _dt.date]:
    """The calendar days of ``[start, end)``: first day and last day (inclusive)."""
    return start.date(), (
        end.subtract(days=1) if isinstance(end, pendulum.DateTime) else end
    ).date()


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
            f"previous_advance must be an advance (or an invoice with one), got a {previous_advance.kind} invoice"
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


def _usage_records(
    counts: MonthlyCounts, plan: PupilPlan, school_id: str, months: Iterable[Month]
) -> list[UsageRecord]:
    return [
        UsageRecord(month, band.label, counts.count(school_id, month, band.label))
        for month in months
        for band in plan.bands
    ]


def _billed(billed: object) -> dict[tuple[Month, str], int]:
    """Return ``billed`` if it maps (Month, band label) to whole numbers of pupils.

    Raises:
        InvalidInput: another shape (what the ledger's ``billed_usage`` returns is right).
    """
    if not isinstance(billed, Mapping):
        raise InvalidInput(f"billed must map (Month, band) to pupils, got {billed!r:.80}")
    for key, pupils in billed.items():
        if not (
            isinstance(key, tuple)
            and len(key) == 2
            and isinstance(key[0], Month)
            and isinstance(key[1], str)
            and type(pupils) is int
        ):
            raise InvalidInput(
                "billed must map (Month, band label) to whole numbers of pupils, as "
                f"ledger.billed_usage() returns; got {key!r:.60}: {pupils!r:.20}"
            )
    return dict(billed)


def _corrections(
    counts: MonthlyCounts,
    plan: PupilPlan,
    school_id: str,
    billed: Mapping[tuple[Month, str], int],
    *,
    skip: frozenset[Month] = frozenset(),
) -> list[tuple[InvoiceLine, UsageRecord]]:
    prices = {band.label: band.price_per_pupil_month for band in plan.bands}
    out = []
    for (month, band), was in sorted(_billed(billed).items()):
        if month in skip or month not in counts.months or band not in prices:
            continue
        delta = counts.count(school_id, month, band) - was
        if delta == 0:
            continue
        first = _dt.date(month.year, month.month, 1)
        last = _dt.date((month + 1).year, (month + 1).month, 1) - _dt.timedelta(days=1)
        line = InvoiceLine.priced(
            "usage_correction",
            band,
            delta,
            prices[band],
            first,
            last,
            month=str(month),
            delta=f"{delta:+d}",
        )
        out.append((line, UsageRecord(month, band, delta)))
    return out


@accepts(
    subscription=_SUB,
    counts=_COUNTS,
    billed=(Mapping, "a mapping of (Month, band label) to pupils billed"),
    issued_on=_DATE,
    plan=_PUPIL_PLAN,
    school_id=_SCHOOL,
)
def late_usage(
    subscription: Subscription,
    counts: MonthlyCounts,
    billed: Mapping[tuple[Month, str], int],
    *,
    issued_on: _dt.date,
    plan: PupilPlan | None = None,
    school_id: str | None = None,
) -> Invoice | None:
    """Bill or credit usage that arrived after its month was billed.

    For every month and band in ``billed`` (what issued invoices billed, from
    :meth:`~subscriptionkit.storage.ports.InvoiceLedger.billed_usage`) that ``counts``
    covers, the difference between the count now and the count billed becomes one
    separate, labelled line: "Correction for 2026-03, grades 1-2: +4 pupils" charges
    4 pupil-months at the band's monthly price; a negative difference credits. The
    issued invoices stay as they are; the correction invoice records the differences in
    its ``Invoice.usage``, so once issued, the ledger's billed usage equals the new
    counts and a second call finds nothing to correct.

    Args:
        subscription: the subscription the usage belongs to.
        counts: monthly counts recomputed from all events now stored (late ones too).
        billed: pupils billed per (month, band) so far.
        issued_on: the date of the correction invoice.
        plan: the plan whose bands and prices were billed (default: the subscription's).
        school_id: the school in ``counts`` (default: the subscription's customer id).

    Returns:
        An invoice of kind ``"late_usage"``, or ``None`` when nothing changed.

    Raises:
        InvalidInput: the counts are for another plan, or the plan is a seat plan.
    """
    chosen = plan or _pupil_plan(subscription)
    if counts.plan_id != chosen.id:
        raise InvalidInput(
            f"counts were made for plan {counts.plan_id!r}; expected counts for {chosen.id!r}"
        )
    late = _corrections(counts, chosen, school_id or subscription.customer_id, billed)
    if not late:
        return None
    return Invoice(
        "late_usage",
        subscription.customer_id,
        subscription.id,
        chosen.id,
        issued_on,
        chosen.currency,
        [line for line, _ in late],
        [record for _, record in late],
    )
