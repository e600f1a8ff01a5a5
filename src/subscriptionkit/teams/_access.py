"""Course access for a team member: the team subscription's access, while on the team."""

from __future__ import annotations

import datetime as _dt

from .. import subscriptions
from ..clock import ensure_aware
from ..errors import InvalidInput
from ._checked import checked
from ._model import (
    Team,
)


@checked
def has_access(
    team: Team,
    subscription: subscriptions.Subscription,
    account_id: str,
    course: subscriptions.Course,
    *,
    at: _dt.datetime,
) -> bool:
    """Whether ``account_id`` may follow ``course`` at ``at`` through the team.

    Free courses are open to everyone. Otherwise the account must be an **active** member
    of the team (a removed member loses access at once; a pending one has none yet), and
    the team's subscription must give access
    (:func:`subscriptions.has_access <subscriptionkit.subscriptions.has_access>`: after a
    cancellation until the end of the paid period, programmes never).

    Raises:
        InvalidInput: ``subscription`` is not the team's.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    at = ensure_aware(at, "at")
    if subscription.id != team.subscription_id:
        raise InvalidInput(
            f"team {team.id!r} is paid by subscription {team.subscription_id!r}; "
            f"got subscription {subscription.id!r}"
        )
    if course.kind == "free":
        return True
    member = team.member(account_id)
    if member is None or not member.is_active:
        return False
    return subscriptions.has_access(subscription, course, at=at)
