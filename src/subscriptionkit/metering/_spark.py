"""The rolling 9-month rule as a Spark job (internal; needs the ``spark`` extra).

For event data that outgrows one machine. The job is written with the **DataFrame API**
rather than Spark SQL text: every step is a column expression built from the
:class:`Timeline` (the bucket boundaries, the months each bucket counts for, the plan's
grades), so nothing is formatted into SQL strings, the same code runs on any DataFrame
(Parquet, Delta, a table, a test's small frame), and mypy checks the calls.

The steps are the interval sweep of the numpy path, distributed:

1. keep counting events (billable category, a grade of the plan, inside the timeline),
   put each in its bucket (a ``CASE`` over the boundaries) and keep, per school, pupil
   and bucket, the latest ``epoch * 16 + grade`` (same second: the higher grade): one
   hash aggregate, so each pupil-bucket is one row however many events it had;
2. ``lead(bucket)`` over each pupil's buckets clips the months a bucket decides
   (``[lo, hi]``) where the pupil's next bucket takes over: a pupil's runs never overlap;
3. every run becomes a ``+1`` at ``lo`` and a ``-1`` after ``hi`` per school and grade,
   summed: a few rows per school, from which a running sum gives the counts.

Times are compared as epoch seconds computed on the driver (pendulum, in the customer's
time zone), so the Spark session's time zone plays no part.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from .._checks import accepts, argument, items
from .._translate import require
from ..clock import DEFAULT_TIMEZONE
from ..errors import InvalidEvent, InvalidInput
from ..plans import PupilPlan
from ._engine import CountTable
from ._events import BILLABLE_CATEGORIES, GRADES
from ._usage import MonthlyCounts, _months
from ._window import CountMoment, Month, Timeline

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

#: The columns the job reads.
COLUMNS = ("school_id", "pupil_id", "grade", "category", "processed_at")
#: Marks the error a counting event with a bad grade raises inside the job.
_BAD_GRADE = "subscriptionkit: counting event with a grade outside 1-8: "


def _spark() -> Any:
    """Import pyspark's functions module, or raise MissingDependency naming the extra."""
    return require("pyspark.sql.functions", extra="spark", feature="Spark metering")


def _runs(
    events: DataFrame,
    plan: PupilPlan,
    timeline: Timeline,
    billable: Iterable[object],
) -> DataFrame:
    """Per school, pupil and bucket: ``school_id, grade, lo, hi`` (months, inclusive)."""
    F = _spark()
    from pyspark.sql import DataFrame, Window
    from pyspark.sql.types import NumericType, TimestampType

    argument(events, DataFrame, "events", "a Spark DataFrame")
    codes = sorted(items(billable, "billable", "the category values that count"), key=repr)
    fields = {f.name: f.dataType for f in events.schema.fields}
    missing = [c for c in COLUMNS if c not in fields]
    if missing:
        raise InvalidInput(
            f"the events DataFrame must have the columns {', '.join(COLUMNS)}; "
            f"got {', '.join(fields) or 'none'} (missing {', '.join(missing)})"
        )
    when = fields["processed_at"]
    if isinstance(when, TimestampType):  # an instant (TIMESTAMP WITH LOCAL TIME ZONE)
        epoch = F.unix_seconds(F.col("processed_at"))
    elif isinstance(when, NumericType):  # epoch seconds
        epoch = F.floor(F.col("processed_at")).cast("long")
    else:
        raise InvalidInput(
            "processed_at must be a TIMESTAMP (an instant) or epoch seconds; "
            f"got {when.simpleString()} (a TIMESTAMP_NTZ is a naive wall clock and is refused)"
        )
    bounds = timeline.bounds
    grade = F.col("grade").cast("int")
    counting = F.col("category").isin(codes) & (epoch >= bounds[0]) & (epoch < bounds[-1])
    # A counting event with a grade outside 1-8 stops the job, as the Python engine raises.
    checked = F.when(
        counting & ~grade.between(min(GRADES), max(GRADES)),
        F.raise_error(F.concat(F.lit(_BAD_GRADE), F.coalesce(grade.cast("string"), F.lit("null")))),
    ).otherwise(grade)
    bucket: Column = F.when(epoch < bounds[1], F.lit(0))
    for k in range(1, len(bounds) - 1):  # one flat CASE: the first matching boundary wins
        bucket = bucket.when(epoch < bounds[k + 1], F.lit(k))
    per_bucket = (
        events.select(
            "school_id",
            "pupil_id",
            checked.alias("grade"),
            counting.alias("counting"),
            bucket.alias("bucket"),
            epoch.alias("t"),
        )
        .where(F.col("counting") & F.col("grade").isin(sorted(plan.grades)))
        .groupBy("school_id", "pupil_id", "bucket")
        # The latest event of a bucket decides the grade (same second: the higher grade).
        .agg(F.max(F.col("t") * 16 + F.col("grade")).alias("k"))
    )
    lo_of = F.array(*(F.lit(v) for v in timeline.bucket_lo))
    hi_of = F.array(*(F.lit(v) for v in timeline.bucket_hi))
    pupil = Window.partitionBy("school_id", "pupil_id").orderBy("bucket")
    nxt = F.lead("bucket").over(pupil)
    lo = F.element_at(lo_of, F.col("bucket") + 1)
    hi = F.element_at(hi_of, F.col("bucket") + 1)
    # A pupil's next bucket takes over from its first month on.
    clipped = F.when(nxt.isNull(), hi).otherwise(F.least(hi, F.element_at(lo_of, nxt + 1) - 1))
    return per_bucket.select(
        "school_id",
        (F.col("k") % 16).cast("int").alias("grade"),
        lo.alias("lo"),
        clipped.alias("hi"),
    ).where(F.col("hi") >= F.col("lo"))


