"""The subscription repository of a SQL unit of work (internal)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ...clock import ensure_aware
from ...errors import AlreadyExists, ConcurrentUpdate, NotFound, TrialAlreadyUsed
from ...subscriptions import Event, Reminder, Subscription
from .._checks import _reminder_key, _require_day, _require_limit, _subscription_entries
from .._memory_discounts import end_with_subscription
from ._audit import append as append_entries
from ._errors import translating
from ._schedule import (
    due_reminders,
    due_renewals_query,
    index_values,
    mark_sent,
    write_reminders,
)
from ._tables import subscriptions_table

if TYPE_CHECKING:
    from ._store import SqlUnitOfWork

_KIND = "subscription"


def _row_values(sub: Subscription) -> dict[str, Any]:
    doc = sub.to_dict()
    doc.pop("version")
    return {
        "customer_id": sub.customer_id,
        "plan_id": sub.plan.id,
        "status": sub.status.value,
        "trial_customer_id": sub.customer_id if sub.trial_started_at is not None else None,
        "document": doc,
        **index_values(sub),
    }


def _from_row(row: sa.Row[Any]) -> Subscription:
    doc = dict(row.document)
    doc["version"] = row.version
    return Subscription.from_dict(doc)


@translating
class _Subscriptions:
    """The subscription repository of one SQL unit of work."""

    _t = subscriptions_table

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def _trial_holder(self, conn: Connection, sub: Subscription) -> Subscription | None:
        row = conn.execute(
            sa.select(self._t).where(
                self._t.c.trial_customer_id == sub.customer_id, self._t.c.id != sub.id
            )
        ).first()
        return None if row is None else _from_row(row)

    def _write(self, sub: Subscription, statement: Any) -> int:
        conn = self._uow.connection
        if sub.trial_started_at is not None and (holder := self._trial_holder(conn, sub)):
            raise TrialAlreadyUsed(
                customer_id=sub.customer_id, trial_started=holder.trial_started_at
            )
        try:
            with conn.begin_nested():
                return int(conn.execute(statement).rowcount)
        except sa.exc.IntegrityError:
            holder = self._trial_holder(conn, sub)
            if holder is not None:
                raise TrialAlreadyUsed(
                    customer_id=sub.customer_id, trial_started=holder.trial_started_at
                ) from None
            raise AlreadyExists(kind=_KIND, key=sub.id) from None

    def add(self, subscription: Subscription, *, events: Iterable[Event] = ()) -> Subscription:
        events = tuple(events)
        entries = _subscription_entries(subscription, events)
        values = _row_values(subscription)
        self._write(subscription, self._t.insert().values(id=subscription.id, version=1, **values))
        write_reminders(self._uow.connection, subscription, new=True)
        append_entries(self._uow.connection, entries)
        stored = attrs.evolve(subscription, version=1)
        end_with_subscription(self._uow.discounts, stored, events)
        return stored

    def get(self, subscription_id: str) -> Subscription:
        row = self._uow.connection.execute(
            sa.select(self._t).where(self._t.c.id == subscription_id)
        ).first()
        if row is None:
            raise NotFound(kind=_KIND, key=subscription_id)
        return _from_row(row)

    def update(self, subscription: Subscription, *, events: Iterable[Event] = ()) -> Subscription:
        events = tuple(events)
        entries = _subscription_entries(subscription, events)
        statement = (
            self._t.update()
            .where(self._t.c.id == subscription.id, self._t.c.version == subscription.version)
            .values(version=self._t.c.version + 1, **_row_values(subscription))
        )
        if self._write(subscription, statement) == 0:
            found = self._uow.connection.execute(
                sa.select(self._t.c.version).where(self._t.c.id == subscription.id)
            ).scalar()
            if found is None:
                raise NotFound(kind=_KIND, key=subscription.id)
            raise ConcurrentUpdate(
                kind=_KIND,
                key=subscription.id,
                expected_version=subscription.version,
                found_version=int(found),
            )
        write_reminders(self._uow.connection, subscription, new=False)
        append_entries(self._uow.connection, entries)
        stored = attrs.evolve(subscription, version=subscription.version + 1)
        end_with_subscription(self._uow.discounts, stored, events)
        return stored

    def for_customer(self, customer_id: str) -> Sequence[Subscription]:
        rows = self._uow.connection.execute(
            sa.select(self._t).where(self._t.c.customer_id == customer_id)
        )
        found = [_from_row(r) for r in rows]
        return sorted(found, key=lambda s: (s.trial_started_at or s.started_at, s.id))

    def list(self, *, statuses: Iterable[str] | None = None) -> Iterator[Subscription]:
        query = sa.select(self._t).order_by(self._t.c.id)
        if statuses is not None:
            query = query.where(self._t.c.status.in_([str(s) for s in statuses]))
        return iter([_from_row(r) for r in self._uow.connection.execute(query)])

    def due_renewals(
        self, *, until: _dt.datetime, limit: int | None = None
    ) -> Sequence[Subscription]:
        conn = self._uow.connection
        query = due_renewals_query(
            self._t, ensure_aware(until, "until"), _require_limit(limit), conn.dialect.name
        )
        return [_from_row(r) for r in conn.execute(query)]

    def due_reminders(self, *, on: _dt.date) -> Sequence[Reminder]:
        return due_reminders(self._uow.connection, _require_day(on))

    def mark_sent(self, reminder: Reminder, *, at: _dt.datetime) -> bool:
        return mark_sent(self._uow.connection, _reminder_key(reminder), ensure_aware(at, "at"))
