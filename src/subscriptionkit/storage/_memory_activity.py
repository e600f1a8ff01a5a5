"""The activity events of a memory unit of work (internal; see :mod:`.memory`)."""

from __future__ import annotations

import datetime as _dt
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING

import attrs

from ..clock import DEFAULT_TIMEZONE, instant
from ..errors import DatabaseBusy, InvalidInput
from ..metering import ActivityEvent, CountMoment, Month, MonthlyCounts, monthly_counts
from ..metering._events import reused_id
from ..plans import PupilPlan
from ._activity_csv import add_csv
from ._activity_ports import event_order

if TYPE_CHECKING:
    from .memory import MemoryUnitOfWork


class _Activity:
    """The activity events of one memory unit of work; counts use the Python engine."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._store = uow.store
        self._staged: dict[str, ActivityEvent] = {}
        #: Erasures staged: (school id, pupil id) -> pseudonym, applied at commit.
        self._renames: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"<memory activity staged={len(self._staged)}>"

    def _renamed(self, event: ActivityEvent) -> ActivityEvent:
        pseudonym = self._renames.get((event.school_id, event.pupil_id))
        return event if pseudonym is None else attrs.evolve(event, pupil_id=pseudonym)

    def _visible(self) -> Iterator[ActivityEvent]:
        yield from map(self._renamed, self._store._activity.values())
        yield from (e for k, e in self._staged.items() if k not in self._store._activity)

    def pseudonymise(self, school_id: str, pupil_id: str, pseudonym: str) -> int:
        self._uow._require_open()
        pair = (school_id, pupil_id)
        with self._store._lock:
            count = sum(1 for e in self._visible() if (e.school_id, e.pupil_id) == pair)
        self._staged = {
            k: attrs.evolve(e, pupil_id=pseudonym) if (e.school_id, e.pupil_id) == pair else e
            for k, e in self._staged.items()
        }
        self._renames[pair] = pseudonym
        return count

    def add(self, events: Iterable[ActivityEvent]) -> int:
        """Stage events; return how many are new (see :class:`ActivityStore`).

        All or nothing: the input is read and checked before anything is staged, so an
        error while reading it leaves the unit of work as it was. An id another open unit
        of work has staged is waited for, as a database waits on a row lock: counted new
        here if that one rolls back, not if it commits. So concurrent units of work adding
        the same events each count an event once between them.

        An id stored (or staged, or given earlier in the call) with a different event is
        refused, nothing staged: equal events are redeliveries, moments compared as
        instants.

        Raises:
            InvalidInput: an item is not an :class:`ActivityEvent` (nothing is staged).
            InvalidEvent: an id already used by a different event (field ``event_id``,
                ``index`` its position in the input; nothing is staged).
            DatabaseBusy: waited ``lock_timeout`` seconds, or waiting would deadlock.
        """
        self._uow._require_open()
        batch: dict[str, ActivityEvent] = {}
        #: The input position of each id's first event, for the error of a reused id.
        where: dict[str, int] = {}
        for index, event in enumerate(events):
            if not isinstance(event, ActivityEvent):
                raise InvalidInput(
                    f"activity events stored must be ActivityEvent values, got {type(event).__name__}"
                )
            first = batch.setdefault(event.event_id, event)
            if first != event:  # ActivityEvent compares its moment as an instant
                raise reused_id(event.event_id, index)
            where.setdefault(event.event_id, index)
        # A pupil erased before: its new events are stored under its pseudonym too.
        erased = self._uow.pseudonyms.erased_pseudonym
        for key, event in batch.items():
            pair = (event.school_id, event.pupil_id)
            pseudonym = self._renames.get(pair) or erased(event.pupil_id, event.school_id)
            if pseudonym is not None:
                batch[key] = attrs.evolve(event, pupil_id=pseudonym)
        store = self._store
        me = self._uow
        with store._lock:
            deadline = time.monotonic() + store.lock_timeout
            while True:
                wanted = [k for k in batch if k not in self._staged and k not in store._activity]
                holders = {store._claims[k] for k in wanted if k in store._claims} - {me}
                if not holders:
                    break
                self._wait_for(holders, deadline)
            for key, event in batch.items():
                stored = store._activity.get(key)
                known = self._staged.get(key) or (stored and self._renamed(stored))
                if known is not None and known != event:
                    raise reused_id(key, where[key])
            for key in wanted:
                self._staged[key] = batch[key]
                store._claims[key] = me
        return len(wanted)

    def add_csv(
        self,
        source: str | os.PathLike[str] | IO[bytes],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Stage the events of a CSV file (see :class:`ActivityStore`)."""
        self._uow._require_open()
        return add_csv(source, self.add, progress=progress)

    def _wait_for(self, holders: set[MemoryUnitOfWork], deadline: float) -> None:
        """Wait (lock held) until one of ``holders`` ends, refusing deadlocks and long waits."""
        store = self._store
        me = self._uow
        seen: set[MemoryUnitOfWork] = set()
        todo = list(holders)
        while todo:  # does any holder (transitively) wait for me?
            other = todo.pop()
            if other is me:
                raise DatabaseBusy(
                    detail="deadlock: two units of work wait for event ids the other added"
                )
            if other not in seen:
                seen.add(other)
                todo.extend(store._waits.get(other, ()))
        left = deadline - time.monotonic()
        if left <= 0:
            raise DatabaseBusy(
                detail=f"waited {store.lock_timeout:g} s for event ids another unit of work "
                "added and has not committed"
            )
        store._waits[me] = holders
        try:
            store._released.wait(left)
        finally:
            del store._waits[me]

    def events(
        self,
        *,
        school_id: str | None = None,
        since: _dt.datetime | None = None,
        until: _dt.datetime | None = None,
    ) -> Sequence[ActivityEvent]:
        self._uow._require_open()
        since = None if since is None else instant(since, "since")
        until = None if until is None else instant(until, "until")
        with self._store._lock:
            found = [
                e
                for e in self._visible()
                if (school_id is None or e.school_id == school_id)
                and (since is None or instant(e.processed_at) >= since)
                and (until is None or instant(e.processed_at) < until)
            ]
        return sorted(found, key=event_order)

    def pupil_events(self, school_id: str, pupil_id: str) -> Sequence[ActivityEvent]:
        self._uow._require_open()
        pair = (school_id, pupil_id)
        with self._store._lock:
            found = [e for e in self._visible() if (e.school_id, e.pupil_id) == pair]
        return sorted(found, key=event_order)

    def schools_of_pupil(self, pupil_id: str) -> tuple[str, ...]:
        self._uow._require_open()
        with self._store._lock:
            return tuple(sorted({e.school_id for e in self._visible() if e.pupil_id == pupil_id}))

    def count(self, *, school_id: str | None = None) -> int:
        self._uow._require_open()
        with self._store._lock:
            return sum(1 for e in self._visible() if school_id is None or e.school_id == school_id)

    def monthly_counts(
        self,
        plan: PupilPlan,
        months: Iterable[Month],
        *,
        tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
        policy: CountMoment | None = None,
        school_id: str | None = None,
    ) -> MonthlyCounts:
        self._uow._require_open()
        with self._store._lock:
            chosen = [e for e in self._visible() if school_id is None or e.school_id == school_id]
        return monthly_counts(chosen, plan, months, tz=tz, policy=policy)

    def _check(self) -> None:
        """Nothing can conflict: staged ids are claimed, so none is stored meanwhile."""

    def _apply(self) -> None:
        if self._renames:
            stored = self._store._activity
            for key, event in stored.items():
                stored[key] = self._renamed(event)
        for key, event in self._staged.items():
            self._store._activity.setdefault(key, event)  # claimed: none stored meanwhile

    def _discard(self) -> None:
        self._renames.clear()
        store = self._store
        with store._lock:
            if self._staged:
                for key in self._staged:
                    if store._claims.get(key) is self._uow:
                        del store._claims[key]
                store._released.notify_all()
            self._staged.clear()
