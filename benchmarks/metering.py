"""Metering benchmark: every engine against DuckDB's best query and the numpy sort floor.

Run: ``python benchmarks/metering.py [--quick] [--repeat R] [--events N] [--only a,b]``
(``nox -s bench`` runs it in full and writes the table into ``docs/performance.md``).

The workload (fixed seed): 5,000,000 events for 1,000,000 pupils in 2,000 schools, spread
over the 36 counted months and the 9 months before them; grades 1–8 and five categories
(three billable, two not) at random, generated as numpy arrays. Each path counts billable
pupils per school per month (plan Focus PO 1-8: every grade, one band):

* ``sort floor``: ``np.sort`` of one int64 key per event (school, pupil, month), nothing
  else: no engine that sorts can beat it;
* ``duckdb best``: DuckDB's best query over the same arrays (registered without copying):
  bucket each event by the count moments, keep distinct pupil-months, ``lead()`` of each
  pupil's months, a ``+1``/``-1`` delta nine months wide, a running sum;
* ``numpy``: the library's numpy path (``count_columns(engine="numpy")``'s engine);
* ``python``: the library's pure-Python streaming engine (``BillableCounter``, fed the
  numpy columns, converted a chunk at a time inside the timing);
* ``duckdb engine``: the library's ``storage.duckdb.monthly_counts``, the SQL adapter's
  portable query run by DuckDB, reading the events from a Parquet file (written
  beforehand, category names as strings): the user with Parquet files;
* ``sqlite``: the SQL adapter's pushdown query on SQLite (``uow.activity.monthly_counts``),
  over a database file made by the library's migrations and filled beforehand (kept in
  the temporary directory between runs);
* ``spark``: the library's Spark job in local mode, reading the events from a Parquet
  file (written beforehand); session start-up is reported separately.

Every path must return the same counts. Each repetition of each path runs in a **fresh
process** (so every time is a first run, page faults included), the paths interleaved
so that a busy machine slows them alike; the table gives medians of ``--repeat`` runs.
Peak memory is the growth of the process's peak RSS during the timed call, the peak
reset just before it (for Spark, the JVM's own peak RSS is given beside it). The import cost of the library is measured
the same way (CPU time of the imports, median of interleaved fresh processes).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import importlib.util
import json
import multiprocessing
import os
import pkgutil
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
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
#: The workload's category codes as names (for the engines that take strings).
CATEGORY_NAMES = ("cross_method_test", "objective_mastery", "engagement", "login", "report")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
START, END = "<!-- metering-benchmark:start -->", "<!-- metering-benchmark:end -->"

Counts = dict[int, tuple[int, ...]]
Data = dict[str, npt.NDArray[Any]]
#: A path's preparation (untimed) returns the timed call and a clean-up.
Prepared = tuple[Callable[[], Counts | None], Callable[[], dict[str, float]]]


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
    """The numpy path."""
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


def duckdb_best_sql(timeline: Timeline) -> str:
    """DuckDB's best query for the rule: distinct pupil-months, lead(), deltas, running sum.

    With the default count moment every window is exactly nine buckets (months), bucket
    ``j`` covering ``[bounds[j], bounds[j + 1])``; month ``m`` counts buckets ``m .. m+8``.
    The bucket is a ``CASE`` over the boundaries (faster here than a range join, an
    ASOF join or time-zone arithmetic, all tried).
    """
    bounds = timeline.bounds
    assert list(bounds[: len(timeline.months)]) == list(timeline.starts), "default policy only"
    case = " ".join(f"WHEN t < {b} THEN {j}" for j, b in enumerate(bounds[1:]))
    return f"""
    WITH pm AS (
        SELECT DISTINCT school, pupil, CASE {case} END AS j
        FROM ev WHERE category IN {BILLABLE_CODES} AND t >= {bounds[0]} AND t < {bounds[-1]}
    ),
    runs AS (
        SELECT school, j, lead(j) OVER (PARTITION BY school, pupil ORDER BY j) AS nj FROM pm
    ),
    deltas AS (
        SELECT school, j - 8 AS m, 1 AS d FROM runs
        UNION ALL
        SELECT school, least(coalesce(nj, j + 9), j + 9) - 8, -1 FROM runs
    )
    SELECT school, m, sum(sum(d)) OVER (PARTITION BY school ORDER BY m) AS pupils
    FROM deltas GROUP BY school, m
    """


def _prepare_floor(timeline: Timeline, d: Data) -> Prepared:
    bounds = np.array(timeline.bounds, dtype=np.int64)
    month = np.clip(np.searchsorted(bounds, d["t"], side="right") - 1, 0, 63)
    keys = (d["school"] << 26) | (d["pupil"] << 6) | month

    def run() -> None:
        np.sort(keys)

    return run, dict


def _prepare_duckdb_best(timeline: Timeline, d: Data) -> Prepared:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("ev", d)
    sql = duckdb_best_sql(timeline)
    n = len(timeline.months)

    def run() -> Counts:
        out: dict[int, list[int]] = {}
        for school, m, pupils in con.sql(sql).fetchall():
            if 0 <= m < n:
                out.setdefault(int(school), [0] * n)[int(m)] = int(pupils)
        return {s: tuple(v) for s, v in out.items() if any(v)}

    def close() -> dict[str, float]:
        con.close()
        return {}

    return run, close


def _plan() -> Any:
    from subscriptionkit import plans

    return plans.default_catalog()["focus-po-1-8"]


def _from_monthly(counts: Any, timeline: Timeline) -> Counts:
    return {int(s): tuple(counts.count(s, m) for m in timeline.months) for s in counts.schools}


def _parquet(d: Data, names: bool) -> tuple[Path, Path]:
    """Write the events to a Parquet file (untimed): ``(folder, file)``."""
    import duckdb

    folder = Path(tempfile.mkdtemp(prefix="sk-bench-"))
    path = folder / "events.parquet"
    con = duckdb.connect()
    con.register("ev", d)
    category = (
        "CASE category "
        + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CATEGORY_NAMES))
        + " END"
        if names
        else "category"
    )
    con.execute(
        f"COPY (SELECT school AS school_id, pupil AS pupil_id, grade, {category} AS category, "
        f"t AS processed_at FROM ev) TO '{path}' (FORMAT PARQUET)"
    )
    con.close()
    return folder, path


def _prepare_duckdb_engine(timeline: Timeline, d: Data) -> Prepared:
    # Imported before the timing, as DuckDB is for the best query and numpy for numpy.
    import duckdb_engine  # noqa: F401
    import sqlalchemy  # noqa: F401

    from subscriptionkit.storage import duckdb as sk_duckdb
    from subscriptionkit.storage.sql import _activity  # noqa: F401

    folder, path = _parquet(d, names=True)  # the user with Parquet files
    plan = _plan()

    def run() -> Counts:
        counts = sk_duckdb.monthly_counts(path, plan, timeline.months, tz=TZ)
        return _from_monthly(counts, timeline)

    def close() -> dict[str, float]:
        shutil.rmtree(folder, ignore_errors=True)
        return {}

    return run, close


def _sqlite_db(timeline: Timeline, d: Data) -> Path:
    """The workload in a SQLite file made by the library's migrations, kept between runs
    in the temporary directory (untimed): ``event_id, school_id ...`` as the adapter writes."""
    import sqlite3

    from subscriptionkit.storage.sql import SqlStore

    key = (
        f"{len(d['t'])}-{int(d['pupil'].max())}-{int(d['school'].max())}"
        f"-{len(timeline.months)}-{SEED}"
    )
    path = Path(tempfile.gettempdir()) / "sk-bench-cache" / f"sqlite-{key}.db"
    if path.exists():
        return path
    path.parent.mkdir(exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.db")  # a new SQLite file needs its extension
    SqlStore(str(partial)).engine.dispose()  # the schema, through the migrations
    con = sqlite3.connect(partial)
    names = np.array(CATEGORY_NAMES, dtype=object)
    n = len(d["t"])
    for lo in range(0, n, 500_000):
        hi = min(lo + 500_000, n)
        t = d["t"][lo:hi]
        stamps = np.datetime_as_string(t.astype("datetime64[s]"), timezone="UTC")
        con.executemany(
            "INSERT INTO sk_activity_events (event_id, school_id, pupil_id, grade, category, "
            "processed_epoch, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            zip(
                (f"e{i}" for i in range(lo, hi)),
                d["school"][lo:hi].astype(str).tolist(),
                d["pupil"][lo:hi].astype(str).tolist(),
                d["grade"][lo:hi].tolist(),
                names[d["category"][lo:hi]].tolist(),
                t.tolist(),
                (x.replace("Z", "+00:00") for x in stamps.tolist()),
                strict=True,
            ),
        )
    con.commit()
    con.execute("ANALYZE")
    con.close()
    partial.rename(path)
    return path


def _prepare_sqlite(timeline: Timeline, d: Data) -> Prepared:
    import sqlalchemy  # noqa: F401  (imported before the timing, like the other engines)

    from subscriptionkit.storage.sql import (
        SqlStore,
        _activity,  # noqa: F401
    )

    store = SqlStore(str(_sqlite_db(timeline, d)))
    plan = _plan()

    def run() -> Counts:
        with store.unit_of_work() as uow:
            counts = uow.activity.monthly_counts(plan, timeline.months, tz=TZ)
        return _from_monthly(counts, timeline)

    def close() -> dict[str, float]:
        store.engine.dispose()
        return {}

    return run, close


def spark_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark not installed (extra spark)"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime"
    return None


def _prepare_spark(timeline: Timeline, d: Data) -> Prepared:
    from pyspark.sql import SparkSession

    from subscriptionkit.metering import spark_monthly_counts

    folder, path = _parquet(d, names=False)
    started = time.perf_counter()
    spark = (
        SparkSession.builder.master(f"local[{os.cpu_count() or 1}]")
        .appName("subscriptionkit-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 1)))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    startup = time.perf_counter() - started
    plan = _plan()
    gateway = spark.sparkContext._gateway  # the JVM process, for its peak RSS

    def run() -> Counts:
        events = spark.read.parquet(str(path))
        counts = spark_monthly_counts(events, plan, timeline.months, tz=TZ, billable=BILLABLE_CODES)
        return _from_monthly(counts, timeline)

    def close() -> dict[str, float]:
        jvm_peak = _peak_rss_mb(getattr(getattr(gateway, "proc", None), "pid", None))
        spark.stop()
        shutil.rmtree(folder, ignore_errors=True)
        return {"startup": startup, "jvm_peak": jvm_peak}

    return run, close


def _peak_rss_mb(pid: int | None) -> float:
    """VmHWM of a process (Linux), in MB; NaN if unknown."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (OSError, TypeError):
        return float("nan")
    found = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(found.group(1)) / 1024 if found else float("nan")


