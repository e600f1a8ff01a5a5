"""The columnar reader for storing events: exactly the values the streaming reader gives
(text of the time included), or ``None`` so that the streaming reader decides."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from metering_csv_helpers import NAMES, ODD, changed_file, csv_bytes, csv_rows, odd_changes
from subscriptionkit.errors import InvalidCsv, InvalidEvent
from subscriptionkit.metering import ActivityEvent, _arrow, read_events_csv

#: Times in every shape the columnar reader stores as read (or rewrites as isoformat does).
TIMES = (
    "2026-03-02T10:00:00+01:00",
    "2026-03-02T10:00:00Z",
    "2026-03-02T10:00:00.000001-05:00",
    "2026-03-02T10:00:00.120000+00:00",
    "2026-03-02T10:00:00.000000Z",
    "2026-03-02T10:00:00.000000-05:00",
    "1969-12-31T23:59:59.500000-00:30",
    "2026-10-25T02:30:00+02:00",
    "2026-10-25T02:30:00+01:00",
    "2026-03-31T23:59:59+23:59",
)


def _streamed(data: bytes) -> object:
    """What the streaming reader and ActivityEvent store for each row, or the error."""
    try:
        events = [ActivityEvent.from_row(r) for r in read_events_csv(io.BytesIO(data))]
    except (InvalidEvent, InvalidCsv) as exc:
        return ("error", type(exc), exc.field, exc.line)
    return [
        (
            e.event_id,
            e.school_id,
            e.pupil_id,
            e.grade,
            e.category,
            e.epoch,
            e.processed_at.isoformat(),
        )
        for e in events
    ]


def _columnar(data: bytes) -> list[tuple[Any, ...]] | None:
    table = _arrow.read_event_table(io.BytesIO(data))
    if table is None:
        return None
    assert table.column_names == [
        "event_id",
        "school_id",
        "pupil_id",
        "grade",
        "category",
        "processed_epoch",
        "processed_at",
    ]
    return [tuple(row.values()) for row in table.to_pylist()]


class TestSameValues:
    @pytest.mark.parametrize("sep", [",", ";", "\t"])
    def test_plain_files_take_the_columnar_path(self, sep: str) -> None:
        """Plain files, in every time shape it takes, give the streaming reader's values."""
        rows = [
            (f"e{i}", f"school-{i % 3}", f"p{i}", str(1 + i % 8), "engagement", at)
            for i, at in enumerate(TIMES)
        ]
        more = [(*r[:5], TIMES[i % len(TIMES)]) for i, r in enumerate(csv_rows(3, 50))]
        data = csv_bytes([*rows, *more], sep=sep)
        columnar = _columnar(data)
        assert columnar is not None
        assert columnar == _streamed(data)

    def test_duplicates_are_kept_in_file_order(self) -> None:
        """The reader keeps every row, repeated ids too: the store decides which stands."""
        rows = [(*r[:5], TIMES[0]) for r in csv_rows(4, 5)]
        data = csv_bytes([*rows, rows[0], (rows[1][0], *rows[2][1:])])
        columnar = _columnar(data)
        assert columnar is not None
        assert columnar == _streamed(data)

    @pytest.mark.parametrize(("field", "value"), [(f, v) for f, vs in ODD.items() for v in vs])
    def test_odd_value(self, field: str, value: str) -> None:
        """An odd value: the same values as the streaming reader, or None (it decides)."""
        rows = [list(r) for r in csv_rows(5, 4)]
        rows[1][NAMES.index(field)] = value
        data = csv_bytes([tuple(r) for r in rows])
        columnar = _columnar(data)
        assert columnar is None or columnar == _streamed(data)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(odd_changes(TIMES))
    def test_any_odd_values(self, changes: list[tuple[str, str]]) -> None:
        """Random odd values in random places: never a value the streaming reader differs on."""
        data = changed_file(changes)
        columnar = _columnar(data)
        assert columnar is None or columnar == _streamed(data)
