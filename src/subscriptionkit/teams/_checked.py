"""The types of the team functions' arguments, by name: one table, one decorator (internal).

Every public team function takes its arguments under the same names (``team``, ``by``,
``at``, ``keys``...), so one table declares what each name must be, and :func:`checked`
applies :func:`~subscriptionkit._checks.accepts` with the entries a function's signature
uses: a wrong type raises :class:`~subscriptionkit.errors.InvalidArgument` naming the
argument before any attribute of it is touched.
"""

from __future__ import annotations

import datetime as _dt
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, ParamSpec, TypeVar

from .. import subscriptions
from .._checks import Kind, accepts
from ._model import (
    Invitation,
    RegistrationLink,
    Team,
    TeamSettings,
)
from ._tokens import TokenKeys

P = ParamSpec("P")
R = TypeVar("R")

_TEXT: Final = (str, "text (str)")
_ID: Final = (str, "an id (str)")
_MOMENT: Final = (_dt.datetime, "an aware datetime")
_FLAG: Final = (bool, "True or False")
_DURATION: Final = (_dt.timedelta, "a timedelta")

#: What each argument name must be, for every public team function.
KINDS: Final[dict[str, Kind]] = {
    "team": (Team, "a Team"),
    "subscription": (subscriptions.Subscription, "a Subscription"),
    "course": (subscriptions.Course, "a Course"),
    "keys": (TokenKeys, "TokenKeys"),
    "settings": (TeamSettings, "a TeamSettings"),
    "invitation": (Invitation, "an Invitation"),
    "link": (RegistrationLink, "a RegistrationLink"),
    "discounts": (Iterable, "an iterable of billing.Discount"),
    "course_titles": (Mapping, "a mapping of course ids to titles"),
    "by": _ID,
    "viewer": _ID,
    "account_id": _ID,
    "course_id": _ID,
    "owner_id": _ID,
    "team_id": _ID,
    "link_id": _ID,
    "invitation_id": _ID,
    "key_id": _ID,
    "token": _TEXT,
    "name": _TEXT,
    "owner_name": _TEXT,
    "email": _TEXT,
    "owner_email": _TEXT,
    "url_template": _TEXT,
    "tz": _TEXT,
    "locale": _TEXT,
    "via": _TEXT,
    "at": _MOMENT,
    "expires_at": _MOMENT,
    "owner_only": _FLAG,
    "co_manager": _FLAG,
    "co_managers": _FLAG,
    "seats": (int, "a whole number of seats"),
    "max_uses": (int, "a whole number of uses"),
    "attempts": (int, "a whole number of attempts"),
    "validity": _DURATION,
    "invitation_validity": _DURATION,
}


def checked(func: Callable[P, R]) -> Callable[P, R]:
    """Check the arguments of a public team function by their names (see :data:`KINDS`)."""
    names = inspect.signature(func).parameters
    return accepts(**{name: kind for name, kind in KINDS.items() if name in names})(func)


def has_store(store: Any) -> bool:
    """Whether ``store`` looks like a Store (it hands out units of work)."""
    return callable(getattr(store, "unit_of_work", None))
