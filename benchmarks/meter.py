"""The ``meter`` command against DuckDB, on one CSV file, side by side in one run.

Run: ``python benchmarks/meter.py [--rows N] [--quick] [--repeat R]``.

The file (fixed seed): ``--rows`` events (default 1,000,000) of as many pupils, 2,000
schools, times spread over the 36 counted months (Jan 2023 – Dec 2025, Europe/Amsterdam)
and the 9 months before them, grades 1–8, five categories (three billable). Written once
with pyarrow into a temporary directory (about 70 MB).

* **meter**: ``python -m subscriptionkit meter FILE --plan focus-po-1-8 --from 2023-01
  --to 2025-12`` in a fresh process, output to a pipe: timed from before the process
  starts until it exits, so interpreter start, imports, the checks of every row, the count,
  pricing and printing the 72,000-line table are all in it.
* **duckdb**: DuckDB in this process, one ``read_csv`` of the same file and the best
  query we know (deduplicate pupil-months, ``lead()`` over each pupil's months, +1/−1
  deltas nine months wide, a running sum), rows fetched to Python. Its import is not in
  its time; **duckdb-process** is the same in a fresh process, timed like ``meter``.

Both must give the same pupils per school and month (checked on every run). Each path
runs once untimed first (the file in the page cache, Python's bytecode written to a
temporary cache as an installed package has it), then ``--repeat`` times, the paths
interleaved and their order rotated; times are medians.

Peak memory is each fresh process's own maximum resident set. A child's ``ru_maxrss``
also holds the resident set of the process that started it, as it was when it started
the child (Linux records the old memory map's peak when ``exec`` replaces it): started from
this process, which holds DuckDB's results, every child showed this process's peak. So
each child is started by a small launcher of its own (a bare interpreter, about 10 MB),
which times it and reads ``ru_maxrss`` from ``os.wait4`` for that child only.
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
import time
from pathlib import Path

SEED = 20240601
SCHOOLS = 2000
FIRST, LAST = "2023-01", "2025-12"
TZ = "Europe/Amsterdam"

DUCKDB_SQL = """
WITH ev AS (
    SELECT school_id, pupil_id,
           (year(timezone('{tz}', processed_at)) * 12
            + month(timezone('{tz}', processed_at)) - 1) AS k
    FROM read_csv('{path}', header = true, columns = {{
        'event_id': 'VARCHAR', 'school_id': 'VARCHAR', 'pupil_id': 'VARCHAR',
        'grade': 'INTEGER', 'category': 'VARCHAR', 'processed_at': 'TIMESTAMPTZ'}})
    WHERE category IN ('cross_method_test', 'objective_mastery', 'engagement')
      AND grade BETWEEN 1 AND 8
),
pm AS (SELECT DISTINCT school_id, pupil_id, k FROM ev),
runs AS (
    SELECT school_id, k, lead(k) OVER (PARTITION BY school_id, pupil_id ORDER BY k) AS nk
    FROM pm
),
deltas AS (
    SELECT school_id, k AS m, 1 AS d FROM runs
    UNION ALL
    SELECT school_id, least(k + 9, coalesce(nk, k + 9)) AS m, -1 AS d FROM runs
),
agg AS (SELECT school_id, m, sum(d) AS d FROM deltas GROUP BY school_id, m)
SELECT school_id, m, sum(d) OVER (PARTITION BY school_id ORDER BY m) AS n FROM agg
"""


def write_csv(path: Path, rows: int) -> None:
    """Write the benchmark's events (fixed seed) as CSV."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(SEED)
    t0 = int(dt.datetime(2022, 3, 31, 22, tzinfo=dt.UTC).timestamp())  # Apr 2022, Amsterdam
    t1 = int(dt.datetime(2025, 12, 31, 23, tzinfo=dt.UTC).timestamp())  # Jan 2026, Amsterdam
    pupil = rng.integers(0, rows, rows)
    categories = np.array(
        ["cross_method_test", "objective_mastery", "engagement", "login", "report_viewed"]
    )
    moments = pa.array(rng.integers(t0, t1, rows) * 1_000_000, pa.timestamp("us", tz="UTC"))

    def text(prefix: str, values: object) -> object:
        return pc.binary_join_element_wise(prefix, pa.array(values).cast(pa.string()), "")

    table = pa.table(
        {
            "event_id": text("e", np.arange(rows)),
            "school_id": text("school-", (pupil * 7919) % SCHOOLS),
            "pupil_id": text("p", pupil),
            "grade": pa.array(rng.integers(1, 9, rows)),
            "category": pa.array(categories[rng.integers(0, 5, rows)]),
            "processed_at": pc.strftime(moments, format="%Y-%m-%dT%H:%M:%SZ"),
        }
    )
    pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="none"))


def month_index(text: str) -> int:
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def dense(rows: list[tuple[str, int, int]]) -> dict[tuple[str, int], int]:
    """DuckDB's running sums (one row per month with a change) as pupils per school-month."""
    first, last = month_index(FIRST), month_index(LAST)
    steps: dict[str, list[tuple[int, int]]] = {}
    for school, m, n in rows:
        steps.setdefault(school, []).append((m, n))
    out: dict[tuple[str, int], int] = {}
    for school, changes in steps.items():
        changes.sort()
        k = 0
        current = 0
        for m in range(first, last + 1):
            while k < len(changes) and changes[k][0] <= m:
                current = changes[k][1]
                k += 1
            if current:
                out[(school, m)] = current
    return out


