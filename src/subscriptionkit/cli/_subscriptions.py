"""The ``subscriptions ...`` commands, and the database the commands open (internal)."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
from collections.abc import Callable
from typing import Any, TextIO

import pendulum

from .. import plans, subscriptions
from .._i18n import Translator, gettext_noop
from ..clock import ensure_aware, local
from ..errors import SubscriptionKitError
from ..storage import Store, UnitOfWork, open_store
from ._common import (
    DB_VARIABLE,
    DEFAULT_DB,
    catalog_from_args,
    command_group,
    day_option,
    decimal_amount,
    moment_option,
    whole_number_option,
)

#: Status names as people read them (translated when shown).
STATUS_LABELS = {
    subscriptions.Status.TRIAL: gettext_noop("on trial"),
    subscriptions.Status.ACTIVE: gettext_noop("active"),
    subscriptions.Status.CANCELLED: gettext_noop("cancelled, ends at the end of the paid period"),
    subscriptions.Status.EXPIRED: gettext_noop("expired"),
}


def _span(text: str) -> plans.Span:
    """``--length``: an ISO 8601 duration; a bad one is a usage error naming the option."""
    try:
        return plans.Span.parse(text)
    except SubscriptionKitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def database(args: argparse.Namespace) -> str:
    """Return the database to use: ``--db``, else ``$SUBSCRIPTIONKIT_DB``, else the default."""
    return str(args.db or os.environ.get(DB_VARIABLE) or DEFAULT_DB)


def shown_database(url: str) -> str:
    """``url`` as the command shows it: a database URL's password as ``***``."""
    scheme, sep, rest = url.partition("://")
    credentials, at, place = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{place}"


def open_database(args: argparse.Namespace) -> Store:
    """Open (and migrate) the store the command line names."""
    return open_store(database(args))


#: The moment and day option types, under the names other command modules import.
_moment = moment_option
_day = day_option


def _at(args: argparse.Namespace) -> pendulum.DateTime:
    at = args.at if getattr(args, "at", None) is not None else args.clock.now()
    return ensure_aware(at, "--at")


def _plan(args: argparse.Namespace, plan_id: str) -> plans.Plan:
    return catalog_from_args(args)[plan_id]


def _show(sub: subscriptions.Subscription, t: Translator, out: TextIO) -> None:
    def when(value: _dt.datetime | None) -> str:
        if value is None:
            return "-"
        value = local(value, sub.timezone)
        return t.gettext("{date} at {time}").format(date=t.date(value.date()), time=t.time(value))

    rows: list[tuple[str, str]] = [
        (t.gettext("Subscription"), sub.id),
        (t.gettext("Customer"), sub.customer_id),
        (t.gettext("Plan"), f"{sub.plan.name} ({sub.plan.id})"),
        (t.gettext("Status"), t.gettext(STATUS_LABELS[sub.status])),
    ]
    if sub.seats is not None:
        rows.append((t.gettext("Seats"), str(sub.seats)))
    if sub.trial_started_at is not None:
        rows.append(
            (t.gettext("Trial"), f"{when(sub.trial_started_at)} – {when(sub.trial_ends_at)}")
        )
    if sub.periods:
        rows.append((t.gettext("Year started"), when(sub.started_at)))
    rows.append((t.gettext("Paid through"), when(sub.paid_through)))
    last_day = subscriptions.last_day_to_cancel(sub)
    if last_day is not None and sub.paid_through is not None:
        rows.append((t.gettext("Renews"), when(sub.paid_through)))
        # Whole days: the last day to cancel counts until its end.
        rows.append((t.gettext("Cancel by"), t.date(last_day)))
        reminder = sub.plan.terms.reminder_day(sub.paid_through, tz=sub.timezone)
        rows.append((t.gettext("Renewal reminder"), t.date(reminder)))
    if sub.pending_plan is not None:
        rows.append((t.gettext("Downgrade at renewal"), sub.pending_plan.id))
    width = max(len(label) for label, _ in rows)
    out.writelines(f"{label.ljust(width)}  {value}\n" for label, value in rows)


Step = Callable[[subscriptions.Subscription, argparse.Namespace], subscriptions.Transition]


