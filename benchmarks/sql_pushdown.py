"""SQL pushdown benchmark: ingestion from CSV and monthly billable counts in PostgreSQL.

Run: ``python benchmarks/sql_pushdown.py [--events N] [--repeat R] [--quick] [--json FILE]``.

The workload of ``benchmarks/metering.py`` (same generator and seed: 5,000,000 events,
1,000,000 pupils, 2,000 schools, 36 months) is written as a CSV file (untimed), then:

* **ingestion**: ``uow.activity.add_csv(file)`` into a fresh schema made by the library's
  own migrations, timed from the call to the commit (pyarrow reads and checks the columns,
  one binary ``COPY`` in id order straight into the table, every event being new); events
  per second and the peak RSS growth of this process. Then the same file again (every event a duplicate: nothing new),
  and ``uow.activity.add`` of 200,000 events built beforehand (the row path);
* **size**: the table with its indexes on disk, per million events;
* **queries**, ``--repeat`` rounds interleaved (the order rotating and reversing), after
  one untimed query that warms the caches: the library's ``uow.activity.monthly_counts``
  (plan Focus PO 1-8, so every grade counts) and the best queries we could write by hand
  for the same totals (distinct pupil-buckets with ``width_bucket``, ``lead()``, +1/−1
  deltas, a running sum in Python): on the same table under the database's collation and
  with ``COLLATE "C"`` on the ids, and on a copy of the table with integer surrogate keys
  for schools and pupils (the schema option). Every count must equal the numpy path's on
  the same arrays. Reported: each query's median, and the library's time over each
  hand-written query's in the same round (the median and the range of the rounds' ratios:
  one round compares the two under one state of the machine).

The server is ``$SUBSCRIPTIONKIT_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); without one the script says so and
exits 0 unless ``CI=true``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from subscriptionkit import plans
from subscriptionkit.metering import ActivityEvent, Category, CountMoment
from subscriptionkit.storage.sql import SqlStore, make_engine


def _metering_benchmark() -> Any:
    """The metering benchmark module beside this file: its workload and numpy run."""
    path = Path(__file__).with_name("metering.py")
    spec = importlib.util.spec_from_file_location("metering_benchmark", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its multiprocessing helpers look themselves up
    spec.loader.exec_module(module)
    return module


bench = _metering_benchmark()

URL = os.environ.get(
    "SUBSCRIPTIONKIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: Category codes of the workload: 0-2 are the billable ones, 3-4 are not.
CATEGORY_NAMES = (*(c.value for c in Category), "login", "report")


def write_csv(path: Path, d: dict[str, np.ndarray]) -> None:
    """Write the workload as an event CSV file (pyarrow; untimed)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    assert [CATEGORY_NAMES[c] for c in bench.BILLABLE_CODES] == [c.value for c in Category]

    def text(prefix: str, values: np.ndarray) -> Any:
        return pc.binary_join_element_wise(prefix, pa.array(values).cast(pa.string()), "")

    moments = pa.array(d["t"] * 1_000_000, pa.timestamp("us", tz="UTC"))
    table = pa.table(
        {
            "event_id": text("e", np.arange(len(d["t"]))),
            "school_id": pa.array(d["school"]).cast(pa.string()),
            "pupil_id": pa.array(d["pupil"]).cast(pa.string()),
            "grade": pa.array(d["grade"]),
            "category": pa.array(np.array(CATEGORY_NAMES)[d["category"]]),
            "processed_at": pc.strftime(moments, format="%Y-%m-%dT%H:%M:%SZ"),
        }
    )
    pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="none"))


HAND_SQL = """
WITH pm AS (
    SELECT DISTINCT {school} {collate} AS s, {pupil} {collate} AS p,
           width_bucket(processed_epoch, ARRAY[{bounds}]::bigint[]) - 1 AS b
    FROM {table}
    WHERE category IN ({categories}) AND grade BETWEEN 1 AND 8
      AND processed_epoch >= {lo} AND processed_epoch < {hi}
),
runs AS (SELECT s, b, lead(b) OVER (PARTITION BY s, p ORDER BY b) AS nb FROM pm),
deltas AS (
    SELECT s, b AS m, 1 AS d FROM runs
    UNION ALL
    SELECT s, LEAST(b + {window}, COALESCE(nb, b + {window})) AS m, -1 AS d FROM runs
)
SELECT s, m, sum(d) FROM deltas GROUP BY s, m
"""


#: The hand-written variants: label, table, school column, pupil column, collation.
HAND_VARIANTS = (
    ("hand-written, database collation", "sk_activity_events", "school_id", "pupil_id", ""),
    ('hand-written, COLLATE "C"', "sk_activity_events", "school_id", "pupil_id", 'COLLATE "C"'),
    ("hand-written, integer keys (a copy)", "sk_bench_int_keys", "school_key", "pupil_key", ""),
)


