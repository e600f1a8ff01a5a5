"""The ``billing discount`` commands: add, list, end a subscription's discounts (internal).

::

    subscriptionkit billing discount add sub-7 --id launch --percent 10 --terms 1
    subscriptionkit billing discount add sub-7 --id loyal --per-seat 5.00
    subscriptionkit billing discount list sub-7 --format json
    subscriptionkit billing discount end launch --at 2026-12-01T09:00+01:00

A discount belongs to the running subscription (seed 000): it takes effect from the
subscription's current term, ``billing seats`` and ``teams seats`` apply the stored
discounts to the seat invoices they issue, and cancelling the subscription
(``subscriptions cancel``) ends them, for good.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TextIO

import attrs

from .. import billing, plans, subscriptions
from .._i18n import Translator
from .._table import Table
from ..clock import instant, local
from ..errors import InvalidInput
from ..money import Money, format_money, money
from ..storage import UnitOfWork
from ._common import command_group, decimal_amount
from ._output import write_rows
from ._subscriptions import _at, _moment, open_database

#: The columns of ``billing discount list`` in CSV.
_COLUMNS = (
    "id",
    "subscription_id",
    "kind",
    "value",
    "currency",
    "first_term",
    "terms",
    "ended_at",
)


def with_discounts(
    uow: UnitOfWork, invoice: billing.Invoice, subscription: subscriptions.Subscription
) -> billing.Invoice:
    """The seat invoice with the subscription's stored discounts as credit lines."""
    return billing.apply_discounts(
        invoice, subscription, uow.discounts.for_subscription(subscription.id)
    )


def _terms(value: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of terms >= 1, got {value!r}")
    return int(text)


def _cmd_add(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        sub = uow.subscriptions.get(args.subscription_id)
        if not isinstance(sub.plan, plans.SeatPlan):
            raise InvalidInput(
                f"subscription {sub.id!r} is on per-pupil plan {sub.plan.id!r}; discounts "
                "apply to seat lines, expected a subscription on a seat plan"
            )
        if args.percent is not None:
            discount = billing.Discount.percent(
                args.discount_id, sub, args.percent, terms=args.terms
            )
        else:
            amount = money(args.per_seat, sub.plan.currency)
            discount = billing.Discount.per_seat(args.discount_id, sub, amount, terms=args.terms)
        uow.discounts.add(discount)
        shown = list(uow.discounts.for_subscription(sub.id))
        uow.commit()
    return _write(args, out, sub, shown)


def _cmd_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        sub = uow.subscriptions.get(args.subscription_id)
        shown = list(uow.discounts.for_subscription(sub.id))
    return _write(args, out, sub, shown)


def _cmd_end(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        stored = uow.discounts.get(args.discount_id)
        kept = uow.discounts.end(attrs.evolve(stored, ended_at=_at(args)))
        sub = uow.subscriptions.get(kept.subscription_id)
        shown = list(uow.discounts.for_subscription(sub.id))
        uow.commit()
    return _write(args, out, sub, shown)


def _value(discount: billing.Discount, locale: str) -> str:
    if isinstance(discount.value, Money):
        return format_money(discount.value, locale)
    assert isinstance(discount.value, Decimal)
    return f"{discount.value.normalize():f}%"


def _write(
    args: argparse.Namespace,
    out: TextIO,
    sub: subscriptions.Subscription,
    found: Sequence[billing.Discount],
) -> int:
    """Show ``found`` (JSON and CSV: moments in UTC; text: on the subscription's clock)."""
    if args.format != "text":
        write_rows(
            out,
            args.format,
            [
                {
                    "id": d.id,
                    "subscription_id": d.subscription_id,
                    "kind": d.kind,
                    "value": str(d.value.amount if isinstance(d.value, Money) else d.value),
                    "currency": d.value.currency.code if isinstance(d.value, Money) else None,
                    "first_term": d.first_term,
                    "terms": d.terms,
                    "ended_at": None if d.ended_at is None else instant(d.ended_at).isoformat(),
                }
                for d in found
            ],
            _COLUMNS,
        )
        return 0
    t = Translator(args.locale)
    if not found:
        message = t.gettext("No discounts for subscription {id}.")
        out.write(message.format(id=sub.id) + "\n")
        return 0
    table = Table(
        t.gettext("Discounts of {id}").format(id=sub.id),
        (
            t.gettext("Discount"),
            t.gettext("Off per seat"),
            t.gettext("From term"),
            t.gettext("Terms"),
            t.gettext("Ended"),
        ),
        tuple(
            (
                d.id,
                _value(d, args.locale),
                str(d.first_term),
                t.gettext("open-ended") if d.terms is None else str(d.terms),
                "-" if d.ended_at is None else t.datetime(local(d.ended_at, sub.timezone)),
            )
            for d in found
        ),
    )
    out.write(table.text() + "\n")
    return 0


def add_commands(
    cmds: argparse._SubParsersAction[Any],
    common: argparse.ArgumentParser,
    fmt: argparse.ArgumentParser,
    *,
    run: Callable[[argparse.Namespace, TextIO, TextIO], int],
) -> None:
    """Add ``billing discount`` and its commands under the ``billing`` commands.

    ``run`` (in ``_billing``, the module of the ``billing`` command) runs the command
    chosen, which each parser names as ``discount_handler``.
    """
    group = cmds.add_parser(
        "discount",
        help="give, list and end the discounts of a seat subscription (applied to its seat "
        "invoices)",
    )
    sub = command_group(group, "discount commands")

    p = sub.add_parser(
        "add",
        parents=[common, fmt],
        help="give a subscription a discount from its current term",
    )
    p.add_argument("subscription_id", help="subscription id (on a seat plan)")
    p.add_argument(
        "--id", dest="discount_id", metavar="ID", required=True, help="the discount's id"
    )
    value = p.add_mutually_exclusive_group(required=True)
    value.add_argument(
        "--percent", type=decimal_amount, help="a percentage off the seat lines, such as 10"
    )
    value.add_argument(
        "--per-seat",
        type=decimal_amount,
        help="an amount off per seat per year in the plan's currency, such as 5.00",
    )
    p.add_argument(
        "--terms", type=_terms, help="how many terms it lasts (default: until cancelled)"
    )
    p.set_defaults(handler=run, discount_handler=_cmd_add)

    p = sub.add_parser(
        "list", parents=[common, fmt], help="list a subscription's discounts, ended ones too"
    )
    p.add_argument("subscription_id", help="subscription id")
    p.set_defaults(handler=run, discount_handler=_cmd_list)

    p = sub.add_parser(
        "end", parents=[common, fmt], help="end a discount now (an ended discount stays ended)"
    )
    p.add_argument("discount_id", help="the discount's id")
    p.add_argument("--at", type=_moment, help="when it ends, ISO 8601 with offset (default: now)")
    p.set_defaults(handler=run, discount_handler=_cmd_end)
