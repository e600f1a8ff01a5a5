"""Monthly counts per band, monthly usage, the incremental meter and CSV."""

from __future__ import annotations

import io

import numpy as np
import pendulum
import pytest
from hypothesis import given, settings

from metering_strategies import AMS, MONTHS, Row, naive_month, rows
from subscriptionkit import plans
from subscriptionkit.errors import InvalidEvent, InvalidInput
from subscriptionkit.metering import (
    ActivityEvent,
    Month,
    MonthlyCounts,
    SchoolMeter,
    count_columns,
    monthly_counts,
    monthly_usage,
    read_events_csv,
)
from subscriptionkit.money import eur, total

COMBI = plans.default_catalog()["focus-po-combi"]
HEADER = "event_id,school_id,pupil_id,grade,category,processed_at\n"


def _combi() -> plans.PupilPlan:
    assert isinstance(COMBI, plans.PupilPlan)
    return COMBI


def _events() -> list[ActivityEvent]:
    def at(y: int, m: int, d: int) -> pendulum.DateTime:
        return pendulum.datetime(y, m, d, 10, tz=AMS)

    return [
        ActivityEvent("1", "s1", "anna", 2, "engagement", at(2025, 6, 10)),
        ActivityEvent("2", "s1", "anna", 3, "cross_method_test", at(2025, 9, 3)),
        ActivityEvent("3", "s1", "bram", 5, "objective_mastery", at(2025, 7, 1)),
        ActivityEvent("4", "s1", "cas", 1, "login", at(2025, 7, 1)),
    ]


class TestMonthlyCounts:
    def test_grade_change_moves_band(self) -> None:
        """Anna is in 1-2 until August and in 3-8 from September; never twice."""
        months = tuple(Month(2025, 6) + k for k in range(5))
        counts = monthly_counts(_events(), _combi(), months)
        assert [counts.count("s1", m, "1-2") for m in months] == [1, 1, 1, 0, 0]
        assert [counts.count("s1", m, "3-8") for m in months] == [0, 1, 1, 2, 2]
        assert counts.count("s1", Month(2025, 9)) == 2
        assert counts.to_dict()["s1"]["2025-09"] == {"1-2": 0, "3-8": 2}
        assert ("s1", "2025-06", "1-2", 1) in counts.to_rows()

    def test_plan_grades_filter(self) -> None:
        """Focus PO 1-2 counts grade 1-2 events only."""
        plan = plans.default_catalog()["focus-po-1-2"]
        assert isinstance(plan, plans.PupilPlan)
        counts = monthly_counts(_events(), plan, (Month(2025, 10),))
        assert counts.count("s1", Month(2025, 10)) == 1  # anna's June grade-2 event

    def test_rows_and_columns_agree(self) -> None:
        """Rows, events and columns (python and numpy) give the same counts."""
        events = _events()
        months = tuple(Month(2025, 6) + k for k in range(12))
        a = monthly_counts(events, _combi(), months)
        b = monthly_counts(
            [
                (e.event_id, e.school_id, e.pupil_id, e.grade, e.category, e.processed_at)
                for e in events
            ],
            _combi(),
            months,
        )
        cols = {
            "school_id": [e.school_id for e in events],
            "pupil_id": [e.pupil_id for e in events],
            "grade": [e.grade for e in events],
            "category": [e.category for e in events],
            "processed_at": [e.epoch for e in events],
        }
        c = count_columns(cols, _combi(), months, engine="python")
        d = count_columns(
            {k: np.array(v) for k, v in cols.items()}, _combi(), months, engine="numpy"
        )
        assert a == b == c == d

    def test_count_columns_checks_input(self) -> None:
        """Missing columns and unknown engines are refused."""
        with pytest.raises(InvalidInput, match="processed_at"):
            count_columns({"school_id": []}, _combi(), MONTHS)
        cols: dict[str, list[object]] = {
            k: [] for k in ("school_id", "pupil_id", "grade", "category", "processed_at")
        }
        with pytest.raises(InvalidInput, match="engine"):
            count_columns(cols, _combi(), MONTHS, engine="gpu")  # type: ignore[arg-type]


class TestMonthlyUsage:
    def test_count_times_price_per_band(self) -> None:
        """Usage is pupils × band price per month, one rounded line per band."""
        months = (Month(2025, 7),)
        counts = monthly_counts(_events(), _combi(), months)
        lines = monthly_usage(counts, _combi())
        by_band = {line.band: line for line in lines}
        assert by_band["1-2"].amount == eur("0.96")
        assert by_band["3-8"].amount == eur("0.30")
        assert total(line.amount for line in lines) == eur("1.26")

    def test_other_plan_refused(self) -> None:
        """Counts of one plan cannot be priced with another."""
        counts = MonthlyCounts("focus-po-1-2", (), ("1-2",), {})
        with pytest.raises(InvalidInput, match="focus-po-1-2"):
            monthly_usage(counts, _combi())


class TestSchoolMeter:
    @settings(max_examples=40, deadline=None)
    @given(rows(max_size=80))
    def test_matches_reference(self, data: list[Row]) -> None:
        """Per month, the meter's pupils and grades equal the per-event reference."""
        meter = SchoolMeter(tz=AMS)
        mine = [r for r in data if r[0] == "s1"]
        half = len(mine) // 2
        for part in (mine[half:], mine[:half]):  # late events arrive last
            meter.add(
                [r[1] for r in part],
                [r[2] for r in part],
                [r[3] for r in part],
                [r[4] for r in part],
            )
        for month in MONTHS:
            assert meter.pupils(month) == naive_month(mine, month).get("s1", {})

    def test_prune_keeps_later_counts(self) -> None:
        """Pruning drops old months without changing counts from the kept month on."""
        meter = SchoolMeter(tz=AMS)
        for k, month in enumerate(Month(2024, 1) + i for i in range(12)):
            t = month.first_day(AMS).int_timestamp + 3600
            meter.add([f"p{k}", "x"], [3, 3], ["engagement"] * 2, [t, t])
        before = [meter.total(Month(2024, 12) + i) for i in range(3)]
        assert meter.prune(Month(2024, 12)) > 0
        assert [meter.total(Month(2024, 12) + i) for i in range(3)] == before


class TestCsv:
    def test_reads_and_validates(self) -> None:
        """Rows stream validated; a bad row names its index and field."""
        text = HEADER + "e1,s1,p1,3,engagement,2026-03-02T10:00:00Z\n"
        text += "e2,s1,p2,x,engagement,2026-03-02T10:00:00+01:00\n"
        reader = read_events_csv(io.StringIO(text))
        assert next(reader).processed_at.utcoffset() is not None
        with pytest.raises(InvalidEvent) as info:
            next(reader)
        assert (info.value.index, info.value.field) == (1, "grade")

    def test_header_must_have_columns(self) -> None:
        """A header without the needed columns is refused, naming them."""
        with pytest.raises(InvalidEvent, match="missing grade"):
            list(read_events_csv(io.StringIO("event_id,school_id,pupil_id,category,x\n")))
