"""The Spark job against the Python engine, in Spark's local mode (one session per module).

Without pyspark or a Java runtime these tests skip, naming what is missing; under
``CI=true`` they fail instead.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pendulum
import pytest
import sqlalchemy as sa

from subscriptionkit import plans
from subscriptionkit.errors import InvalidEvent, InvalidInput, MissingDependency
from subscriptionkit.metering import (
    ActivityEvent,
    CountMoment,
    Month,
    count_columns,
    month_range,
    monthly_counts,
    spark_monthly_count_rows,
    spark_monthly_counts,
)
from subscriptionkit.storage.sql import SqlStore

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# py4j leaves its client sockets to the garbage collector.
pytestmark = [
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
    ),
]

CATALOG = plans.default_catalog()
MONTHS = month_range(Month(2024, 1), Month(2024, 12))
ZONES = ("Europe/Amsterdam", "America/Sao_Paulo", "Asia/Tokyo")


def _plan(plan_id: str) -> plans.PupilPlan:
    plan = CATALOG[plan_id]
    assert isinstance(plan, plans.PupilPlan)
    return plan


def _missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'subscriptionkit[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime: java is not on PATH and JAVA_HOME is not set (Spark needs Java 17)"
    return None


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """One local Spark session for the whole module (starting one takes seconds)."""
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Spark tests cannot run: {missing} (CI=true: they must run)")
        pytest.skip(f"Spark tests skipped: {missing}")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("subscriptionkit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")  # small data: compiling costs more
        .config("spark.default.parallelism", "1")
        .config("spark.sql.session.timeZone", "Pacific/Auckland")  # must not matter
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _events(tz: str) -> list[ActivityEvent]:
    """Random events plus the edges: count moments, a microsecond before, band changes."""
    rng = np.random.default_rng(13)
    first = CountMoment().at(MONTHS[0] + (-10), tz).int_timestamp
    last = CountMoment().at(MONTHS[-1] + 1, tz).int_timestamp
    cats = ("engagement", "cross_method_test", "objective_mastery", "login")
    out = []
    for i in range(600):
        t = int(rng.integers(first, last))
        out.append(
            ActivityEvent(
                f"r{i}",
                f"s{rng.integers(0, 3)}",
                f"p{rng.integers(0, 25)}",
                int(rng.integers(1, 9)),
                cats[int(rng.integers(0, 4))],
                dt.datetime.fromtimestamp(t + int(rng.integers(0, 10**6)) / 10**6, dt.UTC),
            )
        )
    for k, month in enumerate((MONTHS[0] + (-9), MONTHS[2], MONTHS[5], MONTHS[-1])):
        moment = CountMoment().at(month, tz)
        for j, at in enumerate(
            (moment, moment.subtract(microseconds=1), moment.add(seconds=1), moment.add(hours=2))
        ):
            out.append(ActivityEvent(f"edge{k}-{j}", "edge", f"e{k}{j}", 3, "engagement", at))
    # One pupil moves from grade 2 to 3 in September; same second, two grades: the higher.
    sept = pendulum.datetime(2024, 9, 3, 8, tz=tz)
    out += [
        ActivityEvent("b1", "band", "anna", 2, "engagement", pendulum.datetime(2024, 3, 1, tz=tz)),
        ActivityEvent("b2", "band", "anna", 3, "objective_mastery", sept),
        ActivityEvent("b3", "band", "bram", 2, "engagement", sept),
        ActivityEvent("b4", "band", "bram", 4, "engagement", sept),
    ]
    return out


def _frame(
    spark: SparkSession, events: list[ActivityEvent], path: Path, *, epoch: bool = False
) -> DataFrame:
    """The events as a DataFrame read from a CSV file by the JVM alone.

    ``spark.createDataFrame`` of Python rows would start Python workers for every job,
    which costs far more than the jobs themselves on small data.
    """
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(
            (e.school_id, e.pupil_id, e.grade, e.category, _micros(e.processed_at)) for e in events
        )
    F = importlib.import_module("pyspark.sql.functions")
    raw = spark.read.csv(
        str(path), schema="school_id string, pupil_id string, grade int, category string, us long"
    )
    when = F.col("us") / 1_000_000 if epoch else F.timestamp_micros(F.col("us"))
    return raw.select("school_id", "pupil_id", "grade", "category", when.alias("processed_at"))


def _micros(moment: dt.datetime) -> int:
    """Epoch microseconds, exactly (a float of seconds may be off by one)."""
    return calendar.timegm(moment.utctimetuple()) * 1_000_000 + moment.microsecond


class TestSameCountsAsPython:
    """The job returns exactly the Python engine's counts (few jobs: each takes seconds)."""

    def test_bands_and_month_edges(self, spark: SparkSession, tmp_path: Path) -> None:
        """Combi (two bands), Amsterdam: every school, month and band agrees."""
        events = _events(ZONES[0])
        combi = _plan("focus-po-combi")
        expected = monthly_counts(events, combi, MONTHS)
        got = spark_monthly_counts(_frame(spark, events, tmp_path / "e.csv"), combi, MONTHS)
        assert got == expected
        assert got.count("band", Month(2024, 8), "1-2") == 1
        assert got.count("band", Month(2024, 9), "3-8") == 2

    def test_epoch_seconds_a_policy_and_another_zone(
        self, spark: SparkSession, tmp_path: Path
    ) -> None:
        """Epoch-second times, one band (grades 1-2), a count on day 5 in Tokyo agree too."""
        events = _events(ZONES[2])
        plan = _plan("focus-po-1-2")
        policy = CountMoment(day=5, window_months=6)
        expected = monthly_counts(events, plan, MONTHS, tz=ZONES[2], policy=policy)
        frame = _frame(spark, events, tmp_path / "e.csv", epoch=True)
        got = spark_monthly_counts(frame, plan, MONTHS, tz=ZONES[2], policy=policy)
        assert got == expected

    def test_rows_frame_matches_to_rows(self, spark: SparkSession, tmp_path: Path) -> None:
        """The uncollected result, as written from a cluster, holds the same rows (Sao Paulo)."""
        events = _events(ZONES[1])
        combi = _plan("focus-po-combi")
        expected = monthly_counts(events, combi, MONTHS, tz=ZONES[1])
        frame = spark_monthly_count_rows(
            _frame(spark, events, tmp_path / "e.csv"), combi, MONTHS, tz=ZONES[1]
        )
        assert frame.columns == ["school_id", "month", "band", "pupils"]
        assert sorted(tuple(r) for r in frame.collect()) == sorted(expected.to_rows())


