"""The ``status`` command: open the database and summarise what it holds (internal).

::

    subscriptionkit status
    subscriptionkit --db postgresql://db.example/app status --locale en_GB

Besides subscriptions and the reminders due today it counts what the other parts of the
library keep: stored activity events, teams, issued invoices (open ones apart) and open
data-subject requests. Each count is a :data:`COUNTS` entry, a label and a function of the
unit of work; a function that returns ``None`` (the store keeps no such thing) leaves its
line out.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Final, TextIO

from .. import subscriptions
from .._i18n import Translator, gettext_noop
from ..clock import ensure_aware, local
from ..storage import UnitOfWork
from ._subscriptions import (
    STATUS_LABELS,
    database,
    open_database,
    reminders_due,
    shown_database,
)

Counter = Callable[[UnitOfWork], "int | None"]


def _events(uow: UnitOfWork) -> int:
    return uow.activity.count()


def _teams(uow: UnitOfWork) -> int:
    return sum(1 for _team in uow.teams.list())


def _invoices(uow: UnitOfWork) -> int:
    return len(uow.ledger.list())


def _open_invoices(uow: UnitOfWork) -> int:
    return sum(1 for doc in uow.ledger.list() if uow.ledger.status(doc.number) == "open")


def _open_requests(uow: UnitOfWork) -> int | None:
    """Open data-subject requests (``uow.requests``; ``None`` for a store that keeps none)."""
    requests: Any = getattr(uow, "requests", None)
    if requests is None:
        return None
    return len(requests.open_requests())


#: The counts ``status`` shows after the subscriptions, in order: a label with
#: ``{count}`` and the function that counts (``None``: this store keeps none).
COUNTS: Final[list[tuple[str, Counter]]] = [
    (gettext_noop("Activity events: {count}"), _events),
    (gettext_noop("Teams: {count}"), _teams),
    (gettext_noop("Issued invoices: {count}"), _invoices),
    (gettext_noop("  open: {count}"), _open_invoices),
    (gettext_noop("Open privacy requests: {count}"), _open_requests),
]


def _cmd_status(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_database(args)
    t = Translator(args.locale)
    now = ensure_aware(args.clock.now(), "now")
    today = local(now, args.tz).date()
    with store.unit_of_work() as uow:
        # The rule of the ``subscriptions reminders`` job; its catch-up is not committed.
        due = reminders_due(uow, today, now, args.tz, store=False)
        subs = list(uow.subscriptions.list())
        counted = [(label, count(uow)) for label, count in COUNTS]
    out.write(t.gettext("Database: {db}").format(db=shown_database(database(args))) + "\n")
    version = getattr(store, "schema_version", None)
    if callable(version):
        out.write(t.gettext("Schema version: {version}").format(version=version()) + "\n")
    per_status: dict[str, int] = {}
    for sub in subs:
        per_status[sub.status.value] = per_status.get(sub.status.value, 0) + 1
    out.write(t.gettext("Subscriptions: {count}").format(count=len(subs)) + "\n")
    for status in subscriptions.Status:
        if per_status.get(status.value):
            out.write(f"  {t.gettext(STATUS_LABELS[status])}: {per_status[status.value]}\n")
    out.write(t.gettext("Reminders due today: {count}").format(count=len(due)) + "\n")
    for label, number in counted:
        if number is not None:
            out.write(t.gettext(label).format(count=number) + "\n")
    return 0


def add_commands(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Add ``status`` to the command line."""
    p = sub.add_parser(
        "status",
        parents=[common],
        help="open the database and summarise it: subscriptions, reminders, events, teams, "
        "invoices, privacy requests",
    )
    p.set_defaults(handler=_cmd_status)
