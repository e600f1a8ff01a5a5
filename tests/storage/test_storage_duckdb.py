"""DuckDB as an engine: the SQL adapter's query over Parquet and in-memory sources."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from metering_strategies import AMS, MONTHS, Row, rows
from subscriptionkit import plans
from subscriptionkit.errors import InvalidEvent, InvalidInput, MissingDependency
from subscriptionkit.metering import ActivityEvent, CountMoment, Month, monthly_counts
from subscriptionkit.storage import duckdb as sk_duckdb

CATALOG = plans.default_catalog()


def _plan(plan_id: str) -> plans.PupilPlan:
    plan = CATALOG[plan_id]
    assert isinstance(plan, plans.PupilPlan)
    return plan


def _events(data: list[Row]) -> list[ActivityEvent]:
    return [
        ActivityEvent.from_row((f"e{i}", s, p, g, c, _iso(t)))
        for i, (s, p, g, c, t) in enumerate(data)
    ]


def _iso(epoch: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()


def _parquet(data: list[Row], path: Path, time_type: str = "TIMESTAMPTZ") -> Path:
    """Write rows to a Parquet file with DuckDB (``processed_at`` of the given type)."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE ev (school_id VARCHAR, pupil_id VARCHAR, grade INTEGER, "
        "category VARCHAR, t BIGINT)"
    )
    if data:
        con.executemany("INSERT INTO ev VALUES (?, ?, ?, ?, ?)", [list(r) for r in data])
    when = {
        "TIMESTAMPTZ": "to_timestamp(t)",
        "BIGINT": "t",
        "DOUBLE": "t + 0.5",
        "TIMESTAMP": "CAST(to_timestamp(t) AS TIMESTAMP)",
    }[time_type]
    con.execute(
        f"COPY (SELECT school_id, pupil_id, grade, category, {when} AS processed_at, "
        f"'extra' AS note FROM ev) TO '{path}' (FORMAT PARQUET)"
    )
    con.close()
    return path