class TestEveryEngine:
    """The six engines (pure Python, numpy, SQLite, PostgreSQL, DuckDB, Spark) give the same
    counts on the same events: random ones, count moments and a microsecond before them,
    band changes, two grades in one second; a two-band and a one-band plan (the SQL query
    takes another path for one band), two zones."""

    @pytest.mark.postgres
    @pytest.mark.parametrize(
        ("plan_id", "tz"), [("focus-po-combi", ZONES[0]), ("focus-po-1-8", ZONES[1])]
    )
    def test_same_counts_everywhere(
        self,
        spark: SparkSession,
        postgres_engine: sa.Engine,
        tmp_path: Path,
        plan_id: str,
        tz: str,
    ) -> None:
        from subscriptionkit.storage import duckdb as sk_duckdb

        events = _events(tz)
        plan = _plan(plan_id)
        expected = monthly_counts(events, plan, MONTHS, tz=tz)
        columns = {
            "school_id": [e.school_id for e in events],
            "pupil_id": [e.pupil_id for e in events],
            "grade": [e.grade for e in events],
            "category": [e.category for e in events],
            "processed_at": [e.epoch for e in events],
        }
        got = {
            "numpy": count_columns(
                {k: np.asarray(v) for k, v in columns.items()}, plan, MONTHS, tz=tz, engine="numpy"
            ),
            "duckdb": sk_duckdb.monthly_counts(columns, plan, MONTHS, tz=tz),
            "spark": spark_monthly_counts(
                _frame(spark, events, tmp_path / "e.csv"), plan, MONTHS, tz=tz
            ),
        }
        for name, store in (
            ("sqlite", SqlStore(str(tmp_path / "e.db"))),
            ("postgresql", SqlStore(postgres_engine)),
        ):
            with store.unit_of_work() as uow:
                uow.activity.add(events)
                got[name] = uow.activity.monthly_counts(plan, MONTHS, tz=tz)
        assert {name: counts == expected for name, counts in got.items()} == dict.fromkeys(
            got, True
        )
        assert sum(expected.counts.values()) > 100


class TestRefusals:
    """Bad input is refused with the library's errors."""

    def test_missing_extra_is_named(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without pyspark: MissingDependency, pip install 'subscriptionkit[spark]'."""
        monkeypatch.setitem(sys.modules, "pyspark.sql.functions", None)
        with pytest.raises(MissingDependency, match=r"pip install 'subscriptionkit\[spark\]'"):
            spark_monthly_counts(object(), _plan("focus-po-1-8"), MONTHS)  # type: ignore[arg-type]

    def test_bad_grade_stops_the_job(self, spark: SparkSession, tmp_path: Path) -> None:
        """A counting event in grade 9 raises InvalidEvent naming the grade."""
        at = pendulum.datetime(2024, 5, 1, tz="UTC")
        events = [ActivityEvent(f"e{i}", "s", f"p{i}", 3, "engagement", at) for i in range(3)]
        frame = _frame(spark, events, tmp_path / "e.csv")
        frame = frame.withColumn("grade", frame.grade + (frame.pupil_id == "p1").cast("int") * 6)
        with pytest.raises(InvalidEvent) as info:
            spark_monthly_counts(frame, _plan("focus-po-1-8"), MONTHS)
        assert (info.value.field, info.value.got) == ("grade", 9)

    def test_missing_column_and_naive_times(self, spark: SparkSession) -> None:
        """A missing column, or wall-clock (TIMESTAMP_NTZ) times, raise InvalidInput."""
        plan = _plan("focus-po-1-8")
        frame = spark.createDataFrame(
            [("s", "p", 3)], "school_id string, pupil_id string, grade int"
        )
        with pytest.raises(InvalidInput, match="missing category, processed_at"):
            spark_monthly_counts(frame, plan, MONTHS)
        naive = spark.createDataFrame(
            [("s", "p", 3, "engagement", dt.datetime(2024, 5, 1))],
            "school_id string, pupil_id string, grade int, category string, "
            "processed_at timestamp_ntz",
        )
        with pytest.raises(InvalidInput, match="TIMESTAMP_NTZ"):
            spark_monthly_counts(naive, plan, MONTHS)
