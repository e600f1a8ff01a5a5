"""SQLite's "database is locked" surfaces as the library's DatabaseBusy."""

from __future__ import annotations

from pathlib import Path

import pytest

from subscriptionkit import errors
from subscriptionkit.storage.sql import SqlStore
from subscriptionkit.testing import active_subscription


class TestDatabaseBusy:
    def test_write_on_a_stale_snapshot(self, tmp_path: Path) -> None:
        """A unit of work that read, then writes after another one committed, gets DatabaseBusy."""
        path = str(tmp_path / "busy.db")
        store, other = SqlStore(path), SqlStore(path)
        sub = active_subscription()
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        with store.unit_of_work() as first:
            read = first.subscriptions.get(sub.id)
            with other.unit_of_work() as second:
                second.subscriptions.update(second.subscriptions.get(sub.id))
                second.commit()
            with pytest.raises(errors.DatabaseBusy) as info:
                first.subscriptions.update(read)
        assert isinstance(info.value, errors.StorageError)
        assert str(info.value) == (
            "the database is busy (database is locked): another unit of work is writing, or "
            "wrote since this one began; expected a free database: retry the whole unit of work"
        )
        with other.unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id).version == 2
