"""Credit notes for all or part of an issued invoice: what is left, what may be credited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from moneyed import Money

from .._checks import items
from ..errors import InvalidInput
from ..money import format_money, round_money

if TYPE_CHECKING:
    from ._ledger import IssuedInvoice


def credit_amounts(
    invoice: IssuedInvoice,
    lines: Mapping[int, Money] | Iterable[int] | None,
    rest: Sequence[Money],
) -> list[tuple[int, Money]]:
    """Check what a credit note of ``invoice`` asks for against ``rest`` (what each line
    still has uncredited); return (position, net amount) pairs in line order.

    Raises:
        InvalidInput: see :meth:`IssuedInvoice.credit_note
            <subscriptionkit.billing.IssuedInvoice.credit_note>`.
    """
    zero = Money(0, invoice.currency)
    if lines is None:
        everything = [(i, left) for i, left in enumerate(rest) if left != zero]
        if not everything:
            raise InvalidInput(
                f"invoice {invoice.number} has been credited in full already; expected an "
                "invoice with an uncredited amount"
            )
        return everything
    if isinstance(lines, Mapping):
        asked = list(lines.items())
    elif isinstance(lines, str | bytes) or not isinstance(lines, Iterable):
        raise InvalidInput(
            "lines must be None, line positions or a mapping of positions to amounts, "
            f"got {type(lines).__name__}"
        )
    else:
        asked = [(i, None) for i in lines]
    if not asked:
        raise InvalidInput("a credit note credits at least one line, got none")
    chosen: list[tuple[int, Money]] = []
    for position, amount in asked:
        if type(position) is not int or not 0 <= position < len(invoice.lines):
            raise InvalidInput(
                f"a line of invoice {invoice.number} is a position from 0 to "
                f"{len(invoice.lines) - 1}, got {position!r}"
            )
        if any(position == i for i, _ in chosen):
            raise InvalidInput(f"line {position} is named twice; expected each line once")
        left = rest[position]
        wanted = left if amount is None else amount
        if (
            not isinstance(wanted, Money)
            or wanted.currency.code != invoice.currency
            or round_money(wanted) != wanted
        ):
            raise InvalidInput(
                f"a credited amount is Money in {invoice.currency}, in whole cents, got "
                f"{wanted!r} for line {position}"
            )
        same_sign = (wanted.amount > 0) == (left.amount > 0)
        if wanted == zero or not same_sign or abs(wanted.amount) > abs(left.amount):
            raise InvalidInput(
                f"line {position} of invoice {invoice.number} has {format_money(left)} "
                f"uncredited; expected an amount of its sign, not zero and at most that, "
                f"got {format_money(wanted)}"
            )
        chosen.append((position, wanted))
    return sorted(chosen)


def uncredited(invoice: IssuedInvoice, notes: Iterable[IssuedInvoice]) -> tuple[Money, ...]:
    """What each line of ``invoice`` still has uncredited, net, after its credit notes.

    Args:
        invoice: an issued invoice.
        notes: issued documents; the credit notes of ``invoice`` among them count.

    Returns:
        One amount per line of ``invoice``, of the line's sign (zero once credited in full).

    Raises:
        InvalidInput: ``invoice`` is a credit note, or not an :class:`IssuedInvoice`.
        InvalidArgument: ``notes`` is not an iterable.
    """
    from ._ledger import IssuedInvoice  # the module that imports this one

    if not isinstance(invoice, IssuedInvoice) or invoice.kind != "invoice":
        raise InvalidInput(
            f"what is left to credit is asked of an issued invoice, got {invoice!r:.60}"
        )
    documents = items(notes, "notes", "an iterable of IssuedInvoice")
    left = [ln.line.amount for ln in invoice.lines]
    for note in documents:
        if isinstance(note, IssuedInvoice) and note.credits == invoice.number:
            for position, credited in zip(note.credited_lines, note.lines, strict=True):
                left[position] += credited.line.amount  # a credit line is negative
    return tuple(left)


def fully_credited(invoice: IssuedInvoice, notes: Iterable[IssuedInvoice]) -> bool:
    """Whether the credit notes among ``notes`` credit all of ``invoice``.

    Raises:
        InvalidInput: as :func:`uncredited`.
    """
    return all(amount.amount == 0 for amount in uncredited(invoice, notes))
