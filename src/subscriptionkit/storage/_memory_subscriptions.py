"""The memory adapter's subscriptions, their reminder rows and the audit log (internal).

Kept beside :mod:`.memory`, which builds its units of work from these parts. Each part
stages its writes; the unit of work checks and applies all parts at commit.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import attrs

from ..audit import AuditEntry
from ..clock import ensure_aware
from ..errors import AlreadyExists, ConcurrentUpdate, NotFound, TrialAlreadyUsed
from ..subscriptions import Event, Reminder, Status, Subscription, pending_reminders
from ._checks import (
    _REMINDER,
    _reminder_key,
    _reminder_label,
    _require_day,
    _require_entries,
    _require_limit,
    _subscription_entries,
)
from ._memory_discounts import end_with_subscription
from ._privacy_ports import pseudonymised_entry

if TYPE_CHECKING:
    from .memory import MemoryUnitOfWork

_KIND = "subscription"

#: A subscription's reminder rows: (kind, due day) -> the reminder and when it was sent.
Rows = dict[tuple[str, _dt.date], "ReminderRow"]


@attrs.frozen
class ReminderRow:
    """A stored reminder and the moment it was marked sent (``None``: pending)."""

    reminder: Reminder
    sent_at: _dt.datetime | None = None


def merge_rows(current: Rows, subscription: Subscription) -> Rows:
    """The rows after writing ``subscription``: sent rows stay, pending ones follow the rules.

    Every reminder of :func:`pending_reminders` gets a row unless one with its kind and
    day exists and was sent (a re-write never sends it again); pending rows the
    subscription no longer holds go.
    """
    rows = {key: row for key, row in current.items() if row.sent_at is not None}
    for reminder in pending_reminders(subscription):
        rows.setdefault((reminder.kind, reminder.due_on), ReminderRow(reminder))
    return rows


class MemoryData:
    """What a memory store keeps for subscriptions: values, reminder rows, the audit log."""

    def __init__(self) -> None:
        self.subscriptions: dict[str, Subscription] = {}
        self.reminders: dict[str, Rows] = {}
        self.audit: list[AuditEntry] = []
        self.sequence = itertools.count(1)


def instant(value: _dt.datetime) -> _dt.datetime:
    """``value`` in UTC: moments compare as instants, never as wall clocks (``fold``)."""
    return ensure_aware(value).astimezone(_dt.UTC)


def _check_trial(sub: Subscription, visible: dict[str, Subscription]) -> None:
    """Refuse a second trial for one customer."""
    if sub.trial_started_at is None:
        return
    for other in visible.values():
        if (
            other.id != sub.id
            and other.customer_id == sub.customer_id
            and other.trial_started_at is not None
        ):
            raise TrialAlreadyUsed(
                customer_id=sub.customer_id, trial_started=other.trial_started_at
            )


class Subscriptions:
    """The subscription repository of one memory unit of work (reads see staged writes)."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._lock: threading.RLock = uow.store._lock
        self._data: MemoryData = uow.store._data
        self._staged: dict[str, Subscription] = {}
        # The version each staged subscription had in the store when first written here
        # (0: new); commit refuses if the store moved on meanwhile.
        self._expected: dict[str, int] = {}
        # Reminders marked sent here: key -> moment.
        self._marks: dict[tuple[str, str, _dt.date], _dt.datetime] = {}

    def __repr__(self) -> str:
        return f"<memory subscriptions staged={len(self._staged)}>"

    def _visible(self) -> dict[str, Subscription]:
        return {**self._data.subscriptions, **self._staged}

    def _rows(self, subscription_id: str) -> Rows:
        """The reminder rows of one subscription as this unit of work sees them."""
        rows = self._data.reminders.get(subscription_id, {})
        staged = self._staged.get(subscription_id)
        if staged is not None:
            rows = merge_rows(rows, staged)
        out = dict(rows)
        for (sub_id, kind, day), at in self._marks.items():
            row = out.get((kind, day))
            if sub_id == subscription_id and row is not None and row.sent_at is None:
                out[(kind, day)] = attrs.evolve(row, sent_at=at)
        return out

    def add(self, subscription: Subscription, *, events: Iterable[Event] = ()) -> Subscription:
        self._uow._require_open()
        events = tuple(events)
        entries = _subscription_entries(subscription, events)
        with self._lock:
            visible = self._visible()
            if subscription.id in visible:
                raise AlreadyExists(kind=_KIND, key=subscription.id)
            _check_trial(subscription, visible)
        stored = attrs.evolve(subscription, version=1)
        self._staged[stored.id] = stored
        self._expected[stored.id] = 0
        self._uow.audit.append(entries)
        end_with_subscription(self._uow.discounts, stored, events)
        return stored

    def get(self, subscription_id: str) -> Subscription:
        self._uow._require_open()
        with self._lock:
            found = self._visible().get(subscription_id)
        if found is None:
            raise NotFound(kind=_KIND, key=subscription_id)
        return found

    def update(self, subscription: Subscription, *, events: Iterable[Event] = ()) -> Subscription:
        self._uow._require_open()
        events = tuple(events)
        entries = _subscription_entries(subscription, events)
        with self._lock:
            visible = self._visible()
            current = visible.get(subscription.id)
            if current is None:
                raise NotFound(kind=_KIND, key=subscription.id)
            if current.version != subscription.version:
                raise ConcurrentUpdate(
                    kind=_KIND,
                    key=subscription.id,
                    expected_version=subscription.version,
                    found_version=current.version,
                )
            _check_trial(subscription, visible)
            base = self._data.subscriptions.get(subscription.id)
        stored = attrs.evolve(subscription, version=subscription.version + 1)
        self._expected.setdefault(stored.id, base.version if base else 0)
        self._staged[stored.id] = stored
        self._uow.audit.append(entries)
        end_with_subscription(self._uow.discounts, stored, events)
        return stored

    def for_customer(self, customer_id: str) -> Sequence[Subscription]:
        self._uow._require_open()
        with self._lock:
            found = [s for s in self._visible().values() if s.customer_id == customer_id]
        return sorted(found, key=lambda s: (instant(s.trial_started_at or s.started_at), s.id))

    def list(self, *, statuses: Iterable[str] | None = None) -> Iterator[Subscription]:
        self._uow._require_open()
        wanted = None if statuses is None else {str(s) for s in statuses}
        with self._lock:
            items = sorted(self._visible().values(), key=lambda s: s.id)
        return iter([s for s in items if wanted is None or s.status.value in wanted])

    def due_renewals(
        self, *, until: _dt.datetime, limit: int | None = None
    ) -> Sequence[Subscription]:
        self._uow._require_open()
        moment = instant(ensure_aware(until, "until"))
        limit = _require_limit(limit)
        with self._lock:
            due = [
                (instant(paid), s.id, s)
                for s in self._visible().values()
                if s.status is not Status.EXPIRED
                and (paid := s.paid_through) is not None
                and instant(paid) <= moment
            ]
        due.sort(key=lambda item: item[:2])
        return [s for _, _, s in due[:limit]]

    def due_reminders(self, *, on: _dt.date) -> Sequence[Reminder]:
        self._uow._require_open()
        on = _require_day(on)
        with self._lock:
            ids = set(self._data.reminders) | set(self._staged)
            found = [
                row.reminder
                for sub_id in ids
                for row in self._rows(sub_id).values()
                if row.sent_at is None
                and row.reminder.due_on <= on
                and row.reminder.still_true_on(on)
            ]
        return sorted(found, key=lambda r: (r.due_on, r.subscription_id, r.kind))

    def mark_sent(self, reminder: Reminder, *, at: _dt.datetime) -> bool:
        self._uow._require_open()
        key = _reminder_key(reminder)
        moment = ensure_aware(at, "at")
        with self._lock:
            row = self._rows(key[0]).get(key[1:])
        if row is None:
            raise NotFound(kind=_REMINDER, key=_reminder_label(key))
        if row.sent_at is not None:
            return False
        self._marks[key] = moment
        return True

    def _check(self) -> None:
        base = self._data.subscriptions
        for key, expected in self._expected.items():
            found = base[key].version if key in base else 0
            if expected == 0 and found:
                raise AlreadyExists(kind=_KIND, key=key)
            if found != expected:
                raise ConcurrentUpdate(
                    kind=_KIND, key=key, expected_version=expected, found_version=found
                )
        visible = self._visible()
        for sub in self._staged.values():
            _check_trial(sub, visible)
        for sub_id, kind, day in self._marks:
            row = self._data.reminders.get(sub_id, {}).get((kind, day))
            if row is not None and row.sent_at is not None:
                # Another unit of work marked it first: its sender sent it.
                raise ConcurrentUpdate(
                    kind=_REMINDER,
                    key=_reminder_label((sub_id, kind, day)),
                    expected_version=0,
                    found_version=1,
                )

    def _apply(self) -> None:
        touched = set(self._staged) | {key[0] for key in self._marks}
        rows = {sub_id: self._rows(sub_id) for sub_id in touched}
        self._data.subscriptions.update(self._staged)
        self._data.reminders.update(rows)

    def _discard(self) -> None:
        self._staged.clear()
        self._expected.clear()
        self._marks.clear()


