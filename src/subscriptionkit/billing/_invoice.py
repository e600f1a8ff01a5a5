"""Invoices: frozen lines and totals, rendered per locale."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal

import attrs
from moneyed import Money

from .._checks import is_identifier, is_instance, tuple_of
from .._i18n import Translator, gettext_noop
from .._table import Table, Tabular
from ..errors import CurrencyMismatch, InvalidInput
from ..metering import Month
from ..money import DEFAULT_LOCALE, format_money, line_amount, total

#: The kind of an invoice line (see each value's comment in the source).
LineKind = Literal[
    "advance",  # the coming year's advance, per band
    "advance_credit",  # the previous advance, credited back (negative)
    "usage",  # the actual usage of a period, per band
    "seats",  # seats for a period
    "seats_prorated",  # seats added mid-term, prorated to the day
    "discount_percent",  # a percentage off a seat line (negative)
    "discount_per_seat",  # an amount per seat off a seat line (negative)
    "usage_correction",  # late usage: the difference for an already-billed month and band
]
#: The kind of an invoice: what it bills.
InvoiceKind = Literal[
    "advance", "true_up", "upgrade_settlement", "seats", "seat_change", "late_usage"
]

#: Line texts (English source; translated through the message catalogs).
LINE_TEXTS: Mapping[str, str] = {
    "advance": gettext_noop("Advance {start} – {end}, grades {band}"),
    "advance_credit": gettext_noop("Advance {start} – {end} credited, grades {band}"),
    "usage": gettext_noop("Usage {start} – {end}, grades {band}, in pupil-months"),
    "seats": gettext_noop("Seats {start} – {end}"),
    "seats_prorated": gettext_noop("Seats added, {days} of {period_days} days ({start} – {end})"),
    "discount_percent": gettext_noop("Discount {percent}% on seats ({start} – {end})"),
    "discount_per_seat": gettext_noop("Discount per seat ({start} – {end})"),
    "usage_correction": gettext_noop("Correction for {month}, grades {band}: {delta} pupils"),
}
#: Invoice titles.
INVOICE_TITLES: Mapping[str, str] = {
    "advance": gettext_noop("Advance invoice"),
    "true_up": gettext_noop("Year-end invoice: true-up and advance"),
    "upgrade_settlement": gettext_noop("Upgrade settlement"),
    "seats": gettext_noop("Invoice"),
    "seat_change": gettext_noop("Invoice for added seats"),
    "late_usage": gettext_noop("Corrections for late usage"),
}


@attrs.frozen
class UsageRecord:
    """Pupils billed for one month and band: what a true-up (or a correction) billed.

    An issued invoice keeps these, so the ledger can tell what was billed when usage
    arrives late (:func:`~subscriptionkit.billing.late_usage`). A correction records the
    difference (``+4`` or ``-2``), a credit note the negated counts.
    """

    month: Month
    band: str
    pupils: int

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain data."""
        return {"month": str(self.month), "band": self.band, "pupils": self.pupils}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UsageRecord:
        """Build a record from :meth:`to_dict` output.

        Raises:
            InvalidInput: not such output (a missing or malformed field).
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(
                "a usage record must be a mapping of month, band and pupils, as "
                f"UsageRecord.to_dict writes it; got {data!r:.60}"
            )
        month, band, pupils = data.get("month"), data.get("band"), data.get("pupils")
        if not isinstance(month, str) or not isinstance(band, str) or type(pupils) is not int:
            raise InvalidInput(
                "a usage record has a month (YYYY-MM), a band (text) and pupils (a whole "
                f"number), got month={month!r:.20}, band={band!r:.40}, pupils={pupils!r:.20}"
            )
        return cls(Month.parse(month), band, pupils)


@attrs.frozen
class InvoiceLine:
    """One line: quantity × unit price, rounded once to ``amount``.

    Attributes:
        kind: what the line is for (see :data:`LineKind`).
        band: the grade band (per-pupil plans), or ``None``.
        quantity: pupils, pupil-months or seats.
        unit_price: the price per unit (may carry more decimals for prorated seats).
        amount: ``quantity × unit_price``, rounded once; negative for credits.
        start: the first day of the period the line covers.
        end: the last day of that period (inclusive).
        details: extra values for the line text (e.g. days for prorated seats).
    """

    kind: LineKind
    band: str | None
    quantity: Decimal | int
    unit_price: Money
    amount: Money
    start: _dt.date
    end: _dt.date
    details: Mapping[str, Any] = attrs.field(factory=dict)

    @classmethod
    def priced(
        cls,
        kind: LineKind,
        band: str | None,
        quantity: Decimal | int,
        unit_price: Money,
        start: _dt.date,
        end: _dt.date,
        *,
        credit: bool = False,
        **details: Any,
    ) -> InvoiceLine:
        """Make a line whose amount is ``quantity × unit_price`` rounded once (negated for credits)."""
        amount = line_amount(unit_price, quantity)
        return cls(
            kind, band, quantity, unit_price, -amount if credit else amount, start, end, details
        )

    def describe(self, locale: str = DEFAULT_LOCALE) -> str:
        """The line's text in ``locale``."""
        t = Translator(locale)
        return t.gettext(LINE_TEXTS[self.kind]).format(
            start=t.date(self.start, "medium"),
            end=t.date(self.end, "medium"),
            band=self.band,
            **self.details,
        )


