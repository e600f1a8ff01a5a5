"""Benchmark: the cost of ``PRAGMA secure_delete`` on SQLite writes.

Run ``python benchmarks/secure_delete.py [--events N] [--erase K] [--rounds R]``.

The SQLite adapter sets ``secure_delete=ON`` on every connection, so that deleted and
overwritten content (an erased name) is zeroed instead of staying in the file's free
space and free pages. This measures what that costs on two kinds of write, each in a
fresh file, with the pragma ON (as shipped) and OFF (a connect listener turns it off),
interleaved over ``--rounds`` rounds; the best round of each counts, and the ratio is
printed:

* **ingest**: ``N`` activity events (default 200,000; 1,000 pupils of one school) added
  through ``uow.activity.add`` in units of work of 10,000 (inserts only);
* **erase**: ``erase_subject`` of ``K`` of those pupils (default 20, 200 events each:
  every event's row is rewritten with the pseudonym), each its own unit of work followed
  by the checkpoint :meth:`~subscriptionkit.storage.sql.SqlStore.scrub` runs.

Wall time on a file in a temporary directory; run it alone (timings on a shared machine
vary: compare the ratio of the same run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from subscriptionkit import metering, privacy
from subscriptionkit.storage.sql import SqlStore, make_engine

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PUPILS = 1000
BATCH = 10_000


def _store(path: Path, *, secure: bool) -> SqlStore:
    engine = make_engine(str(path))
    if not secure:

        @sa.event.listens_for(engine, "connect")
        def _off(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute("PRAGMA secure_delete=OFF")

    return SqlStore(engine)


def _round(directory: Path, events: int, erase: int, *, secure: bool) -> tuple[float, float]:
    path = directory / f"bench-{'on' if secure else 'off'}.db"
    store = _store(path, secure=secure)
    try:
        start = time.perf_counter()
        for first in range(0, events, BATCH):
            with store.unit_of_work() as uow:
                uow.activity.add(
                    metering.ActivityEvent(
                        f"ev-{n}",
                        "school-1",
                        f"p-{n % PUPILS}",
                        1 + n % 8,
                        "engagement",
                        AT + dt.timedelta(seconds=n),
                    )
                    for n in range(first, min(first + BATCH, events))
                )
                uow.commit()
        ingest = time.perf_counter() - start
        start = time.perf_counter()
        for pupil in range(erase):
            privacy.erase_subject(store, f"p-{pupil}", at=AT, school_id="school-1")
        erasing = time.perf_counter() - start
    finally:
        store.close()
        store.engine.dispose()
    for file in directory.iterdir():
        file.unlink()
    return ingest, erasing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--erase", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best: dict[bool, list[float]] = {True: [float("inf")] * 2, False: [float("inf")] * 2}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for secure in (False, True):
                times = _round(Path(tmp), args.events, args.erase, secure=secure)
                best[secure] = [min(a, b) for a, b in zip(best[secure], times, strict=True)]
    for i, phase in enumerate(("ingest", "erase")):
        off, on = best[False][i], best[True][i]
        print(f"{phase:7} secure_delete OFF {off:7.3f} s  ON {on:7.3f} s  ratio {on / off:5.3f}")


if __name__ == "__main__":
    main()
