"""Issued invoices as plain data: lines to and from JSON-able dicts (internal)."""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from ..errors import InvalidInput, SubscriptionKitError
from ..metering import Month
from ..money import money
from ._invoice import InvoiceLine


@contextlib.contextmanager
def document_errors(what: str, data: object, *, writer: str) -> Iterator[None]:
    """Turn the errors of reading a malformed plain-data document into InvalidInput.

    ``writer`` names, in words, what writes such documents (``"IssuedInvoice.to_dict"``),
    for the message to point at."""
    if not isinstance(data, Mapping):
        raise InvalidInput(
            f"{what} document must be a mapping of its fields, as {writer} writes it; "
            f"got {data!r:.60}"
        )
    try:
        yield
    except SubscriptionKitError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        raise InvalidInput(
            f"{what} document must hold the fields {writer} writes; reading it failed with "
            f"{type(exc).__name__}: {str(exc)[:80]}"
        ) from None


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Month):
        return str(value)
    return value


def line_to_dict(line: InvoiceLine) -> dict[str, Any]:
    return {
        "kind": line.kind,
        "band": line.band,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price.amount),
        "amount": str(line.amount.amount),
        "start": line.start.isoformat(),
        "end": line.end.isoformat(),
        "details": {k: _json_value(v) for k, v in line.details.items()},
    }


def line_from_dict(data: Mapping[str, Any], currency: str) -> InvoiceLine:
    quantity_text = str(data["quantity"])
    quantity: Decimal | int = (
        int(quantity_text) if quantity_text.lstrip("-").isdigit() else Decimal(quantity_text)
    )
    return InvoiceLine(
        kind=data["kind"],
        band=data["band"],
        quantity=quantity,
        unit_price=money(data["unit_price"], currency),
        amount=money(data["amount"], currency),
        start=_dt.date.fromisoformat(data["start"]),
        end=_dt.date.fromisoformat(data["end"]),
        details=dict(data.get("details", {})),
    )