def _lines(value: Any) -> tuple[InvoiceLine, ...]:
    return tuple_of(value, InvoiceLine, "lines")


def usage_records(value: Iterable[UsageRecord]) -> tuple[UsageRecord, ...]:
    """Converter: the usage records of an invoice, as a tuple.

    Raises:
        InvalidArgument: not an iterable of :class:`UsageRecord`.
    """
    return tuple_of(value, UsageRecord, "usage")


@attrs.frozen
class Invoice(Tabular):
    """An invoice: lines in one currency and their total.

    The total is the exact sum of the line amounts (each line was rounded once), so it
    always equals the sum of the lines to the cent. ``usage`` holds the pupils billed per
    month and band (true-ups and corrections), kept with the invoice once it is issued.
    """

    kind: InvoiceKind
    customer_id: str = attrs.field(validator=is_identifier)
    subscription_id: str = attrs.field(validator=is_identifier)
    plan_id: str = attrs.field(validator=is_identifier)
    issued_on: _dt.date = attrs.field(validator=is_instance(_dt.date, "a date"))
    currency: str = attrs.field(validator=is_instance(str, "an ISO 4217 code"))
    lines: tuple[InvoiceLine, ...] = attrs.field(converter=_lines)
    usage: tuple[UsageRecord, ...] = attrs.field(default=(), converter=usage_records)

    def __attrs_post_init__(self) -> None:
        for line in self.lines:
            if line.amount.currency.code != self.currency:
                raise CurrencyMismatch(
                    expected=self.currency, got=line.amount.currency.code, context="invoice lines"
                )

    @property
    def total(self) -> Money:
        """The sum of the line amounts."""
        return total((line.amount for line in self.lines), self.currency)

    def subtotal(self, kind: LineKind) -> Money:
        """The sum of the lines of one kind (e.g. ``"usage"``)."""
        return total((ln.amount for ln in self.lines if ln.kind == kind), self.currency)

    def table(self, locale: str = DEFAULT_LOCALE) -> Table:
        """The invoice as a localized :class:`Table`."""
        t = Translator(locale)
        rows = tuple(
            (
                ln.describe(locale),
                str(ln.quantity),
                format_money(ln.unit_price, locale),
                format_money(ln.amount, locale),
            )
            for ln in self.lines
        )
        headers = (
            t.gettext("Description"),
            t.gettext("Quantity"),
            t.gettext("Price"),
            t.gettext("Amount"),
        )
        footer = (t.gettext("Total"), "", "", format_money(self.total, locale))
        title = (
            f"{t.gettext(INVOICE_TITLES[self.kind])} · {self.plan_id} · {t.date(self.issued_on)}"
        )
        return Table(title, headers, rows, footer)

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per line (amounts as ``Decimal``), for pandas or CSV."""
        return [
            {
                "invoice": self.kind,
                "customer_id": self.customer_id,
                "subscription_id": self.subscription_id,
                "line": ln.kind,
                "band": ln.band,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price.amount,
                "amount": ln.amount.amount,
                "currency": self.currency,
                "start": ln.start,
                "end": ln.end,
            }
            for ln in self.lines
        ]
