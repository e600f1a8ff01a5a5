"""Every metering path in one run, side by side, written into ``docs/performance.md``.

Run: ``python benchmarks/report.py [--quick]`` (``nox -s bench`` runs it).

It runs, one after the other on the same machine, and each with three repetitions and
medians (``--quick``: the small CI forms, one repetition, nothing written):

* ``benchmarks/metering.py``: the 5,000,000-event workload on every in-process path (sort
  floor, DuckDB's best query, numpy, pure Python, the DuckDB engine on Parquet, the SQL
  adapter on SQLite, Spark in local mode), each run in a fresh process, plus import costs;
* ``benchmarks/sql_pushdown.py``: the same workload stored in PostgreSQL from a CSV file
  (``add_csv``), the library's pushdown query and the best hand-written queries;
* ``benchmarks/ingest.py``: the same workload's CSV file into PostgreSQL with ``add_csv``
  (first load and redelivery, events per second; the table's size per million events);
* ``benchmarks/meter.py``: the ``meter`` command on a 1,000,000-row CSV file, timed from
  process start, against DuckDB's ``read_csv`` and best query.

Then it writes one block, the machine it ran on (CPU, cores, memory, load average at the
start and the end) and every figure, between the markers in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs" / "performance.md"
START, END = "<!-- metering-benchmark:start -->", "<!-- metering-benchmark:end -->"
EVENTS_TARGET = 200_000  # events/s into PostgreSQL from a CSV file (issue 13)


def _run(script: str, args: list[str], out: Path) -> dict[str, Any]:
    """Run a benchmark script with ``--json out``; its output goes to this one's."""
    command = [sys.executable, str(HERE / script), *args, "--json", str(out)]
    print(f"$ {' '.join(command[1:])}", flush=True)
    subprocess.run(command, check=True)
    if not out.exists():  # a script that found no server says so and writes nothing
        return {}
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def _med(values: list[float]) -> float:
    return statistics.median(values)


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


LABELS = {
    "sort floor": "sort floor (`np.sort` of one int64 key per event)",
    "duckdb best": "DuckDB, best query (in process)",
    "numpy": "numpy path",
    "python": "pure Python",
    "duckdb engine": "DuckDB engine (`storage.duckdb`, Parquet)",
    "sqlite": "SQLite pushdown (SQL adapter)",
    "spark": "Spark (`spark_monthly_counts`, local[{cores}], Parquet)",
}


