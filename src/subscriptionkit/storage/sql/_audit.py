"""The audit log in SQL: an append-only table, read per record or per customer (internal)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...audit import AuditEntry
from .._checks import _require_entries
from ._errors import translating
from ._tables import audit_table

if TYPE_CHECKING:
    from ._store import SqlUnitOfWork


def append(conn: Connection, entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """Insert the entries in order; return them with their sequence numbers."""
    t = audit_table
    out = []
    for entry in entries:
        sequence = conn.execute(
            t.insert()
            .values(
                subject_type=entry.subject_type,
                subject_id=entry.subject_id,
                customer_id=entry.customer_id,
                kind=entry.kind,
                at=entry.at,
                data=dict(entry.data),
            )
            .returning(t.c.sequence)
        ).scalar_one()
        out.append(_numbered(entry, int(sequence)))
    return out


def _numbered(entry: AuditEntry, sequence: int) -> AuditEntry:
    return attrs.evolve(entry, sequence=sequence)


def _entry(row: sa.Row[Any]) -> AuditEntry:
    return AuditEntry(
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        customer_id=row.customer_id,
        kind=row.kind,
        at=row.at,
        data=row.data,
        sequence=int(row.sequence),
    )


def select(conn: Connection, *where: sa.ColumnElement[bool]) -> list[AuditEntry]:
    """The entries matching ``where``, in the order they were appended."""
    rows = conn.execute(sa.select(audit_table).where(*where).order_by(audit_table.c.sequence))
    return [_entry(row) for row in rows]


def for_subject(conn: Connection, subject_type: str, subject_id: str) -> list[AuditEntry]:
    """The entries about one record."""
    t = audit_table
    return select(conn, t.c.subject_type == subject_type, t.c.subject_id == subject_id)


def for_customer(conn: Connection, customer_id: str) -> list[AuditEntry]:
    """The entries of one customer."""
    return select(conn, audit_table.c.customer_id == customer_id)


@translating
class _Audit:
    """The audit log of one SQL unit of work."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql audit>"

    def append(self, entries: Iterable[AuditEntry]) -> Sequence[AuditEntry]:
        return append(self._uow.connection, _require_entries(entries))

    def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditEntry]:
        return for_subject(self._uow.connection, subject_type, subject_id)

    def for_customer(self, customer_id: str) -> Sequence[AuditEntry]:
        return for_customer(self._uow.connection, customer_id)

    def about(self, value: str) -> Sequence[AuditEntry]:
        from ._privacy import audit_about

        return audit_about(self._uow.connection, value)

    def pseudonymise(self, value: str, pseudonym: str) -> int:
        from ._privacy import pseudonymise_audit  # the erasure lives with privacy's tables

        return pseudonymise_audit(self._uow.connection, value, pseudonym)
