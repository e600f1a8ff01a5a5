"""Late usage: activity counted after its month was billed, corrected on a separate invoice.

:func:`late_usage` compares the counts now with what issued invoices billed (the
ledger's ``billed_usage``) and bills or credits the difference per month and band.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from .._checks import accepts
from ..errors import InvalidInput
from ..metering import Month, MonthlyCounts
from ..plans import PupilPlan
from ..subscriptions import Subscription
from ._invoice import Invoice, InvoiceLine, UsageRecord
from ._shared import (
    _COUNTS,
    _DATE,
    _PUPIL_PLAN,
    _SCHOOL,
    _SUB,
    _pupil_plan,
)


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
                "billed must map (Month, band label) to whole numbers of pupils, as the "
                f"ledger's billed usage does; got {key!r:.60}: {pupils!r:.20}"
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