def engines_table(metering: dict[str, Any], sql: dict[str, Any]) -> list[str]:
    """One table: every path on the 5,000,000-event workload, against DuckDB's best query."""
    paths = metering["paths"]
    best = _med(paths["duckdb best"]["times"])
    floor = _med(paths["sort floor"]["times"])
    lines = [
        "| path | median time | × DuckDB best | × sort floor | peak RSS growth | runs (s) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, figures in paths.items():
        t = _med(figures["times"])
        peak = f"{_med(figures['peaks']):,.0f} MB"
        label = LABELS.get(name, name).format(cores=os.cpu_count())
        if name == "spark":
            jvm = _med([e.get("jvm_peak", float("nan")) for e in figures["extras"]])
            start = _med([e.get("startup", float("nan")) for e in figures["extras"]])
            peak += f" + JVM {jvm:,.0f} MB"
            label += f", start-up {start:.1f} s apart"
        bold = "**" if name == "numpy" else ""
        lines.append(
            f"| {label} | {t:.2f} s | {bold}{t / best:.2f}{bold} | {t / floor:.2f} "
            f"| {peak} | {_runs(figures['times'])} |"
        )
    if sql:
        for name, runs in sql["times"].items():
            t = _med(runs)
            label = (
                "PostgreSQL pushdown (library, `monthly_counts`)"
                if name == "library"
                else f"PostgreSQL {name}"
            )
            lines.append(
                f"| {label} | {t:.2f} s | {t / best:.2f} | {t / floor:.2f} "
                f"| in the server | {_runs(runs)} |"
            )
    return lines


def meter_table(meter: dict[str, Any]) -> list[str]:
    """The ``meter`` command against DuckDB (``benchmarks/meter.py``'s figures)."""
    duck = _med(meter["times"]["duckdb"])
    ratio = _med(meter["times"]["meter"]) / duck
    loads = meter.get("loads", [])
    rows = []
    for name, runs in meter["times"].items():
        peaks = meter["peaks"].get(name)
        peak = f"{_med(peaks):,.0f} MB" if peaks else "– (in the benchmark's process)"
        bold = "**" if name == "meter" else ""
        rows.append(
            f"| {name} | {_med(runs):.2f} s | {bold}{_med(runs) / duck:.2f}{bold} | {peak} "
            f"| {_runs(runs)} |"
        )
    return [
        f"**The `meter` command** on a {meter['rows']:,}-row CSV file "
        f"({meter['bytes'] / 1e6:.1f} MB), timed from process start to exit, against "
        "DuckDB's `read_csv` and best query in one run (interleaved; peak RSS: each fresh "
        "process's own"
        + (
            f"; load average (1 min) before each repetition and at the end: "
            f"{', '.join(f'{x:.1f}' for x in loads)}"
            if loads
            else ""
        )
        + "):",
        "",
        "| path | median time | × DuckDB | peak RSS | runs (s) |",
        "|---|---:|---:|---:|---|",
        *rows,
        "",
        f"Target: `meter` ≤ 2 × DuckDB: {ratio:.2f} ×.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="the CI forms; nothing written")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    extra = ["--quick"] if args.quick else ["--repeat", str(args.repeat)]
    started = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        metering = _run("metering.py", extra, folder / "metering.json")
        sql = _run("sql_pushdown.py", extra, folder / "sql.json")
        ingest = _run("ingest.py", extra, folder / "ingest.json")
        meter = _run("meter.py", extra, folder / "meter.json")
    ended = dt.datetime.now(dt.UTC)
    load_end = os.getloadavg()
    block = [
        f"Measured {started:%Y-%m-%d %H:%M}–{ended:%H:%M} UTC by `nox -s bench` "
        f"(`python benchmarks/report.py`) on: {metering['machine']}. Load average "
        f"(1, 5, 15 min) at the start {', '.join(f'{x:.1f}' for x in load_start)}, at the end "
        f"{', '.join(f'{x:.1f}' for x in load_end)} (the machine is shared). "
        f"Repetitions per path: {args.repeat if not args.quick else 1}, medians; every path "
        f"agreed: {metering['schools']:,} schools, {metering['pupil_months']:,} pupil-months.",
        "",
        f"**Monthly counts, {metering['events']:,} events** (each in-process path in a fresh "
        "process per repetition, interleaved; PostgreSQL's queries interleaved in one "
        "session, their memory is the server's):",
        "",
        *engines_table(metering, sql),
    ]
    if sql:
        best = sql["ratios"][sql["best_label"]]
        block += [
            "",
            f"PostgreSQL: the library's query ÷ the best hand-written query on the same table "
            f"(the faster of its two collations by median), round by round: median "
            f"**{sql['ratio']:.2f}**, from {min(best):.2f} to {max(best):.2f} over "
            f"{len(best)} rounds (target ≤ 1.0; the two have the same plan). "
            f"`uow.activity.add` of 200,000 events built beforehand: "
            f"{sql['add_rate']:,.0f} events/s.",
        ]
    if ingest:
        loads = ", ".join(f"{r['load_first']:.1f}" for r in ingest["runs"])
        block += [
            "",
            f"**Ingestion into PostgreSQL** (`benchmarks/ingest.py`) from a "
            f"{ingest['csv_bytes'] / 1e6:,.0f} MB CSV file of {ingest['events']:,} events "
            f"(`uow.activity.add_csv`, call to commit, a fresh schema each time, medians of "
            f"{ingest['repeat']}): first load {ingest['first_seconds']:.1f} s, "
            f"**{ingest['first_rate']:,.0f} events/s** (target ≥ {EVENTS_TARGET:,}); the same "
            f"file again, every event a duplicate: {ingest['again_seconds']:.1f} s, "
            f"{ingest['again_rate']:,.0f} events/s. Table size on disk with its indexes: "
            f"**{ingest['size_mb_per_million']:,.0f} MB per million events**. Load average "
            f"(1 min) after each first load: {loads}.",
        ]
    if meter:
        block += ["", *meter_table(meter)]
    imports = metering["imports"]
    core = imports["core dependencies"]
    block += [
        "",
        "**Import cost** (CPU time of the import statements in a fresh interpreter, median of "
        "interleaved runs; the core dependencies are `import attrs, pendulum, babel, moneyed, "
        "cryptography`; the public subpackages are "
        f"{', '.join(f'`{p}`' for p in metering['packages'])}):",
        "",
        "| imports | CPU time | × core dependencies |",
        "|---|---:|---:|",
        *(f"| {k} | {v:.0f} ms | {v / core:.2f} |" for k, v in imports.items()),
        "",
        "Incremental metering (`SchoolMeter`, one school, 500 pupils, one month of events "
        f"added and counted): {metering['incremental_ms']:.2f} ms (median).",
    ]
    print("\n".join(block))
    if not args.quick:
        text = DOCS.read_text()
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        DOCS.write_text(head + START + "\n" + "\n".join(block) + "\n" + END + tail)
        print(f"written into {DOCS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
