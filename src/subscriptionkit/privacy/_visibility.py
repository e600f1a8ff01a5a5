"""Who sees which part of a profile (seed 001): everyone, account holders, or no one else."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, NoReturn

import attrs

from .._checks import accepts, identifier
from ..certificates import DisclosureSettings
from ..errors import InvalidInput
from ._values import choice, refuse_unknown

__all__ = [
    "DEFAULT_VISIBILITY",
    "Profile",
    "Visibility",
    "certificate_disclosure",
    "visible_profile",
]


class Visibility(enum.StrEnum):
    """How far a profile part reaches."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        refuse_unknown(cls, value)

    EVERYONE = "everyone"
    ACCOUNT_HOLDERS = "account_holders"
    HIDDEN = "hidden"


_E, _A, _H = Visibility.EVERYONE, Visibility.ACCOUNT_HOLDERS, Visibility.HIDDEN

#: The seed's levels: name, photo, public reviews and follower/connection counts for every
#: visitor; timeline, posts, comments, followed courses and live sessions for account
#: holders. The portfolio is public only if the holder makes it so; certificates are
#: shown on the timeline to account holders (their verification links are public anyway).
#: A part not listed is hidden.
DEFAULT_VISIBILITY: Final[Mapping[str, Visibility]] = MappingProxyType(
    {
        "name": _E,
        "photo": _E,
        "reviews": _E,
        "followers": _E,
        "connections": _E,
        "portfolio": _H,
        "timeline": _A,
        "posts": _A,
        "comments": _A,
        "followed_courses": _A,
        "live_sessions": _A,
        "certificates": _A,
    }
)


def _level(value: object) -> Visibility:
    return choice(Visibility, value, "a visibility")


def _parts(value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and k for k in value):
        raise InvalidInput(f"profile parts must map part names to values, got {value!r}")
    return MappingProxyType(dict(value))


def _choices(value: object) -> Mapping[str, Visibility]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and k for k in value):
        raise InvalidInput(f"visibility choices must map part names to levels, got {value!r}")
    return MappingProxyType({k: _level(v) for k, v in value.items()})


@attrs.frozen
class Profile:
    """A holder's profile: its parts and the holder's own visibility choices.

    Args:
        holder_id: whose profile.
        parts: part name to value (``{"name": "Ann", "timeline": [...]}``).
        choices: the holder's visibility per part, overriding ``DEFAULT_VISIBILITY``
            (hide the name, make the portfolio public...).

    Raises:
        InvalidInput: malformed parts or an unknown visibility level.
    """

    holder_id: str = attrs.field(validator=lambda _i, a, v: identifier(v, a.name))
    parts: Mapping[str, Any] = attrs.field(converter=_parts, hash=False)
    choices: Mapping[str, Visibility] = attrs.field(factory=dict, converter=_choices, hash=False)

    def visibility(self, part: str) -> Visibility:
        """Return how far ``part`` reaches: the holder's choice, else the default."""
        return self.choices.get(part, DEFAULT_VISIBILITY.get(part, Visibility.HIDDEN))


@accepts(profile=(Profile, "a Profile"), viewer=((str, type(None)), "an account id or None"))
def visible_profile(profile: Profile, *, viewer: str | None) -> dict[str, Any]:
    """Return the parts of ``profile`` that ``viewer`` may see.

    Args:
        profile: the profile.
        viewer: the viewing account's id, or ``None`` for a visitor without an account.
            The holder sees every part of their own profile.

    >>> p = Profile("ann", {"name": "Ann", "timeline": ["joined"], "portfolio": ["a.pdf"]})
    >>> visible_profile(p, viewer=None)
    {'name': 'Ann'}
    >>> sorted(visible_profile(p, viewer="bob"))
    ['name', 'timeline']
    """
    if viewer == profile.holder_id:
        return dict(profile.parts)
    seen = {_E} if viewer is None else {_E, _A}
    return {k: v for k, v in profile.parts.items() if profile.visibility(k) in seen}


@accepts(profile=(Profile, "a Profile"))
def certificate_disclosure(profile: Profile) -> DisclosureSettings:
    """Return what a certificate's public verification page shows of the holder, from
    the holder's choice for the ``name`` part: shown in full when everyone sees it,
    initials for account-holder-only, nothing when hidden. Completion dates show.

    >>> certificate_disclosure(Profile("ann", {}, choices={"name": "hidden"})).name
    'hidden'
    """
    level = profile.visibility("name")
    if level is _E:
        return DisclosureSettings(name="full")
    return DisclosureSettings(name="initials" if level is _A else "hidden")
