"""The streaming engine and the numpy fast path against a naive reference."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metering_strategies import AMS, MONTHS, Row, naive_month, rows
from subscriptionkit.errors import InvalidEvent
from subscriptionkit.metering import (
    BillableCounter,
    CountMoment,
    CountTable,
    Month,
    Timeline,
    _fast,
)
from subscriptionkit.metering._fast import count_arrays


def _naive_table(data: list[Row], grades: frozenset[int] | None = None) -> dict[str, Any]:
    out: dict[str, dict[int, list[int]]] = {}
    for i, month in enumerate(MONTHS):
        for school, pupils in naive_month(data, month, grades).items():
            for grade in pupils.values():
                out.setdefault(school, {}).setdefault(grade, [0] * len(MONTHS))[i] += 1
    return {s: {g: tuple(v) for g, v in per.items()} for s, per in out.items()}


def _columns(data: list[Row]) -> list[list[Any]]:
    return [list(c) for c in zip(*data, strict=True)] if data else [[], [], [], [], []]


def _python(data: list[Row], by_grade: bool, grades: frozenset[int] | None = None) -> CountTable:
    counter = BillableCounter(Timeline.build(MONTHS, AMS), by_grade=by_grade, grades=grades)
    counter.add_columns(*_columns(data))
    return counter.table()


def _numpy(data: list[Row], by_grade: bool, grades: frozenset[int] | None = None) -> CountTable:
    cols = _columns(data)
    return count_arrays(
        Timeline.build(MONTHS, AMS),
        np.array(cols[0], dtype=str),
        np.array(cols[1], dtype=str),
        np.array(cols[2], dtype=np.int64),
        np.array(cols[3], dtype=str),
        np.array(cols[4], dtype=np.int64),
        by_grade=by_grade,
        allowed_grades=grades,
    )


class TestAgainstReference:
    @settings(max_examples=60, deadline=None)
    @given(rows())
    def test_python_and_numpy_match_naive_by_grade(self, data: list[Row]) -> None:
        """Per school, month and grade, both engines equal the per-event reference."""
        expected = _naive_table(data)
        assert dict(_python(data, True).by_grade or {}) == expected
        assert dict(_numpy(data, True).by_grade or {}) == expected

    @settings(max_examples=60, deadline=None)
    @given(rows())
    def test_totals_match(self, data: list[Row]) -> None:
        """Totals mode gives the same totals as by-grade mode and the reference."""
        expected = {
            s: tuple(sum(c) for c in zip(*per.values(), strict=True))
            for s, per in _naive_table(data).items()
        }
        assert dict(_python(data, False).totals) == expected
        assert dict(_numpy(data, False).totals) == expected
        assert dict(_python(data, True).totals) == expected

    @settings(max_examples=30, deadline=None)
    @given(rows())
    def test_grade_filter(self, data: list[Row]) -> None:
        """Only events of the given grades count, in both engines."""
        grades = frozenset({1, 2})
        expected = _naive_table(data, grades)
        assert dict(_python(data, True, grades).by_grade or {}) == expected
        assert dict(_numpy(data, True, grades).by_grade or {}) == expected

    @settings(max_examples=30, deadline=None)
    @given(rows())
    def test_duplicates_change_nothing(self, data: list[Row]) -> None:
        """Feeding every event twice (in another order) gives the same table."""
        once = _python(data, True)
        counter = BillableCounter(Timeline.build(MONTHS, AMS), by_grade=True)
        counter.add_columns(*_columns(data))
        counter.add_columns(*_columns(list(reversed(data))))
        assert counter.table() == once


class TestEngine:
    def test_band_follows_grade_change(self) -> None:
        """A pupil moving from grade 2 to 3 in September counts in grade 3 from then on."""
        months = tuple(Month(2025, 6) + k for k in range(6))
        counter = BillableCounter(Timeline.build(months, AMS), by_grade=True)
        june = pendulum.datetime(2025, 6, 10, tz=AMS).int_timestamp
        sept = pendulum.datetime(2025, 9, 3, tz=AMS).int_timestamp
        counter.add_columns(["s"] * 2, ["p"] * 2, [2, 3], ["engagement"] * 2, [june, sept])
        assert counter.table().by_grade == {"s": {2: (1, 1, 1, 0, 0, 0), 3: (0, 0, 0, 1, 1, 1)}}
        assert counter.grades_of(3) == {"s": {"p": 3}}
        assert counter.pupils(0) == {"s": frozenset({"p"})}

    def test_times_as_floats_and_datetimes(self) -> None:
        """Epoch floats and aware datetimes give the same result as epoch ints."""
        tl = Timeline.build(MONTHS, AMS)
        at = pendulum.datetime(2024, 1, 15, 8, tz=AMS)
        results = []
        for t in (at.int_timestamp, at.timestamp() + 0.25, at):
            counter = BillableCounter(tl)
            counter.add_columns(["s"], ["p"], [4], ["engagement"], [t])
            results.append(counter.table())
        assert results[0] == results[1] == results[2]
        assert results[0].totals["s"][2] == 1

    def test_last_microsecond_before_a_bound(self) -> None:
        """A float or datetime 1 µs before the count moment still counts for that month."""
        end = CountMoment().at(MONTHS[0], AMS)
        for t in (end.subtract(microseconds=1), end.timestamp() - 1e-6):
            counter = BillableCounter(Timeline.build(MONTHS, AMS))
            counter.add_columns(["s"], ["p"], [4], ["engagement"], [t])
            assert counter.table().totals["s"][0] == 1

    def test_bad_grade_reports_index(self) -> None:
        """A billable event with grade 9 raises with its position."""
        counter = BillableCounter(Timeline.build(MONTHS, AMS))
        t = pendulum.datetime(2024, 1, 15, tz=AMS).int_timestamp
        with pytest.raises(InvalidEvent) as info:
            counter.add_columns(["s"] * 3, ["a", "b", "c"], [3, 4, 9], ["engagement"] * 3, [t] * 3)
        assert (info.value.field, info.value.index, info.value.got) == ("grade", 2, 9)
        with pytest.raises(InvalidEvent) as info:
            count_arrays(Timeline.build(MONTHS, AMS), [1], [1], [9], ["engagement"], [t])
        assert info.value.field == "grade"

    def test_naive_datetime_reports_index(self) -> None:
        """A naive time raises InvalidEvent naming processed_at and the row."""
        counter = BillableCounter(Timeline.build(MONTHS, AMS))
        with pytest.raises(InvalidEvent) as info:
            counter.add_rows([("e", "s", "p", 3, "engagement", dt.datetime(2024, 1, 1))])
        assert (info.value.field, info.value.index) == ("processed_at", 0)

    def test_rows_from_a_generator(self) -> None:
        """Rows stream from any iterable (a generator here)."""
        t = pendulum.datetime(2024, 1, 15, tz=AMS).int_timestamp
        counter = BillableCounter(Timeline.build(MONTHS, AMS))
        counter.add_rows((f"e{i}", "s", f"p{i % 7}", 3, "engagement", t) for i in range(100))
        counter.add_columns(iter(["s"]), iter(["p99"]), iter([3]), iter(["login"]), iter([t]))
        assert counter.table().totals["s"][2] == 7

    def test_coded_categories(self) -> None:
        """Encoded categories count when their codes are given as billable."""
        t = pendulum.datetime(2024, 1, 15, tz=AMS).int_timestamp
        counter = BillableCounter(Timeline.build(MONTHS, AMS), billable={0, 1, 2})
        counter.add_columns([1, 1], [1, 2], [3, 3], [0, 4], [t, t])
        assert counter.table().totals[1][2] == 1

    def test_numpy_more_months_than_a_mask(self) -> None:
        """Over 62 months (more than an int64 mask holds) the numpy path still agrees."""
        months = tuple(Month(2015, 1) + k for k in range(80))
        tl = Timeline.build(months, AMS)
        rng = np.random.default_rng(5)
        n = 3000
        cols = (
            rng.integers(0, 3, n),
            rng.integers(0, 50, n),
            rng.integers(1, 9, n),
            rng.integers(0, 4, n),
            rng.integers(tl.bounds[0] - 10**6, tl.bounds[-1] + 10**6, n),
        )
        counter = BillableCounter(tl, billable={0, 1})
        counter.add_columns(*cols)
        assert count_arrays(tl, *cols, billable={0, 1}) == counter.table()


class TestNumpyPaths:
    """The numpy path's fallbacks and other policies give the Python engine's results."""

    @settings(max_examples=25, deadline=None)
    @given(
        rows(),
        st.integers(1, 28),
        st.integers(1, 12),
        st.sampled_from([AMS, "UTC", "Asia/Tokyo", "America/Sao_Paulo"]),
    )
    def test_other_policies_and_zones(
        self, data: list[Row], day: int, window: int, tz: str
    ) -> None:
        """Any count day, window length and zone: numpy equals Python, totals and by grade."""
        tl = Timeline.build(MONTHS, tz, CountMoment(day=day, window_months=window))
        cols = _columns(data)
        for by_grade in (False, True):
            counter = BillableCounter(tl, by_grade=by_grade)
            counter.add_columns(*cols)
            assert count_arrays(tl, *cols, by_grade=by_grade) == counter.table()

    @settings(max_examples=20, deadline=None)
    @given(rows())
    def test_binary_search_and_two_part_sort(self, data: list[Row]) -> None:
        """Without the bucket table and with keys too wide for one sort, results are the same."""
        expected = _python(data, True)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_fast, "_MAX_TABLE", 0)
            mp.setattr(_fast, "_KEY_BITS", 8)
            assert _numpy(data, True) == expected
            assert _numpy(data, False).totals == expected.totals

    def test_input_arrays_are_not_modified(self) -> None:
        """The columns given are left as they were (the key is packed in a copy)."""
        tl = Timeline.build(MONTHS, AMS)
        rng = np.random.default_rng(7)
        cols = [
            rng.integers(0, 5, 500),
            rng.integers(0, 40, 500),
            rng.integers(1, 9, 500),
            rng.integers(0, 4, 500),
            rng.integers(tl.bounds[0], tl.bounds[-1], 500),
        ]
        before = [c.copy() for c in cols]
        for by_grade in (False, True):
            count_arrays(tl, *cols, by_grade=by_grade, billable={0, 1, 3})
        assert all(np.array_equal(a, b) for a, b in zip(cols, before, strict=True))
