"""Activity events, categories, the event log and batch ingestion."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptionkit import metering
from subscriptionkit.errors import InvalidEvent, InvalidEventBatch, MeteringError
from subscriptionkit.metering import ActivityEvent, Category, EventLog

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
GOOD: tuple[Any, ...] = ("e1", "s1", "p1", 3, "engagement", AT)


class TestExports:
    def test_all_is_sorted_and_complete(self) -> None:
        """__all__ is sorted (constants, classes, functions) and every name is documented."""

        def kind(name: str) -> tuple[int, str]:
            return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

        assert metering.__all__ == sorted(metering.__all__, key=kind)
        public = {n for n in dir(metering) if not n.startswith("_")}  # names load lazily
        assert set(metering.__all__) <= public
        for name in metering.__all__:
            assert getattr(metering, name).__doc__, name


class TestCategory:
    def test_three_billable_categories(self) -> None:
        """Exactly the three published categories are billable, as plain strings."""
        assert {c.value for c in Category} == {
            "cross_method_test",
            "objective_mastery",
            "engagement",
        }
        assert frozenset(c.value for c in Category) == metering.BILLABLE_CATEGORIES
        assert str(Category.ENGAGEMENT) == "engagement"
        assert "engagement" in set(Category)

    def test_other_categories_accepted_not_billed(self) -> None:
        """An unknown category is stored but not billable."""
        e = ActivityEvent("e1", "s1", "p1", 3, "login", AT)
        assert e.category == "login"
        assert not e.billable


class TestActivityEvent:
    @pytest.mark.parametrize(
        ("index", "value", "field"),
        [
            (0, "", "event_id"),
            (1, None, "school_id"),
            (2, "  ", "pupil_id"),
            (3, 0, "grade"),
            (3, 9, "grade"),
            (3, True, "grade"),
            (4, "", "category"),
            (5, dt.datetime(2026, 3, 2, 10, 0), "processed_at"),
            (5, "2026-03-02T10:00:00", "processed_at"),
            (5, "yesterday", "processed_at"),
        ],
    )
    def test_malformed_field_is_named(self, index: int, value: object, field: str) -> None:
        """Each malformed field raises InvalidEvent naming that field and the value."""
        values = list(GOOD)
        values[index] = value
        with pytest.raises(InvalidEvent) as info:
            ActivityEvent(*values)
        assert info.value.field == field
        assert info.value.got == value
        assert field in str(info.value)
        assert isinstance(info.value, MeteringError)
        assert isinstance(info.value, ValueError)

    def test_message_says_expected_and_got(self) -> None:
        """The grade message names the range and the value given."""
        with pytest.raises(InvalidEvent, match=r"grade must be a grade from 1 to 8, got 9"):
            ActivityEvent("e1", "s1", "p1", 9, "engagement", AT)

    def test_digit_strings_and_iso_times(self) -> None:
        """Rows from text are converted: '3' is grade 3, ISO with offset is aware."""
        e = ActivityEvent.from_row(
            ("e1", "s1", "p1", "3", "engagement", "2026-03-02T11:00:00+01:00")
        )
        assert e.grade == 3
        assert e.processed_at == AT
        assert e.epoch == int(AT.timestamp())

    def test_from_row_mapping_missing_field(self) -> None:
        """A mapping without a field reports that field and the row index."""
        row = dict(zip(metering.FIELDS, GOOD, strict=True))
        del row["grade"]
        with pytest.raises(InvalidEvent) as info:
            ActivityEvent.from_row(row, 7)
        assert (info.value.field, info.value.index) == ("grade", 7)

    def test_error_pickles(self) -> None:
        """InvalidEvent keeps its data through pickle."""
        err = InvalidEvent(field="grade", got=9, expected="a grade from 1 to 8", index=4)
        back = pickle.loads(pickle.dumps(err))
        assert (back.field, back.got, back.index, str(back)) == (
            "grade",
            9,
            4,
            str(err),
        )


class TestEventLog:
    def test_same_id_twice_counts_once(self) -> None:
        """Ingesting the same event twice stores it once."""
        log = EventLog()
        e = ActivityEvent(*GOOD)
        assert log.ingest([e, e]) == 1
        assert log.ingest([e]) == 0
        assert len(log) == 1
        assert "e1" in log

    def test_same_id_different_content_is_rejected(self) -> None:
        """Two different events may not share an id."""
        log = EventLog()
        log.ingest([ActivityEvent(*GOOD)])
        with pytest.raises(InvalidEvent) as info:
            log.ingest([ActivityEvent("e1", "s1", "p2", 3, "engagement", AT)])
        assert info.value.field == "event_id"

    def test_batch_reports_every_bad_row_and_keeps_good_ones(self) -> None:
        """ingest_rows lists each bad row by index and stores every good one."""
        log = EventLog()
        rows: list[Any] = [
            GOOD,
            ("e2", "s1", "p2", 11, "engagement", AT),
            ("e3", "s1", "p3", 4, "engagement", AT),
            ("e4", "s1", "p4", 4, "engagement", dt.datetime(2026, 3, 2)),
            GOOD,
            ("e5", "s1"),
        ]
        result = log.ingest_rows(rows)
        assert (result.accepted, result.duplicates) == (2, 1)
        assert [(i, e.field) for i, e in result.rejected] == [
            (1, "grade"),
            (3, "processed_at"),
            (5, "row"),
        ]
        assert all(e.index == i for i, e in result.rejected)
        assert {e.event_id for e in log} == {"e1", "e3"}
        with pytest.raises(InvalidEventBatch) as info:
            result.raise_for_errors()
        assert info.value.accepted == 3
        assert [e.index for e in info.value.errors] == [1, 3, 5]
        assert str(info.value).startswith("3 bad row(s) in a batch of 6")

    def test_clean_batch_does_not_raise(self) -> None:
        """A batch without bad rows is ok."""
        result = EventLog().ingest_rows([GOOD])
        assert result.ok
        result.raise_for_errors()

    @given(st.lists(st.integers(0, 20), max_size=40))
    def test_ingest_is_idempotent(self, ids: list[int]) -> None:
        """Any sequence with repeats stores exactly the distinct ids."""
        log = EventLog()
        events = [ActivityEvent(f"e{i}", "s1", f"p{i}", 3, "engagement", AT) for i in ids]
        assert log.ingest(events) == len(set(ids))
        assert log.ingest(events) == 0
        assert len(log) == len(set(ids))
