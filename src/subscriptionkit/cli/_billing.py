"""The ``billing`` commands: advance, usage, true-up, seats, show (internal).

::

    subscriptionkit billing advance sub-1 --pupils 1=28,2=30
    subscriptionkit billing usage sub-1
    subscriptionkit billing true-up sub-1 --at 2027-09-02T09:00+02:00
    subscriptionkit billing seats sub-7
    subscriptionkit billing show 2026-000001 --format json
    subscriptionkit billing discount add sub-7 --id launch --percent 10 --terms 1

``advance``, ``true-up`` and ``seats`` compute an invoice with :mod:`subscriptionkit.billing`
and issue it into the database's invoice ledger, which numbers it without gaps per series
(default: the invoice's year). Each refuses to bill a period twice: an advance (alone or in
a true-up) or a period's seats already issued and not credited. ``usage`` shows the usage
metered so far and issues nothing (seed 002: usage is not invoiced monthly). Seat changes
go through ``teams seats``, which issues its invoice into the same ledger. Seat invoices
carry the subscription's stored discounts (``billing discount``, in ``_discounts``).
"""

from __future__ import annotations

import argparse
import datetime as _dt
from collections.abc import Sequence
from typing import Any, TextIO

from .. import billing, metering, plans, subscriptions
from .._i18n import Translator
from .._table import Table
from ..clock import instant, local
from ..errors import InvalidInput
from ..money import format_money, total
from ..storage import UnitOfWork
from . import _discounts
from ._common import catalog_from_args, command_group, parse_pupils
from ._output import FORMATS, write_invoices, write_rows
from ._subscriptions import _at, _day, _moment, open_database

#: The purposes of invoices that carry a year's advance (what a true-up credits).
_ADVANCE_PURPOSES = frozenset({"advance", "true_up", "upgrade_settlement"})
#: The columns of ``billing usage`` in CSV.
_USAGE_COLUMNS = ("subscription_id", "month", "band", "pupils", "unit_price", "amount", "currency")


def _live_invoices(uow: UnitOfWork, subscription_id: str) -> list[billing.IssuedInvoice]:
    """The subscription's issued invoices that credit notes did not cancel in full, in
    ledger order (a partly credited invoice still stands)."""
    issued = uow.ledger.list(subscription_id=subscription_id)
    return [
        doc for doc in issued if doc.kind == "invoice" and not billing.fully_credited(doc, issued)
    ]


def _billed_already(
    issued: Sequence[billing.IssuedInvoice], kind: billing.LineKind, first: _dt.date
) -> billing.IssuedInvoice | None:
    """The issued invoice with a ``kind`` line for the period starting ``first``, if any."""
    for doc in issued:
        if any(ln.line.kind == kind and ln.line.start == first for ln in doc.lines):
            return doc
    return None


def _refuse_twice(
    uow: UnitOfWork, sub: subscriptions.Subscription, kind: billing.LineKind
) -> list[billing.IssuedInvoice]:
    """Refuse to bill the current period's ``kind`` twice; return the live invoices."""
    issued = _live_invoices(uow, sub.id)
    first = local(sub.period_start, sub.timezone).date()
    done = _billed_already(issued, kind, first)
    if done is not None:
        what = "seats" if kind == "seats" else "advance"
        raise InvalidInput(
            f"the {what} of subscription {sub.id!r} for the period from {first.isoformat()} "
            f"was issued already as invoice {done.number}; expected a period not yet billed"
        )
    return issued


def _as_invoice(doc: billing.IssuedInvoice) -> billing.Invoice:
    """The computed invoice behind an issued one (what the billing rules take back)."""
    kind: Any = doc.purpose
    return billing.Invoice(
        kind,
        doc.customer_id,
        doc.subscription_id,
        doc.plan_id,
        doc.issued_on,
        doc.currency,
        [ln.line for ln in doc.lines],
        doc.usage,
    )


def _caught_up(uow: UnitOfWork, args: argparse.Namespace) -> subscriptions.Subscription:
    """The subscription with every renewal due by ``--at`` (default now) applied and stored."""
    stored = uow.subscriptions.get(args.subscription_id)
    sub, events = subscriptions.catch_up(stored, at=_at(args))
    return uow.subscriptions.update(sub, events=events) if events else sub