def hand_written(
    engine: sa.Engine, timeline: Any, variant: tuple[str, str, str, str, str], window: int = 9
) -> tuple[float, dict[int, tuple[int, ...]]]:
    """The best query we could write by hand for totals (deduplicated pupil-buckets,
    ``lead()``, +1/-1 deltas, a running sum in Python): its time and its counts.

    Timed as the library's ``monthly_counts`` is, from the query to the counts per school
    and month (the running sum in Python included), so the two compare like for like."""
    _label, table, school, pupil, collate = variant
    n = len(timeline.months)
    policy = CountMoment()
    first = timeline.months[0]
    # Bucket j holds the events of [moment of month first+j-window, next moment).
    edges = [policy.at(first + (j - window), bench.TZ).int_timestamp for j in range(n + window)]
    sql = HAND_SQL.format(
        table=table,
        school=school,
        pupil=pupil,
        collate=collate,
        bounds=", ".join(map(str, edges)),
        categories=", ".join(f"'{c.value}'" for c in Category),
        lo=edges[0],
        hi=edges[-1],
        window=window,
    )
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL work_mem = '256MB'"))
        rows = conn.execute(sa.text(sql)).all()
    deltas: dict[int, list[int]] = {}
    names = _school_names(engine) if table == "sk_bench_int_keys" else None
    for key, b, d in rows:
        m = int(b) - (window - 1)
        if m < n:
            s = int(key) if names is None else names[int(key)]
            deltas.setdefault(s, [0] * n)[max(m, 0)] += int(d)
    counts = {}
    for school, row in deltas.items():
        acc, out = 0, []
        for d in row:
            acc += d
            out.append(acc)
        if any(out):
            counts[school] = tuple(out)
    return time.perf_counter() - started, counts


def _school_names(engine: sa.Engine) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT school_key, school_id FROM sk_bench_schools")).all()
    return {int(k): int(s) for k, s in rows}


def make_int_keys(engine: sa.Engine) -> None:
    """A copy of the events with integer surrogate keys for schools and pupils (untimed)."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE sk_bench_schools AS SELECT row_number() OVER () AS school_key, "
                "school_id FROM (SELECT DISTINCT school_id FROM sk_activity_events) s"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TABLE sk_bench_pupils AS SELECT row_number() OVER () AS pupil_key, "
                "school_id, pupil_id FROM "
                "(SELECT DISTINCT school_id, pupil_id FROM sk_activity_events) p"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TABLE sk_bench_int_keys AS SELECT e.event_id, s.school_key::int, "
                "p.pupil_key::int, e.grade, e.category, e.processed_epoch, e.processed_at "
                "FROM sk_activity_events e JOIN sk_bench_schools s USING (school_id) "
                "JOIN sk_bench_pupils p USING (school_id, pupil_id)"
            )
        )
        conn.execute(sa.text("ANALYZE sk_bench_int_keys"))


def add_rate(store: SqlStore, data: dict[str, np.ndarray], n: int) -> float:
    """Events per second through ``uow.activity.add`` (events built beforehand)."""
    events = [
        ActivityEvent(
            f"x{i}",
            str(data["school"][i]),
            str(data["pupil"][i]),
            int(data["grade"][i]),
            CATEGORY_NAMES[int(data["category"][i])],
            dt.datetime.fromtimestamp(int(data["t"][i]), dt.UTC),
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    with store.unit_of_work() as uow:
        added = uow.activity.add(events)
        uow.commit()
    took = time.perf_counter() - started
    assert added == n
    return n / took


def add_csv(store: SqlStore, path: Path) -> tuple[float, int, float]:
    """``uow.activity.add_csv`` of the file: seconds, new events, peak RSS growth (MB)."""
    base = bench._reset_peak()
    started = time.perf_counter()
    with store.unit_of_work() as uow:
        new = uow.activity.add_csv(path)
        uow.commit()
    return time.perf_counter() - started, new, bench._peak() - base


def workload_arguments(description: str | None) -> argparse.ArgumentParser:
    """The options of a PostgreSQL benchmark on the metering workload (``--quick``: a
    small run, 200k events, one repetition)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=2_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a small run (200k events)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser


def quick(args: argparse.Namespace) -> argparse.Namespace:
    """``args`` with the small run's sizes when ``--quick`` was given."""
    if args.quick:
        args.events, args.pupils, args.schools, args.repeat = 200_000, 40_000, 200, 1
    return args


def unreachable(admin: sa.Engine) -> int | None:
    """``None`` when the server answers; else say so and give the exit status (1 under
    ``CI=true``, else 0)."""
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        message = (
            f"PostgreSQL not reachable at {URL} ({exc.orig}); set SUBSCRIPTIONKIT_TEST_POSTGRES_URL"
        )
        print(message)
        return 1 if os.environ.get("CI", "").lower() == "true" else 0
    return None


