"""Consents, data-subject requests and pseudonyms in SQL (internal; see :mod:`.sql`).

Four tables (schema step 9): ``sk_privacy_consents`` and ``sk_privacy_requests`` (each
record as JSON beside the columns queries need; a request's identity check in its own
columns: when, by whom, how, never the copy of the ID), ``sk_privacy_keys`` (the
pseudonym key, hidden from SQL logs) and ``sk_privacy_erasures`` (erased subjects, as
their pseudonyms only). Moments are fixed-width UTC text on both databases.
"""

from __future__ import annotations

import datetime as _dt
import json
import secrets
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

import sqlalchemy as sa

from ...audit import AuditEntry
from ...clock import instant
from ...errors import NotFound
from ...privacy import Consent, Register, SubjectRequest
from .._privacy_ports import (
    consent_in_force,
    consent_order,
    deadline_order,
    erased_records,
    pseudonym_of,
    pseudonymised_entry,
    request_order,
    require_consent,
    require_request,
    same_record,
)
from ._audit import _entry
from ._errors import translating
from ._tables import _Secret, _UtcMoment, audit_table, metadata

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ._store import SqlUnitOfWork

_ID = sa.String(200)
R = TypeVar("R", Consent, SubjectRequest)
#: The one row of ``sk_privacy_keys``: the key of the keyed pseudonyms.
_PSEUDONYM_KEY: Final = "pseudonym"

consents_table = sa.Table(
    "sk_privacy_consents",
    metadata,
    sa.Column("consent_id", _ID, primary_key=True),
    sa.Column("subject_id", _ID, nullable=False, index=True),
    sa.Column("purpose", _ID, nullable=False),
    sa.Column("given_at", _UtcMoment, nullable=False),
    sa.Column("withdrawn_at", _UtcMoment, nullable=True),
    # Consent.to_dict() as JSON; the columns above are copies for queries.
    sa.Column("document", sa.Text, nullable=False),
)