def _issue_day(args: argparse.Namespace, sub: subscriptions.Subscription) -> _dt.date:
    """The invoice date: ``--issued-on``, else the day of ``--at`` (default now) on the
    customer's clock. An invoice is dated when it is issued; the period it covers is on
    its lines (the ledger refuses a date before the latest of its series)."""
    if args.issued_on is not None:
        day: _dt.date = args.issued_on
        return day
    return local(_at(args), sub.timezone).date()


def _pupil_plan(sub: subscriptions.Subscription) -> plans.PupilPlan:
    if not isinstance(sub.plan, plans.PupilPlan):
        raise InvalidInput(
            f"subscription {sub.id!r} is on seat plan {sub.plan.id!r}; expected a per-pupil "
            "plan (seat plans are billed with 'billing seats')"
        )
    return sub.plan


def _pupils(
    uow: UnitOfWork, args: argparse.Namespace, sub: subscriptions.Subscription
) -> dict[int, int] | dict[str, int]:
    """``--pupils``, else the pupils with processed data in the first weeks of the year."""
    if args.pupils is not None:
        return parse_pupils(args.pupils)
    plan = _pupil_plan(sub)
    start = local(sub.period_start, sub.timezone)
    end = plan.terms.advance_count_period.after(start, tz=sub.timezone)
    if instant(_at(args)) < instant(end):
        raise InvalidInput(
            f"the advance counts the pupils with processed data from {start.date().isoformat()} "
            f"until {end.date().isoformat()}, which has not passed; expected --pupils "
            "(such as --pupils 1=28,2=30) or a moment after it in --at"
        )
    events = uow.activity.events(school_id=sub.customer_id, since=start, until=end)
    return billing.advance_count(
        events, plan, renewal=start, tz=sub.timezone, school_id=sub.customer_id
    )


def _issue(
    uow: UnitOfWork, args: argparse.Namespace, invoice: billing.Invoice, plan: plans.Plan
) -> billing.IssuedInvoice:
    series = args.series if args.series is not None else str(invoice.issued_on.year)
    return uow.ledger.issue(
        invoice, series=billing.check_series(series), vat=plan.vat, buyer_vat_id=args.vat_id
    )


def _write_issued(args: argparse.Namespace, out: TextIO, issued: billing.IssuedInvoice) -> int:
    write_invoices(out, [(issued, "open")], fmt=args.format, locale=args.locale)
    return 0


