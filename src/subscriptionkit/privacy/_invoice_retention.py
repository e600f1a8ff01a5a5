"""The invoices' handler for retention: what the statutory period keeps, and removing what
it no longer does (internal; registered in ``_handlers``).

An invoice is kept for the ``invoicing`` purpose's retention (7 years in the default
register: AWR art. 52(4), BW 2:10(3)) from the end of the fiscal year in which it left the
current books (Besluit Fiscaal Bestuursrecht 2017, §20.1): the year of the last of its own
issue date, its credit notes' and the invoice that settled its advance
(:func:`~subscriptionkit.billing.closed_on`). An advance a true-up still has to settle is
never due. The fiscal year ends on 31 December in the customer's time zone (its
subscription's).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ..billing import IssuedInvoice, closed_on
from ..clock import DEFAULT_TIMEZONE
from ..errors import NotFound
from ..subscriptions import Status, Subscription
from ._handler_model import Retained
from ._retention import fiscal_year_end

if TYPE_CHECKING:
    import subscriptionkit.storage.ports

    from ._register import Register

__all__ = ["INVOICING", "purge_invoices", "retained_invoices"]

#: The register purpose invoices serve.
INVOICING: Final = "invoicing"
#: A subscription in these states may still get a true-up (seed 002).
_RUNNING: Final = frozenset({Status.TRIAL, Status.ACTIVE, Status.CANCELLED})


def _chains(documents: Sequence[IssuedInvoice]) -> dict[str, list[IssuedInvoice]]:
    """The documents by the invoice they go with (its own number, or the one it credits)."""
    chains: dict[str, list[IssuedInvoice]] = {}
    for doc in documents:
        chains.setdefault(doc.credits or doc.number, []).append(doc)
    return chains


def retained_invoices(
    uow: subscriptionkit.storage.ports.UnitOfWork, register: Register, at: _dt.datetime
) -> list[Retained]:
    """One :class:`Retained` per invoice (with its credit notes) that may be due at ``at``:
    ``last_used`` is the end of the fiscal year it closed in, ``records`` its numbers."""
    if INVOICING not in register:
        return []
    first_kept = register.purpose(INVOICING).retention.first_year_kept(at)
    subscriptions: dict[str, Subscription | None] = {}
    ledgers: dict[str, Sequence[IssuedInvoice]] = {}
    out = []
    for number, chain in _chains(uow.ledger.issued_before(first_kept)).items():
        invoice = next((d for d in chain if d.number == number), None)
        if invoice is None:  # pragma: no cover (a credit note always has its invoice)
            continue
        sid = invoice.subscription_id
        if sid not in subscriptions:
            try:
                subscriptions[sid] = uow.subscriptions.get(sid)
            except NotFound:
                subscriptions[sid] = None
        sub = subscriptions[sid]
        documents: Sequence[IssuedInvoice] = chain
        if any(ln.line.kind == "advance" for ln in invoice.lines):  # settled later?
            if sid not in ledgers:
                ledgers[sid] = uow.ledger.list(subscription_id=sid)
            documents = ledgers[sid]
        closed = closed_on(invoice, documents, running=sub is not None and sub.status in _RUNNING)
        if closed is None:
            continue
        tz = DEFAULT_TIMEZONE if sub is None else sub.timezone
        out.append(
            Retained(
                "invoices",
                invoice.customer_id,
                INVOICING,
                fiscal_year_end(closed, tz=tz),
                records=tuple(d.number for d in chain),
                timezone=tz,
            )
        )
    return out


def purge_invoices(
    uow: subscriptionkit.storage.ports.UnitOfWork, due: Sequence[Retained], at: _dt.datetime
) -> int:
    """Remove the invoices and credit notes of ``due`` from the ledger; return how many."""
    return uow.ledger.erase([number for record in due for number in record.records])