requests_table = sa.Table(
    "sk_privacy_requests",
    metadata,
    sa.Column("request_id", _ID, primary_key=True),
    sa.Column("subject_id", _ID, nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("received_at", _UtcMoment, nullable=False),
    sa.Column("due_at", _UtcMoment, nullable=False),
    # The identity check: that it happened, when, by whom, how. No column for the copy.
    sa.Column("identity_checked_at", _UtcMoment, nullable=True),
    sa.Column("identity_checked_by", _ID, nullable=True),
    sa.Column("identity_check_method", sa.Text, nullable=True),
    # SubjectRequest.to_dict() as JSON; the columns above are copies for queries.
    sa.Column("document", sa.Text, nullable=False),
)

keys_table = sa.Table(
    "sk_privacy_keys",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("secret", _Secret, nullable=False),  # hex; hidden from SQL logs
)

erasures_table = sa.Table(
    "sk_privacy_erasures",
    metadata,
    sa.Column("pseudonym", sa.String(40), primary_key=True),
    sa.Column("erased_at", _UtcMoment, nullable=False),
)

#: The tables of this module, in creation order.
PRIVACY_TABLES: Final = (consents_table, requests_table, keys_table, erasures_table)


def _upsert(conn: Connection, table: sa.Table, key: str, values: dict[str, Any]) -> None:
    """Insert ``values`` or replace the row with the same primary key ``key``."""
    done = conn.execute(table.update().where(table.c[key] == values[key]).values(values))
    if done.rowcount == 0:
        conn.execute(table.insert().values(values))


@translating
class _Records(Generic[R]):
    """Consents or requests of one SQL unit of work: a JSON document per row, with copies
    of what queries need in columns (:meth:`_columns`)."""

    _t: sa.Table
    _key: str
    _kind: str
    _record: type[R]

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return f"<sql {self._kind}s>"

    def _columns(self, record: R) -> dict[str, Any]:
        raise NotImplementedError

    def _save(self, record: R) -> R:
        key = str(getattr(record, self._key))
        stored = self._select(self._t.c[self._key] == key)
        return self._write(same_record(self._kind, stored[0] if stored else None, record))

    def _write(self, record: R) -> R:
        values = {**self._columns(record), "subject_id": record.subject_id}
        values["document"] = json.dumps(record.to_dict(), sort_keys=True)
        _upsert(self._uow.connection, self._t, self._key, values)
        return record

    def _select(self, *where: sa.ColumnElement[bool]) -> list[R]:
        rows = self._uow.connection.execute(sa.select(self._t.c.document).where(*where))
        return [self._record.from_dict(json.loads(r.document)) for r in rows]

    def get(self, key: str) -> R:
        found = self._select(self._t.c[self._key] == key)
        if not found:
            raise NotFound(kind=self._kind, key=key)
        return found[0]

    def list(self) -> Iterator[R]:
        return iter(sorted(self._select(), key=lambda r: str(getattr(r, self._key))))

    def pseudonymise(self, subject_id: str, pseudonym: str) -> int:
        found = self._select(self._t.c.subject_id == subject_id)
        for record in erased_records(found, pseudonym):
            self._write(record)
        return len(found)


@translating
class _Consents(_Records[Consent]):
    """The consent store of one SQL unit of work."""

    _t, _key, _kind, _record = consents_table, "consent_id", "consent", Consent

    def _columns(self, record: Consent) -> dict[str, Any]:
        return {
            "consent_id": record.consent_id,
            "purpose": record.purpose,
            "given_at": record.given_at,
            "withdrawn_at": record.withdrawn_at,
        }

    def save(self, consent: Consent) -> Consent:
        return self._save(require_consent(consent))

    def for_subject(self, subject_id: str) -> Sequence[Consent]:
        return sorted(self._select(self._t.c.subject_id == subject_id), key=consent_order)

    def has_consent(
        self, subject_id: str, purpose: str, *, at: _dt.datetime, register: Register | None = None
    ) -> bool:
        return consent_in_force(self, subject_id, purpose, at, register)


@translating
class _Requests(_Records[SubjectRequest]):
    """The request store of one SQL unit of work."""

    _t, _key, _kind, _record = requests_table, "request_id", "request", SubjectRequest

    def _columns(self, record: SubjectRequest) -> dict[str, Any]:
        check = record.identity_check
        return {
            "request_id": record.request_id,
            "kind": record.kind.value,
            "status": record.status.value,
            "received_at": record.received_at,
            "due_at": record.due_at,
            "identity_checked_at": None if check is None else check.checked_at,
            "identity_checked_by": None if check is None else check.checked_by,
            "identity_check_method": None if check is None else check.method,
        }

    def save(self, request: SubjectRequest) -> SubjectRequest:
        return self._save(require_request(request))

    def for_subject(self, subject_id: str) -> Sequence[SubjectRequest]:
        return sorted(self._select(self._t.c.subject_id == subject_id), key=request_order)

    def open_requests(self) -> Sequence[SubjectRequest]:
        found = self._select(self._t.c.status.in_(("received", "verified")))
        return sorted(found, key=deadline_order)


@translating
class _Pseudonyms:
    """The pseudonym key and erased subjects of one SQL unit of work."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql pseudonyms>"

    def _key(self) -> bytes:
        conn = self._uow.connection
        select = sa.select(keys_table.c.secret).where(keys_table.c.name == _PSEUDONYM_KEY)
        row = conn.execute(select).first()
        if row is None:  # made on first use; a racing writer's key wins (the primary key)
            try:
                with conn.begin_nested():
                    conn.execute(
                        keys_table.insert().values(
                            name=_PSEUDONYM_KEY, secret=secrets.token_hex(32)
                        )
                    )
            except sa.exc.IntegrityError:
                pass
            row = conn.execute(select).one()
        return bytes.fromhex(str(row.secret))

    def pseudonym(self, subject_id: str, *, school_id: str | None = None) -> str:
        return pseudonym_of(self._key(), subject_id, school_id)

    def record_erasure(
        self, subject_id: str, *, at: _dt.datetime, school_id: str | None = None
    ) -> str:
        pseudonym = self.pseudonym(subject_id, school_id=school_id)
        conn = self._uow.connection
        known = sa.select(erasures_table.c.pseudonym).where(erasures_table.c.pseudonym == pseudonym)
        if conn.execute(known).first() is None:
            conn.execute(erasures_table.insert().values(pseudonym=pseudonym, erased_at=instant(at)))
        return pseudonym

    def _any_erasure(self) -> bool:
        first = sa.select(erasures_table.c.pseudonym).limit(1)
        conn = self._uow.connection
        try:
            with conn.begin_nested():
                return conn.execute(first).first() is not None
        except sa.exc.DBAPIError:  # a schema older than step 9 (a bare unit of work): none
            return False

    def erased(self, subject_id: str, *, school_id: str | None = None) -> bool:
        pair = (school_id, subject_id)
        return self.erased_pseudonyms([pair]).get(pair) is not None

    def erased_pseudonyms(
        self, subjects: Sequence[tuple[str | None, str]]
    ) -> dict[tuple[str | None, str], str]:
        """The pseudonyms of those ``(school_id or None, subject_id)`` pairs that were
        erased (for later records)."""
        conn = self._uow.connection
        if not subjects or not self._any_erasure():
            return {}
        key = self._key()
        mapping = {(sc, s): pseudonym_of(key, s, sc) for sc, s in set(subjects)}
        rows = conn.execute(
            sa.select(erasures_table.c.pseudonym).where(
                erasures_table.c.pseudonym.in_(set(mapping.values()))
            )
        )
        erased = {r.pseudonym for r in rows}
        return {s: p for s, p in mapping.items() if p in erased}


def _holding(conn: Connection, value: str) -> list[tuple[int, AuditEntry]]:
    """The audit entries that hold the id ``value``, with their sequence numbers, in order."""
    t = audit_table
    maybe = sa.or_(
        t.c.customer_id == value,
        t.c.subject_id == value,
        sa.cast(t.c.data, sa.Text).contains(json.dumps(value)[1:-1], autoescape=True),
    )
    found = []
    for row in conn.execute(sa.select(t).where(maybe).order_by(t.c.sequence)):
        entry = _entry(row)
        if pseudonymised_entry(entry, value, "-") is not None:  # the text matched a value
            found.append((int(row.sequence), entry))
    return found


def audit_about(conn: Connection, value: str) -> list[AuditEntry]:
    """The audit entries that hold the id ``value`` (customer, subject, data), in order."""
    return [entry for _, entry in _holding(conn, value)]


def pseudonymise_audit(conn: Connection, value: str, pseudonym: str) -> int:
    """Replace the id ``value`` by ``pseudonym`` in every audit entry that holds it."""
    t = audit_table
    found = _holding(conn, value)
    for sequence, entry in found:
        changed = pseudonymised_entry(entry, value, pseudonym)
        assert changed is not None
        conn.execute(
            t.update()
            .where(t.c.sequence == sequence)
            .values(
                customer_id=changed.customer_id,
                subject_id=changed.subject_id,
                data=dict(changed.data),
            )
        )
    return len(found)
