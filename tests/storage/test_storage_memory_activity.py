"""The memory store's activity events under concurrency: waits, like a database's row locks."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from subscriptionkit.errors import DatabaseBusy
from subscriptionkit.metering import ActivityEvent
from subscriptionkit.storage import MemoryStore

AT = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)


def _event(i: int) -> ActivityEvent:
    return ActivityEvent(f"e{i}", "s", f"p{i}", 3, "engagement", AT)


class TestWaits:
    def test_an_uncommitted_id_is_waited_for_then_refused(self) -> None:
        """An id another open unit of work staged blocks for lock_timeout, then DatabaseBusy."""
        store = MemoryStore(lock_timeout=0.05)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            assert first.activity.add([_event(1)]) == 1
            assert second.activity.add([_event(2)]) == 1  # other ids do not wait
            with pytest.raises(DatabaseBusy, match=r"waited 0\.05 s"):
                second.activity.add([_event(1)])

    def test_new_once_the_other_rolls_back(self) -> None:
        """A waiting unit of work counts the id as new if the one holding it rolls back,
        and as old if it commits."""
        store = MemoryStore()
        holding = store.unit_of_work().__enter__()
        holding.activity.add([_event(1), _event(2)])
        results: list[int] = []

        def wait_then_add() -> None:
            with store.unit_of_work() as uow:
                results.append(uow.activity.add([_event(1), _event(3)]))
                uow.commit()

        waiter = threading.Thread(target=wait_then_add)
        waiter.start()
        waiter.join(0.2)
        assert waiter.is_alive()  # blocked on e1
        holding.__exit__(None, None, None)  # leaves without commit: a rollback
        waiter.join(5)
        assert results == [2]
        with store.unit_of_work() as uow:
            assert sorted(e.event_id for e in uow.activity.events()) == ["e1", "e3"]
