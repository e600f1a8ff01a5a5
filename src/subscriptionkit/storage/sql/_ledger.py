"""The invoice ledger in SQL (internal; wired into the SQL unit of work; schema step 5).

Two tables. ``sk_invoice_series`` holds the last number of each series; issuing bumps it
with one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` in the unit of work's
transaction, so the row stays locked until commit (PostgreSQL: a row lock; SQLite: the
database's write lock). A second writer waits for the first to commit or roll back and
then takes the next number: numbers are unique and gapless per series, and a rolled-back
issue gives its number back. ``sk_invoices`` holds each issued document as JSON beside
the columns queries need; a credit note's ``credits`` column names the invoice it credits
(several partial credit notes may credit one invoice: crediting locks the invoice's row,
so two writers never credit more than it holds).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import sqlalchemy as sa
from moneyed import Money

from ..._checks import items
from ...billing import (
    Invoice,
    InvoiceStatus,
    IssuedInvoice,
    billed_usage,
    check_issue_date,
    check_series,
    check_status,
    fully_credited,
)
from ...errors import InvalidInput, NotFound, StorageError
from ...metering import Month
from ...plans import VatTreatment
from .._ledger_retention import erasable, retention_day
from ._errors import translating
from ._tables import invoices_table

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_INVOICE = "invoice"

_NEXT_NUMBER: Final = sa.text(
    "INSERT INTO sk_invoice_series (series, last_number) VALUES (:series, 1) "
    "ON CONFLICT (series) DO UPDATE SET last_number = sk_invoice_series.last_number + 1 "
    "RETURNING last_number"
)


def _next_number(conn: Connection, series: str) -> int:
    return int(conn.execute(_NEXT_NUMBER, {"series": series}).scalar_one())


def _check_date(conn: Connection, issued_on: _dt.date, series: str) -> None:
    """Refuse a document dated before the latest in its series (called once the series'
    next number is taken, so its lock orders concurrent issuers). Dates follow numbers,
    so the latest date is that of the highest number: one step down the series' index."""
    t = invoices_table.c
    latest = conn.execute(
        sa.select(t.issued_on).where(t.series == series).order_by(t.sequence.desc()).limit(1)
    ).scalar()
    check_issue_date(
        issued_on, series, None if latest is None else _dt.date.fromisoformat(str(latest))
    )


def _from_row(row: sa.Row[Any]) -> IssuedInvoice:
    return IssuedInvoice.from_dict(json.loads(row.document))