def _change(args: argparse.Namespace, out: TextIO, step: Step) -> int:
    store = open_database(args)
    uow: UnitOfWork
    with store.unit_of_work() as uow:
        sub, events = step(uow.subscriptions.get(args.subscription_id), args)
        # The store ends the discounts of a subscription this ends (seed 000).
        stored = uow.subscriptions.update(sub, events=events)
        uow.commit()
    _show(stored, Translator(args.locale), out)
    return 0


Create = Callable[[UnitOfWork, argparse.Namespace], subscriptions.Transition]


def _create(args: argparse.Namespace, out: TextIO, create: Create) -> int:
    store = open_database(args)
    with store.unit_of_work() as uow:
        sub, events = create(uow, args)
        stored = uow.subscriptions.add(sub, events=events)
        uow.commit()
    _show(stored, Translator(args.locale), out)
    return 0


def _cmd_start_trial(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _create(
        args,
        out,
        lambda uow, a: subscriptions.start_trial(
            a.customer,
            at=_at(a),
            length=a.length,
            history=uow.subscriptions.for_customer(a.customer),
            tz=a.tz,
            subscription_id=a.id,
        ),
    )


def _cmd_subscribe(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _create(
        args,
        out,
        lambda uow, a: subscriptions.subscribe(
            a.customer, _plan(a, a.plan), at=_at(a), seats=a.seats, tz=a.tz, subscription_id=a.id
        ),
    )


def _cmd_activate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _change(
        args,
        out,
        lambda s, a: subscriptions.activate(s, _plan(a, a.plan), at=_at(a), seats=a.seats),
    )


def _cmd_cancel(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _change(args, out, lambda s, a: subscriptions.cancel(s, at=_at(a)))


def _cmd_upgrade(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _change(args, out, lambda s, a: subscriptions.upgrade(s, _plan(a, a.plan), at=_at(a)))


def _cmd_downgrade(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _change(
        args, out, lambda s, a: subscriptions.schedule_downgrade(s, _plan(a, a.plan), at=_at(a))
    )


def _cmd_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_database(args)
    with store.unit_of_work() as uow:
        sub = uow.subscriptions.get(args.subscription_id)
    # The current term's dates: renewals (or the end) due by --at or now, as the
    # lifecycle rules apply them, whether or not the daily job has stored them yet.
    sub = subscriptions.catch_up(sub, at=_at(args)).subscription
    _show(sub, Translator(args.locale), out)
    return 0


def _cmd_list(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_database(args)
    with store.unit_of_work() as uow:
        subs = list(uow.subscriptions.list(statuses=args.status))
    t = Translator(args.locale)
    if not subs:
        if args.status:
            statuses = ", ".join(
                t.gettext(STATUS_LABELS[subscriptions.Status(s)]) for s in args.status
            )
            text = t.gettext("No subscriptions with status {statuses}.").format(statuses=statuses)
        else:
            text = t.gettext("No subscriptions yet.")
        out.write(text + "\n")
        return 0
    for sub in subs:
        paid = sub.paid_through
        until = "-" if paid is None else t.date(local(paid, sub.timezone).date())
        out.write(
            f"{sub.id}  {sub.customer_id}  {sub.plan.id}  {t.gettext(STATUS_LABELS[sub.status])}  {until}\n"
        )
    return 0


def reminders_due(
    uow: UnitOfWork, on: _dt.date, now: _dt.datetime, tz: str, *, store: bool
) -> list[subscriptions.Reminder]:
    """The reminders due on the day ``on`` and not yet sent: the one rule of the
    ``subscriptions reminders`` job and of ``status``.

    Renewals are caught up to the start of ``on`` (in ``tz``), never past ``now``: a
    future day is a preview. With ``store`` the catch-up is committed (the daily job);
    without, the caller does not commit it (``status`` only counts). The store drops a
    reminder that is no longer true on ``on``
    (:meth:`~subscriptionkit.subscriptions.Reminder.still_true_on`).
    """
    day_start = pendulum.datetime(on.year, on.month, on.day, tz=tz)
    until = min(day_start, now, key=lambda m: m.timestamp())
    while due := uow.subscriptions.due_renewals(until=until, limit=500):
        for sub in due:
            new, events = subscriptions.catch_up(sub, at=until)
            uow.subscriptions.update(new, events=events)
        if store:
            uow.commit()
    return list(uow.subscriptions.due_reminders(on=on))


def _cmd_reminders(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_database(args)
    now = ensure_aware(args.clock.now(), "now")
    on = args.on if args.on is not None else local(now, args.tz).date()
    with store.unit_of_work() as uow:
        reminders = reminders_due(uow, on, now, args.tz, store=True)
        if args.mark_sent:
            reminders = [r for r in reminders if uow.subscriptions.mark_sent(r, at=now)]
        uow.commit()
    for reminder in reminders:
        message = reminder.message(args.locale)
        out.write(f"[{reminder.kind}] {reminder.subscription_id} {reminder.customer_id}\n")
        out.write(f"{message.subject}\n{message.body}\n\n")
    if not reminders:
        t = Translator(args.locale)
        out.write(t.gettext("No reminders due on {day}.").format(day=t.date(on)) + "\n")
    return 0


def add_commands(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Add ``subscriptions`` to the command line."""
    group = sub.add_parser(
        "subscriptions", help="start, change and inspect subscriptions in the database"
    )
    cmds = command_group(group, "subscription commands")
    moment = argparse.ArgumentParser(add_help=False)
    moment.add_argument(
        "--at", type=_moment, help="when it happens, ISO 8601 with offset (default: now)"
    )

    p = cmds.add_parser(
        "start-trial", parents=[common, moment], help="start a customer's one trial"
    )
    p.add_argument("customer", help="customer id")
    p.add_argument(
        "--length", default="P6M", type=_span, help="ISO 8601 length, at most P6M (default P6M)"
    )
    p.add_argument("--id", help="subscription id (default: a new one)")
    p.set_defaults(handler=_cmd_start_trial)

    p = cmds.add_parser(
        "subscribe", parents=[common, moment], help="start a paid plan without a trial"
    )
    p.add_argument("customer", help="customer id")
    p.add_argument("plan", help="plan id")
    p.add_argument("--seats", type=whole_number_option, help="seats, for seat plans")
    p.add_argument("--seat-price", type=decimal_amount, help="price per seat per year for Teams")
    p.add_argument("--id", help="subscription id (default: a new one)")
    p.set_defaults(handler=_cmd_subscribe)

    for name, handler, helptext in (
        ("activate", _cmd_activate, "turn a trial into a paid plan"),
        ("upgrade", _cmd_upgrade, "upgrade now; the subscription year restarts"),
        ("downgrade", _cmd_downgrade, "move to a smaller plan at the next renewal"),
    ):
        p = cmds.add_parser(name, parents=[common, moment], help=helptext)
        p.add_argument("subscription_id", help="subscription id")
        p.add_argument("plan", help="plan id")
        if name == "activate":
            p.add_argument("--seats", type=whole_number_option, help="seats, for seat plans")
            p.add_argument(
                "--seat-price", type=decimal_amount, help="price per seat per year for Teams"
            )
        p.set_defaults(handler=handler)

    p = cmds.add_parser("cancel", parents=[common, moment], help="cancel (by the deadline)")
    p.add_argument("subscription_id", help="subscription id")
    p.set_defaults(handler=_cmd_cancel)

    p = cmds.add_parser("show", parents=[common, moment], help="show one subscription's dates")
    p.add_argument("subscription_id", help="subscription id")
    p.add_argument(
        "--catch-up",
        action="store_true",
        help="apply renewals due by now first (always done; kept for existing scripts)",
    )
    p.set_defaults(handler=_cmd_show)

    p = cmds.add_parser("list", parents=[common], help="list subscriptions")
    p.add_argument(
        "--status",
        action="append",
        choices=[s.value for s in subscriptions.Status],
        help="only subscriptions with this status (repeat for several)",
    )
    p.set_defaults(handler=_cmd_list)

    p = cmds.add_parser(
        "reminders",
        parents=[common],
        help="catch up due renewals, then show the reminders due by a day and not yet sent",
    )
    p.add_argument("--on", type=_day, help="the day, YYYY-MM-DD (default: today)")
    p.add_argument(
        "--mark-sent",
        action="store_true",
        help="record the reminders shown as sent: a re-run shows them no more",
    )
    p.set_defaults(handler=_cmd_reminders)