def _deltas(runs: DataFrame, key: Column) -> DataFrame:
    """``school_id, key, m, d``: the summed +1 at each run's start and -1 after its end."""
    F = _spark()
    edges = F.explode(
        F.array(
            F.struct(F.col("lo").alias("m"), F.lit(1).alias("d")),
            F.struct((F.col("hi") + 1).alias("m"), F.lit(-1).alias("d")),
        )
    )
    return (
        runs.select("school_id", key.alias("key"), edges.alias("e"))
        .groupBy("school_id", "key", F.col("e.m").alias("m"))
        .agg(F.sum("e.d").alias("d"))
    )


def _translate(exc: Exception) -> InvalidEvent | None:
    """The job's bad-grade stop as :class:`InvalidEvent`, or ``None`` for other errors."""
    text = str(exc)
    at = text.find(_BAD_GRADE)
    if at < 0:
        return None
    got = text[at + len(_BAD_GRADE) :].split()[0].rstrip(".'\"")
    value: object = int(got) if got.lstrip("-").isdecimal() else got
    return InvalidEvent(field="grade", got=value, expected="a grade from 1 to 8")


@accepts(plan=(PupilPlan, "a PupilPlan"), policy=(CountMoment, "a CountMoment"))
def spark_monthly_counts(
    events: DataFrame,
    plan: PupilPlan,
    months: Iterable[Month],
    *,
    tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
    policy: CountMoment | None = None,
    billable: Iterable[object] = BILLABLE_CATEGORIES,
) -> MonthlyCounts:
    """Count billable pupils per school, month and band of ``plan`` with Spark.

    The same rule and the same result as :func:`monthly_counts` (the counting happens in
    the cluster; only a few rows per school come back to the driver).

    Args:
        events: a Spark DataFrame with the columns ``school_id``, ``pupil_id``,
            ``grade``, ``category`` and ``processed_at`` (a ``TIMESTAMP``, or epoch
            seconds as a number). Other columns are ignored.
        plan: the plan; its grades filter and its bands group.
        months: consecutive, ascending months.
        tz: the customer's time zone.
        policy: when months are counted; default :class:`CountMoment` ``()``.
        billable: the category values that count, if categories are encoded.

    Raises:
        InvalidInput: a column is missing, ``processed_at`` has another type (a
            ``TIMESTAMP_NTZ`` is naive and refused), or the months are not consecutive.
        MissingDependency: pyspark is not installed (the ``spark`` extra).
        InvalidEvent: a counting event has a grade outside 1–8 (``index`` is ``None``:
            Spark rows have no position).
    """
    F = _spark()
    timeline = Timeline.build(_months(months), tz, policy)
    runs = _runs(events, plan, timeline, billable)
    try:
        rows = _deltas(runs, F.col("grade")).collect()
    except Exception as exc:  # pyspark raises Py4J or captured Spark errors
        translated = _translate(exc)
        if translated is None:
            raise
        raise translated from None
    n = len(timeline.months)
    diff: dict[Hashable, dict[int, list[int]]] = {}
    for school, grade, m, d in rows:
        diff.setdefault(school, {}).setdefault(int(grade), [0] * (n + 1))[int(m)] += int(d)
    totals: dict[Hashable, tuple[int, ...]] = {}
    by_grade: dict[Hashable, dict[int, tuple[int, ...]]] = {}
    for school, per_grade in diff.items():
        grades = {}
        for grade, row in sorted(per_grade.items()):
            acc, counts = 0, []
            for x in row[:n]:
                acc += x
                counts.append(acc)
            if any(counts):
                grades[grade] = tuple(counts)
        if grades:
            by_grade[school] = grades
            totals[school] = tuple(sum(c) for c in zip(*grades.values(), strict=True))
    table = CountTable(timeline.months, totals, by_grade if len(plan.bands) > 1 else None)
    return MonthlyCounts.from_table(table, plan)


