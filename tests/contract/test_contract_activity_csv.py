"""The activity store contract for CSV files: ``add_csv`` stores what ``add`` would store
from the file's rows, on every store (PostgreSQL through its columnar path where it can)."""

from __future__ import annotations

import concurrent.futures
import io
import threading
from pathlib import Path

import pytest

from conftest import StoreFactory
from metering_csv_helpers import csv_bytes, csv_rows
from subscriptionkit import errors, metering, plans
from subscriptionkit.storage import Store

#: Times in the shapes the columnar reader stores as read.
TIMES = (
    "2026-03-02T10:00:00+01:00",
    "2026-03-31T22:00:00Z",
    "2026-10-25T02:30:00+02:00",
    "2026-10-25T02:30:00+01:00",
    "2026-04-30T23:59:59.999999+02:00",
    "2026-05-31T22:00:00.000000Z",
)
MONTHS = metering.month_range(metering.Month(2025, 6), metering.Month(2026, 12))


def _rows(seed: int, n: int, *, plain: bool = True) -> list[tuple[str, ...]]:
    """Rows with redelivered events (the same id and event again)."""
    rows = csv_rows(seed, n)
    if plain:
        rows = [(*r[:5], TIMES[i % len(TIMES)]) for i, r in enumerate(rows)]
    return [*rows, rows[0], rows[3]]


def _as_stored(store: Store) -> list[tuple[object, ...]]:
    with store.unit_of_work() as uow:
        events = uow.activity.events()
    return sorted(
        (e.event_id, e.school_id, e.pupil_id, e.grade, e.category, e.processed_at.isoformat())
        for e in events
    )


def _first_of_each_id(data: bytes) -> list[tuple[object, ...]]:
    """What add() keeps of the file's rows: each id's event once."""
    kept: dict[str, metering.ActivityEvent] = {}
    for row in metering.read_events_csv(io.BytesIO(data)):
        event = metering.ActivityEvent.from_row(row)
        kept.setdefault(event.event_id, event)
    return sorted(
        (e.event_id, e.school_id, e.pupil_id, e.grade, e.category, e.processed_at.isoformat())
        for e in kept.values()
    )


def _via_csv(store: Store, source: object) -> int:
    with store.unit_of_work() as uow:
        new = uow.activity.add_csv(source)  # type: ignore[arg-type]
        uow.commit()
    return new


class TestSameAsAdd:
    @pytest.mark.parametrize("plain", [True, False], ids=["columnar", "streaming"])
    def test_same_events_and_counts(
        self, store_factory: StoreFactory, tmp_path: Path, plain: bool
    ) -> None:
        """add_csv stores exactly what add() stores from the same rows (redeliveries once,
        times keep their offset), counts alike, and a second run adds nothing."""
        data = csv_bytes(_rows(31, 400, plain=plain), sep=";")
        path = tmp_path / "events.csv"
        path.write_bytes(data)
        expected = _first_of_each_id(data)
        store = store_factory()
        assert _via_csv(store, path) == len(expected)
        assert _as_stored(store) == expected
        assert _via_csv(store, str(path)) == 0
        with path.open("rb") as f:
            assert _via_csv(store, f) == 0
        plan = plans.default_catalog()["focus-po-combi"]
        assert isinstance(plan, plans.PupilPlan)
        with store.unit_of_work() as uow:
            counts = uow.activity.monthly_counts(plan, MONTHS)
        assert counts == metering.monthly_counts(
            metering.read_events_csv(io.BytesIO(data)), plan, MONTHS
        )

    def test_progress_reaches_the_size(self, store: Store, tmp_path: Path) -> None:
        """The progress callback sees the bytes read, up to the file's size."""
        data = csv_bytes(_rows(32, 300))
        seen: list[int] = []
        with store.unit_of_work() as uow:
            uow.activity.add_csv(io.BytesIO(data), progress=seen.append)
            uow.commit()
        assert seen
        assert seen == sorted(seen)
        assert seen[-1] == len(data)


