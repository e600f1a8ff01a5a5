"""The certificate value object and :func:`issue`."""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Mapping
from typing import Any, Final

import attrs

from .._checks import is_identifier
from .._errors_base import _shown
from ..clock import ensure_aware
from ..errors import InvalidInput

__all__ = ["Certificate", "issue"]

_UTC: Final = _dt.UTC

#: The fields of a certificate, in declaration order; also the keys of :meth:`Certificate.to_dict`.
FIELDS: Final = (
    "certificate_id",
    "holder_id",
    "holder_name",
    "course_id",
    "course_title",
    "completed_on",
    "issued_at",
    "issuer",
)
_FIELD_SET: Final = frozenset(FIELDS)
#: Optional fields: present in :meth:`Certificate.to_dict` only when set.
_OPTIONAL: Final = frozenset({"status_index"})
#: The largest status index: the status list holds at most this many + 1 entries (2**24 bits).
MAX_STATUS_INDEX: Final = 2**24 - 1


def _text(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    """Validate a non-empty, non-blank string field."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            f"{attribute.name} must be a non-empty string, got {type(value).__name__}: {value!r}"
        )


def _plain_date(instance: object, attribute: attrs.Attribute[_dt.date], value: object) -> None:
    """Validate a calendar date (a datetime is refused: it would hide a time and zone)."""
    if not isinstance(value, _dt.date) or isinstance(value, _dt.datetime):
        raise InvalidInput(
            f"{attribute.name} must be a datetime.date (not a datetime), "
            f"got {type(value).__name__}: {value!r}"
        )


def _status_index(instance: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    """Validate a status list index: ``None`` or a whole number in the list's range."""
    if value is None:
        return
    if type(value) is not int or not 0 <= value <= MAX_STATUS_INDEX:
        raise InvalidInput(
            f"status_index must be None or a whole number from 0 to {MAX_STATUS_INDEX}, "
            f"got {type(value).__name__}: {value!r}"
        )


def to_utc(value: object, name: str = "issued_at") -> _dt.datetime:
    """Return an aware datetime as a plain :class:`datetime.datetime` in UTC.

    Args:
        value: an aware datetime.
        name: the argument's name, for the error message.

    Raises:
        NaiveDatetimeError: ``value`` has no time zone.
        InvalidInput: ``value`` is not a datetime.
    """
    if type(value) is _dt.datetime and value.tzinfo is _UTC:
        return value  # the hot path of verify(): already canonical
    try:
        aware = ensure_aware(value, name).astimezone(_UTC)
    except OverflowError as exc:
        raise InvalidInput(
            f"{name} must be representable in UTC (years 1 to 9999), got {_shown(value)}"
        ) from exc
    return _dt.datetime(
        aware.year,
        aware.month,
        aware.day,
        aware.hour,
        aware.minute,
        aware.second,
        aware.microsecond,
        tzinfo=_UTC,
    )


def _issued_at(value: object) -> _dt.datetime:
    return to_utc(value, "issued_at")


@attrs.frozen
class Certificate:
    """Proof that a member completed a course.

    A certificate is a standalone value: once issued it does not refer back to a
    subscription or a team, so it survives the end of the subscription and the
    holder's removal from a team. ``issued_at`` is kept in UTC.

    Build one with :func:`issue` (or :meth:`from_dict`); change one with
    :func:`attrs.evolve`.

    Args:
        certificate_id: the certificate's unique id.
        holder_id: the account id of the member who earned it.
        holder_name: the member's name as printed on the certificate.
        course_id: the completed course's id.
        course_title: the course title as printed on the certificate.
        completed_on: the calendar date of completion.
        issued_at: the aware moment of issue (stored in UTC).
        issuer: who issues it, e.g. the platform's name.
        status_index: its position in the issuer's Bitstring Status List (revocation),
            or ``None`` for a certificate that has none (those issued before 0.2).

    Raises:
        InvalidIdentifier: ``certificate_id`` or ``holder_id`` breaks the identifier rule
            (non-empty text, no control characters, at most 100 characters), as every id
            does, so every store accepts the same certificates.
        InvalidInput: a field is empty or of the wrong type.
        NaiveDatetimeError: ``issued_at`` has no time zone.
    """

    certificate_id: str = attrs.field(validator=is_identifier)
    holder_id: str = attrs.field(validator=is_identifier)
    holder_name: str = attrs.field(validator=_text)
    course_id: str = attrs.field(validator=_text)
    course_title: str = attrs.field(validator=_text)
    completed_on: _dt.date = attrs.field(validator=_plain_date)
    issued_at: _dt.datetime = attrs.field(converter=_issued_at)
    issuer: str = attrs.field(validator=_text)
    status_index: int | None = attrs.field(default=None, validator=_status_index)

    def to_dict(self) -> dict[str, Any]:
        """Return the certificate as a JSON-ready dict (dates in ISO 8601).

        Every value is a string but ``status_index`` (an int), which is present only
        when the certificate has one.

        >>> import datetime as dt
        >>> cert = issue(holder_id="u1", holder_name="Ada", course_id="c1",
        ...              course_title="Feedback", completed_on=dt.date(2026, 3, 1),
        ...              issued_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
        ...              issuer="Soofos", certificate_id="cert-1")
        >>> Certificate.from_dict(cert.to_dict()) == cert
        True
        """
        return {
            "certificate_id": self.certificate_id,
            "holder_id": self.holder_id,
            "holder_name": self.holder_name,
            "course_id": self.course_id,
            "course_title": self.course_title,
            "completed_on": self.completed_on.isoformat(),
            "issued_at": self.issued_at.isoformat(),
            "issuer": self.issuer,
        } | ({} if self.status_index is None else {"status_index": self.status_index})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Certificate:
        """Build a certificate from the dict :meth:`to_dict` makes.

        Args:
            data: a mapping with exactly the certificate's fields (``status_index``
                optional), all strings but ``status_index``.

        Returns:
            The certificate.

        Raises:
            InvalidInput: a field is missing, extra, of the wrong type or unparseable.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(
                f"a certificate must be a mapping of its fields, got {type(data).__name__}"
            )
        keys = data.keys() - _OPTIONAL
        if keys != _FIELD_SET:
            missing = sorted(_FIELD_SET - set(keys))
            extra = sorted(str(k) for k in set(keys) - _FIELD_SET)
            raise InvalidInput(
                f"a certificate needs exactly the fields {', '.join(FIELDS)}; "
                f"got missing {missing or 'none'}, extra {extra or 'none'}"
            )
        completed_on = data["completed_on"]
        issued_at = data["issued_at"]
        if not isinstance(completed_on, str) or not isinstance(issued_at, str):
            raise InvalidInput(
                "completed_on and issued_at must be ISO 8601 strings, "
                f"got {completed_on!r} and {issued_at!r}"
            )
        try:
            day = _dt.date.fromisoformat(completed_on)
            moment = _dt.datetime.fromisoformat(issued_at)
        except ValueError as exc:
            raise InvalidInput(
                "completed_on must be 'YYYY-MM-DD' and issued_at an ISO 8601 datetime "
                f"with offset, got {completed_on!r} and {issued_at!r}"
            ) from exc
        return cls(
            certificate_id=data["certificate_id"],
            holder_id=data["holder_id"],
            holder_name=data["holder_name"],
            course_id=data["course_id"],
            course_title=data["course_title"],
            completed_on=day,
            issued_at=moment,
            issuer=data["issuer"],
            status_index=data.get("status_index"),
        )


#: The clock that shows the latest day on earth (Kiribati's Line Islands, UTC+14).
_EARLIEST_CLOCK: Final = _dt.timezone(_dt.timedelta(hours=14))


def issue(
    *,
    holder_id: str,
    holder_name: str,
    course_id: str,
    course_title: str,
    completed_on: _dt.date,
    issued_at: _dt.datetime,
    issuer: str,
    certificate_id: str | None = None,
    status_index: int | None = None,
) -> Certificate:
    """Issue a certificate for a completed course.

    Args:
        holder_id: the account id of the member who completed the course.
        holder_name: the member's name as it should appear on the certificate.
        course_id: the course's id.
        course_title: the course's title.
        completed_on: the date of completion.
        issued_at: the aware moment of issue (usually ``clock.now()``).
        issuer: who issues the certificate (the platform or academy name).
        certificate_id: the id to use; a random UUID4 when not given.
        status_index: the certificate's position in the issuer's status list (see
            :class:`StatusList`); give one to make the certificate revocable through it.

    Returns:
        The new :class:`Certificate`.

    Raises:
        InvalidInput: a field is empty or of the wrong type, or ``completed_on`` is after
            the day of ``issued_at`` (a course is completed before its certificate is
            issued; the day is read on the earliest clock on earth, UTC+14, so that a
            completion "today" anywhere is accepted).
        NaiveDatetimeError: ``issued_at`` has no time zone.

    >>> import datetime as dt
    >>> cert = issue(holder_id="u1", holder_name="Ada Lovelace", course_id="c1",
    ...              course_title="Giving feedback", completed_on=dt.date(2026, 3, 1),
    ...              issued_at=dt.datetime(2026, 3, 1, 13, tzinfo=dt.timezone.utc),
    ...              issuer="Soofos")
    >>> len(cert.certificate_id)
    36
    """
    certificate = Certificate(
        certificate_id=str(uuid.uuid4()) if certificate_id is None else certificate_id,
        holder_id=holder_id,
        holder_name=holder_name,
        course_id=course_id,
        course_title=course_title,
        completed_on=completed_on,
        issued_at=issued_at,
        issuer=issuer,
        status_index=status_index,
    )
    try:
        latest_today = certificate.issued_at.astimezone(_EARLIEST_CLOCK).date()
    except OverflowError:  # issued in the last hours of 9999 (UTC): no later day exists
        latest_today = _dt.date.max
    if certificate.completed_on > latest_today:
        raise InvalidInput(
            f"completed_on {certificate.completed_on.isoformat()} is after the certificate "
            f"is issued ({certificate.issued_at.isoformat()}); expected a day of completion "
            f"on or before {latest_today.isoformat()}"
        )
    return certificate