def run_duckdb(path: Path) -> tuple[float, dict[tuple[str, int], int]]:
    import duckdb

    con = duckdb.connect()
    start = time.perf_counter()
    rows = con.execute(DUCKDB_SQL.format(path=path, tz=TZ)).fetchall()
    took = time.perf_counter() - start
    con.close()
    return took, dense(rows)


#: The launcher of each timed child (``python -I -S -c LAUNCH program args...``): it starts
#: the program with ``posix_spawn`` (standard error to /dev/null, standard output shared),
#: waits for it, and writes the seconds from start to exit, the exit status and the
#: child's own peak RSS (KiB) as JSON on its standard error.
LAUNCH = """
import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ,
                     file_actions=[(os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
_, status, usage = os.wait4(pid, 0)
took = time.perf_counter() - start
os.write(2, json.dumps({"seconds": took, "status": os.waitstatus_to_exitcode(status),
                        "peak_kb": usage.ru_maxrss}).encode())
"""


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run a fresh process through its own launcher; return (seconds from start to exit,
    its own peak RSS in MB, its standard output)."""
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LAUNCH, *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode:
        raise SystemExit(f"the launcher failed: {proc.stderr[-2000:]}")
    result = json.loads(proc.stderr)
    if result["status"]:
        raise SystemExit(f"{' '.join(argv[:4])}... failed with status {result['status']}")
    return result["seconds"], result["peak_kb"] // 1024, proc.stdout


def child_env(cache: Path) -> dict[str, str]:
    """The children's environment: bytecode cached under ``cache`` (written by the untimed
    first run), as an installed package has it, whatever ``PYTHONDONTWRITEBYTECODE`` says."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def meter_counts(output: str) -> dict[tuple[str, int], int]:
    """Pupils per school and month from the command's table (lines after the headings)."""
    out: dict[tuple[str, int], int] = {}
    for line in output.splitlines()[2:-1]:
        school, month, _band, pupils, *_ = line.split()
        if int(pupils):
            out[(school, month_index(month))] = int(pupils)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20,000 rows, one run (CI smoke)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeat = 20_000, 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        write_csv(path, args.rows)
        size = os.path.getsize(path)
        print(f"{args.rows:,} rows, {size / 1e6:.1f} MB, {args.repeat} run(s), medians")
        env = child_env(Path(tmp) / "pycache")
        duck_script = (
            "import sys, duckdb; sys.path.insert(0, sys.argv[2]); import meter as b; "
            "print(len(duckdb.connect().execute("
            "b.DUCKDB_SQL.format(path=sys.argv[1], tz=b.TZ)).fetchall()))"
        )
        children = {
            "meter": [
                sys.executable,
                *("-m", "subscriptionkit", "meter", str(path), "--plan", "focus-po-1-8"),
                *("--from", FIRST, "--to", LAST),
            ],
            "duckdb-process": [
                sys.executable,
                *("-c", duck_script, str(path), str(Path(__file__).parent)),
            ],
        }
        _, expected = run_duckdb(path)  # the untimed first runs
        for argv in children.values():
            run_child(argv, env)
        times: dict[str, list[float]] = {"meter": [], "duckdb": [], "duckdb-process": []}
        peaks: dict[str, list[int]] = {"meter": [], "duckdb-process": []}
        loads: list[float] = []
        for rep in range(args.repeat):
            loads.append(os.getloadavg()[0])
            order = ["duckdb", *children]
            for name in order[rep % 3 :] + order[: rep % 3]:
                if name == "duckdb":
                    took, expected = run_duckdb(path)
                    times[name].append(took)
                    continue
                took, peak, out = run_child(children[name], env)
                times[name].append(took)
                peaks[name].append(peak)
                if name == "meter" and (got := meter_counts(out)) != expected:
                    wrong = sorted(set(got.items()) ^ set(expected.items()))[:5]
                    print(f"MISMATCH between meter and duckdb: {wrong}", file=sys.stderr)
                    return 1
        loads.append(os.getloadavg()[0])
        duck = statistics.median(times["duckdb"])
        print(f"{'path':<16}{'median':>10}{'runs':>28}{'vs duckdb':>11}{'peak RSS':>10}")
        for name, runs in times.items():
            med = statistics.median(runs)
            shown = ", ".join(f"{r:.2f}" for r in runs)
            peak_text = f"{statistics.median(peaks[name]):.0f} MB" if name in peaks else "-"
            print(f"{name:<16}{med:>9.2f}s{shown:>28}{med / duck:>10.2f}x{peak_text:>10}")
        print(f"same pupils per school and month: {len(expected):,} school-months")
        print(f"load average (1 min) before each run and at the end: {loads}")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "rows": args.rows,
                        "bytes": size,
                        "times": times,
                        "peaks": peaks,
                        "loads": loads,
                    }
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
