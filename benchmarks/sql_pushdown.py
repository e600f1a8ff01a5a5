"""SQL pushdown benchmark: monthly billable counts computed inside PostgreSQL.

Run: ``python benchmarks/sql_pushdown.py [--events N] [--quick]``.

The same workload as ``benchmarks/metering.py`` (same generator, same seed: 5,000,000
events, 1,000,000 pupils, 2,000 schools, 36 months) is loaded with ``COPY`` into a fresh
schema made by the library's own migrations, then counted by the SQL adapter's
``activity.monthly_counts`` (one query, plan Focus PO 1-8 so every grade counts) and
checked against the library's numpy path on the same arrays. Prints the load time, the
query time (best of ``--repeat``) and events per second. Target: under 30 s for 5M events.

For comparison, the best query we could write by hand for the same totals (distinct
pupil-buckets, ``lead()``, +1/−1 deltas, a running sum) runs on the same table twice: under
the database's collation and with ``COLLATE "C"`` on the ids; both must give the same
counts. Also printed: the table's size on disk per million events, and the rate of
``uow.activity.add`` (``COPY`` into a staging table and one ordered merge) for 200,000
events built beforehand.

The server is ``$SUBSCRIPTIONKIT_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); without one the script says so and
exits 0 unless ``CI=true``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import sys
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
TARGET_SECONDS = 30.0
#: Category codes of the workload: 0-2 are the billable ones, 3-4 are not.
CATEGORY_NAMES = (*(c.value for c in Category), "login", "report")


def _copy(engine: sa.Engine, d: dict[str, np.ndarray], chunk: int = 200_000) -> None:
    """Load the arrays with COPY, in chunks, converting each column once with numpy."""
    assert [CATEGORY_NAMES[c] for c in bench.BILLABLE_CODES] == [c.value for c in Category]
    names = np.array(CATEGORY_NAMES, dtype=object)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(
            "COPY sk_activity_events (event_id, school_id, pupil_id, grade, category,"
            " processed_epoch, processed_at) FROM STDIN"
        ) as copy:
            for lo in range(0, len(d["t"]), chunk):
                hi = lo + chunk
                t = d["t"][lo:hi]
                stamps = np.datetime_as_string(t.astype("datetime64[s]"), timezone="UTC")
                rows = zip(
                    (f"e{i}" for i in range(lo, lo + len(t))),
                    d["school"][lo:hi].astype(str),
                    d["pupil"][lo:hi].astype(str),
                    d["grade"][lo:hi].tolist(),
                    names[d["category"][lo:hi]],
                    t.tolist(),
                    (s.replace("Z", "+00:00") for s in stamps),
                    strict=True,
                )
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


HAND_SQL = """
WITH pm AS (
    SELECT DISTINCT school_id {collate} AS s, pupil_id {collate} AS p,
           width_bucket(processed_epoch, ARRAY[{bounds}]::bigint[]) - 1 AS b
    FROM sk_activity_events
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


def hand_written(
    engine: sa.Engine, timeline: Any, collate: str, window: int = 9
) -> tuple[float, dict[int, tuple[int, ...]]]:
    """The best query we could write by hand for totals (deduplicated pupil-buckets,
    ``lead()``, +1/-1 deltas, a running sum in Python): its time and its counts."""
    n = len(timeline.months)
    policy = CountMoment()
    first = timeline.months[0]
    # Bucket j holds the events of [moment of month first+j-window, next moment).
    edges = [policy.at(first + (j - window), bench.TZ).int_timestamp for j in range(n + window)]
    sql = HAND_SQL.format(
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
    took = time.perf_counter() - started
    deltas: dict[int, list[int]] = {}
    for school, b, d in rows:
        m = int(b) - (window - 1)
        if m < n:
            deltas.setdefault(int(school), [0] * n)[max(m, 0)] += int(d)
    counts = {}
    for school, row in deltas.items():
        acc, out = 0, []
        for d in row:
            acc += d
            out.append(acc)
        if any(out):
            counts[school] = tuple(out)
    return took, counts


def ingest_rate(store: SqlStore, data: dict[str, np.ndarray], n: int) -> float:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--pupils", type=int, default=1_000_000)
    parser.add_argument("--schools", type=int, default=2_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="a small run (200k events)")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.pupils, args.schools, args.repeat = 200_000, 40_000, 200, 1

    admin = make_engine(URL)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        message = (
            f"PostgreSQL not reachable at {URL} ({exc.orig}); set SUBSCRIPTIONKIT_TEST_POSTGRES_URL"
        )
        print(message)
        return 1 if os.environ.get("CI", "").lower() == "true" else 0

    schema = f"sk_bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(admin.url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        timeline, data = bench.workload(args.events, args.pupils, args.schools, args.months)
        store = SqlStore(engine)  # the library's migrations make the schema
        started = time.perf_counter()
        _copy(engine, data)
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE sk_activity_events"))
        load = time.perf_counter() - started

        plan = plans.default_catalog()["focus-po-1-8"]
        assert isinstance(plan, plans.PupilPlan)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            with store.unit_of_work() as uow:
                counts = uow.activity.monthly_counts(plan, timeline.months, tz=bench.TZ)
            times.append(time.perf_counter() - started)
        best = min(times)

        expected = bench.run_numpy(timeline, data)
        got = {
            int(str(school)): tuple(counts.count(school, m) for m in timeline.months)
            for school in counts.schools
        }
        assert got == expected, "the SQL pushdown disagrees with the numpy path"
        hand: dict[str, float] = {}
        for label, collate in (("database collation", ""), ('COLLATE "C"', 'COLLATE "C"')):
            runs = []
            for _ in range(args.repeat):
                took, counts_by_hand = hand_written(engine, timeline, collate)
                runs.append(took)
            assert counts_by_hand == expected, "the hand-written query disagrees"
            hand[label] = min(runs)
        with engine.connect() as conn:
            size = conn.execute(
                sa.text("SELECT pg_total_relation_size('sk_activity_events')")
            ).scalar_one()
        rate = ingest_rate(store, data, min(args.events, 200_000))
        pupil_months = sum(sum(v) for v in got.values())
        print(
            f"events: {args.events:,}, schools with pupils: {len(got):,}, pupil-months: {pupil_months:,}"
        )
        print(f"load (COPY + ANALYZE): {load:.1f} s")
        print(
            f"query: best {best:.2f} s of {[round(t, 2) for t in times]} ({args.events / best:,.0f} events/s)"
        )
        for label, took in hand.items():
            print(
                f"hand-written query, {label}: best {took:.2f} s; library / it: {best / took:.2f}"
            )
        print(
            f"table size on disk (with indexes): {size / 1e6:.0f} MB, {size / args.events:.0f} B per event, {size / 1e6 / (args.events / 1e6):.0f} MB per million events"
        )
        print(f"ingestion through uow.activity.add (COPY + ordered merge): {rate:,.0f} events/s")
        if not args.quick and best > TARGET_SECONDS:
            print(f"FAIL: {best:.1f} s is over the {TARGET_SECONDS:.0f} s target")
            return 1
        verdict = "not checked (quick run)" if args.quick else "met"
        print(f"target < {TARGET_SECONDS:.0f} s: {verdict}")
        return 0
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
