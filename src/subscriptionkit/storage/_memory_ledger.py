"""The invoice ledger of the in-memory adapter (internal; wired in by ``memory``)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from moneyed import Money

from ..billing import (
    Invoice,
    InvoiceStatus,
    IssuedInvoice,
    billed_usage,
    check_issue_date,
    check_status,
    fully_credited,
)
from ..billing import check_series as _series
from ..errors import ConcurrentUpdate, InvalidInput, NotFound
from ..metering import Month
from ..plans import VatTreatment
from ._ledger_retention import erasable, retention_day, whole_chains

if TYPE_CHECKING:
    from .memory import MemoryStore, MemoryUnitOfWork

_INVOICE = "invoice"


class LedgerData:
    """What a :class:`~.memory.MemoryStore` keeps for the ledger."""

    def __init__(self) -> None:
        self.invoices: dict[str, IssuedInvoice] = {}
        self.statuses: dict[str, InvoiceStatus] = {}
        #: The last number issued per series.
        self.last: dict[str, int] = {}


class MemoryLedger:
    """The ledger of one memory unit of work (reads see staged writes).

    Numbers are handed out from the store's last number plus what this unit of work
    issued; commit refuses (ConcurrentUpdate) when another unit of work issued in the
    same series meanwhile, so two never keep one number and none is skipped.
    """

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._store: MemoryStore = uow.store
        self._staged: dict[str, IssuedInvoice] = {}
        self._statuses: dict[str, InvoiceStatus] = {}
        #: Per series: the store's last number when this unit of work first issued in it.
        self._base: dict[str, int] = {}
        #: The invoices this unit of work credited or erased, each with the number of
        #: credit notes committed for it then: commit refuses if another unit of work
        #: added one since (or erased the invoice).
        self._credited: dict[str, int] = {}
        #: Per series: the last number this unit of work handed out.
        self._taken: dict[str, int] = {}
        #: The committed documents this unit of work erased.
        self._erased: set[str] = set()

    def __repr__(self) -> str:
        return f"<memory ledger staged={len(self._staged)}>"

    @property
    def _data(self) -> LedgerData:
        return self._store._ledger

    def _next(self, series: str) -> int:
        base = self._base.setdefault(series, self._data.last.get(series, 0))
        return max(base, self._taken.get(series, 0)) + 1

    def _stage(self, document: IssuedInvoice) -> None:
        """Keep ``document`` staged (status open); its number is taken even if erased later."""
        self._staged[document.number] = document
        self._statuses[document.number] = "open"
        self._taken[document.series] = document.sequence

    def _visible(self) -> dict[str, IssuedInvoice]:
        found = {**self._data.invoices, **self._staged}
        for number in self._erased:
            found.pop(number, None)
        return found

    def _latest(self, series: str) -> _dt.date | None:
        """The latest date of a document in ``series`` (erased ones too: their numbers
        stay taken)."""
        found = {**self._data.invoices, **self._staged}.values()
        return max((d.issued_on for d in found if d.series == series), default=None)

    def _notes_committed(self, number: str) -> int:
        return sum(1 for n in self._data.invoices.values() if n.credits == number)

    def issue(
        self,
        invoice: Invoice,
        *,
        series: str,
        vat: VatTreatment | Sequence[VatTreatment],
        buyer_vat_id: str | None = None,
    ) -> IssuedInvoice:
        self._uow._require_open()
        if not isinstance(invoice, Invoice):
            raise InvalidInput(
                f"an invoice issued must be a billing Invoice, got {type(invoice).__name__}"
            )
        with self._store._lock:
            check_issue_date(invoice.issued_on, series, self._latest(series))
            sequence = self._next(_series(series))
            issued = IssuedInvoice.from_invoice(
                invoice, series=series, sequence=sequence, vat=vat, buyer_vat_id=buyer_vat_id
            )
            self._stage(issued)
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
        self._uow._require_open()
        with self._store._lock:
            original = self.get(number)
            earlier = self._notes(number)
            target = _series(series or original.series)
            check_issue_date(issued_on, target, self._latest(target))
            note = original.credit_note(
                series=target,
                sequence=self._next(target),
                issued_on=issued_on,
                reason=reason,
                lines=lines,
                earlier=earlier,
            )
            self._stage(note)
            if fully_credited(original, [*earlier, note]):
                self._statuses[number] = "credited"
            self._credited.setdefault(number, self._notes_committed(number))
        return note

    def _notes(self, number: str) -> list[IssuedInvoice]:
        return [inv for inv in self._visible().values() if inv.credits == number]

    def get(self, number: str) -> IssuedInvoice:
        self._uow._require_open()
        with self._store._lock:
            found = self._visible().get(number)
        if found is None:
            raise NotFound(kind=_INVOICE, key=number)
        return found

    def list(
        self,
        *,
        customer_id: str | None = None,
        subscription_id: str | None = None,
        series: str | None = None,
    ) -> Sequence[IssuedInvoice]:
        self._uow._require_open()
        with self._store._lock:
            found = [
                inv
                for inv in self._visible().values()
                if (customer_id is None or inv.customer_id == customer_id)
                and (subscription_id is None or inv.subscription_id == subscription_id)
                and (series is None or inv.series == series)
            ]
        return sorted(found, key=lambda inv: (inv.series, inv.sequence))

    def status(self, number: str) -> InvoiceStatus:
        self.get(number)
        with self._store._lock:
            return self._statuses.get(number) or self._data.statuses[number]

    def set_status(self, number: str, status: InvoiceStatus) -> None:
        checked = check_status(status)
        self.get(number)
        with self._store._lock:
            self._statuses[number] = checked

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
        self._uow._require_open()
        before = retention_day(day)
        with self._store._lock:
            visible = list(self._visible().values())
        return whole_chains(visible, before)

    def erase(self, numbers: Iterable[str]) -> int:
        self._uow._require_open()
        with self._store._lock:
            visible = self._visible()
            chosen = erasable(visible, numbers)
            for number in chosen:
                if number in self._staged:
                    del self._staged[number]
                    self._statuses.pop(number, None)
                    self._credited.pop(number, None)
                else:
                    self._erased.add(number)
                    self._statuses.pop(number, None)
                    if visible[number].credits is None:
                        self._credited.setdefault(number, self._notes_committed(number))
        return len(chosen)

    def _check(self) -> None:
        for number, base in self._credited.items():  # credited (or erased) meanwhile?
            found = self._notes_committed(number)
            gone = number not in self._data.invoices and number not in self._staged
            if found != base or gone:
                raise ConcurrentUpdate(
                    kind="credit notes of invoice",
                    key=number,
                    expected_version=base,
                    found_version=found,
                )
        for series, base in self._base.items():
            if self._data.last.get(series, 0) != base:
                raise ConcurrentUpdate(
                    kind="invoice series",
                    key=series,
                    expected_version=base,
                    found_version=self._data.last.get(series, 0),
                )

    def _apply(self) -> None:
        data = self._data
        data.invoices.update(self._staged)
        for series, last in self._taken.items():
            data.last[series] = max(data.last.get(series, 0), last)
        data.statuses.update(self._statuses)
        for number in self._erased:
            data.invoices.pop(number, None)
            data.statuses.pop(number, None)

    def _discard(self) -> None:
        self._erased.clear()
        self._staged.clear()
        self._statuses.clear()
        self._base.clear()
        self._taken.clear()
        self._credited.clear()