#: How many numbers one ``IN (...)`` names (below SQLite's limit on bound parameters).
_CHUNK: Final = 500


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@translating
class SqlLedger:
    """The invoice ledger of one SQL unit of work."""

    def __init__(self, connection: Any) -> None:
        # ``connection`` is a zero-argument callable returning the unit of work's
        # connection (it raises outside the ``with`` block).
        self._connection = connection

    def __repr__(self) -> str:
        return "<sql ledger>"

    @property
    def _conn(self) -> Connection:
        conn: Connection = self._connection()
        return conn

    def _insert(self, conn: Connection, issued: IssuedInvoice) -> None:
        try:
            with conn.begin_nested():
                conn.execute(
                    invoices_table.insert().values(
                        number=issued.number,
                        series=issued.series,
                        sequence=issued.sequence,
                        kind=issued.kind,
                        customer_id=issued.customer_id,
                        subscription_id=issued.subscription_id,
                        plan_id=issued.plan_id,
                        issued_on=issued.issued_on.isoformat(),
                        credits=issued.credits,
                        status="open",
                        document=json.dumps(issued.to_dict(), sort_keys=True),
                    )
                )
        except sa.exc.IntegrityError:  # pragma: no cover (numbers come from the series row)
            raise StorageError(
                f"invoice number {issued.number} is taken; expected the series' next number"
            ) from None

    def issue(
        self,
        invoice: Invoice,
        *,
        series: str,
        vat: VatTreatment | Sequence[VatTreatment],
        buyer_vat_id: str | None = None,
    ) -> IssuedInvoice:
        if not isinstance(invoice, Invoice):
            raise InvalidInput(
                f"an invoice issued must be a billing Invoice, got {type(invoice).__name__}"
            )
        check_series(series)
        # Validate before taking a number, so a refused invoice holds no lock.
        IssuedInvoice.from_invoice(
            invoice, series=series, sequence=1, vat=vat, buyer_vat_id=buyer_vat_id
        )
        conn = self._conn
        issued = IssuedInvoice.from_invoice(
            invoice,
            series=series,
            sequence=_next_number(conn, series),
            vat=vat,
            buyer_vat_id=buyer_vat_id,
        )
        _check_date(conn, issued.issued_on, series)
        self._insert(conn, issued)
        return issued

    def credit(
        self,
        number: str,
        *,
        issued_on: _dt.date,
        reason: str,
        series: str | None = None,
        lines: Mapping[int, Money] | Iterable[int] | None = None,
    ) -> IssuedInvoice:
        conn = self._conn
        t = invoices_table.c
        # The invoice's row lock (PostgreSQL; SQLite has one writer) keeps two units of
        # work from crediting the same invoice at once: the second reads the first's note.
        row = conn.execute(
            sa.select(t.document).where(t.number == number).with_for_update()
        ).first()
        if row is None:
            raise NotFound(kind=_INVOICE, key=number)
        original = _from_row(row)
        earlier = [
            _from_row(r)
            for r in conn.execute(
                sa.select(t.document).where(t.credits == number).order_by(t.series, t.sequence)
            )
        ]
        target = check_series(series or original.series)
        # Checked before a number is taken, so a refused credit note holds no lock.
        original.credit_note(
            series=target,
            sequence=1,
            issued_on=issued_on,
            reason=reason,
            lines=lines,
            earlier=earlier,
        )
        note = original.credit_note(
            series=target,
            sequence=_next_number(conn, target),
            issued_on=issued_on,
            reason=reason,
            lines=lines,
            earlier=earlier,
        )
        _check_date(conn, note.issued_on, target)
        self._insert(conn, note)
        if fully_credited(original, [*earlier, note]):
            conn.execute(
                invoices_table.update().where(t.number == number).values(status="credited")
            )
        return note

    def get(self, number: str) -> IssuedInvoice:
        row = self._conn.execute(
            sa.select(invoices_table.c.document).where(invoices_table.c.number == number)
        ).first()
        if row is None:
            raise NotFound(kind=_INVOICE, key=number)
        return _from_row(row)

    def list(
        self,
        *,
        customer_id: str | None = None,
        subscription_id: str | None = None,
        series: str | None = None,
    ) -> Sequence[IssuedInvoice]:
        t = invoices_table.c
        query = sa.select(t.document).order_by(t.series, t.sequence)
        if customer_id is not None:
            query = query.where(t.customer_id == customer_id)
        if subscription_id is not None:
            query = query.where(t.subscription_id == subscription_id)
        if series is not None:
            query = query.where(t.series == series)
        return [_from_row(row) for row in self._conn.execute(query)]

    def status(self, number: str) -> InvoiceStatus:
        row = self._conn.execute(
            sa.select(invoices_table.c.status).where(invoices_table.c.number == number)
        ).first()
        if row is None:
            raise NotFound(kind=_INVOICE, key=number)
        return check_status(row.status)

    def set_status(self, number: str, status: InvoiceStatus) -> None:
        checked = check_status(status)
        result = self._conn.execute(
            invoices_table.update().where(invoices_table.c.number == number).values(status=checked)
        )
        if result.rowcount == 0:
            raise NotFound(kind=_INVOICE, key=number)

    def billed_usage(
        self, subscription_id: str, *, plan_id: str | None = None
    ) -> dict[tuple[Month, str], int]:
        chosen = [
            inv
            for inv in self.list(subscription_id=subscription_id)
            if plan_id is None or inv.plan_id == plan_id
        ]
        return billed_usage(chosen)

    def issued_before(self, day: _dt.date) -> Sequence[IssuedInvoice]:
        before = retention_day(day).isoformat()  # ISO dates sort as text
        t = invoices_table
        notes, invoice = t.alias("notes"), t.alias("invoice")
        later_note = sa.exists().where(
            notes.c.credits == sa.func.coalesce(t.c.credits, t.c.number),
            notes.c.issued_on >= before,
        )
        later_invoice = sa.exists().where(
            invoice.c.number == t.c.credits, invoice.c.issued_on >= before
        )
        query = (
            sa.select(t.c.document)
            .where(t.c.issued_on < before, ~later_note, ~later_invoice)
            .order_by(t.c.series, t.c.sequence)
        )
        return [_from_row(row) for row in self._conn.execute(query)]

    def erase(self, numbers: Iterable[str]) -> int:
        wanted = items(numbers, "numbers", "an iterable of invoice numbers")
        named = [n for n in dict.fromkeys(wanted) if isinstance(n, str)]
        conn = self._conn
        t = invoices_table.c
        # Lock the named rows first (PostgreSQL; SQLite has one writer), then read their
        # invoices' chains in later statements: a credit note another unit of work added
        # before the lock was granted is seen, and refused unless named.
        roots: set[str] = set()
        for part in _chunks(named):
            locked = sa.select(t.number, t.credits).where(t.number.in_(part)).with_for_update()
            roots.update(row.credits or row.number for row in conn.execute(locked))
        visible: dict[str, IssuedInvoice] = {}
        for part in _chunks(sorted(roots)):
            query = sa.select(t.document).where(sa.or_(t.number.in_(part), t.credits.in_(part)))
            visible.update((doc.number, doc) for doc in map(_from_row, conn.execute(query)))
        chosen = erasable(visible, wanted)
        for part in _chunks(chosen):
            conn.execute(invoices_table.delete().where(t.number.in_(part)))
        return len(chosen)
