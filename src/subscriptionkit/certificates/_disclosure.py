"""What the public verification page shows: the holder's disclosure choices and erasure."""

from __future__ import annotations

import datetime as _dt
from typing import Literal, get_args

import attrs

from ..errors import InvalidInput
from ._token import Verified

__all__ = [
    "DisclosureSettings",
    "NameDisclosure",
    "PublicView",
    "erased_holder_settings",
    "public_view",
]

#: How much of the holder's name the public page shows.
NameDisclosure = Literal["full", "initials", "hidden"]
_NAME_CHOICES = get_args(NameDisclosure)


def _name_choice(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if value not in _NAME_CHOICES:
        raise InvalidInput(
            f"name disclosure must be one of {', '.join(map(repr, _NAME_CHOICES))}, got {value!r}"
        )


def _flag(instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInput(f"{attribute.name} must be True or False, got {value!r}")


@attrs.frozen
class DisclosureSettings:
    """The holder's choices for their certificates' public verification page.

    Args:
        name: ``"full"`` shows the name, ``"initials"`` only initials, ``"hidden"`` nothing.
        show_completion_date: whether the completion date is shown.

    Raises:
        InvalidInput: an unknown ``name`` choice or a non-bool flag.
    """

    name: NameDisclosure = attrs.field(default="full", validator=_name_choice)
    show_completion_date: bool = attrs.field(default=True, validator=_flag)


def erased_holder_settings() -> DisclosureSettings:
    """Return the settings for a holder whose personal data was erased: nothing personal shows.

    Same as ``public_view(..., holder_erased=True)``.
    """
    return DisclosureSettings(name="hidden", show_completion_date=False)


@attrs.frozen
class PublicView:
    """What a public verification page may show about a genuine certificate.

    It never holds the holder's account id. ``holder_display_name`` and
    ``completed_on`` are ``None`` when the holder chose to hide them or was erased.

    Args:
        certificate_id: the certificate's id.
        course_title: the completed course.
        completed_on: the completion date, or ``None`` if hidden.
        holder_display_name: the name as disclosed, or ``None`` if hidden.
        issuer: who issued the certificate.
        genuine: always ``True``: a view is only made from a verified certificate.
    """

    certificate_id: str
    course_title: str
    completed_on: _dt.date | None
    holder_display_name: str | None
    issuer: str
    genuine: bool = True


def initials(name: str) -> str:
    """Return a name's initials, keeping case and hyphens: ``"Anne-Marie van Dijk"`` → ``"A.-M. v. D."``.

    >>> initials("Anne-Marie van Dijk")
    'A.-M. v. D.'
    """
    return " ".join(
        "-".join(f"{part[0]}." for part in word.split("-") if part) for word in name.split()
    )


def public_view(
    verified: Verified,
    settings: DisclosureSettings | None = None,
    *,
    holder_name: str | None = None,
    holder_erased: bool = False,
) -> PublicView:
    """Return what the public page shows for a verified certificate.

    A JWS token names no holder, so the page passes the name from the issuer's store
    (``holder_name``); a deprecated ``v1`` token carries one, used when none is given.

    Args:
        verified: the result of :func:`verify`.
        settings: the holder's disclosure choices; everything shows when not given.
        holder_name: the holder's current name from the issuer's store.
        holder_erased: the holder's personal data was erased (GDPR): the view shows
            nothing personal, whatever ``settings`` say, though the certificate is
            still genuine.

    Returns:
        The :class:`PublicView`.

    Raises:
        InvalidInput: ``verified`` is not a :class:`Verified`, ``settings`` not
            :class:`DisclosureSettings`, or ``holder_name`` not a string.
    """
    if not isinstance(verified, Verified):
        raise InvalidInput(
            f"the public view needs the Verified result of a verification, got {type(verified).__name__}"
        )
    if settings is not None and not isinstance(settings, DisclosureSettings):
        raise InvalidInput(
            f"settings must be DisclosureSettings or None, got {type(settings).__name__}"
        )
    if holder_name is not None and not isinstance(holder_name, str):
        raise InvalidInput(
            f"holder_name must be a string or None, got {type(holder_name).__name__}"
        )
    if holder_erased:
        settings = erased_holder_settings()
    elif settings is None:
        settings = DisclosureSettings()
    full_name = holder_name if holder_name is not None else verified.holder_name
    name: str | None = None
    if full_name and settings.name == "full":
        name = full_name
    elif full_name and settings.name == "initials":
        name = initials(full_name) or None
    return PublicView(
        certificate_id=verified.certificate_id,
        course_title=verified.course_title,
        completed_on=verified.completed_on if settings.show_completion_date else None,
        holder_display_name=name,
        issuer=verified.issuer,
    )
