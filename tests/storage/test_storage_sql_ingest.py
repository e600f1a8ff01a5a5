"""PostgreSQL's columnar ingestion: new events go straight into the table; an id found
stored while copying sends the file through the merge, with the same outcome."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from metering_csv_helpers import csv_bytes, csv_rows
from subscriptionkit import errors, metering
from subscriptionkit.storage.sql import SqlStore, _activity_copy

pytest.importorskip("pyarrow")


@pytest.fixture
def store(postgres_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> SqlStore:
    # One id looked up before copying: the stored id below is not among the sample.
    monkeypatch.setattr(_activity_copy, "STORED_SAMPLE", 1)
    return SqlStore(postgres_engine, create=True)


def _rows() -> list[tuple[str, ...]]:
    return [(*r[:5], "2026-03-02T10:00:00Z") for r in csv_rows(41, 30)]


def _store_row(store: SqlStore, row: tuple[str, ...]) -> None:
    with store.unit_of_work() as uow:
        uow.activity.add([metering.ActivityEvent.from_row(row)])
        uow.commit()


def _stored(store: SqlStore) -> set[tuple[object, ...]]:
    with store.unit_of_work() as uow:
        return {
            (e.event_id, e.school_id, e.pupil_id, e.grade, e.category)
            for e in uow.activity.events()
        }


def test_new_events_are_copied_in(store: SqlStore) -> None:
    rows = _rows()
    with store.unit_of_work() as uow:
        assert uow.activity.add_csv(io.BytesIO(csv_bytes(rows))) == len(rows)
        uow.commit()
    assert _stored(store) == {(*r[:3], int(r[3]), r[4]) for r in rows}


def test_a_stored_id_outside_the_sample_is_skipped(store: SqlStore) -> None:
    """The same event stored already: the copy stops, the merge skips it."""
    rows = _rows()
    _store_row(store, rows[17])
    with store.unit_of_work() as uow:
        assert uow.activity.add_csv(io.BytesIO(csv_bytes(rows))) == len(rows) - 1
        uow.commit()
    assert _stored(store) == {(*r[:3], int(r[3]), r[4]) for r in rows}


def test_a_stored_id_of_another_event_is_refused(store: SqlStore) -> None:
    """Another event under a stored id: refused as by add(); nothing of the file kept."""
    rows = _rows()
    other = (rows[17][0], "elsewhere", *rows[17][2:])
    _store_row(store, other)
    with store.unit_of_work() as uow, pytest.raises(errors.InvalidEvent) as caught:
        uow.activity.add_csv(io.BytesIO(csv_bytes(rows)))
    assert caught.value.field == "event_id"
    assert _stored(store) == {(*other[:3], int(other[3]), other[4])}
