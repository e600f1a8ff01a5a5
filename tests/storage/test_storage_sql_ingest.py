"""PostgreSQL's columnar ingestion: new events go straight into the table; an id found
stored while copying sends the file through the merge, with the same outcome."""

from __future__ import annotations

import io
from collections.abc import Iterable

import pytest
import sqlalchemy as sa

from metering_csv_helpers import csv_bytes, csv_rows
from subscriptionkit import errors, metering
from subscriptionkit.metering import _arrow
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


#: Ids of every UTF-8 width and the longest allowed, times of every stored shape (a
#: fraction, an offset, before 1970): the binary ``COPY`` carries each as written.
_WIDE_ROWS = [
    ("é1", "schoöl", "ρ", "3", "objective_mastery", "2026-03-02T10:00:00.000001-05:00"),
    ("日本-2", "学校", "生徒", "1", "report", "1969-12-31T23:59:59.500000-00:30"),
    ("\U0001f600-3", "s3", "p\U0001f600", "8", "objective_mastery", "2026-10-25T02:30:00+02:00"),
    ("x" * 100, "y" * 100, "z" * 100, "5", "report", "2026-03-02T10:00:00Z"),
    ("e5", "s5", "p5", "2", "objective_mastery", "2026-03-31T23:59:59+23:59"),
]


@pytest.mark.parametrize("repeated", [False, True], ids=["straight", "merged"])
def test_values_are_stored_as_the_streaming_reader_reads_them(
    store: SqlStore, repeated: bool
) -> None:
    """Each value as ActivityEvent holds it, straight into the table or (a row given
    twice) through the staging table."""
    rows = _WIDE_ROWS + _WIDE_ROWS[:1] if repeated else _WIDE_ROWS
    data = csv_bytes(rows)
    assert _arrow.read_event_table(io.BytesIO(data)) is not None  # the columns are copied
    with store.unit_of_work() as uow:
        assert uow.activity.add_csv(io.BytesIO(data)) == len(_WIDE_ROWS)
        uow.commit()
        stored = uow.activity.events()

    def values(events: Iterable[metering.ActivityEvent]) -> list[tuple[object, ...]]:
        return sorted(
            (e.event_id, e.school_id, e.pupil_id, e.grade, e.category, e.processed_at.isoformat())
            for e in events
        )

    assert values(stored) == values(metering.ActivityEvent.from_row(r) for r in _WIDE_ROWS)


def test_binary_rows_are_postgres_copy_tuples() -> None:
    """Field count, then each field's length and value, big-endian."""
    import pyarrow as pa

    table = pa.table(
        {
            "a": pa.array(["é", ""], pa.string()),
            "n": pa.array([-2, 7], pa.int16()),
            "m": pa.array([1, -1], pa.int64()),
        }
    )
    expected = (
        b"\x00\x03" + b"\x00\x00\x00\x02" + "é".encode() + b"\x00\x00\x00\x02\xff\xfe"
        b"\x00\x00\x00\x08"
        + (1).to_bytes(8, "big")
        + b"\x00\x03"
        + b"\x00\x00\x00\x00"
        + b"\x00\x00\x00\x02\x00\x07"
        b"\x00\x00\x00\x08" + b"\xff" * 8
    )
    assert _activity_copy.binary_rows(table).to_pybytes() == expected
