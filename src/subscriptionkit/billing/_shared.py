"""Argument kinds and small helpers the billing rules share (internal)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping

import pendulum

from .._checks import Kind
from ..clock import local
from ..errors import InvalidInput
from ..metering import CountMoment, Month, MonthlyCounts
from ..plans import PupilPlan, SeatPlan
from ..subscriptions import Subscription
from ._invoice import Invoice, UsageRecord

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


def _usage_records(
    counts: MonthlyCounts, plan: PupilPlan, school_id: str, months: Iterable[Month]
) -> list[UsageRecord]:
    return [
        UsageRecord(month, band.label, counts.count(school_id, month, band.label))
        for month in months
        for band in plan.bands
    ]
