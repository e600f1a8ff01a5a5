"""Team actions against a store: one unit of work per attempt, retried on a lost race.

The pure actions decide; these helpers load the team, apply an action and write the team
back with optimistic concurrency. When another writer changed the team in between
(:class:`~subscriptionkit.errors.ConcurrentUpdate`, or SQLite's
:class:`~subscriptionkit.errors.DatabaseBusy`), the whole unit of work is retried on the
fresh team, so the action's checks (free seats above all) always run on what is stored:
50 people joining through one link at once to a team with 3 free seats admit exactly 3.
"""

from __future__ import annotations

import datetime as _dt
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeVar

import attrs

from ..errors import (
    ConcurrentUpdate,
    DatabaseBusy,
    InvalidArgument,
    InvalidInput,
    UnknownInvitation,
    UnknownLink,
)
from ._checked import checked, has_store
from ._events import (
    TeamTransition,
    TokenIssued,
)
from ._joining import (
    join_with_invitation,
    join_with_link,
)
from ._model import (
    Team,
)
from ._tokens import TokenKeys

if TYPE_CHECKING:  # the storage ports import this package: no runtime import back
    import subscriptionkit.storage.ports

TeamResult = TypeVar("TeamResult", TeamTransition, TokenIssued)

#: How often a unit of work is tried before the last conflict is raised.
DEFAULT_ATTEMPTS = 60


def _pause(attempt: int) -> None:
    # Random back-off, growing to at most ~0.1 s: racing writers spread out.
    time.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))


@checked
def update_team(
    store: subscriptionkit.storage.ports.Store,
    find: Callable[[subscriptionkit.storage.ports.UnitOfWork], Team],
    action: Callable[[Team], TeamResult],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
) -> TeamResult:
    """Load a team with ``find``, apply ``action``, store the result; retry lost races.

    Each attempt is one unit of work: the team is read, the action decides on what was
    read, and the write succeeds only if nobody wrote the team meanwhile. Refusals of the
    action (a :class:`~subscriptionkit.errors.TeamError`) are raised at once and store
    nothing.

    Args:
        find: reads the team in the unit of work, e.g. ``lambda uow: uow.teams.get(id)``.
        action: a pure team action with its arguments bound, returning the new team.
        attempts: how many units of work to try before giving up.

    Returns:
        The action's result, its team as stored (with the new version).

    Raises:
        ConcurrentUpdate: still losing the race after ``attempts`` tries.
        DatabaseBusy: SQLite still locked by other writers after ``attempts`` tries.
    """
    if not has_store(store):
        raise InvalidArgument(name="store", expected="a Store (see storage.open_store)", got=store)
    for name, function in (("find", find), ("action", action)):
        if not callable(function):
            raise InvalidArgument(name=name, expected="a function", got=function)
    if attempts < 1:
        raise InvalidInput(f"attempts must be at least 1, got {attempts!r}")
    for attempt in range(attempts):
        try:
            with store.unit_of_work() as uow:
                result = action(find(uow))
                stored = uow.teams.update(result.team)
                uow.commit()
                return attrs.evolve(result, team=stored)
        except (ConcurrentUpdate, DatabaseBusy):
            if attempt == attempts - 1:
                raise
            _pause(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


@checked
def join(
    store: subscriptionkit.storage.ports.Store,
    token: str,
    *,
    via: Literal["link", "invitation"],
    account_id: str,
    name: str,
    email: str,
    keys: TokenKeys,
    at: _dt.datetime,
    attempts: int = DEFAULT_ATTEMPTS,
) -> TeamTransition:
    """Join the team a link or invitation token belongs to, in ``store``; retry lost races.

    The store finds the team by the token's keyed hashes under every configured key; the
    pure action (:func:`join_with_link` or :func:`join_with_invitation`) then checks the
    token in constant time and every rule, on the team as stored.

    Raises:
        UnknownLink: ``via="link"`` and no stored team has a link with that token.
        UnknownInvitation: ``via="invitation"`` and no stored team has that invitation.
        TeamError: whatever the pure action refuses (``TeamFull``, ``LinkExpired``...).
    """
    if via not in ("link", "invitation"):
        raise InvalidInput(f"via must be 'link' or 'invitation', got {via!r}")

    def find(uow: subscriptionkit.storage.ports.UnitOfWork) -> Team:
        if via == "link":
            team = uow.teams.with_link(keys.digests(token, "link"))
            if team is None:
                raise UnknownLink(team_id=None)
        else:
            team = uow.teams.with_invitation(keys.digests(token, "invitation"))
            if team is None:
                raise UnknownInvitation(team_id=None)
        return team

    joiner = join_with_link if via == "link" else join_with_invitation
    return update_team(
        store,
        find,
        lambda team: joiner(
            team, token, account_id=account_id, name=name, email=email, keys=keys, at=at
        ),
        attempts=attempts,
    )