class TestSameCountsAsPython:
    """Counts equal the Python engine's on the same events."""

    @settings(
        max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(data=rows())
    def test_parquet_combi(self, data: list[Row], tmp_path: Path) -> None:
        """Random events through a Parquet file, two bands: every count agrees."""
        combi = _plan("focus-po-combi")
        expected = monthly_counts(_events(data), combi, MONTHS, tz=AMS)
        got = sk_duckdb.monthly_counts(
            _parquet(data, tmp_path / "e.parquet"), combi, MONTHS, tz=AMS
        )
        assert got == expected

    @pytest.mark.parametrize("tz", ["Europe/Amsterdam", "America/Sao_Paulo", "Asia/Tokyo"])
    @pytest.mark.parametrize("time_type", ["TIMESTAMPTZ", "BIGINT", "DOUBLE"])
    def test_zones_time_types_and_a_policy(self, tmp_path: Path, tz: str, time_type: str) -> None:
        """Every zone and time type, counted on day 5 over 6 months, agrees."""
        rng = np.random.default_rng(3)
        low = CountMoment().at(MONTHS[0] + (-10), tz).int_timestamp
        high = CountMoment().at(MONTHS[-1] + 1, tz).int_timestamp
        cats = ("engagement", "objective_mastery", "login")
        data: list[Row] = [
            (
                f"s{rng.integers(0, 3)}",
                f"p{rng.integers(0, 20)}",
                int(rng.integers(1, 9)),
                cats[int(rng.integers(0, 3))],
                int(rng.integers(low, high)),
            )
            for _ in range(400)
        ]
        # An event on each count moment and one second before it.
        for k, month in enumerate(MONTHS):
            moment = CountMoment(day=5).at(month, tz).int_timestamp
            data += [
                ("edge", f"a{k}", 3, "engagement", moment),
                ("edge", f"b{k}", 4, "engagement", moment - 1),
            ]
        combi = _plan("focus-po-combi")
        policy = CountMoment(day=5, window_months=6)
        expected = monthly_counts(_events(data), combi, MONTHS, tz=tz, policy=policy)
        path = _parquet(data, tmp_path / "e.parquet", time_type)
        assert sk_duckdb.monthly_counts(path, combi, MONTHS, tz=tz, policy=policy) == expected

    def test_numpy_columns_glob_and_one_school(self, tmp_path: Path) -> None:
        """A dict of numpy arrays, a glob of two files and school_id= give the same counts."""
        data: list[Row] = [
            ("s1", "anna", 2, "engagement", 1_700_000_000),
            ("s1", "anna", 3, "engagement", 1_705_000_000),
            ("s2", "bram", 5, "cross_method_test", 1_702_000_000),
        ]
        plan = _plan("focus-po-1-8")
        months = (Month(2023, 11), Month(2023, 12), Month(2024, 1))
        expected = monthly_counts(_events(data), plan, months)
        columns = {
            name: np.array([r[i] for r in data])
            for i, name in enumerate(("school_id", "pupil_id", "grade", "category", "processed_at"))
        }
        assert sk_duckdb.monthly_counts(columns, plan, months) == expected
        _parquet(data[:1], tmp_path / "a.parquet")
        _parquet(data[1:], tmp_path / "b.parquet")
        assert sk_duckdb.monthly_counts(str(tmp_path / "*.parquet"), plan, months) == expected
        one = sk_duckdb.monthly_counts(tmp_path / "a.parquet", plan, months, school_id="s1")
        assert one.schools == ("s1",)


class TestRefusals:
    """Sources that cannot be counted are refused with the library's errors."""

    def test_missing_extra_is_named(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without DuckDB's SQLAlchemy dialect: pip install 'subscriptionkit[duckdb]'."""
        monkeypatch.setitem(sys.modules, "duckdb_engine", None)
        with pytest.raises(MissingDependency, match=r"pip install 'subscriptionkit\[duckdb\]'"):
            sk_duckdb.monthly_counts("events.parquet", _plan("focus-po-1-8"), MONTHS)

    def test_naive_times_and_missing_columns(self, tmp_path: Path) -> None:
        """A TIMESTAMP without zone, or a missing column, raises InvalidInput saying so."""
        data: list[Row] = [("s", "p", 3, "engagement", 1_700_000_000)]
        plan = _plan("focus-po-1-8")
        naive = _parquet(data, tmp_path / "n.parquet", "TIMESTAMP")
        with pytest.raises(InvalidInput, match="naive wall clock"):
            sk_duckdb.monthly_counts(naive, plan, MONTHS)
        with pytest.raises(InvalidInput, match=r"missing pupil_id, grade, category, processed_at"):
            sk_duckdb.monthly_counts({"school_id": np.array(["s"])}, plan, MONTHS)
        with pytest.raises(InvalidInput, match="could not read"):
            sk_duckdb.monthly_counts(tmp_path / "absent.parquet", plan, MONTHS)

    def test_unusable_column_types(self) -> None:
        """A grade column of text is InvalidInput naming the types, not a DuckDB error."""
        columns = {
            "school_id": np.array(["s"]),
            "pupil_id": np.array(["p"]),
            "grade": np.array(["three"]),
            "category": np.array(["engagement"]),
            "processed_at": np.array([1_700_000_000]),
        }
        with pytest.raises(InvalidInput, match="grade VARCHAR"):
            sk_duckdb.monthly_counts(columns, _plan("focus-po-1-8"), MONTHS)

    def test_bad_grade_of_a_counting_event(self, tmp_path: Path) -> None:
        """A billable event in grade 9 raises InvalidEvent; a login in grade 9 does not."""
        plan = _plan("focus-po-1-8")
        login = _parquet([("s", "p", 9, "login", 1_700_000_000)], tmp_path / "l.parquet")
        assert sk_duckdb.monthly_counts(login, plan, MONTHS).schools == ()
        bad = _parquet([("s", "p", 9, "engagement", 1_700_000_000)], tmp_path / "b.parquet")
        with pytest.raises(InvalidEvent) as info:
            sk_duckdb.monthly_counts(bad, plan, MONTHS)
        assert (info.value.field, info.value.got) == ("grade", 9)