class Audit:
    """The audit log of one memory unit of work: appends are staged until commit."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._lock: threading.RLock = uow.store._lock
        self._data: MemoryData = uow.store._data
        self._staged: list[AuditEntry] = []
        #: Erasures staged: (id, pseudonym), applied in order to every entry at commit.
        self._renames: list[tuple[str, str]] = []

    def __repr__(self) -> str:
        return f"<memory audit staged={len(self._staged)}>"

    def _renamed(self, entry: AuditEntry) -> AuditEntry:
        for value, pseudonym in self._renames:
            entry = pseudonymised_entry(entry, value, pseudonym) or entry
        return entry

    def about(self, value: str) -> Sequence[AuditEntry]:
        return self._select(lambda e: pseudonymised_entry(e, value, "-") is not None)

    def pseudonymise(self, value: str, pseudonym: str) -> int:
        self._uow._require_open()
        count = len(self._select(lambda e: pseudonymised_entry(e, value, pseudonym) is not None))
        self._renames.append((value, pseudonym))
        return count

    def append(self, entries: Iterable[AuditEntry]) -> Sequence[AuditEntry]:
        self._uow._require_open()
        checked = _require_entries(entries)
        with self._lock:  # numbers come from one counter, like a database sequence
            numbered = [attrs.evolve(e, sequence=next(self._data.sequence)) for e in checked]
        self._staged.extend(numbered)
        return numbered

    def _select(self, keep: Callable[[AuditEntry], bool]) -> Sequence[AuditEntry]:
        self._uow._require_open()
        with self._lock:
            found = [e for e in map(self._renamed, (*self._data.audit, *self._staged)) if keep(e)]
        return sorted(found, key=lambda e: e.sequence)

    def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditEntry]:
        return self._select(lambda e: (e.subject_type, e.subject_id) == (subject_type, subject_id))

    def for_customer(self, customer_id: str) -> Sequence[AuditEntry]:
        return self._select(lambda e: e.customer_id == customer_id)

    def _check(self) -> None:
        """Nothing can conflict: entries are only ever appended."""

    def _apply(self) -> None:
        self._data.audit.extend(self._staged)
        if self._renames:
            self._data.audit[:] = [self._renamed(e) for e in self._data.audit]

    def _discard(self) -> None:
        self._staged.clear()
        self._renames.clear()
