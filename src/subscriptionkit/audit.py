"""Audit history: what happened to a record, as entries of an append-only log.

Every lifecycle step returns domain events (a trial started, a period renewed, seats
changed...). Stores append them, as :class:`AuditEntry` values, to an append-only log in
the same unit of work as the change they describe, and read them back per record or per
customer, in the order they were appended: what a support desk or an auditor asks ("what
happened to this school's subscription?").

An entry names people and organisations **by id only** (``customer_id``, a member id in
``data``): never a name or an e-mail address, so erasing a person has one place to
pseudonymise, the ids.

>>> import datetime as dt
>>> entry = AuditEntry(
...     subject_type="subscription", subject_id="sub-1", customer_id="school-1",
...     kind="cancellation_scheduled", at=dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC),
...     data={"effective_at": "2027-01-15T10:00:00+01:00"},
... )
>>> entry.data["effective_at"]
'2027-01-15T10:00:00+01:00'
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs
import pendulum

from .clock import ensure_aware
from .errors import InvalidInput

__all__ = ["AuditEntry", "AuditValue"]

#: A value an entry may carry: text (ids, ISO 8601 moments, decimal amounts), whole
#: numbers, booleans or nothing. No floats (money is never a float) and no nesting.
AuditValue = str | int | bool | None

_NAME: Final = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)


def _name(field: str, value: object) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value) or len(value) > 60:
        raise InvalidInput(
            f"an audit entry's {field} must be a lower-case snake_case name of at most 60 "
            f"characters such as 'subscription' or 'seats_changed', got {value!r}"
        )
    return value


def _id(field: str, value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise InvalidInput(
            f"an audit entry's {field} must be a non-empty id of at most 200 characters, "
            f"got {value!r}"
        )
    return value


def _data(value: object) -> Mapping[str, AuditValue]:
    if not isinstance(value, Mapping):
        raise InvalidInput(
            f"an audit entry's data must be a mapping of names to values, got {type(value).__name__}"
        )
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise InvalidInput(f"an audit entry's data keys must be non-empty text, got {key!r}")
        if isinstance(item, float) or not isinstance(item, str | int | bool | type(None)):
            raise InvalidInput(
                f"an audit entry's data[{key!r}] must be text, a whole number, a boolean or "
                f"None, got {type(item).__name__}: {item!r}"
            )
    return MappingProxyType(dict(value))


def _subject_type(value: object) -> str:
    return _name("subject_type", value)


def _kind(value: object) -> str:
    return _name("kind", value)


def _subject_id(value: object) -> str:
    return _id("subject_id", value)


def _customer_id(value: object) -> str:
    return _id("customer_id", value)


def _at(value: object) -> pendulum.DateTime:
    return ensure_aware(value, "at")


def _same_instant(a: _dt.datetime, b: _dt.datetime) -> bool:
    return a.astimezone(_dt.UTC) == b.astimezone(_dt.UTC)


def _same_data(a: Mapping[str, AuditValue], b: Mapping[str, AuditValue]) -> bool:
    return dict(a) == dict(b)


@attrs.frozen
class AuditEntry:
    """One entry of the audit log: something that happened to one record.

    Attributes:
        subject_type: what kind of record it is about (``"subscription"``; teams and
            privacy add theirs).
        subject_id: the id of that record.
        customer_id: the customer the record belongs to (an id, never a name).
        kind: what happened, in snake_case (``"renewed"``, ``"seats_changed"``).
        at: when it happened (aware; stores keep the instant).
        data: the facts of the event: ids, ISO 8601 moments, numbers; never names or
            e-mail addresses. Read-only.
        sequence: the entry's position in its store's log (set by the store on append;
            0 before), increasing in the order entries were appended.

    Raises:
        InvalidInput: a name that is not snake_case, an empty id, or data that is not a
            flat mapping of text, whole numbers, booleans and ``None``.
        NaiveDatetimeError: ``at`` has no time zone.
    """

    subject_type: str = attrs.field(converter=_subject_type)
    subject_id: str = attrs.field(converter=_subject_id)
    customer_id: str = attrs.field(converter=_customer_id)
    kind: str = attrs.field(converter=_kind)
    # Compared as instants (a fold-aware comparison); the data as plain dicts.
    at: pendulum.DateTime = attrs.field(
        converter=_at, eq=attrs.cmp_using(eq=_same_instant), hash=False
    )
    data: Mapping[str, AuditValue] = attrs.field(
        factory=dict, converter=_data, eq=attrs.cmp_using(eq=_same_data), hash=False
    )
    sequence: int = 0
