"""The subscription value, its status and the domain events of its life."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterator
from typing import Any

import attrs
import pendulum

from .._checks import is_identifier, is_instance, is_one_of, is_whole_number
from .._translate import translated
from ..clock import DEFAULT_TIMEZONE, ensure_aware, timezone
from ..errors import InvalidArgument, InvalidInput, SubscriptionKitError
from ..plans import Plan, PupilPlan, SeatPlan, plan_from_dict


class Status(enum.StrEnum):
    """Where a subscription stands.

    ``CANCELLED`` means a cancellation is scheduled: access continues until
    :attr:`Subscription.paid_through`, then the subscription becomes ``EXPIRED``.
    """

    TRIAL = "trial"
    ACTIVE = "active"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @classmethod
    def _missing_(cls, value: object) -> Status:
        raise InvalidArgument(
            name="status", expected=f"one of {', '.join(s.value for s in cls)}", got=value
        )


def _aware(value: _dt.datetime) -> pendulum.DateTime:
    return ensure_aware(value, "datetime")


def _aware_or_none(value: _dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, "datetime")


def _tz_name(value: str) -> str:
    timezone(value)  # raises InvalidTimezone for unknown names
    return value


@attrs.frozen
class Subscription:
    """One customer's subscription, as a frozen value.

    Change it only through the lifecycle functions (:func:`activate`, :func:`cancel`,
    :func:`upgrade`...), which return a new value and the events it caused.

    The plan is kept as a snapshot: the terms a customer signed stay with the
    subscription even if the catalog changes later.

    Attributes:
        started_at: the start of the current subscription year (restarted by an upgrade).
        periods: how many periods from ``started_at`` are paid (1 after activation).
        trial_started_at: when the customer's one trial began (kept after activation).
        trial_ends_at: when the trial ends or ended.
        pending_plan: a smaller plan scheduled to take over at the next renewal.
        activated_at: when the first paid period began (access is continuous from here).
        ended_at: when access ended (expired subscriptions).
        seats_paid: the highest seat count already paid for in the current term (the
            high-water mark), when it is above :attr:`seats`; ``None`` means "the seats
            held". A decrease never lowers it; a renewal resets it. See
            :attr:`seat_high_water`.
        version: the stored version, for optimistic concurrency; the storage layer sets it.
    """

    id: str = attrs.field(validator=is_identifier)
    customer_id: str = attrs.field(validator=is_identifier)
    plan: Plan = attrs.field(
        validator=is_instance((SeatPlan, PupilPlan), "a SeatPlan or PupilPlan")
    )
    status: Status = attrs.field(validator=is_instance(Status, "a Status"))
    started_at: pendulum.DateTime = attrs.field(converter=_aware)
    periods: int = attrs.field(default=0, validator=is_whole_number)
    seats: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(is_whole_number)
    )
    trial_started_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    trial_ends_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    pending_plan: Plan | None = attrs.field(
        default=None,
        validator=attrs.validators.optional(
            is_instance((SeatPlan, PupilPlan), "a SeatPlan or PupilPlan")
        ),
    )
    activated_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    ended_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    timezone: str = attrs.field(default=DEFAULT_TIMEZONE, converter=_tz_name)
    version: int = attrs.field(default=0, validator=is_whole_number)
    seats_paid: int | None = None

    @property
    def seat_high_water(self) -> int | None:
        """The highest seat count already paid for in the current term (seat plans).

        Seats up to this mark are paid for the whole term: adding seats charges only the
        seats above it, and lowering seats refunds nothing and keeps the mark. It resets
        to the seats held at each renewal, whose invoice charges those seats. ``None`` for
        per-pupil plans.
        """
        if self.seats is None:
            return None
        return max(self.seats, self.seats_paid or 0)

    @property
    def plan_id(self) -> str:
        """The id of the current plan."""
        return self.plan.id

    @property
    def paid_through(self) -> pendulum.DateTime | None:
        """The end of the paid (or trial) period: access ends exactly here.

        ``None`` for a subscription that was never paid nor on trial.
        """
        if self.status is Status.TRIAL or (self.periods == 0 and self.trial_ends_at is not None):
            return self.trial_ends_at
        if self.periods == 0:
            return None
        return self.plan.terms.renewal_date(self.started_at, self.periods, tz=self.timezone)

    @property
    def period_start(self) -> pendulum.DateTime:
        """The start of the current paid period."""
        if self.periods <= 1:
            return self.started_at.in_timezone(timezone(self.timezone))
        return self.plan.terms.renewal_date(self.started_at, self.periods - 1, tz=self.timezone)

    def to_dict(self) -> dict[str, Any]:
        """Return the subscription as plain JSON-able data (datetimes in ISO 8601)."""

        def iso(v: pendulum.DateTime | None) -> str | None:
            return None if v is None else v.isoformat()

        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "plan": self.plan.to_dict(),
            "status": self.status.value,
            "started_at": iso(self.started_at),
            "periods": self.periods,
            "seats": self.seats,
            "trial_started_at": iso(self.trial_started_at),
            "trial_ends_at": iso(self.trial_ends_at),
            "pending_plan": None if self.pending_plan is None else self.pending_plan.to_dict(),
            "activated_at": iso(self.activated_at),
            "ended_at": iso(self.ended_at),
            "timezone": self.timezone,
            "version": self.version,
            "seats_paid": self.seats_paid,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subscription:
        """Build a subscription from :meth:`to_dict` output.

        Raises:
            InvalidInput: ``data`` is not such output (a field missing or malformed).
        """
        with translated(_bad_document(data)):
            return cls._from_dict(data)

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> Subscription:

        def dt(v: str | None) -> pendulum.DateTime | None:
            if v is None:
                return None
            parsed = pendulum.parse(v)
            if not isinstance(parsed, pendulum.DateTime):
                raise InvalidInput(f"expected an ISO 8601 date and time, got {v!r}")
            return parsed

        pending = data.get("pending_plan")
        started = dt(data["started_at"])
        if started is None:
            raise InvalidInput("a subscription needs started_at, got None")
        return cls(
            id=data["id"],
            customer_id=data["customer_id"],
            plan=plan_from_dict(data["plan"]),
            status=Status(data["status"]),
            started_at=started,
            periods=int(data["periods"]),
            seats=data.get("seats"),
            trial_started_at=dt(data.get("trial_started_at")),
            trial_ends_at=dt(data.get("trial_ends_at")),
            pending_plan=None if pending is None else plan_from_dict(pending),
            activated_at=dt(data.get("activated_at")),
            ended_at=dt(data.get("ended_at")),
            timezone=data.get("timezone", DEFAULT_TIMEZONE),
            version=int(data.get("version", 0)),
            seats_paid=data.get("seats_paid"),
        )


def _bad_document(data: object) -> Any:
    def translate(exc: Exception) -> SubscriptionKitError | None:
        if isinstance(exc, KeyError | TypeError | ValueError | AttributeError):
            problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            return InvalidInput(
                f"subscription data must hold the fields Subscription.to_dict writes "
                f"({problem}); "
                f"got {type(data).__name__}"
            )
        return None

    return translate


@attrs.frozen
class Course:
    """A course on the platform, as far as access is concerned.

    Attributes:
        kind: ``"paid"`` (included in a subscription), ``"free"`` (open to everyone) or
            ``"programme"`` (an "opleiding": sold separately, never included).
    """

    id: str = attrs.field(validator=is_identifier)
    kind: str = attrs.field(default="paid", validator=is_one_of(("paid", "free", "programme")))


# -- events ----------------------------------------------------------------------


@attrs.frozen
class TrialStarted:
    """A customer's one trial began."""

    subscription_id: str
    customer_id: str
    at: pendulum.DateTime
    ends_at: pendulum.DateTime


