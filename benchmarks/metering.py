"""Metering benchmark: billable pupils per school per month, three ways, same data.

Run: ``python benchmarks/metering.py [--events N] [--quick] [--repeat R]``.

The workload (fixed seed): 5,000,000 events for 1,000,000 pupils in 2,000 schools, spread
over the 36 counted months and the 9 months before them; grades 1–8 and five categories
(three billable, two not) at random. It is generated as numpy arrays, then counted

* by the library's pure-Python streaming engine (``BillableCounter``), fed the numpy
  columns (it converts them a chunk at a time, so that conversion is in its time);
* by the library's numpy fast path;
* by DuckDB SQL over the same arrays (registered without copying), and a second,
  hand-tuned bitmask query, for reference.

All three must agree. Times are the best of ``--repeat`` runs (wall clock). Peak memory
is the growth of the process's peak RSS (``resource.getrusage(...).ru_maxrss``) during
each method's first run, measured in a fresh child process per method so that one
method's peak does not hide another's. Also measured: the incremental monthly update of
one school (:class:`SchoolMeter`, 500 pupils, one month of new events).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pendulum

from subscriptionkit.metering import BillableCounter, Month, SchoolMeter, Timeline, month_range
from subscriptionkit.metering._fast import count_arrays

SEED = 20240601
TZ = "Europe/Amsterdam"
FIRST = Month(2023, 1)
BILLABLE_CODES = (0, 1, 2)  # categories 0-2 billable, 3-4 not (e.g. logins, reports)

Counts = dict[int, tuple[int, ...]]
Data = dict[str, npt.NDArray[Any]]


def workload(events: int, pupils: int, schools: int, months: int) -> tuple[Timeline, Data]:
    """Generate the events (fixed seed) and the timeline of the counted months."""
    timeline = Timeline.build(month_range(FIRST, FIRST + (months - 1)), TZ)
    rng = np.random.default_rng(SEED)
    pupil = rng.integers(0, pupils, events, dtype=np.int64)
    data: Data = {
        "school": (pupil * 7919) % schools,  # every pupil belongs to one school
        "pupil": pupil,
        "grade": rng.integers(1, 9, events, dtype=np.int64),
        "category": rng.integers(0, 5, events, dtype=np.int64),
        "t": rng.integers(timeline.bounds[0], timeline.bounds[-1], events, dtype=np.int64),
    }
    return timeline, data


def run_python(timeline: Timeline, d: Data) -> Counts:
    """The pure-Python streaming engine."""
    counter = BillableCounter(timeline, billable=BILLABLE_CODES)
    counter.add_columns(d["school"], d["pupil"], d["grade"], d["category"], d["t"])
    return {int(k): v for k, v in counter.table().totals.items()}  # type: ignore[call-overload]


def run_numpy(timeline: Timeline, d: Data) -> Counts:
    """The numpy fast path."""
    table = count_arrays(
        timeline,
        d["school"],
        d["pupil"],
        d["grade"],
        d["category"],
        d["t"],
        billable=BILLABLE_CODES,
    )
    return {int(k): v for k, v in table.totals.items()}  # type: ignore[call-overload]


def _duckdb(timeline: Timeline, d: Data, sql: str) -> Counts:
    import duckdb

    con = duckdb.connect()
    con.register("ev", d)
    con.register(
        "months",
        {
            "m": np.arange(len(timeline.months)),
            "w": np.array(timeline.starts, dtype=np.int64),
            "c": np.array(timeline.ends, dtype=np.int64),
        },
    )
    n = len(timeline.months)
    out: dict[int, list[int]] = {}
    for school, m, count in con.sql(sql).fetchall():
        out.setdefault(int(school), [0] * n)[int(m)] = int(count)
    con.close()
    return {s: tuple(v) for s, v in out.items() if any(v)}


DUCKDB_SQL = """
SELECT e.school, mo.m, count(DISTINCT e.pupil)
FROM ev e JOIN months mo ON e.t >= mo.w AND e.t < mo.c
WHERE e.category IN (0, 1, 2)
GROUP BY ALL
"""


def run_duckdb(timeline: Timeline, d: Data) -> Counts:
    """DuckDB, the straightforward SQL: range join to the months, count distinct."""
    return _duckdb(timeline, d, DUCKDB_SQL)


def run_duckdb_bitmask(timeline: Timeline, d: Data) -> Counts:
    """DuckDB, hand-tuned: OR a bitmask of months per pupil, then count bits per school."""
    n = len(timeline.months)
    sql = f"""
    WITH slot AS (
        SELECT e.school, e.pupil, bit_or(((1::BIGINT << (mo.hi + 1)) - (1::BIGINT << mo.lo))) mask
        FROM ev e JOIN (
            SELECT b.s, b.e, b.lo, b.hi FROM buckets b WHERE b.hi >= b.lo
        ) mo ON e.t >= mo.s AND e.t < mo.e
        WHERE e.category IN (0, 1, 2)
        GROUP BY ALL
    )
    SELECT school, m.m, count(*) FROM slot, range({n}) m(m)
    WHERE (mask >> m.m) & 1 = 1 GROUP BY ALL
    """
    import duckdb

    con = duckdb.connect()
    con.register("ev", d)
    b = np.array(timeline.bounds, dtype=np.int64)
    con.register(
        "buckets",
        {
            "s": b[:-1],
            "e": b[1:],
            "lo": np.array(timeline.bucket_lo, dtype=np.int64),
            "hi": np.array(timeline.bucket_hi, dtype=np.int64),
        },
    )
    out: dict[int, list[int]] = {}
    for school, m, count in con.sql(sql).fetchall():
        out.setdefault(int(school), [0] * n)[int(m)] = int(count)
    con.close()
    return {s: tuple(v) for s, v in out.items() if any(v)}


METHODS: dict[str, Callable[[Timeline, Data], Counts]] = {
    "python": run_python,
    "numpy": run_numpy,
    "duckdb": run_duckdb,
    "duckdb-bitmask": run_duckdb_bitmask,
}


def _measure(args: tuple[str, int, int, int, int, int]) -> tuple[list[float], float, Counts]:
    """In a child process: generate the data, run one method ``repeat`` times."""
    name, events, pupils, schools, months, repeat = args
    timeline, data = workload(events, pupils, schools, months)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    result: Counts = {}
    for i in range(repeat):
        start = time.perf_counter()
        result = METHODS[name](timeline, data)
        times.append(time.perf_counter() - start)
        if i == 0:
            peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
    return times, peak, result


def incremental(pupils: int = 500, per_pupil: int = 4, repeat: int = 50) -> float:
    """Median ms to add one month of events to a school's meter and count the month."""
    rng = np.random.default_rng(SEED)
    tz = pendulum.timezone(TZ)
    meter = SchoolMeter(tz=TZ)
    timings = []
    month = Month(2024, 1)
    ids = [f"pupil-{i}" for i in range(pupils)]
    for k in range(repeat + 12):
        start = pendulum.datetime(month.year, month.month, 1, tz=tz).int_timestamp
        end = pendulum.datetime((month + 1).year, (month + 1).month, 1, tz=tz).int_timestamp
        n = pupils * per_pupil
        who = [ids[i] for i in rng.integers(0, pupils, n).tolist()]
        grades = rng.integers(1, 9, n).tolist()
        cats = rng.choice(["cross_method_test", "engagement", "login"], n).tolist()
        ts = rng.integers(start, end, n).tolist()
        t0 = time.perf_counter()
        meter.add(who, grades, cats, ts)
        meter.count(month)
        meter.prune(month)
        if k >= 12:  # after the window has filled up
            timings.append(time.perf_counter() - t0)
        month = month + 1
    return statistics.median(timings) * 1000


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=2_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a small run for CI (200k events)")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.pupils, args.schools, args.repeat = 200_000, 40_000, 80, 1
    print(
        f"workload: {args.events:,} events, {args.pupils:,} pupils, {args.schools:,} schools, "
        f"{args.months} months, seed {SEED}"
    )
    ctx = multiprocessing.get_context("spawn")
    results: dict[str, tuple[float, float]] = {}
    reference: Counts | None = None
    for name in METHODS:
        job = (name, args.events, args.pupils, args.schools, args.months, args.repeat)
        with ctx.Pool(1) as pool:
            times, peak, counts = pool.apply(_measure, (job,))
        if reference is None:
            reference = counts
        elif counts != reference:
            print(f"MISMATCH: {name} disagrees with python", file=sys.stderr)
            return 1
        best = min(times)
        results[name] = (best, peak)
        print(
            f"{name:15s} best {best:7.3f} s  {args.events / best:12,.0f} events/s  "
            f"peak RSS +{peak:6.0f} MB  (runs: {', '.join(f'{t:.2f}' for t in times)})"
        )
    assert reference is not None
    total = sum(sum(v) for v in reference.values())
    print(f"all methods agree: {len(reference):,} schools, {total:,} pupil-months")
    duck = results["duckdb"][0]
    for name in ("python", "numpy"):
        print(
            f"ratio {name}/duckdb: {results[name][0] / duck:.2f}   "
            f"{name}/duckdb-bitmask: {results[name][0] / results['duckdb-bitmask'][0]:.2f}"
        )
    print(f"incremental: one school, 500 pupils, one month of events: {incremental():.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
