"""What every ledger adapter checks when retention lists or erases documents (internal)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping

from .._checks import items
from .._errors_base import _repr
from ..billing import IssuedInvoice
from ..errors import InvalidInput, NotFound

__all__ = ["erasable", "retention_day", "whole_chains"]


def retention_day(day: object) -> _dt.date:
    """Return ``day`` if it is a date (not a datetime), else raise InvalidInput."""
    if not isinstance(day, _dt.date) or isinstance(day, _dt.datetime):
        raise InvalidInput(f"the ledger lists invoices issued before a date, got {_repr(day):.60}")
    return day


def _chain(doc: IssuedInvoice) -> str:
    """The invoice a document belongs with: itself, or the invoice a credit note credits."""
    return doc.credits or doc.number


def whole_chains(documents: Iterable[IssuedInvoice], before: _dt.date) -> list[IssuedInvoice]:
    """The documents of every chain (an invoice and its credit notes) issued wholly
    before ``before``, by series and number (the memory adapter's ``issued_before``)."""
    docs = list(documents)
    later = {_chain(d) for d in docs if d.issued_on >= before}
    return sorted((d for d in docs if _chain(d) not in later), key=lambda d: (d.series, d.sequence))


def erasable(visible: Mapping[str, IssuedInvoice], numbers: Iterable[str]) -> tuple[str, ...]:
    """Return ``numbers`` (each once, in order) if they name whole chains among the
    ``visible`` documents (which hold every credit note of a named invoice and the invoice
    of every named note).

    Raises:
        NotFound: a number not among ``visible``.
        InvalidInput: an invoice named without one of its notes, or a note without its invoice.
    """
    wanted = tuple(dict.fromkeys(items(numbers, "numbers", "an iterable of invoice numbers")))
    for number in wanted:
        if not isinstance(number, str):
            raise InvalidInput(
                f"the ledger erases invoices by their numbers (text), got {number!r:.60}"
            )
        if number not in visible:
            raise NotFound(kind="invoice", key=number)
    named = set(wanted)
    for doc in visible.values():
        invoice = doc.credits
        if (
            invoice is not None
            and invoice in visible
            and (invoice in named) != (doc.number in named)
        ):
            given = doc.number if doc.number in named else invoice
            raise InvalidInput(
                f"credit note {doc.number} goes with invoice {invoice}: an invoice is erased "
                f"together with all its credit notes; got {given} without the other"
            )
    return wanted
