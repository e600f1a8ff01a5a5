"""When an issued invoice leaves the current books: what its statutory retention counts from."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from .._checks import accepts, items
from ..errors import InvalidInput
from ._credits import fully_credited
from ._ledger import IssuedInvoice

__all__ = ["closed_on"]


def _documents(value: object) -> tuple[IssuedInvoice, ...]:
    found = tuple(items(value, "documents", "an iterable of IssuedInvoice"))
    for doc in found:
        if not isinstance(doc, IssuedInvoice):
            raise InvalidInput(
                f"the day an invoice left the books is found from issued invoices and credit notes, got {type(doc).__name__}"
            )
    return found


@accepts(invoice=(IssuedInvoice, "an IssuedInvoice (an invoice, not a credit note)"))
def closed_on(
    invoice: IssuedInvoice, documents: Iterable[IssuedInvoice], *, running: bool
) -> _dt.date | None:
    """Return the day ``invoice`` stopped being needed by the current books, or ``None``
    while it still is.

    An invoice stays part of the books (Besluit Fiscaal Bestuursrecht 2017, §20.1: the
    retention of AWR art. 52(4) starts once data no longer belong to the current books)
    until the last of:

    * its own issue date;
    * the issue date of every credit note of it (an invoice goes together with its notes);
    * for an invoice carrying a year's advance (``advance`` lines: an advance, true-up or
      upgrade settlement), the issue date of the invoice that settles that advance (a
      later invoice of the same subscription crediting it back with ``advance_credit``
      lines of the same period and band; the last, if it was re-issued).

    An advance nothing settled yet, not credited in full, of a subscription that is still
    ``running`` (trial, active or cancelled but not yet expired: a true-up may still come,
    seed 002) is still needed: ``None``. A subscription that stopped gets no true-up, so
    its last advance is closed on its own dates.

    Args:
        invoice: the invoice (not a credit note).
        documents: other documents of the ledger: its credit notes and the later
            invoices of its subscription at least (others are ignored).
        running: whether the invoice's subscription may still be trued up.

    Raises:
        InvalidInput: ``invoice`` is a credit note; ``documents`` holds something else.

    >>> import datetime as dt
    >>> from subscriptionkit import billing, plans
    >>> from subscriptionkit.testing import active_subscription
    >>> school = active_subscription("focus-po-1-8", "school-1", at=dt.datetime(2019, 8, 1, tzinfo=dt.UTC))
    >>> invoice = billing.IssuedInvoice.from_invoice(
    ...     billing.advance(school, {3: 20}), series="2019", sequence=1,
    ...     vat=plans.VatTreatment.standard("21"))
    >>> closed_on(invoice, [], running=True) is None  # its true-up is still to come
    True
    >>> closed_on(invoice, [], running=False).isoformat()  # the school stopped: no true-up
    '2019-08-01'
    """
    if invoice.credits is not None:
        raise InvalidInput(
            f"the day an invoice left the books is asked of an invoice, got credit note {invoice.number} (it closes "
            f"with invoice {invoice.credits})"
        )
    others = [d for d in _documents(documents) if d.number != invoice.number]
    notes = [d for d in others if d.credits == invoice.number]
    days = [invoice.issued_on, *(n.issued_on for n in notes)]
    advances = {(ln.line.start, ln.line.band) for ln in invoice.lines if ln.line.kind == "advance"}
    if advances and not fully_credited(invoice, notes):
        settling = [
            d.issued_on
            for d in others
            if d.credits is None
            and d.subscription_id == invoice.subscription_id
            and any(
                ln.line.kind == "advance_credit" and (ln.line.start, ln.line.band) in advances
                for ln in d.lines
            )
        ]
        if settling:
            days.append(max(settling))
        elif running:
            return None
    return max(days)