def _cmd_advance(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        sub = _caught_up(uow, args)
        plan = _pupil_plan(sub)
        _refuse_twice(uow, sub, "advance")
        invoice = billing.advance(sub, _pupils(uow, args, sub), issued_on=_issue_day(args, sub))
        issued = _issue(uow, args, invoice, plan)
        uow.commit()
    return _write_issued(args, out, issued)


def _previous_advance(
    issued: Sequence[billing.IssuedInvoice], sub: subscriptions.Subscription
) -> billing.IssuedInvoice:
    """The live invoice carrying the latest advance before the current period."""
    first = local(sub.period_start, sub.timezone).date()
    best: tuple[_dt.date, billing.IssuedInvoice] | None = None
    for doc in issued:
        if doc.purpose not in _ADVANCE_PURPOSES:
            continue
        starts = [ln.line.start for ln in doc.lines if ln.line.kind == "advance"]
        start = max(starts, default=None)
        if start is not None and start < first and (best is None or start >= best[0]):
            best = (start, doc)
    if best is None:
        raise InvalidInput(
            f"subscription {sub.id!r} has no advance issued for the year before "
            f"{first.isoformat()}; expected one in the ledger (see 'billing advance')"
        )
    return best[1]


def _cmd_true_up(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    catalog = catalog_from_args(args)
    with open_database(args).unit_of_work() as uow:
        sub = _caught_up(uow, args)
        plan = _pupil_plan(sub)
        if sub.status not in (subscriptions.Status.ACTIVE, subscriptions.Status.CANCELLED):
            uow.commit()  # the catch-up
            t = Translator(args.locale)
            message = t.gettext(
                "No true-up: subscription {id} did not renew, and a customer that stops gets none."
            )
            out.write(message.format(id=sub.id) + "\n")
            return 0
        if sub.periods < 2:
            renews = sub.paid_through
            raise InvalidInput(
                f"subscription {sub.id!r} is in its first year since "
                f"{local(sub.period_start, sub.timezone).date().isoformat()}; a true-up is due "
                f"at the renewal ({'-' if renews is None else renews.date().isoformat()}), "
                "expected a moment after it in --at"
            )
        issued = _refuse_twice(uow, sub, "advance")
        previous = _previous_advance(issued, sub)
        past_plan = catalog[previous.plan_id] if previous.plan_id != plan.id else plan
        if not isinstance(past_plan, plans.PupilPlan):
            raise InvalidInput(f"plan {past_plan.id!r} is not priced per pupil")
        past_start = sub.plan.terms.renewal_date(sub.started_at, sub.periods - 2, tz=sub.timezone)
        months = billing.usage_months(past_start, sub.period_start, tz=sub.timezone)
        billed = uow.ledger.billed_usage(sub.id)
        wanted = sorted({*months, *(m for m, _band in billed)})
        counts = uow.activity.monthly_counts(
            past_plan,
            metering.month_range(wanted[0], wanted[-1]),
            tz=sub.timezone,
            school_id=sub.customer_id,
        )
        invoice = billing.true_up(
            sub,
            previous_advance=_as_invoice(previous),
            counts=counts,
            next_pupils=_pupils(uow, args, sub),
            issued_on=_issue_day(args, sub),
            previous_plan=past_plan if past_plan is not plan else None,
            billed=billed,
        )
        assert invoice is not None  # renewed and active: a true-up is due
        issued_now = _issue(uow, args, invoice, plan)
        uow.commit()
    return _write_issued(args, out, issued_now)


def _cmd_seats(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        sub = _caught_up(uow, args)
        _refuse_twice(uow, sub, "seats")
        invoice = billing.seat_invoice(sub, issued_on=_issue_day(args, sub))
        invoice = _discounts.with_discounts(uow, invoice, sub)
        issued = _issue(uow, args, invoice, sub.plan)
        uow.commit()
    return _write_issued(args, out, issued)


def _cmd_usage(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    at = _at(args)
    with open_database(args).unit_of_work() as uow:
        sub = uow.subscriptions.get(args.subscription_id)
        sub = subscriptions.catch_up(sub, at=at).subscription
        plan = _pupil_plan(sub)
        if sub.periods == 0:
            raise InvalidInput(
                f"subscription {sub.id!r} has no paid period (it is {sub.status.value}); "
                "expected an activated subscription"
            )
        months = billing.usage_months(sub.period_start, at, tz=sub.timezone)
        counts = (
            uow.activity.monthly_counts(plan, months, tz=sub.timezone, school_id=sub.customer_id)
            if months
            else None
        )
    lines = (
        []
        if counts is None
        else [ln for ln in metering.monthly_usage(counts, plan) if ln.school_id == sub.customer_id]
    )
    t = Translator(args.locale)
    if args.format != "text":
        write_rows(
            out,
            args.format,
            [
                {
                    "subscription_id": sub.id,
                    "month": str(ln.month),
                    "band": ln.band,
                    "pupils": ln.pupils,
                    "unit_price": str(ln.unit_price.amount),
                    "amount": str(ln.amount.amount),
                    "currency": plan.currency,
                }
                for ln in lines
            ],
            _USAGE_COLUMNS,
        )
        return 0
    start = local(sub.period_start, sub.timezone).date()
    if not lines:
        out.write(
            t.gettext(
                "No usage counted yet for subscription {id}: the year started on {start}."
            ).format(id=sub.id, start=t.date(start))
            + "\n"
        )
        return 0
    grand = total((ln.amount for ln in lines), plan.currency)
    table = Table(
        t.gettext("Usage of {id} since {start} (not invoiced monthly)").format(
            id=sub.id, start=t.date(start)
        ),
        (t.gettext("Month"), t.gettext("Grades"), t.gettext("Pupils"), t.gettext("Usage")),
        tuple(
            (str(ln.month), ln.band, str(ln.pupils), format_money(ln.amount, args.locale))
            for ln in lines
        ),
        (
            t.gettext("Total"),
            "",
            str(sum(ln.pupils for ln in lines)),
            format_money(grand, args.locale),
        ),
    )
    out.write(table.text() + "\n")
    return 0


def _cmd_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        if args.number is not None:
            docs = [uow.ledger.get(args.number)]
        else:
            docs = list(
                uow.ledger.list(
                    customer_id=args.customer,
                    subscription_id=args.subscription,
                    series=None if args.series is None else billing.check_series(args.series),
                )
            )
        shown = [(doc, uow.ledger.status(doc.number)) for doc in docs]
    if not shown and args.format == "text":
        t = Translator(args.locale)
        filtered = any(v is not None for v in (args.customer, args.subscription, args.series))
        if filtered:  # the ledger may hold invoices, just none of these
            out.write(t.gettext("No issued invoices match the filters given.") + "\n")
        else:
            out.write(t.gettext("No invoices issued yet.") + "\n")
        return 0
    write_invoices(out, shown, fmt=args.format, locale=args.locale)
    return 0


def _cmd_discount(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the ``billing discount`` command chosen (its handler is in ``_discounts``)."""
    return int(args.discount_handler(args, out, err))


def add_commands(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Add ``billing`` and its commands to the command line."""
    group = sub.add_parser(
        "billing",
        help="issue and show invoices: advance, usage, true-up, seats (the database's ledger); "
        "discounts",
    )
    cmds = command_group(group, "billing commands")

    fmt = argparse.ArgumentParser(add_help=False)
    fmt.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text tables for people (default), json or csv for machines",
    )
    moment = argparse.ArgumentParser(add_help=False)
    moment.add_argument(
        "--at",
        type=_moment,
        help="the moment to bill at, ISO 8601 with offset (default: now); renewals due by "
        "then are applied first",
    )
    issuing = argparse.ArgumentParser(add_help=False)
    issuing.add_argument("subscription_id", help="subscription id")
    issuing.add_argument(
        "--series", help="the numbering series, such as 2026 (default: the invoice's year)"
    )
    issuing.add_argument(
        "--issued-on",
        type=_day,
        help="the invoice date, YYYY-MM-DD (default: the day of --at; never before the "
        "latest date in the series)",
    )
    issuing.add_argument(
        "--vat-id", help="the customer's VAT number (needed for reverse-charged VAT)"
    )
    pupils = argparse.ArgumentParser(add_help=False)
    pupils.add_argument(
        "--pupils",
        help="pupils per grade for the advance, such as 1=28,2=30 (default: the pupils with "
        "processed data in the first weeks of the year, from the stored activity)",
    )
    parents = [common, fmt, moment, issuing]

    p = cmds.add_parser(
        "advance", parents=[*parents, pupils], help="issue the advance for the current year"
    )
    p.set_defaults(handler=_cmd_advance)

    p = cmds.add_parser(
        "true-up",
        parents=[*parents, pupils],
        help="issue the year-end invoice: last year's advance credited, its usage, the new advance",
    )
    p.set_defaults(handler=_cmd_true_up)

    p = cmds.add_parser(
        "seats", parents=parents, help="issue the seat invoice of a seat plan's current period"
    )
    p.set_defaults(handler=_cmd_seats)

    p = cmds.add_parser(
        "usage",
        parents=[common, fmt, moment],
        help="show the usage metered so far this year from the stored activity (issues nothing)",
    )
    p.add_argument("subscription_id", help="subscription id")
    p.set_defaults(handler=_cmd_usage)

    p = cmds.add_parser(
        "show", parents=[common, fmt], help="show one issued invoice, or list the ledger"
    )
    p.add_argument("number", nargs="?", help="an invoice number such as 2026-000001")
    p.add_argument("--customer", help="only this customer's invoices")
    p.add_argument("--subscription", help="only this subscription's invoices")
    p.add_argument("--series", help="only this numbering series")
    p.set_defaults(handler=_cmd_show)

    _discounts.add_commands(cmds, common, fmt, run=_cmd_discount)
