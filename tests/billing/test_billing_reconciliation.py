"""Advances and true-ups reconcile with usage over any run of years (the issue's "Checked by").

For a continuing subscription, every year-end invoice credits the advance it replaces,
so the invoices telescope: the first advance plus every true-up (or upgrade settlement)
equals the usage of all past years plus the advance of the coming year, to the cent.

The expected usage is computed here from the generated activity directly (each pupil
keeps one grade, so its band is fixed): for every month whose count moment (local
midnight starting the next month) falls in a year, the pupils with a billable event in
the nine calendar months before that moment. The library's metering engine is not used
for the expectation.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptionkit import billing, metering, plans, subscriptions
from subscriptionkit.metering import ActivityEvent, Month
from subscriptionkit.money import Money, eur, total
from subscriptionkit.subscriptions import Subscription, Upgraded

AMS = "Europe/Amsterdam"
ZONE = ZoneInfo(AMS)
CATALOG = plans.default_catalog()
SCHOOL = "school-1"


def _pupil_plan(plan_id: str) -> plans.PupilPlan:
    plan = CATALOG[plan_id]
    assert isinstance(plan, plans.PupilPlan)
    return plan


@attrs.frozen
class Activity:
    """Generated activity: pupils with a fixed grade and their events."""

    grades: Mapping[str, int]
    events: tuple[ActivityEvent, ...]


@st.composite
def _starts(draw: st.DrawFn) -> dt.datetime:
    """A start in Amsterdam, often on a month end or a leap day, at any time of day."""
    year = draw(st.integers(2023, 2027))
    month = draw(st.integers(1, 12))
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    day = min(draw(st.sampled_from([1, 15, 28, 29, 30, 31]) | st.integers(1, 31)), last)
    hour = draw(st.sampled_from([0, 9, 23]) | st.integers(0, 23))
    return dt.datetime(year, month, day, hour, draw(st.integers(0, 59)), tzinfo=ZONE)


@st.composite
def _activity(draw: st.DrawFn, start: dt.datetime, years: int) -> Activity:
    """Up to 8 pupils with up to 6 events each, from 10 months before the start to the end."""
    first = Month.of(start, AMS) + -10
    span = 12 * (years + 1) + 12
    grades: dict[str, int] = {}
    events: list[ActivityEvent] = []
    for p in range(draw(st.integers(0, 8))):
        pupil = f"p{p}"
        grades[pupil] = draw(st.integers(1, 8))
        for _ in range(draw(st.integers(0, 6))):
            month = first + draw(st.integers(0, span))
            at = dt.datetime(
                month.year,
                month.month,
                draw(st.integers(1, 28)),
                draw(st.integers(0, 23)),
                draw(st.integers(0, 59)),
                tzinfo=ZONE,
            )
            category = draw(
                st.sampled_from(["engagement", "cross_method_test", "objective_mastery", "login"])
            )
            events.append(
                ActivityEvent(f"e{len(events)}", SCHOOL, pupil, grades[pupil], category, at)
            )
    return Activity(grades, tuple(events))


def _yearly_counts() -> st.SearchStrategy[dict[int, int]]:
    return st.dictionaries(st.integers(1, 8), st.integers(0, 120), max_size=8)


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _usage(
    activity: Activity, plan: plans.PupilPlan, start: dt.datetime, end: dt.datetime
) -> Money:
    """The usage of ``(start, end]``, per band pupil-months × monthly price, rounded per band."""
    begin, stop = start.timestamp(), end.timestamp()
    month = Month.of(start, AMS) + -1
    moments: list[float] = []
    windows: list[float] = []
    while True:
        nxt, back = month + 1, month + -8
        moment = dt.datetime(nxt.year, nxt.month, 1, tzinfo=ZONE).timestamp()
        if moment > stop:
            break
        if moment > begin:
            moments.append(moment)
            windows.append(dt.datetime(back.year, back.month, 1, tzinfo=ZONE).timestamp())
        month = month + 1
    amounts = []
    for band in plan.bands:
        pupil_months = 0
        for lo, hi in zip(windows, moments, strict=True):
            active = {
                e.pupil_id
                for e in activity.events
                if e.billable and e.grade in band.grades and lo <= e.processed_at.timestamp() < hi
            }
            pupil_months += len(active)
        amounts.append(_round(band.price_per_pupil_month.amount * pupil_months))
    return eur(sum(amounts, Decimal(0)))


def _advance(plan: plans.PupilPlan, pupils: Mapping[int, int]) -> Money:
    return eur(
        sum(
            (
                _round(
                    band.price_per_pupil_year.amount * sum(pupils.get(g, 0) for g in band.grades)
                )
                for band in plan.bands
            ),
            Decimal(0),
        )
    )


def _counts(
    activity: Activity, plan: plans.PupilPlan, start: dt.datetime, end: dt.datetime
) -> metering.MonthlyCounts:
    months = metering.month_range(Month.of(start, AMS) + -1, Month.of(end, AMS) + 1)
    return metering.monthly_counts(activity.events, plan, months)


def _renew(sub: Subscription) -> Subscription:
    paid = sub.paid_through
    assert paid is not None
    renewed = subscriptions.catch_up(sub, at=paid).subscription
    assert renewed.periods == sub.periods + 1
    return renewed


def _true_ups(
    sub: Subscription,
    first: billing.Invoice,
    counts: metering.MonthlyCounts,
    yearly: Sequence[Mapping[int, int]],
) -> tuple[Subscription, list[billing.Invoice]]:
    """Renew once per entry of ``yearly``, collecting each year-end invoice."""
    invoices: list[billing.Invoice] = []
    previous = first
    for pupils in yearly:
        sub = _renew(sub)
        inv = billing.true_up(sub, previous_advance=previous, counts=counts, next_pupils=pupils)
        assert inv is not None
        assert inv.kind == "true_up"
        invoices.append(inv)
        previous = inv
    return sub, invoices


class TestReconciliation:
    """Sum of invoices = usage of the past years + the coming year's advance."""

    @settings(max_examples=60, deadline=None)
    @given(data=st.data(), years=st.integers(1, 4), start=_starts())
    def test_continuing_subscription(
        self, data: st.DataObject, years: int, start: dt.datetime
    ) -> None:
        """The first advance and N true-ups reconcile with N years of usage + advance N+1."""
        plan = _pupil_plan(data.draw(st.sampled_from(sorted(CATALOG)[:4]), label="plan"))
        activity = data.draw(_activity(start, years), label="activity")
        yearly = data.draw(st.lists(_yearly_counts(), min_size=years + 1, max_size=years + 1))
        sub = subscriptions.subscribe(SCHOOL, plan, at=start).subscription
        end = plan.terms.renewal_date(start, years, tz=AMS)
        counts = _counts(activity, plan, start, end)

        first = billing.advance(sub, yearly[0])
        sub, true_ups = _true_ups(sub, first, counts, yearly[1:])

        invoiced = total([first.total, *(inv.total for inv in true_ups)], "EUR")
        bounds = [plan.terms.renewal_date(start, k, tz=AMS) for k in range(years + 1)]
        usage = [_usage(activity, plan, a, b) for a, b in itertools.pairwise(bounds)]
        assert invoiced == total([*usage, _advance(plan, yearly[-1])], "EUR")
        # Each true-up on its own: the usage it charges is the year's usage.
        assert [inv.subtotal("usage") for inv in true_ups] == usage

    @settings(max_examples=60, deadline=None)
    @given(
        data=st.data(),
        before=st.integers(0, 2),
        after=st.integers(1, 2),
        start=_starts(),
        cut=st.integers(1, 364 * 24 * 3600),
    )
    def test_upgrade_in_the_middle(
        self, data: st.DataObject, before: int, after: int, start: dt.datetime, cut: int
    ) -> None:
        """Full years on the old plan, an upgrade mid-year, full years on the new plan.

        The upgrade settlement plays the part of a true-up: it credits the old advance,
        charges the old plan's usage up to the upgrade and invoices the new advance.
        """
        old = _pupil_plan(data.draw(st.sampled_from(["focus-po-1-2", "focus-po-3-8"])))
        new = _pupil_plan(data.draw(st.sampled_from(old.upgrades), label="new plan"))
        years = before + 1 + after
        activity = data.draw(_activity(start, years), label="activity")
        yearly = data.draw(st.lists(_yearly_counts(), min_size=years + 1, max_size=years + 1))

        sub = subscriptions.subscribe(SCHOOL, old, at=start).subscription
        first = billing.advance(sub, yearly[0])
        horizon = old.terms.renewal_date(start, years, tz=AMS)
        old_counts = _counts(activity, old, start, horizon)
        sub, old_true_ups = _true_ups(sub, first, old_counts, yearly[1 : before + 1])

        year_start = sub.period_start
        paid = sub.paid_through
        assert paid is not None
        upgrade_at = year_start + dt.timedelta(seconds=cut)
        assert upgrade_at < paid
        upgraded, events = subscriptions.upgrade(sub, new, at=upgrade_at)
        event = events[-1]
        assert isinstance(event, Upgraded)
        previous = old_true_ups[-1] if old_true_ups else first
        settlement = billing.upgrade_settlement(
            upgraded,
            event,
            previous_plan=old,
            previous_advance=previous,
            counts=old_counts,
            next_pupils=yearly[before + 1],
        )
        new_end = new.terms.renewal_date(upgrade_at, after, tz=AMS)
        new_counts = _counts(activity, new, start, new_end)
        _, new_true_ups = _true_ups(upgraded, settlement, new_counts, yearly[before + 2 :])

        invoices = [first, *old_true_ups, settlement, *new_true_ups]
        invoiced = total((inv.total for inv in invoices), "EUR")
        old_bounds = [old.terms.renewal_date(start, k, tz=AMS) for k in range(before + 1)]
        old_bounds.append(event.at)
        new_bounds = [new.terms.renewal_date(upgrade_at, k, tz=AMS) for k in range(after + 1)]
        usage = [
            *(_usage(activity, old, a, b) for a, b in itertools.pairwise(old_bounds)),
            *(_usage(activity, new, a, b) for a, b in itertools.pairwise(new_bounds)),
        ]
        assert invoiced == total([*usage, _advance(new, yearly[-1])], "EUR")
        assert settlement.subtotal("usage") == usage[before]