def _prepare_python(timeline: Timeline, d: Data) -> Prepared:
    return (lambda: run_python(timeline, d)), dict


def _prepare_numpy(timeline: Timeline, d: Data) -> Prepared:
    return (lambda: run_numpy(timeline, d)), dict


PATHS: dict[str, Callable[[Timeline, Data], Prepared]] = {
    "sort floor": _prepare_floor,
    "duckdb best": _prepare_duckdb_best,
    "numpy": _prepare_numpy,
    "python": _prepare_python,
    "duckdb engine": _prepare_duckdb_engine,
    "sqlite": _prepare_sqlite,
    "spark": _prepare_spark,
}


def _measure(
    job: tuple[str, int, int, int, int],
) -> tuple[float, float, Counts | None, dict[str, float]]:
    """In a fresh child process: generate the data, prepare the path, time one run."""
    name, events, pupils, schools, months = job
    timeline, data = workload(events, pupils, schools, months)
    run, close = PATHS[name](timeline, data)
    base = _reset_peak()
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    return elapsed, _peak() - base, result, close()


def _reset_peak() -> float:
    """Forget the peak RSS so far (Linux: ``clear_refs`` 5); return the current RSS in MB.

    Generating the workload peaks above the arrays it keeps; without the reset that
    earlier peak would hide up to ~100 MB of a path's growth.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_mb("VmRSS")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak() -> float:
    """The peak RSS in MB since :func:`_reset_peak`."""
    try:
        return _status_mb("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    found = re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text())
    if found is None:
        raise OSError(f"no {field} in /proc/self/status")
    return int(found.group(1)) / 1024


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


# -- import cost ---------------------------------------------------------------------

CORE = "attrs, pendulum, babel, moneyed, cryptography"


def public_subpackages() -> list[str]:
    """The library's public subpackages, found on disk (nothing imported), but the
    command line's package (an application, measured apart)."""
    import subscriptionkit

    return sorted(
        f"subscriptionkit.{m.name}"
        for m in pkgutil.iter_modules(subscriptionkit.__path__)
        if m.ispkg and not m.name.startswith("_") and m.name != "cli"
    )


