"""Data-subject requests: received, checked, answered within four weeks (GDPR Art. 12)."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any, Final, NoReturn

import attrs
import pendulum

from .._checks import accepts, identifier, items, whole_number
from ..clock import DEFAULT_TIMEZONE, day_end, local, timezone
from ..errors import (
    InvalidInput,
)
from ._specs import AT
from ._values import (
    an_id,
    choice,
    instances,
    iso,
    moment,
    optional_moment,
    parse_moment,
    refuse_unknown,
    text,
)

__all__ = [
    "ANSWER_DAYS",
    "MAX_EXTENSION_MONTHS",
    "Extension",
    "IdentityCheck",
    "RequestKind",
    "RequestStatus",
    "SubjectRequest",
    "request_deadline",
]

#: Days to answer: "within four weeks" (seed 001), the end of the local 28th day.
ANSWER_DAYS: Final = 28
#: The most a deadline may be extended, in months, in total (GDPR Art. 12(3)).
MAX_EXTENSION_MONTHS: Final = 2


class RequestKind(enum.StrEnum):
    """What a data subject asks for (seed 001, GDPR Art. 15–21)."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        refuse_unknown(cls, value)

    ACCESS = "access"
    ERASURE = "erasure"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    PORTABILITY = "portability"


class RequestStatus(enum.StrEnum):
    """Where a request stands: ``received`` and ``verified`` are open; the rest closed."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        refuse_unknown(cls, value)

    RECEIVED = "received"
    VERIFIED = "verified"
    COMPLETED = "completed"
    REFUSED = "refused"
    FORWARDED = "forwarded"


_OPEN: Final = frozenset({RequestStatus.RECEIVED, RequestStatus.VERIFIED})


def _zone(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, str):
        raise InvalidInput(
            f"timezone must be an IANA name such as 'Europe/Amsterdam', got {value!r}"
        )
    timezone(value)


@attrs.frozen
class IdentityCheck:
    """That the requester's identity was checked: when, by whom, how. Never the copy.

    Seed 001 asks for a copy of an ID with the MRZ, document number and BSN blacked out;
    the library records only that the check happened.

    Args:
        checked_at: when.
        checked_by: who checked (a staff account id).
        method: how (default ``"id-copy-redacted"``: a copy with MRZ, number and BSN
            blacked out, seen and not kept).
    """

    checked_at: _dt.datetime = attrs.field(converter=moment)
    checked_by: str = attrs.field(validator=an_id)
    method: str = attrs.field(default="id-copy-redacted", validator=text)

    def to_dict(self) -> dict[str, Any]:
        """Return the check as JSON-ready data."""
        return {
            "checked_at": self.checked_at.isoformat(),
            "checked_by": self.checked_by,
            "method": self.method,
        }


@attrs.frozen
class Extension:
    """An extension of a request's deadline, with its reason (GDPR Art. 12(3)).

    Args:
        months: whole months added (1 or 2; at most 2 in total).
        reason: why (complexity, number of requests); told to the subject.
        at: when it was decided (before the deadline it moves).
    """

    months: int = attrs.field(validator=lambda _i, a, v: whole_number(v, a.name, minimum=1))
    reason: str = attrs.field(validator=text)
    at: _dt.datetime = attrs.field(converter=moment)

    def to_dict(self) -> dict[str, Any]:
        """Return the extension as JSON-ready data."""
        return {"months": self.months, "reason": self.reason, "at": self.at.isoformat()}


def _kind(value: object) -> RequestKind:
    return choice(RequestKind, value, "request kind")


def _status(value: object) -> RequestStatus:
    return choice(RequestStatus, value, "request status")


def _purposes(value: object) -> tuple[str, ...]:
    found = items(value, "purposes", "an iterable of purpose ids")
    for item in found:
        identifier(item, "purpose")
    return tuple(sorted(set(found)))


def _changes(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"changes must map a field ('name', 'email') to its new value, got {value!r}"
        )
    for key, item in value.items():
        if key not in ("name", "email") or not isinstance(item, str) or not item.strip():
            raise InvalidInput(
                f"changes must map 'name' or 'email' to non-empty text, got {key!r}: {item!r}"
            )
    return dict(sorted(value.items()))


def _extensions(value: Iterable[Extension]) -> tuple[Extension, ...]:
    return instances(value, Extension, "extensions")


@attrs.frozen
class SubjectRequest:
    """One data-subject request and everything done about it.

    Build one with :func:`receive_request`; each step returns a changed copy.

    Attributes:
        request_id: the request's id.
        subject_id: whose data.
        kind: access, erasure, rectification, restriction, objection or portability.
        received_at: when it came in (kept as an instant).
        timezone: the subject's IANA time zone; the deadline's day ends there.
        status: received, verified (identity checked), completed, refused or forwarded.
        controller: for data the platform processes for a customer (a school, seed 002),
            that controller: the request is forwarded to it, not carried out here.
        purposes: the purposes a restriction or objection names.
        changes: a rectification's corrections (``{"name": ..., "email": ...}``).
        identity_check: the recorded check, or ``None``.
        extensions: the deadline's extensions, in order.
        closed_at: when it was completed, refused or forwarded.
        note: the refusal's reason or the forwarding's address.
        lifted_at: when a restriction was lifted.
    """

    request_id: str = attrs.field(validator=an_id)
    subject_id: str = attrs.field(validator=an_id)
    kind: RequestKind = attrs.field(converter=_kind)
    received_at: _dt.datetime = attrs.field(converter=moment)
    timezone: str = attrs.field(default=DEFAULT_TIMEZONE, validator=_zone)
    status: RequestStatus = attrs.field(default=RequestStatus.RECEIVED, converter=_status)
    controller: str | None = attrs.field(default=None)
    purposes: tuple[str, ...] = attrs.field(default=(), converter=_purposes)
    changes: Mapping[str, str] = attrs.field(factory=dict, converter=_changes, hash=False)
    identity_check: IdentityCheck | None = None
    extensions: tuple[Extension, ...] = attrs.field(default=(), converter=_extensions)
    closed_at: _dt.datetime | None = attrs.field(default=None, converter=optional_moment)
    note: str | None = None
    lifted_at: _dt.datetime | None = attrs.field(default=None, converter=optional_moment)

    @property
    def is_open(self) -> bool:
        """Whether the request still waits for an answer."""
        return self.status in _OPEN

    @property
    def due_at(self) -> pendulum.DateTime:
        """The deadline: the end of the local day 28 days after receipt, moved by any
        extensions (:func:`request_deadline`)."""
        return request_deadline(
            self.received_at,
            tz=self.timezone,
            extension_months=sum(e.months for e in self.extensions),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the request as JSON-ready data (moments in ISO 8601)."""
        return {
            "request_id": self.request_id,
            "subject_id": self.subject_id,
            "kind": self.kind.value,
            "received_at": self.received_at.isoformat(),
            "timezone": self.timezone,
            "status": self.status.value,
            "due_at": self.due_at.isoformat(),
            "controller": self.controller,
            "purposes": list(self.purposes),
            "changes": dict(self.changes),
            "identity_check": None
            if self.identity_check is None
            else self.identity_check.to_dict(),
            "extensions": [e.to_dict() for e in self.extensions],
            "closed_at": iso(self.closed_at),
            "note": self.note,
            "lifted_at": iso(self.lifted_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SubjectRequest:
        """Build a request from :meth:`to_dict` output (``due_at`` is recomputed).

        Raises:
            InvalidInput: missing or malformed fields.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(f"a request must be a mapping, got {type(data).__name__}")
        try:
            check = data.get("identity_check")
            return cls(
                request_id=data["request_id"],
                subject_id=data["subject_id"],
                kind=data["kind"],
                received_at=parse_moment(data["received_at"]),
                timezone=data.get("timezone", DEFAULT_TIMEZONE),
                status=data.get("status", "received"),
                controller=data.get("controller"),
                purposes=data.get("purposes", ()),
                changes=data.get("changes") or {},
                identity_check=None
                if check is None
                else IdentityCheck(
                    parse_moment(check["checked_at"]), check["checked_by"], check["method"]
                ),
                extensions=[
                    Extension(e["months"], e["reason"], parse_moment(e["at"]))
                    for e in data.get("extensions", ())
                ],
                closed_at=None
                if data.get("closed_at") is None
                else parse_moment(data["closed_at"]),
                note=data.get("note"),
                lifted_at=None
                if data.get("lifted_at") is None
                else parse_moment(data["lifted_at"]),
            )
        except (KeyError, TypeError) as exc:
            raise InvalidInput(f"a request is incomplete or malformed: {exc!r}") from None


@accepts(
    received_at=AT,
    tz=((str, _dt.tzinfo), "an IANA time zone name"),
    extension_months=(int, "a whole number of months"),
)
def request_deadline(
    received_at: _dt.datetime,
    *,
    tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
    extension_months: int = 0,
) -> pendulum.DateTime:
    """Return the last instant to answer a request received at ``received_at``.

    The end of the local day 28 days after the day of receipt, on the wall clock of the
    subject's time zone (whole local days across daylight-saving changes); an extension
    adds whole calendar months to that day (month ends clamp: Jan 31 + 1 month = Feb 28).

    Args:
        received_at: when the request came in (aware).
        tz: the subject's time zone.
        extension_months: months of extension, 0 to ``MAX_EXTENSION_MONTHS``.

    Raises:
        NaiveDatetimeError: ``received_at`` has no time zone.
        InvalidInput: an extension outside 0–2 months.

    >>> import datetime as dt
    >>> request_deadline(dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)).isoformat()
    '2026-04-08T23:59:59.999999+02:00'
    """
    months = whole_number(extension_months, "extension_months", minimum=0)
    if months > MAX_EXTENSION_MONTHS:
        raise InvalidInput(
            f"extension_months must be from 0 to {MAX_EXTENSION_MONTHS} (GDPR Art. 12(3)), got {months}"
        )
    day = local(received_at, tz).date()
    due = pendulum.date(day.year, day.month, day.day).add(days=ANSWER_DAYS).add(months=months)
    return day_end(_dt.date(due.year, due.month, due.day), tz=tz)


def requests_of(value: object) -> tuple[SubjectRequest, ...]:
    """Return ``value`` as a tuple of requests, refusing anything else (internal)."""
    return instances(value, SubjectRequest, "requests")