@accepts(plan=(PupilPlan, "a PupilPlan"), policy=(CountMoment, "a CountMoment"))
def spark_monthly_count_rows(
    events: DataFrame,
    plan: PupilPlan,
    months: Iterable[Month],
    *,
    tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
    policy: CountMoment | None = None,
    billable: Iterable[object] = BILLABLE_CATEGORIES,
) -> DataFrame:
    """The counts of :func:`spark_monthly_counts` as a DataFrame, for writing from a cluster.

    Nothing is collected: the result has one row per school with billable pupils, month
    and band, ``school_id, month ("YYYY-MM"), band, pupils`` (zeros included, like
    :meth:`MonthlyCounts.to_rows`), unordered; write it with ``.write.parquet(...)``.
    A counting event with a grade outside 1–8 makes the write fail (Spark's
    ``raise_error``).

    Args and raises: as :func:`spark_monthly_counts` (the column and type checks happen
    here; the grade check when the result is computed).
    """
    F = _spark()
    from pyspark.sql import Window

    timeline = Timeline.build(_months(months), tz, policy)
    runs = _runs(events, plan, timeline, billable)
    band_of: Column = F.when(F.col("grade").isin(list(plan.bands[0].grades)), F.lit(0))
    for i, band in enumerate(plan.bands[1:], start=1):
        band_of = band_of.when(F.col("grade").isin(list(band.grades)), F.lit(i))
    deltas = _deltas(runs, band_of)
    n = len(timeline.months)
    spark = events.sparkSession
    schools = deltas.select("school_id").distinct()
    grid = schools.crossJoin(
        spark.range(len(plan.bands)).select(F.col("id").cast("int").alias("key"))
    ).crossJoin(spark.range(n).select(F.col("id").cast("int").alias("m")))
    running = Window.partitionBy("school_id", "key").orderBy("m")
    labels = F.array(*(F.lit(b.label) for b in plan.bands))
    names = F.array(*(F.lit(str(m)) for m in timeline.months))
    return (
        grid.join(deltas, ["school_id", "key", "m"], "left")
        .select(
            "school_id",
            "key",
            "m",
            F.sum(F.coalesce(F.col("d"), F.lit(0))).over(running).alias("pupils"),
        )
        .select(
            "school_id",
            F.element_at(names, F.col("m") + 1).alias("month"),
            F.element_at(labels, F.col("key") + 1).alias("band"),
            F.col("pupils").cast("long").alias("pupils"),
        )
    )
