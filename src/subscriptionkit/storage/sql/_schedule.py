"""The queryable side of subscriptions in SQL: columns, reminder rows, the daily queries (internal).

 A subscription's JSON document is the truth; on every write
the adapter copies what batch jobs and support desks query into real, indexed columns
(:func:`index_values`) and keeps the subscription's pending reminders as rows
(:func:`write_reminders`), in the same statement sequence for SQLite and PostgreSQL.
The values come from the pure rules (:attr:`Subscription.paid_through`,
:func:`~subscriptionkit.subscriptions.cancellation_deadline`,
:func:`~subscriptionkit.subscriptions.pending_reminders`): whatever they compute is what
the columns hold.

The tables and their column types are in :mod:`._tables`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Final

import pendulum
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...clock import ensure_aware, timezone
from ...errors import NotFound
from ...subscriptions import (
    Reminder,
    Status,
    Subscription,
    cancellation_deadline,
    pending_reminders,
)
from .._checks import _REMINDER, _reminder_label
from ._tables import INDEX_COLUMNS, Document, Moment, reminders_table


def index_values(sub: Subscription) -> dict[str, Any]:
    """The queryable columns of ``sub``, as the pure rules compute them.

    ``next_renewal`` is the moment an active, automatically renewing subscription renews
    (its paid-through), else ``None``; ``next_reminder_on`` the first day of its
    current period's reminders, else ``None``; ``due_at`` the moment
    :func:`~subscriptionkit.subscriptions.catch_up` next has work (a renewal, a trial or
    a cancelled period ending: the paid-through of a subscription that is not expired),
    the one column the daily job's ``due_renewals`` reads.
    """
    paid = sub.paid_through
    renews = paid if sub.status is Status.ACTIVE and sub.plan.terms.auto_renew else None
    return {
        "period_start": sub.period_start,
        "paid_through": paid,
        "next_renewal": renews,
        "cancellation_deadline": cancellation_deadline(sub),
        "next_reminder_on": min((r.due_on for r in pending_reminders(sub)), default=None),
        "due_at": None if sub.status is Status.EXPIRED else paid,
    }


def reminder_rows(sub: Subscription) -> list[dict[str, Any]]:
    """The rows of ``sub``'s pending reminders, unsent."""
    return [
        {
            "subscription_id": sub.id,
            "kind": r.kind,
            "due_on": r.due_on,
            "customer_id": r.customer_id,
            "plan_name": r.plan_name,
            "timezone": sub.timezone,
            "renews_at": r.renews_at,
            "deadline": r.deadline,
            "sent_at": None,
        }
        for r in pending_reminders(sub)
    ]


def write_reminders(conn: Connection, sub: Subscription, *, new: bool) -> None:
    """Bring ``sub``'s reminder rows in step with it: sent rows stay, pending ones follow.

    A reminder already marked sent keeps its row and mark, so a re-write never sends it
    again; pending rows the subscription no longer holds (cancelled, renewed, moved) go.
    """
    t = reminders_table
    rows = reminder_rows(sub)
    if not new:
        conn.execute(t.delete().where(t.c.subscription_id == sub.id, t.c.sent_at.is_(None)))
        if rows:
            sent = {
                (kind, day)
                for kind, day in conn.execute(
                    sa.select(t.c.kind, t.c.due_on).where(t.c.subscription_id == sub.id)
                )
            }
            rows = [r for r in rows if (r["kind"], r["due_on"]) not in sent]
    if rows:
        conn.execute(t.insert(), rows)


def _local(
    moment: _dt.datetime, tz: pendulum.Timezone | pendulum.FixedTimezone
) -> pendulum.DateTime:
    """``moment`` on the wall clock of ``tz``, as pendulum would give it, about 7x faster.

    (The standard library converts; pendulum's own ``instance().in_timezone()`` costs
    ~85 µs a call, which thousands of reminders a day would feel.)
    """
    wall = moment.astimezone(tz)
    return pendulum.DateTime(
        wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second,
        wall.microsecond, tzinfo=tz, fold=wall.fold,
    )  # fmt: skip


def due_reminders(conn: Connection, on: _dt.date) -> list[Reminder]:
    """Every unsent reminder due on or before ``on`` and still true on it
    (:meth:`~subscriptionkit.subscriptions.Reminder.still_true_on`), by day, subscription
    id and kind."""
    t = reminders_table
    rows = conn.execute(sa.select(t).where(t.c.sent_at.is_(None), t.c.due_on <= on))
    zones: dict[str, pendulum.Timezone | pendulum.FixedTimezone] = {}
    found = []
    for row in rows:
        tz = zones.get(row.timezone) or zones.setdefault(row.timezone, timezone(row.timezone))
        found.append(
            Reminder(
                row.kind,
                row.subscription_id,
                row.customer_id,
                row.plan_name,
                row.due_on,
                _local(row.renews_at, tz),
                _local(row.deadline, tz),
            )
        )
    found = [r for r in found if r.still_true_on(on)]
    # Sorted here, not in SQL: PostgreSQL orders text by the database's collation.
    return sorted(found, key=lambda r: (r.due_on, r.subscription_id, r.kind))


