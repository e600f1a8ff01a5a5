"""Invoices and rows as text tables, JSON or CSV (internal; shared by ``billing`` and ``demo``).

Text is for people: an invoice as its localized table, several as a summary table. JSON
and CSV are for machines: amounts as exact decimal strings, dates in ISO 8601, no locale.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final, TextIO

from .. import billing
from .._i18n import Translator, gettext_noop
from .._table import Table
from ..money import format_money

#: The output formats of the commands that print invoices or rows.
FORMATS: Final = ("text", "json", "csv")

#: The invoice statuses as people read them (translated when shown).
STATUS_TEXTS: Final[Mapping[str, str]] = {
    "open": gettext_noop("open"),
    "paid": gettext_noop("paid"),
    "credited": gettext_noop("credited"),
}

#: The columns of an invoice line in CSV.
_CSV_COLUMNS: Final = (
    "number",
    "kind",
    "purpose",
    "issued_on",
    "customer_id",
    "subscription_id",
    "plan_id",
    "status",
    "line",
    "band",
    "quantity",
    "unit_price",
    "amount",
    "vat",
    "currency",
    "start",
    "end",
)


def invoice_data(doc: billing.IssuedInvoice, status: str) -> dict[str, Any]:
    """An issued invoice as JSON-able data: its fields, number, status and totals."""
    return {
        "number": doc.number,
        "status": status,
        **doc.to_dict(),
        "net": str(doc.net.amount),
        "vat": str(doc.vat.amount),
        "gross": str(doc.gross.amount),
    }


def invoice_table(doc: billing.IssuedInvoice, status: str, locale: str) -> str:
    """One invoice as the localized text table, with its status under it."""
    t = Translator(locale)
    return f"{doc.table(locale).text()}\n{t.gettext('Status')}: {t.gettext(STATUS_TEXTS[status])}"


def _summary(docs: Sequence[tuple[billing.IssuedInvoice, str]], locale: str) -> str:
    t = Translator(locale)
    return Table(
        t.ngettext("{count} invoice", "{count} invoices", len(docs)).format(count=len(docs)),
        (
            t.gettext("Number"),
            t.gettext("Date"),
            t.gettext("Customer"),
            t.gettext("Subscription"),
            t.gettext("Total excl. VAT"),
            t.gettext("Total incl. VAT"),
            t.gettext("Status"),
        ),
        tuple(
            (
                doc.number,
                t.date(doc.issued_on, "short"),
                doc.customer_id,
                doc.subscription_id,
                format_money(doc.net, locale),
                format_money(doc.gross, locale),
                t.gettext(STATUS_TEXTS[status]),
            )
            for doc, status in docs
        ),
    ).text()


def _csv_rows(docs: Sequence[tuple[billing.IssuedInvoice, str]]) -> list[dict[str, Any]]:
    rows = []
    for doc, status in docs:
        for ln in doc.lines:
            line = ln.line
            rows.append(
                {
                    "number": doc.number,
                    "kind": doc.kind,
                    "purpose": doc.purpose,
                    "issued_on": doc.issued_on.isoformat(),
                    "customer_id": doc.customer_id,
                    "subscription_id": doc.subscription_id,
                    "plan_id": doc.plan_id,
                    "status": status,
                    "line": line.kind,
                    "band": line.band or "",
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price.amount),
                    "amount": str(line.amount.amount),
                    "vat": ln.vat.label if ln.vat.kind == "rate" else ln.vat.kind,
                    "currency": doc.currency,
                    "start": line.start.isoformat(),
                    "end": line.end.isoformat(),
                }
            )
    return rows


def write_rows(
    out: TextIO, fmt: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> None:
    """Write plain rows as JSON (a list of objects) or CSV (a header, then one line each)."""
    if fmt == "json":
        out.write(json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def write_invoices(
    out: TextIO,
    docs: Sequence[tuple[billing.IssuedInvoice, str]],
    *,
    fmt: str,
    locale: str,
) -> None:
    """Write issued invoices with their statuses in ``fmt`` (``text``, ``json``, ``csv``).

    Text: one invoice as its table, several as a summary table. JSON: a list of invoices.
    CSV: one row per invoice line (a header even when there are none).
    """
    if fmt == "json":
        write_rows(out, fmt, [invoice_data(doc, status) for doc, status in docs], ())
    elif fmt == "csv":
        write_rows(out, fmt, _csv_rows(docs), _CSV_COLUMNS)
    elif len(docs) == 1:
        out.write(invoice_table(*docs[0], locale) + "\n")
    else:
        out.write(_summary(docs, locale) + "\n")