class TestAllOrNothing:
    def test_a_bad_row_stores_nothing_and_names_its_line(self, store: Store) -> None:
        """A malformed row fails the whole file with its line; what the unit of work held
        before stays, and nothing of the file is kept."""
        rows = _rows(33, 50)
        rows[40] = (*rows[40][:3], "9", *rows[40][4:])
        with store.unit_of_work() as uow:
            uow.activity.add(
                [metering.ActivityEvent.from_row(("x1", "s", "p", 3, "login", TIMES[0]))]
            )
            with pytest.raises(errors.InvalidEvent) as caught:
                uow.activity.add_csv(io.BytesIO(csv_bytes(rows)))
            uow.commit()
        assert caught.value.line == 42
        assert caught.value.field == "grade"
        assert len(_as_stored(store)) == 1

    def test_a_row_short_of_the_header_stores_nothing(self, store: Store) -> None:
        """The header names a seventh column ('note') and line 3 leaves it out: refused
        with its line and the values expected on every store (PostgreSQL's columnar path
        too), nothing kept."""
        data = (
            b"event_id,school_id,pupil_id,grade,category,processed_at,note\n"
            b"e1,s1,p1,3,engagement,2026-03-02T10:00:00+01:00,x\n"
            b"e2,s1,p2,3,engagement,2026-03-02T10:00:00+01:00\n"
        )
        with store.unit_of_work() as uow:
            with pytest.raises(errors.InvalidEvent) as caught:
                uow.activity.add_csv(io.BytesIO(data))
            uow.commit()
        assert (caught.value.line, caught.value.field, caught.value.got) == (3, "row", 6)
        assert "must be 7 values, one for each column of the header" in str(caught.value)
        assert _as_stored(store) == []

    @pytest.mark.parametrize("plain", [True, False], ids=["columnar", "streaming"])
    def test_an_id_reused_by_another_event_is_refused(self, store: Store, plain: bool) -> None:
        """An id given again with another event (in the file, or stored before: here the
        same wall clock an hour apart) is the error add() raises; nothing of the file is
        kept. The same instant written with another offset is the same event."""
        rows = _rows(36, 30, plain=plain)
        with store.unit_of_work() as uow:
            uow.activity.add_csv(io.BytesIO(csv_bytes(rows[:10])))
            uow.commit()
        inside = [*rows, (rows[12][0], *rows[13][1:])]
        at = "2026-10-25T02:30:00"
        before = [rows[2]]  # stored before: a redelivery
        same_instant = ("x1", "s", "p", "3", "login", f"{at}+01:00")
        stored_then = [same_instant, ("x2", "s", "p", "3", "login", f"{at}+02:00")]
        with store.unit_of_work() as uow:
            with pytest.raises(errors.InvalidEvent) as caught:
                uow.activity.add_csv(io.BytesIO(csv_bytes(inside)))
            assert caught.value.field == "event_id"
            assert caught.value.got == rows[12][0]
            assert caught.value.line == len(inside) + 1  # the file line of the second event
            assert str(caught.value).startswith(f"line {len(inside) + 1}: ")
            assert uow.activity.add_csv(io.BytesIO(csv_bytes(before))) == 0
            assert uow.activity.add_csv(io.BytesIO(csv_bytes(stored_then))) == 2
            uow.commit()
        again = [("x1", "s", "p", "3", "login", "2026-10-25T01:30:00Z")]  # the same instant
        other = [("x2", "s", "p", "3", "login", f"{at}+01:00")]  # an hour later
        with store.unit_of_work() as uow:
            assert uow.activity.add_csv(io.BytesIO(csv_bytes(again))) == 0
            with pytest.raises(errors.InvalidEvent, match=r"^line 3: .*event_id") as caught:
                uow.activity.add_csv(io.BytesIO(csv_bytes([*again, *other])))
            assert caught.value.line == 3
        assert len(_as_stored(store)) == 12

    def test_bad_arguments(self, store: Store, tmp_path: Path) -> None:
        """A missing file, a source of the wrong kind or a progress that is not callable
        is InvalidInput."""
        with store.unit_of_work() as uow:
            with pytest.raises(errors.InvalidInput, match="cannot read the CSV file"):
                uow.activity.add_csv(tmp_path / "nope.csv")
            with pytest.raises(errors.InvalidInput, match="source must be"):
                uow.activity.add_csv(42)  # type: ignore[arg-type]
            with pytest.raises(errors.InvalidInput, match="progress must be"):
                uow.activity.add_csv(io.BytesIO(b""), progress=3)  # type: ignore[arg-type]


class TestConcurrent:
    def test_four_writers_of_one_file(self, store_factory: StoreFactory, tmp_path: Path) -> None:
        """Four writers store the same file at once: each event once, and the "new"
        counts add up to the events stored."""
        data = csv_bytes(_rows(35, 1500))
        path = tmp_path / "events.csv"
        path.write_bytes(data)
        writers = 4
        stores = [store_factory() for _ in range(writers)]
        start = threading.Barrier(writers)

        def ingest(i: int) -> int:
            start.wait()
            return _via_csv(stores[i], path)

        with concurrent.futures.ThreadPoolExecutor(writers) as pool:
            new = list(pool.map(ingest, range(writers)))
        stored = _as_stored(stores[0])
        assert sum(new) == len(stored) == 1500
