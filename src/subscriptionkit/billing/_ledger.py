"""Issued invoices: numbers, VAT per rate, credit notes, billed usage (pure values)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import attrs
from moneyed import Money

from .._checks import accepts, argument, items, tuple_of, whole_number
from .._i18n import Translator, gettext_noop
from .._table import Table, Tabular
from ..errors import InvalidInput
from ..metering import Month
from ..money import DEFAULT_LOCALE, format_money, round_money, total
from ..plans import VatTreatment
from ._credits import credit_amounts, uncredited
from ._documents import document_errors, line_from_dict, line_to_dict
from ._invoice import Invoice, InvoiceLine, UsageRecord, usage_records

#: The payment status of an issued invoice (see :data:`STATUSES`).
InvoiceStatus = Literal["open", "paid", "credited"]
#: What a ledger document is: an invoice or a credit note.
DocumentKind = Literal["invoice", "credit_note"]

#: The statuses the host may set from its payment provider.
STATUSES: Final[tuple[InvoiceStatus, ...]] = ("open", "paid", "credited")

_SERIES_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.]{0,39}")


def check_series(series: object) -> str:
    """Return ``series`` if it is a valid series name (letters, digits, ``_``, ``.``).

    Raises:
        InvalidInput: an empty, too long or oddly spelled name.
    """
    if not isinstance(series, str) or not _SERIES_RE.fullmatch(series):
        raise InvalidInput(
            "an invoice series is 1-40 letters, digits, '_' or '.', starting with a letter "
            f"or digit (such as '2026' or 'SK2026'), got {series!r}"
        )
    return series


@accepts(issued_on=(_dt.date, "a date"), series=(str, "a series name"), latest=(_dt.date, "a date"))
def check_issue_date(issued_on: _dt.date, series: str, latest: _dt.date | None = None) -> _dt.date:
    """Return ``issued_on`` if a document may take the next number of ``series`` on it.

    Numbers in a series follow the dates of the documents: a document (invoice or credit
    note) is dated when it is issued, never before the latest date already in its
    series, ``latest`` (``None`` for an empty series). The period a document covers is
    separate, on its lines.

    Raises:
        InvalidInput: ``issued_on`` is before ``latest``, or either is a datetime rather
            than a calendar day.
        InvalidArgument: an argument of the wrong type.
    """
    for name, day in (("issued_on", issued_on), ("latest", latest)):
        if isinstance(day, _dt.datetime):
            raise InvalidInput(
                f"{name} must be a calendar day (datetime.date), got a datetime: {day.isoformat()}"
            )
    if latest is not None and issued_on < latest:
        raise InvalidInput(
            f"a document in invoice series {series!r} must be dated on or after "
            f"{latest.isoformat()}, the latest date in that series (numbers follow the "
            f"dates), got {issued_on.isoformat()}"
        )
    return issued_on


def check_status(status: object) -> InvoiceStatus:
    """Return ``status`` if it is one of ``STATUSES``.

    Raises:
        InvalidInput: any other value.
    """
    for known in STATUSES:
        if status == known:
            return known
    raise InvalidInput(f"an invoice status is one of {', '.join(STATUSES)}, got {status!r}")


def format_number(series: str, sequence: int) -> str:
    """The invoice number of ``sequence`` in ``series``: ``"2026-000001"``.

    Raises:
        InvalidInput: a bad series (see :func:`check_series`).
        InvalidArgument: ``sequence`` is not a whole number of 1 or more.
    """
    return f"{check_series(series)}-{whole_number(sequence, 'sequence', minimum=1):06d}"


@attrs.frozen
class IssuedLine:
    """One line of an issued invoice: the billed line and its VAT treatment."""

    line: InvoiceLine
    vat: VatTreatment


def _issued_lines(value: Iterable[IssuedLine]) -> tuple[IssuedLine, ...]:
    return tuple_of(value, IssuedLine, "lines")


def _positions(value: Iterable[int]) -> tuple[int, ...]:
    return tuple_of(value, int, "credited_lines")


@attrs.frozen
class VatAmount:
    """The VAT of one treatment on one invoice: its net amount and the VAT on it.

    ``vat`` is ``net × rate``, rounded once per rate per invoice (half-up, to the cent).
    """

    treatment: VatTreatment
    net: Money
    vat: Money


@attrs.frozen
class IssuedInvoice(Tabular):
    """An invoice (or credit note) as issued: numbered and immutable.

    Nothing in an issued invoice changes; a mistake is corrected only by a credit note
    (:attr:`kind` ``"credit_note"``) that references it (:attr:`credits`), and late usage
    by correction lines on a later invoice. The payment status lives beside it in the
    ledger (:class:`~subscriptionkit.storage.ports.InvoiceLedger`), set by the host.

    Attributes:
        series: the numbering series (``"2026"``); numbers are gapless per series.
        sequence: the number within the series, from 1.
        kind: ``"invoice"`` or ``"credit_note"``.
        purpose: what was billed (``"advance"``, ``"true_up"``, ``"seat_change"``...,
            ``"late_usage"``, or for a credit note the purpose of the invoice it credits).
        credits: the number of the invoice a credit note credits, else ``None``.
        buyer_vat_id: the customer's VAT number (needed for reverse charge).
        lines: the lines with their VAT treatments (net amounts; credits negative).
        usage: the pupil counts billed per month and band (see :class:`UsageRecord`).
        reason: why a credit note was issued.
        credited_lines: for a credit note, the position (from 0) in the credited invoice
            of the line each of its lines credits; empty for an invoice.
    """

    series: str = attrs.field(converter=check_series)
    sequence: int
    kind: DocumentKind
    purpose: str
    customer_id: str
    subscription_id: str
    plan_id: str
    issued_on: _dt.date
    currency: str
    lines: tuple[IssuedLine, ...] = attrs.field(converter=_issued_lines)
    usage: tuple[UsageRecord, ...] = attrs.field(default=(), converter=usage_records)
    credits: str | None = None
    buyer_vat_id: str | None = None
    reason: str | None = None
    credited_lines: tuple[int, ...] = attrs.field(default=(), converter=_positions)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.sequence, int) or self.sequence < 1:
            raise InvalidInput(f"an invoice sequence number is 1 or more, got {self.sequence!r}")
        if (self.kind == "credit_note") != (self.credits is not None):
            raise InvalidInput(
                "a credit note references the invoice it credits, and only a credit note "
                f"does; got kind={self.kind!r}, credits={self.credits!r}"
            )
        if not self.lines:
            raise InvalidInput("an issued invoice has at least one line, got none")
        if len(self.credited_lines) != (len(self.lines) if self.credits is not None else 0):
            raise InvalidInput(
                "a credit note names the credited invoice's line of each of its lines, and "
                f"only a credit note does; got {len(self.credited_lines)} positions for "
                f"{len(self.lines)} lines (kind={self.kind!r})"
            )
        reverse = [ln for ln in self.lines if ln.vat.kind == "reverse_charge"]
        if reverse and not self.buyer_vat_id:
            raise InvalidInput(
                "reverse-charged VAT needs the customer's VAT number (buyer_vat_id), got none"
            )

    @property
    def number(self) -> str:
        """The invoice number: series and sequence, ``"2026-000001"``."""
        return format_number(self.series, self.sequence)

    @property
    def net(self) -> Money:
        """The sum of the line amounts, before VAT."""
        return total((ln.line.amount for ln in self.lines), self.currency)

    @property
    def vat_breakdown(self) -> tuple[VatAmount, ...]:
        """Net and VAT per treatment, in first-seen order; VAT rounded once per rate."""
        nets: dict[VatTreatment, list[Money]] = {}
        for ln in self.lines:
            nets.setdefault(ln.vat, []).append(ln.line.amount)
        out = []
        for treatment, amounts in nets.items():
            net = total(amounts, self.currency)
            vat = round_money(Money(net.amount * treatment.percent / 100, self.currency))
            out.append(VatAmount(treatment, net, vat))
        return tuple(out)

    @property
    def vat(self) -> Money:
        """The VAT of the invoice: the sum of the VAT per rate."""
        return total((v.vat for v in self.vat_breakdown), self.currency)

    @property
    def gross(self) -> Money:
        """Net plus VAT: what the customer pays (negative for a credit note)."""
        return self.net + self.vat

    @classmethod
    def from_invoice(
        cls,
        invoice: Invoice,
        *,
        series: str,
        sequence: int,
        vat: VatTreatment | Sequence[VatTreatment],
        buyer_vat_id: str | None = None,
    ) -> IssuedInvoice:
        """Number a computed :class:`Invoice`: the ledger calls this when it issues one.

        Args:
            vat: one treatment for every line, or one per line.

        Raises:
            InvalidInput: a wrong number of treatments, no lines, or reverse charge
                without the customer's VAT number.
            InvalidArgument: ``invoice`` is not an :class:`Invoice`, ``buyer_vat_id``
                not text.
        """
        argument(invoice, Invoice, "invoice", "a billing Invoice")
        if buyer_vat_id is not None:
            argument(buyer_vat_id, str, "buyer_vat_id", "a VAT number (text) or None")
        treatments = _treatments(vat, len(invoice.lines))
        return cls(
            series=series,
            sequence=sequence,
            kind="invoice",
            purpose=invoice.kind,
            customer_id=invoice.customer_id,
            subscription_id=invoice.subscription_id,
            plan_id=invoice.plan_id,
            issued_on=invoice.issued_on,
            currency=invoice.currency,
            lines=[IssuedLine(ln, t) for ln, t in zip(invoice.lines, treatments, strict=True)],
            usage=invoice.usage,
            buyer_vat_id=buyer_vat_id,
        )

    def credit_note(
        self,
        *,
        series: str,
        sequence: int,
        issued_on: _dt.date,
        reason: str,
        lines: Mapping[int, Money] | Iterable[int] | None = None,
        earlier: Iterable[IssuedInvoice] = (),
    ) -> IssuedInvoice:
        """A credit note for this invoice: all of it that is still uncredited, or part.

        Each line of the note credits (negates) all or part of one line of this invoice.
        Its VAT is recomputed per rate on the note's own lines and rounded per rate, as
        on any issued document, so partial notes together may differ from the invoice's
        VAT by a cent per rate. The billed usage is credited (its counts negated) by the
        note that leaves nothing of the invoice uncredited, so the ledger's billed usage
        no longer includes what the invoice billed; a partial note credits money only.

        Args:
            lines: what to credit: ``None``, every line's uncredited rest; positions (from
                0) of lines, the rest of each; or a mapping of positions to net amounts
                (of the line's sign, at most its uncredited rest).
            earlier: credit notes issued for this invoice before (others are ignored).

        Raises:
            InvalidInput: this is a credit note itself; the reason is empty; a position
                that is not a line; an amount of another currency or sign, zero, or above
                what the line still has uncredited; nothing left to credit.
        """
        if self.kind == "credit_note":
            raise InvalidInput(f"{self.number} is a credit note; expected an invoice to credit")
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput(f"a credit note needs a reason, got {reason!r}")
        rest = uncredited(self, items(earlier, "earlier", "an iterable of IssuedInvoice"))
        chosen = credit_amounts(self, lines, rest)
        credit_lines = [
            IssuedLine(attrs.evolve(self.lines[i].line, amount=-amount), self.lines[i].vat)
            for i, amount in chosen
        ]
        completes = all(
            left.amount == dict(chosen).get(i, Money(0, self.currency)).amount
            for i, left in enumerate(rest)
        )
        usage = [attrs.evolve(u, pupils=-u.pupils) for u in self.usage] if completes else []
        return attrs.evolve(
            self,
            series=series,
            sequence=sequence,
            kind="credit_note",
            issued_on=issued_on,
            lines=credit_lines,
            usage=usage,
            credits=self.number,
            reason=reason,
            credited_lines=tuple(i for i, _ in chosen),
        )

    # -- rendering ----------------------------------------------------------------

    def table(self, locale: str = DEFAULT_LOCALE) -> Table:
        """The invoice as a localized table: lines, net, VAT per rate, gross."""
        t = Translator(locale)
        rows = tuple(
            (ln.line.describe(locale), _vat_label(t, ln.vat), format_money(ln.line.amount, locale))
            for ln in self.lines
        )
        vat_rows = tuple(
            (
                t.gettext(VAT_TEXTS[v.treatment.kind]).format(
                    rate=v.treatment.label, net=format_money(v.net, locale)
                ),
                "",
                format_money(v.vat, locale),
            )
            for v in self.vat_breakdown
        )
        title = t.gettext(DOCUMENT_TITLES[self.kind]).format(number=self.number)
        if self.credits is not None:
            title += " · " + t.gettext("credits {number}").format(number=self.credits)
        headers = (t.gettext("Description"), t.gettext("VAT"), t.gettext("Amount"))
        footer = (t.gettext("Total incl. VAT"), "", format_money(self.gross, locale))
        body = (
            *rows,
            (t.gettext("Total excl. VAT"), "", format_money(self.net, locale)),
            *vat_rows,
        )
        return Table(f"{title} · {t.date(self.issued_on)}", headers, body, footer)

    # -- plain data -----------------------------------------------------------------

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per line (amounts as ``Decimal``, VAT as its label), for pandas or CSV."""
        return [
            {
                "number": self.number,
                "kind": self.kind,
                "customer_id": self.customer_id,
                "subscription_id": self.subscription_id,
                "line": ln.line.kind,
                "band": ln.line.band,
                "quantity": ln.line.quantity,
                "unit_price": ln.line.unit_price.amount,
                "amount": ln.line.amount.amount,
                "vat": ln.vat.label,
                "currency": self.currency,
                "issued_on": self.issued_on,
            }
            for ln in self.lines
        ]

    def to_dict(self) -> dict[str, Any]:
        """Return the invoice as plain JSON-able data (amounts as strings)."""
        return {
            "series": self.series,
            "sequence": self.sequence,
            "kind": self.kind,
            "purpose": self.purpose,
            "customer_id": self.customer_id,
            "subscription_id": self.subscription_id,
            "plan_id": self.plan_id,
            "issued_on": self.issued_on.isoformat(),
            "currency": self.currency,
            "lines": [{**line_to_dict(ln.line), "vat": ln.vat.to_dict()} for ln in self.lines],
            "usage": [u.to_dict() for u in self.usage],
            "credits": self.credits,
            "buyer_vat_id": self.buyer_vat_id,
            "reason": self.reason,
            **({"credited_lines": list(self.credited_lines)} if self.credits else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IssuedInvoice:
        """Build an issued invoice from :meth:`to_dict` output.

        Raises:
            InvalidInput: not such output (a missing or malformed field).
        """
        with document_errors("an issued invoice", data, writer="IssuedInvoice.to_dict"):
            return cls._from_dict(data)

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> IssuedInvoice:
        currency = str(data["currency"])
        return cls(
            series=data["series"],
            sequence=int(data["sequence"]),
            kind=data["kind"],
            purpose=str(data["purpose"]),
            customer_id=str(data["customer_id"]),
            subscription_id=str(data["subscription_id"]),
            plan_id=str(data["plan_id"]),
            issued_on=_dt.date.fromisoformat(data["issued_on"]),
            currency=currency,
            lines=[
                IssuedLine(line_from_dict(ln, currency), VatTreatment.from_dict(ln["vat"]))
                for ln in data["lines"]
            ],
            usage=[UsageRecord.from_dict(u) for u in data.get("usage", ())],
            credits=data.get("credits"),
            buyer_vat_id=data.get("buyer_vat_id"),
            reason=data.get("reason"),
            # Credit notes stored before partial credits credited every line, in order.
            credited_lines=data.get(
                "credited_lines", range(len(data["lines"])) if data.get("credits") else ()
            ),
        )


#: Document titles.
DOCUMENT_TITLES: Mapping[str, str] = {
    "invoice": gettext_noop("Invoice {number}"),
    "credit_note": gettext_noop("Credit note {number}"),
}
#: VAT summary rows, per kind of treatment.
VAT_TEXTS: Mapping[str, str] = {
    "rate": gettext_noop("VAT {rate} of {net}"),
    "exempt": gettext_noop("VAT exempt: {net}"),
    "reverse_charge": gettext_noop("VAT reverse-charged: {net}"),
}
#: The VAT column of a line whose treatment is not a rate.
VAT_LABELS: Mapping[str, str] = {
    "exempt": gettext_noop("exempt"),
    "reverse_charge": gettext_noop("reverse charge"),
}


def _vat_label(t: Translator, treatment: VatTreatment) -> str:
    if treatment.kind == "rate":
        return treatment.label
    return t.gettext(VAT_LABELS[treatment.kind])


def _treatments(vat: VatTreatment | Sequence[VatTreatment], count: int) -> list[VatTreatment]:
    if isinstance(vat, VatTreatment):
        return [vat] * count
    treatments = list(items(vat, "vat", "one VatTreatment or one per line"))
    if len(treatments) != count or not all(isinstance(t, VatTreatment) for t in treatments):
        raise InvalidInput(f"vat must be one VatTreatment or one per line ({count}), got {vat!r}")
    return treatments


def billed_usage(invoices: Iterable[IssuedInvoice]) -> dict[tuple[Month, str], int]:
    """Sum the usage billed by ``invoices`` per (month, band): what the customer paid for.

    Credit notes subtract what they credit, corrections add their differences.

    Raises:
        InvalidArgument: ``invoices`` is not an iterable of :class:`IssuedInvoice`.
    """
    out: dict[tuple[Month, str], int] = {}
    for invoice in items(invoices, "invoices", "an iterable of IssuedInvoice"):
        argument(invoice, IssuedInvoice, "each invoice", "an IssuedInvoice")
        for record in invoice.usage:
            key = (record.month, record.band)
            out[key] = out.get(key, 0) + record.pupils
    return out