def main(argv: list[str] | None = None) -> int:
    args = quick(workload_arguments(__doc__.splitlines()[0]).parse_args(argv))
    admin = make_engine(URL)
    status = unreachable(admin)
    if status is not None:
        return status

    schema = f"sk_bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(admin.url, connect_args={"options": f"-csearch_path={schema}"})
    folder = Path(tempfile.mkdtemp(prefix="sk-bench-sql-"))
    try:
        timeline, data = bench.workload(args.events, args.pupils, args.schools, args.months)
        path = folder / "events.csv"
        write_csv(path, data)
        store = SqlStore(engine)  # the library's migrations make the schema
        load, new, load_peak = add_csv(store, path)
        assert new == args.events, f"add_csv stored {new} of {args.events} events"
        again, new_again, _ = add_csv(store, path)
        assert new_again == 0
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE sk_activity_events"))
            size = conn.execute(
                sa.text("SELECT pg_total_relation_size('sk_activity_events')")
            ).scalar_one()
        make_int_keys(engine)

        plan = plans.default_catalog()["focus-po-1-8"]
        assert isinstance(plan, plans.PupilPlan)
        expected = bench.run_numpy(timeline, data)
        times: dict[str, list[float]] = {"library": [], **{v[0]: [] for v in HAND_VARIANTS}}
        # Each query finds the caches as the one before it left them (the integer-key
        # query reads another table): the order rotates every two rounds and runs
        # backwards every other round, so no query always goes first or always follows
        # the same one.
        order: list[tuple[str, str, str, str, str] | None] = [None, *HAND_VARIANTS]
        # One untimed query first: after the load and the copy with integer keys, the
        # first query of the first round would find the table colder than any later one.
        hand_written(engine, timeline, HAND_VARIANTS[1])
        for round_ in range(args.repeat):
            turn = (round_ // 2) % len(order)
            rotated = order[turn:] + order[:turn]
            for variant in rotated if round_ % 2 == 0 else rotated[::-1]:
                if variant is not None:
                    took, by_hand = hand_written(engine, timeline, variant)
                    assert by_hand == expected, f"{variant[0]} disagrees with the numpy path"
                    times[variant[0]].append(took)
                    continue
                started = time.perf_counter()
                with store.unit_of_work() as uow:
                    counts = uow.activity.monthly_counts(plan, timeline.months, tz=bench.TZ)
                times["library"].append(time.perf_counter() - started)
                got = {
                    int(str(school)): tuple(counts.count(school, m) for m in timeline.months)
                    for school in counts.schools
                }
                assert got == expected, "the SQL pushdown disagrees with the numpy path"
        rows_rate = add_rate(store, data, min(args.events, 200_000))
        medians = {k: statistics.median(v) for k, v in times.items()}
        # Round by round (the same round, the same state of the machine): the library's
        # time over each hand-written query's. The two on the same table now have the same
        # plan (the ids sort in byte order either way); the faster of them by median is
        # the one compared with, its ratios' median and range are what is reported.
        ratios = {
            label: [lib / hand for lib, hand in zip(times["library"], runs, strict=True)]
            for label, runs in times.items()
            if label != "library"
        }
        best_label = min((v[0] for v in HAND_VARIANTS[:2]), key=medians.__getitem__)
        best_hand = medians[best_label]
        ratio = statistics.median(ratios[best_label])
        pupil_months = sum(sum(v) for v in expected.values())
        print(
            f"events: {args.events:,}, schools with pupils: {len(expected):,}, "
            f"pupil-months: {pupil_months:,}; {args.repeat} rounds, medians"
        )
        print(
            f"ingestion, add_csv of a {path.stat().st_size / 1e6:.0f} MB CSV: {load:.1f} s, "
            f"{args.events / load:,.0f} events/s, peak RSS +{load_peak:.0f} MB; the same file "
            f"again (all duplicates): {again:.1f} s ({args.events / again:,.0f} events/s)"
        )
        print(f"ingestion, add() of 200,000 events built beforehand: {rows_rate:,.0f} events/s")
        print(
            f"table size on disk (with indexes): {size / 1e6:.0f} MB, "
            f"{size / 1e6 / (args.events / 1e6):.0f} MB per million events"
        )
        for label, runs in times.items():
            spread = ""
            if label != "library":
                r = ratios[label]
                spread = (
                    f"; library ÷ this, round by round: median {statistics.median(r):.3f} "
                    f"(from {min(r):.3f} to {max(r):.3f})"
                )
            print(
                f"{label}: median {medians[label]:.2f} s of {[round(t, 2) for t in runs]}{spread}"
            )
        print(
            f"library ÷ the best hand-written query on the same table ({best_label}): "
            f"{ratio:.3f}, median of {len(ratios[best_label])} rounds (from "
            f"{min(ratios[best_label]):.3f} to {max(ratios[best_label]):.3f})"
        )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "events": args.events,
                        "load_seconds": load,
                        "load_rate": args.events / load,
                        "load_peak_mb": load_peak,
                        "again_seconds": again,
                        "add_rate": rows_rate,
                        "size_bytes": size,
                        "csv_bytes": path.stat().st_size,
                        "times": times,
                        "best_hand": best_hand,
                        "best_label": best_label,
                        "ratios": ratios,
                        "ratio": ratio,
                        "load_average": os.getloadavg(),
                    }
                )
            )
        return 0
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
