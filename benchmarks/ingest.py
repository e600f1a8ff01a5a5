"""Ingestion benchmark: a CSV file of events into PostgreSQL with ``add_csv``.

Run: ``python benchmarks/ingest.py [--events N] [--repeat R] [--quick] [--json FILE]``
(``benchmarks/report.py``, so ``nox -s bench``, runs it and prints its figures).

The workload of ``benchmarks/metering.py`` (same generator and seed: 5,000,000 events,
1,000,000 pupils, 2,000 schools, 36 months) is written once as a CSV file (untimed). Then
``--repeat`` times, each time into a **fresh schema** made by the library's own migrations:

* **first load**: ``uow.activity.add_csv(file)`` and the commit, timed from the call to
  the end of the commit; events per second;
* **redelivery**: the same file again (every event a duplicate: nothing new, nothing
  refused), timed the same way;
* **size**: ``pg_total_relation_size`` of the events table (heap, indexes, TOAST) after
  ``VACUUM``, in MB per million events;

and the load average (1 min) after each. Medians of the repetitions are reported. The
server is ``$SUBSCRIPTIONKIT_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), with its configuration as it is
(the figures hold for a server with default settings); without a server the script says
so and exits 0 unless ``CI=true``.
"""

from __future__ import annotations

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

import sqlalchemy as sa

from subscriptionkit.storage.sql import SqlStore, make_engine

URL = os.environ.get(
    "SUBSCRIPTIONKIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _sibling(name: str) -> Any:
    """A benchmark module beside this file (its workload and CSV writer)."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _add_csv(store: SqlStore, path: Path) -> tuple[float, int]:
    """Seconds from the call to the end of the commit, and the events that were new."""
    started = time.perf_counter()
    with store.unit_of_work() as uow:
        new = uow.activity.add_csv(path)
        uow.commit()
    return time.perf_counter() - started, new


def one_run(admin: sa.Engine, path: Path, events: int) -> dict[str, float]:
    """A fresh schema: first load, redelivery, size; dropped afterwards."""
    schema = f"sk_bench_ingest_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(admin.url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        store = SqlStore(engine)  # the library's migrations make the schema
        first, new = _add_csv(store, path)
        assert new == events, f"add_csv stored {new} of {events} events"
        load_first = os.getloadavg()[0]
        again, new_again = _add_csv(store, path)
        assert new_again == 0, f"the redelivery stored {new_again} events"
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM sk_activity_events"))
            size = conn.execute(
                sa.text("SELECT pg_total_relation_size('sk_activity_events')")
            ).scalar_one()
        return {
            "first": first,
            "again": again,
            "size_mb_per_million": size / 1e6 / (events / 1e6),
            "load_first": load_first,
            "load_again": os.getloadavg()[0],
        }
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def main(argv: list[str] | None = None) -> int:
    sql = _sibling("sql_pushdown")
    parser = sql.workload_arguments(__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--csv", type=Path, help="use this workload file (written if absent)")
    args = sql.quick(parser.parse_args(argv))
    admin = make_engine(URL)
    status = sql.unreachable(admin)
    if status is not None:
        return int(status)

    folder = Path(tempfile.mkdtemp(prefix="sk-bench-ingest-"))
    try:
        path = args.csv or folder / "events.csv"
        if not path.exists():
            _timeline, data = sql.bench.workload(
                args.events, args.pupils, args.schools, args.months
            )
            sql.write_csv(path, data)
            del data
        csv_bytes = path.stat().st_size
        runs = [one_run(admin, path, args.events) for _ in range(args.repeat)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        admin.dispose()

    def median(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    figures = {
        "events": args.events,
        "csv_bytes": csv_bytes,
        "repeat": args.repeat,
        "first_seconds": median("first"),
        "first_rate": args.events / median("first"),
        "again_seconds": median("again"),
        "again_rate": args.events / median("again"),
        "size_mb_per_million": median("size_mb_per_million"),
        "load": median("load_first"),
        "runs": runs,
    }
    loads = ", ".join(f"{r['load_first']:.1f}" for r in runs)
    print(
        f"add_csv of {args.events:,} events into PostgreSQL, {args.repeat} fresh schemas, "
        f"medians: first load {figures['first_seconds']:.1f} s "
        f"({figures['first_rate']:,.0f} events/s); the same file again "
        f"{figures['again_seconds']:.1f} s ({figures['again_rate']:,.0f} events/s); "
        f"table {figures['size_mb_per_million']:.0f} MB per million events; load average "
        f"(1 min) {loads}"
    )
    for r in runs:
        print(
            "  run: "
            + ", ".join(f"{k} {v:.2f}" for k, v in r.items() if k != "size_mb_per_million")
        )
    if args.json:
        args.json.write_text(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
