"""Billing: the advance, monthly usage, the year-end true-up, upgrade settlement, seats.

Per-pupil plans (seed 002, "Betalen naar gebruik"):

* when a year starts, :func:`advance` invoices the pupils counted in the plan's grades at
  the published price per pupil per year;
* every month the billable pupils are counted (:mod:`subscriptionkit.metering`); usage
  is not invoiced monthly;
* at the start of year 2 and later, :func:`true_up` invoices three parts: the previous
  advance credited, the actual usage of the past year, and the next advance; a customer
  that stops gets none;
* after an upgrade, :func:`upgrade_settlement` settles the old plan's year so far against
  the new plan's advance.

Seat plans: :func:`seat_invoice` for a period, :func:`seat_change_invoice` for seats added
mid-term (prorated to the day, or from the next renewal: a plan term).

Discounts (:class:`Discount`) belong to a subscription: a percentage or an amount per seat,
for some terms or open-ended; :func:`apply_discounts` adds them as their own credit lines,
and :func:`end_discounts` ends them when the subscription is cancelled (seed 000: they do
not come back with a later re-subscription).

Each line is rounded once by the money policy; an invoice total is the exact sum of its
lines. See ``docs/billing.md`` for a worked example.

Issued invoices (:class:`IssuedInvoice`) are kept by the invoice ledger port
(:class:`~subscriptionkit.storage.ports.InvoiceLedger`): gapless numbers per series,
immutable once issued, credit notes that reference them, a status set by the host, VAT
per rate (net, VAT per rate rounded once per invoice, gross). Usage that arrives after
its month was billed is billed or credited by :func:`late_usage` (or a later
:func:`true_up` given ``billed=``) as separate correction lines. :func:`closed_on` says when an issued invoice leaves the
current books, from which its statutory retention counts.
"""

import typing

from .. import _lazy

if typing.TYPE_CHECKING:
    from ._closing import closed_on
    from ._credits import fully_credited, uncredited
    from ._discounts import Discount, DiscountKind, apply_discounts, end_discounts
    from ._invoice import (
        INVOICE_TITLES,
        LINE_TEXTS,
        Invoice,
        InvoiceKind,
        InvoiceLine,
        LineKind,
        UsageRecord,
    )
    from ._late_usage import late_usage
    from ._ledger import (
        DOCUMENT_TITLES,
        STATUSES,
        VAT_LABELS,
        VAT_TEXTS,
        DocumentKind,
        InvoiceStatus,
        IssuedInvoice,
        IssuedLine,
        VatAmount,
        billed_usage,
        check_issue_date,
        check_series,
        check_status,
        format_number,
    )
    from ._rules import (
        advance,
        advance_count,
        pupils_by_band,
        true_up,
        upgrade_settlement,
        usage_lines,
        usage_months,
    )
    from ._seats import seat_change_invoice, seat_invoice

if not typing.TYPE_CHECKING:  # at run time each name's module is imported on first use
    __getattr__, __dir__ = _lazy.attach(__name__, __file__)

__all__ = [
    "DOCUMENT_TITLES",
    "INVOICE_TITLES",
    "LINE_TEXTS",
    "STATUSES",
    "VAT_LABELS",
    "VAT_TEXTS",
    "Discount",
    "DiscountKind",
    "DocumentKind",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceStatus",
    "IssuedInvoice",
    "IssuedLine",
    "LineKind",
    "UsageRecord",
    "VatAmount",
    "advance",
    "advance_count",
    "apply_discounts",
    "billed_usage",
    "check_issue_date",
    "check_series",
    "check_status",
    "closed_on",
    "end_discounts",
    "format_number",
    "fully_credited",
    "late_usage",
    "pupils_by_band",
    "seat_change_invoice",
    "seat_invoice",
    "true_up",
    "uncredited",
    "upgrade_settlement",
    "usage_lines",
    "usage_months",
]
