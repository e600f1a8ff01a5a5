"""The subscription lifecycle errors of :mod:`subscriptionkit.errors` (internal; import them from there)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from ._errors_base import (
    SubscriptionKitError,
)


class LifecycleError(SubscriptionKitError):
    """A lifecycle step is not allowed for this subscription at this moment."""


class TrialAlreadyUsed(LifecycleError):
    """The customer already had its one trial."""

    def __init__(self, *, customer_id: str, trial_started: _dt.datetime | None = None) -> None:
        self.customer_id = customer_id
        self.trial_started = trial_started
        when = f" (started {trial_started.isoformat()})" if trial_started else ""
        super().__init__(
            f"customer {customer_id!r} already had its trial{when}; a trial is given only "
            "once per customer, whatever plan follows: activate a plan instead"
        )


class InvalidTransition(LifecycleError):
    """The subscription's state does not allow this step."""

    def __init__(self, *, action: str, state: str, allowed: Iterable[str]) -> None:
        self.action = action
        self.state = state
        self.allowed: tuple[str, ...] = tuple(allowed)
        super().__init__(
            f"cannot {action} a subscription that is {state}; expected one that is "
            f"{' or '.join(self.allowed)}"
        )


class CancellationTooLate(LifecycleError):
    """The cancellation deadline for the current period has passed."""

    def __init__(
        self,
        *,
        deadline: _dt.datetime,
        at: _dt.datetime,
        next_possible_end: _dt.datetime,
        next_deadline: _dt.datetime,
    ) -> None:
        self.deadline = deadline
        self.at = at
        self.next_possible_end = next_possible_end
        self.next_deadline = next_deadline
        super().__init__(
            f"cancellation is too late: the deadline was {deadline.isoformat()}, "
            f"the request came at {at.isoformat()}; the subscription renews, and the "
            f"earliest possible end is {next_possible_end.isoformat()} "
            f"(cancel by {next_deadline.isoformat()})"
        )


class NotAnUpgrade(LifecycleError):
    """``upgrade`` was asked for a plan that is not above the current one."""

    def __init__(self, *, current: str, requested: str, allowed: Iterable[str]) -> None:
        self.current = current
        self.requested = requested
        self.allowed: tuple[str, ...] = tuple(allowed)
        super().__init__(
            f"{requested!r} is not an upgrade of {current!r}; expected one of "
            f"{', '.join(map(repr, self.allowed)) or '(none: this is the top plan)'}. "
            "Downgrades go through cancellation within the notice period, effective at renewal"
        )