@attrs.frozen
class Activated:
    """A paid period began: after the trial, or instead of it."""

    subscription_id: str
    plan_id: str
    at: pendulum.DateTime
    paid_through: pendulum.DateTime


@attrs.frozen
class Renewed:
    """A period renewed automatically."""

    subscription_id: str
    plan_id: str
    period_start: pendulum.DateTime
    paid_through: pendulum.DateTime


@attrs.frozen
class CancellationScheduled:
    """The customer cancelled; access continues until ``effective_at``."""

    subscription_id: str
    at: pendulum.DateTime
    effective_at: pendulum.DateTime


@attrs.frozen
class DowngradeScheduled:
    """A move to a smaller plan, effective at the next renewal."""

    subscription_id: str
    at: pendulum.DateTime
    from_plan_id: str
    to_plan_id: str
    effective_at: pendulum.DateTime


@attrs.frozen
class Upgraded:
    """An upgrade took effect at once and restarted the subscription year.

    ``previous_started_at`` is the start of the year that the upgrade cut short; billing
    settles that year's usage against its advance.
    """

    subscription_id: str
    at: pendulum.DateTime
    from_plan_id: str
    to_plan_id: str
    previous_started_at: pendulum.DateTime
    paid_through: pendulum.DateTime


@attrs.frozen
class SeatsChanged:
    """The number of seats of a seat plan changed.

    Attributes:
        seats_before: the seats held before the change.
        seats_after: the seats held after it.
        high_water_before: the seats already paid for in the term before the change
            (:attr:`Subscription.seat_high_water`); ``None`` means ``seats_before``.
        high_water_after: the mark after the change, never below ``high_water_before``;
            ``None`` means the larger of ``seats_before`` and ``seats_after``.
    """

    subscription_id: str
    at: pendulum.DateTime
    seats_before: int
    seats_after: int
    high_water_before: int | None = None
    high_water_after: int | None = None

    @property
    def seats_to_charge(self) -> int:
        """The seats this change adds above the term's high-water mark (0 or more)."""
        before = self.seats_before if self.high_water_before is None else self.high_water_before
        after = (
            max(self.seats_before, self.seats_after)
            if self.high_water_after is None
            else self.high_water_after
        )
        return max(0, after - before)


@attrs.frozen
class Expired:
    """Access ended: a trial ran out, or a cancellation took effect."""

    subscription_id: str
    at: pendulum.DateTime
    reason: str


#: Any event of a subscription's history (one of the event classes above).
Event = (
    TrialStarted
    | Activated
    | Renewed
    | CancellationScheduled
    | DowngradeScheduled
    | Upgraded
    | SeatsChanged
    | Expired
)


@attrs.frozen
class Transition:
    """The result of a lifecycle step: the new subscription and the events it caused.

    Unpacks as a pair: ``sub, events = activate(...)``.
    """

    subscription: Subscription
    events: tuple[Event, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        yield self.subscription
        yield self.events