def _import_cpu(statement: str) -> float:
    """CPU seconds a fresh interpreter spends on ``statement`` (the start-up excluded)."""
    code = f"import time; t = time.process_time(); {statement}; print(time.process_time() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def import_cost(rounds: int) -> dict[str, float]:
    """Median CPU ms of: the core dependencies; every public subpackage; and every
    public name of those resolved (which loads what the lazy packages deferred)."""
    packages = public_subpackages()
    resolve = "; ".join(f"import {p}; [getattr({p}, n) for n in {p}.__all__]" for p in packages)
    statements = {
        "core dependencies": f"import {CORE}",
        "all public subpackages": f"import {', '.join(packages)}",
        "... and every public name of them": resolve,
        "bare import subscriptionkit": "import subscriptionkit",
        "the command (subscriptionkit.cli)": "import subscriptionkit.cli",
    }
    samples: dict[str, list[float]] = {k: [] for k in statements}
    for _ in range(rounds):
        for label, statement in statements.items():
            samples[label].append(_import_cpu(statement))
    return {k: statistics.median(v) * 1000 for k, v in samples.items()}


# -- report ----------------------------------------------------------------------------


def machine() -> str:
    """One line about the machine and the versions."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split()[1]
        memory = f"{int(mem) / 1024 / 1024:.0f} GB RAM"
    except OSError:
        memory = "memory unknown"
    versions = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    for module in ("duckdb", "pyspark"):
        with contextlib.suppress(ImportError):
            versions.append(f"{module} {importlib.import_module(module).__version__}")
    java = shutil.which("java")
    if java:
        out = subprocess.run([java, "-version"], capture_output=True, text=True)
        first = (out.stderr or out.stdout).splitlines()[0] if (out.stderr or out.stdout) else ""
        versions.append(first.replace('"', ""))
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory}, {platform.system()} {platform.release()}; "
        + ", ".join(versions)
    )


def table(
    results: dict[str, tuple[list[float], list[float], list[dict[str, float]]]],
    events: int,
) -> list[str]:
    """The Markdown table of medians and ratios."""
    best = statistics.median(results["duckdb best"][0]) if "duckdb best" in results else None
    floor = statistics.median(results["sort floor"][0]) if "sort floor" in results else None
    lines = [
        "| path | median time | events/s | × DuckDB best | × sort floor | peak RSS growth | runs |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, (times, peaks, extras) in results.items():
        t = statistics.median(times)
        peak = f"{statistics.median(peaks):,.0f} MB"
        if name == "spark":
            jvm = statistics.median(e.get("jvm_peak", float("nan")) for e in extras)
            start = statistics.median(e.get("startup", float("nan")) for e in extras)
            peak += f" + JVM {jvm:,.0f} MB"
            name = f"spark (local[{os.cpu_count()}], start-up {start:.1f} s apart)"
        lines.append(
            f"| {name} | {t:.3f} s | {events / t / 1e6:.1f} M "
            f"| {t / best:.2f} | {t / floor:.2f} | {peak} | "
            + ", ".join(f"{x:.2f}" for x in times)
            + " |"
            if best and floor
            else f"| {name} | {t:.3f} s | {events / t / 1e6:.1f} M | – | – | {peak} | |"
        )
    return lines


def write_docs(block: list[str]) -> None:
    """Replace the generated block of ``docs/performance.md``."""
    text = DOCS.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{DOCS} lacks the {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    DOCS.write_text(head + START + "\n" + "\n".join(block) + "\n" + END + tail)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and (full runs) write it into the docs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=2_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="comma-separated paths (default: all)")
    parser.add_argument("--quick", action="store_true", help="a small run for CI (200k events)")
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.pupils, args.schools, args.repeat = 200_000, 40_000, 80, 1
    names = [n.strip() for n in args.only.split(",")] if args.only else list(PATHS)
    unknown = [n for n in names if n not in PATHS]
    if unknown:
        parser.error(f"unknown paths {unknown}; choose from {list(PATHS)}")
    if args.quick and not args.only:
        names.remove("spark")
        print("spark: not in --quick (start-up alone takes a minute; the tests run the job)")
    missing = spark_missing()
    if "spark" in names and missing:
        print(f"spark: skipped ({missing})")
        names.remove("spark")
    started = dt.datetime.now(dt.UTC)
    load = os.getloadavg()
    print(
        f"workload: {args.events:,} events, {args.pupils:,} pupils, {args.schools:,} schools, "
        f"{args.months} months, seed {SEED}; {args.repeat} fresh-process runs per path"
    )
    ctx = multiprocessing.get_context("spawn")
    results: dict[str, tuple[list[float], list[float], list[dict[str, float]]]] = {
        n: ([], [], []) for n in names
    }
    reference: Counts | None = None
    for rep in range(args.repeat):
        for name in names:
            job = (name, args.events, args.pupils, args.schools, args.months)
            with ctx.Pool(1) as pool:
                elapsed, peak, counts, extra = pool.apply(_measure, (job,))
            if counts is not None:
                if reference is None:
                    reference = counts
                elif counts != reference:
                    print(f"MISMATCH: {name} disagrees with the first path", file=sys.stderr)
                    return 1
            results[name][0].append(elapsed)
            results[name][1].append(peak)
            results[name][2].append(extra)
            print(f"  run {rep + 1}: {name:14s} {elapsed:7.3f} s  peak RSS +{peak:5.0f} MB")
    assert reference is not None
    pupil_months = sum(sum(v) for v in reference.values())
    rows = table(results, args.events)
    imports = import_cost(5 if args.quick else 15)
    core = imports["core dependencies"]
    meter = incremental(repeat=10 if args.quick else 50)
    block = [
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `python benchmarks/metering.py` on: "
        f"{machine()}. Load average at the start: {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f} "
        f"(the machine is shared). Every path agreed: {len(reference):,} schools, "
        f"{pupil_months:,} pupil-months.",
        "",
        *rows,
        "",
        "Import cost (CPU time of the import statements in a fresh interpreter, median of "
        f"interleaved runs; the core dependencies are `import {CORE}`; the public "
        f"subpackages are {', '.join(f'`{p}`' for p in public_subpackages())}):",
        "",
        "| imports | CPU time | × core dependencies |",
        "|---|---:|---:|",
        *(f"| {k} | {v:.0f} ms | {v / core:.2f} |" for k, v in imports.items()),
        "",
        f"Incremental metering (`SchoolMeter`, one school, 500 pupils, one month of events "
        f"added and counted): {meter:.2f} ms (median).",
    ]
    print("\n".join(block))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "events": args.events,
                    "paths": {
                        name: {"times": t, "peaks": p, "extras": e}
                        for name, (t, p, e) in results.items()
                    },
                    "schools": len(reference),
                    "pupil_months": pupil_months,
                    "imports": imports,
                    "incremental_ms": meter,
                    "machine": machine(),
                    "load_start": load,
                    "load_end": os.getloadavg(),
                    "started": f"{started:%Y-%m-%d %H:%M}",
                    "packages": public_subpackages(),
                }
            )
        )
    if not (args.quick or args.no_write or args.only or args.json):
        write_docs(block)
        print(f"written into {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