def mark_sent(conn: Connection, reminder: tuple[str, str, _dt.date], at: _dt.datetime) -> bool:
    """Mark one reminder sent unless it was; return whether this call marked it.

    Raises:
        NotFound: no such reminder row.
    """
    t = reminders_table
    sub_id, kind, day = reminder
    key = (t.c.subscription_id == sub_id, t.c.kind == kind, t.c.due_on == day)
    for _attempt in range(3):
        marked = conn.execute(t.update().where(*key, t.c.sent_at.is_(None)).values(sent_at=at))
        if marked.rowcount:
            return True
        found = conn.execute(sa.select(t.c.sent_at).where(*key)).first()
        if found is None:
            raise NotFound(kind=_REMINDER, key=_reminder_label(reminder))
        if found.sent_at is not None:
            return False
        # A concurrent write replaced the row between the two statements: try again.
    return False  # pragma: no cover (three concurrent rewrites in a row)


def due_renewals_query(
    subscriptions: sa.Table, until: _dt.datetime, limit: int | None, dialect: str
) -> sa.Select[Any]:
    """The subscriptions with a step due by ``until``: earliest first, then by id."""
    t = subscriptions
    # Ties by id in code point order, as Python sorts: PostgreSQL's "C" collation.
    by_id = t.c.id.collate("C") if dialect == "postgresql" else t.c.id
    query = sa.select(t).where(t.c.due_at <= until).order_by(t.c.due_at, by_id)
    return query if limit is None else query.limit(limit)


#: The reminder columns :func:`reindex_subscriptions` writes (those of schema version 4).
_REMINDER_COLUMNS: Final = frozenset(
    [
        "subscription_id",
        "kind",
        "due_on",
        "customer_id",
        "plan_name",
        "timezone",
        "renews_at",
        "deadline",
        "sent_at",
    ]
)


def reindex_subscriptions(conn: Connection, *, now: _dt.datetime, batch: int = 1000) -> int:
    """Recompute every subscription's columns and reminder rows from its document.

    For migrations: the step that adds the columns, and any later step whose rules move
    a date (a deadline rule, say), call this after changing the schema. Reminders due
    before ``now``'s day (in each customer's time zone) that have no row yet are stored
    as sent at ``now``: the command that ran before them sent them on their day, and a
    migration must not send them again. Sent rows are kept. Returns how many
    subscriptions were reindexed. Reads ``batch`` documents at a time (flat memory).
    """
    subs = sa.table(
        "sk_subscriptions",
        sa.column("id", sa.String),
        sa.column("document", Document),
        *(sa.column(name, sa.Date if name.endswith("_on") else Moment) for name in INDEX_COLUMNS),
    )
    # Only the columns this function writes, so a later step may add others to the table.
    t = sa.table(
        "sk_reminders",
        *(
            sa.column(c.name, c.type)
            for c in reminders_table.columns
            if c.name in _REMINDER_COLUMNS
        ),
    )
    update = (
        subs.update()
        .where(subs.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(name) for name in INDEX_COLUMNS})
    )
    done, last = 0, ""
    while True:
        rows = conn.execute(
            sa.select(subs.c.id, subs.c.document)
            .where(subs.c.id > last)
            .order_by(subs.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        last = rows[-1].id
        found = []
        for row in rows:
            document = dict(row.document)
            document.setdefault("version", 0)
            found.append(Subscription.from_dict(document))
        conn.execute(update, [{"b_id": s.id, **index_values(s)} for s in found])
        ids = [s.id for s in found]
        conn.execute(t.delete().where(t.c.subscription_id.in_(ids), t.c.sent_at.is_(None)))
        sent = {
            tuple(key)
            for key in conn.execute(
                sa.select(t.c.subscription_id, t.c.kind, t.c.due_on).where(
                    t.c.subscription_id.in_(ids)
                )
            )
        }
        fresh = []
        for sub in found:
            today = ensure_aware(now, "now").in_timezone(sub.timezone).date()
            for values in reminder_rows(sub):
                if (sub.id, values["kind"], values["due_on"]) in sent:
                    continue
                if values["due_on"] < today:
                    values["sent_at"] = now
                fresh.append(values)
        if fresh:
            conn.execute(t.insert(), fresh)
        done += len(found)
