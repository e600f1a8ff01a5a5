"""Storage benchmark: the daily jobs over 1,000,000 subscriptions, on SQLite and PostgreSQL.

Run: ``python benchmarks/subscriptions_store.py [--subscriptions N] [--backend B] [--quick]``.

Workload (fixed seed): ``N`` subscriptions (default 1,000,000), one per customer, on the
five published plans (Teams at € 60 a seat, the four Focus PO plans), in three time zones
(Europe/Amsterdam, Europe/London, America/New_York), 85 % active, 5 % cancelled, 5 % on a
trial and 5 % expired after a trial, started at random minutes of the year before the
benchmark day (15 June 2026); 0.1 % started longer ago and are due for renewal. The daily
job ran every day before: reminders due before the day are marked sent.

Building a million subscriptions through the pure rules would take the rules about an hour
here (pendulum calendar steps cost ~1 ms per subscription), so the subscriptions are drawn
from ``--shapes`` distinct ones (default 10,000) built with the library's own functions
(``subscribe``, ``start_trial``, ``cancel``): subscriptions of one shape differ only in
their id and customer id, which no date rule reads. Each subscription's row, columns and
reminder rows are the shape's (``index_values``, ``reminder_rows``: what the adapter
writes) with its own ids, bulk-loaded (SQLite ``executemany`` in one transaction,
PostgreSQL ``COPY``) into a schema made by the library's migrations, indexes built after
the load.

Measured per database:

* **catch-up**: ``due_renewals(until=start of the day)``, then ``catch_up`` and ``update``
  (with events) of each due subscription: the job's first step;
* **reminders**: ``due_reminders(on=day)``, best of ``--repeat``, in a fresh process, with
  the growth of its peak RSS over the open store (flat memory: the answer is read from
  the index, never the other subscriptions);
* **mark_sent** of every reminder, and the day asked again (must be empty).

Checked: the reminders equal what the pure ``subscriptions.due_reminders`` computes over
all subscriptions (per shape, with the ids of its subscriptions), and, literally, over a
sample of ``--sample`` subscriptions read back from the store (``--quick``: all of them).
Targets: reminders under 1 s on PostgreSQL and under 3 s on SQLite.

PostgreSQL is ``$SUBSCRIPTIONKIT_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), in a private schema dropped
afterwards; without a server that backend is skipped unless ``CI=true``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import sqlalchemy as sa

from subscriptionkit import plans, subscriptions
from subscriptionkit.money import eur
from subscriptionkit.storage.sql import SqlStore, make_engine, metadata

URL = os.environ.get(
    "SUBSCRIPTIONKIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DAY = dt.date(2026, 6, 15)
SEED = 20260615
TARGETS = {"postgres": 1.0, "sqlite": 3.0}
ZONES = (("Europe/Amsterdam", 8), ("Europe/London", 1), ("America/New_York", 1))
STATUSES = (("active", 85), ("cancelled", 5), ("trial", 5), ("expired", 5))
#: The columns loaded, in this order, per table.
SUB_COLUMNS = [
    "id",
    "customer_id",
    "plan_id",
    "status",
    "trial_customer_id",
    "document",
    "version",
    "period_start",
    "paid_through",
    "next_renewal",
    "cancellation_deadline",
    "next_reminder_on",
    "due_at",
]
REMINDER_COLUMNS = [
    "subscription_id",
    "kind",
    "due_on",
    "customer_id",
    "plan_name",
    "timezone",
    "renews_at",
    "deadline",
    "sent_at",
]

Key = tuple[str, str, dt.date, dt.datetime, dt.datetime, str, str]


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


class Shape:
    """One distinct subscription, built by the rules, and what the store keeps for it."""

    def __init__(self, sub: subscriptions.Subscription) -> None:
        from subscriptionkit.storage.sql._schedule import index_values, reminder_rows

        self.sub = sub
        doc = sub.to_dict()
        doc.pop("version")
        doc["id"], doc["customer_id"] = "\x00ID\x00", "\x00CUSTOMER\x00"
        self.document = json.dumps(doc, sort_keys=True).split('"\\u0000ID\\u0000"')
        self.index = index_values(sub)
        self.reminders = reminder_rows(sub)
        self.trial = sub.trial_started_at is not None
        # What the pure rules say is due on the day, for this shape's subscriptions.
        self.expected = subscriptions.due_reminders([sub], on=DAY)

    def document_for(self, sub_id: str, customer: str) -> str:
        text = f'"{sub_id}"'.join(self.document)
        return text.replace('"\\u0000CUSTOMER\\u0000"', f'"{customer}"')


def make_shapes(count: int, rng: random.Random) -> tuple[list[Shape], list[Shape]]:
    """``count`` shapes of the year before the day, and a few older ones that are due."""
    catalog = plans.default_catalog(teams=plans.teams_plan(eur("60.00")))
    ids = ["teams", "focus-po-1-2", "focus-po-3-8", "focus-po-combi", "focus-po-1-8"]
    day_start = dt.datetime.combine(DAY, dt.time(), tzinfo=dt.UTC)

    def one(i: int, days_back: tuple[int, int], status: str) -> Shape:
        tz = _pick(rng, ZONES)
        at = day_start - dt.timedelta(days=rng.randint(*days_back), minutes=rng.randrange(1440))
        if status in ("trial", "expired"):
            trial = subscriptions.start_trial(
                f"shape-{i}", at=at, length="P6M", tz=tz, subscription_id=f"shape-{i}"
            ).subscription
            if status == "expired":
                trial = subscriptions.cancel(trial, at=at + dt.timedelta(days=3)).subscription
            return Shape(trial)
        plan = catalog[rng.choice(ids)]
        seats = 10 if isinstance(plan, plans.SeatPlan) else None
        sub = subscriptions.subscribe(
            f"shape-{i}", plan, at=at, seats=seats, tz=tz, subscription_id=f"shape-{i}"
        ).subscription
        if status == "cancelled":
            sub = subscriptions.cancel(sub, at=at + dt.timedelta(days=1)).subscription
        return Shape(sub)

    current = []
    for i in range(count):
        status = _pick(rng, STATUSES)
        back = (1, 150) if status == "trial" else (1, 364)
        current.append(one(i, back, status))
    due = [one(count + i, (367, 400), "active") for i in range(max(1, count // 1000))]
    return current, due


def plan_rows(n: int, shapes: list[Shape], due: list[Shape], rng: random.Random) -> list[int]:
    """Which shape each subscription takes: 0.1 % from the due ones (indices past the rest)."""
    picks = [rng.randrange(len(shapes)) for _ in range(n)]
    for i in rng.sample(range(n), max(1, n // 1000)):
        picks[i] = len(shapes) + rng.randrange(len(due))
    return picks


def _moment_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _day_text(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sent_at(due_on: dt.date) -> str | None:
    # The daily job ran at 07:00 UTC on every day before the benchmark day.
    if due_on >= DAY:
        return None
    return f"{due_on.isoformat()}T07:00:00.000000+00:00"


def rows(
    all_shapes: list[Shape], picks: list[int]
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """Each subscription's row and its reminder rows, as text the databases read."""
    cached = []
    for shape in all_shapes:
        ix = shape.index
        tail = (
            _moment_text(ix["period_start"]),
            _moment_text(ix["paid_through"]),
            _moment_text(ix["next_renewal"]),
            _moment_text(ix["cancellation_deadline"]),
            _day_text(ix["next_reminder_on"]),
            _moment_text(ix["due_at"]),
        )
        reminders = [
            (
                r["kind"],
                r["due_on"].isoformat(),
                r["plan_name"],
                r["timezone"],
                _moment_text(r["renews_at"]),
                _moment_text(r["deadline"]),
                _sent_at(r["due_on"]),
            )
            for r in shape.reminders
        ]
        cached.append((shape, tail, reminders))
    for i, pick in enumerate(picks):
        shape, tail, reminders = cached[pick]
        sub_id, customer = f"s{i:07d}", f"c{i:07d}"
        sub_row = (
            sub_id,
            customer,
            shape.sub.plan_id,
            shape.sub.status.value,
            customer if shape.trial else None,
            shape.document_for(sub_id, customer),
            1,
            *tail,
        )
        yield sub_row, [(sub_id, r[0], r[1], customer, *r[2:]) for r in reminders]


def expected_keys(all_shapes: list[Shape], picks: list[int]) -> set[Key]:
    """The pure rules' answer for the day, per shape, with each subscription's ids."""
    out: set[Key] = set()
    for i, pick in enumerate(picks):
        for r in all_shapes[pick].expected:
            out.add(_key(r, f"s{i:07d}", f"c{i:07d}"))
    return out


def _key(r: subscriptions.Reminder, sub_id: str | None = None, customer: str | None = None) -> Key:
    return (
        sub_id or r.subscription_id,
        r.kind,
        r.due_on,
        r.renews_at.astimezone(dt.UTC),
        r.deadline.astimezone(dt.UTC),
        customer or r.customer_id,
        r.plan_name,
    )


# -- loading --------------------------------------------------------------------------


def _secondary_indexes() -> list[sa.Index]:
    return [
        index
        for name in ("sk_subscriptions", "sk_reminders")
        for index in metadata.tables[name].indexes
    ]


def load(engine: sa.Engine, all_shapes: list[Shape], picks: list[int], backend: str) -> None:
    """Bulk-load every subscription and reminder row, then build the indexes and analyse."""
    with engine.begin() as conn:
        for index in _secondary_indexes():
            index.drop(conn)
    raw = engine.raw_connection()
    try:
        if backend == "sqlite":
            _load_sqlite(raw.driver_connection, all_shapes, picks)
        else:
            _load_postgres(raw.driver_connection, all_shapes, picks)
    finally:
        raw.close()
    with engine.begin() as conn:
        for index in _secondary_indexes():
            index.create(conn)
        conn.exec_driver_sql("ANALYZE")


def _load_sqlite(conn: Any, all_shapes: list[Shape], picks: list[int]) -> None:
    subs_sql = f"INSERT INTO sk_subscriptions ({', '.join(SUB_COLUMNS)}) VALUES ({', '.join('?' * len(SUB_COLUMNS))})"
    rem_sql = f"INSERT INTO sk_reminders ({', '.join(REMINDER_COLUMNS)}) VALUES ({', '.join('?' * len(REMINDER_COLUMNS))})"
    conn.execute("BEGIN")
    batch_subs: list[tuple[Any, ...]] = []
    batch_rems: list[tuple[Any, ...]] = []
    for sub_row, reminder_rows in rows(all_shapes, picks):
        batch_subs.append(sub_row)
        batch_rems.extend(reminder_rows)
        if len(batch_subs) >= 50_000:
            conn.executemany(subs_sql, batch_subs)
            conn.executemany(rem_sql, batch_rems)
            batch_subs, batch_rems = [], []
    conn.executemany(subs_sql, batch_subs)
    conn.executemany(rem_sql, batch_rems)
    conn.execute("COMMIT")


def _load_postgres(conn: Any, all_shapes: list[Shape], picks: list[int]) -> None:
    reminders: list[tuple[Any, ...]] = []
    with conn.cursor() as cur:
        with cur.copy(f"COPY sk_subscriptions ({', '.join(SUB_COLUMNS)}) FROM STDIN") as copy:
            for sub_row, reminder_rows in rows(all_shapes, picks):
                copy.write_row(sub_row)
                reminders.extend(reminder_rows)
        with cur.copy(f"COPY sk_reminders ({', '.join(REMINDER_COLUMNS)}) FROM STDIN") as copy:
            for row in reminders:
                copy.write_row(row)
    conn.commit()


# -- measuring ----------------------------------------------------------------------


def _open(target: str, schema: str | None) -> sa.Engine:
    if schema is None:
        return make_engine(target)
    return sa.create_engine(
        make_engine(target).url, connect_args={"options": f"-csearch_path={schema}"}
    )


def _query_process(target: str, schema: str | None, repeat: int, out: Any) -> None:
    """In a fresh process: open the store, then time due_reminders and its memory."""
    store = SqlStore(_open(target, schema), migrate=False)
    with store.unit_of_work() as uow:
        uow.subscriptions.due_reminders(on=DAY - dt.timedelta(days=400))  # warm the code path
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, found = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        with store.unit_of_work() as uow:
            found = list(uow.subscriptions.due_reminders(on=DAY))
        times.append(time.perf_counter() - started)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    # One more run under tracemalloc (slower, not timed): the peak of Python allocations.
    tracemalloc.start()
    with store.unit_of_work() as uow:
        uow.subscriptions.due_reminders(on=DAY)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    out.put((times, grown, before, peak, [_key(r) for r in found]))


def measure_query(
    target: str, schema: str | None, repeat: int
) -> tuple[list[float], int, int, int, list[Key]]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    process = ctx.Process(target=_query_process, args=(target, schema, repeat, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def catch_up(store: SqlStore) -> tuple[int, float, float]:
    """The job's first step; returns how many were due, the query time and the total."""
    until = pendulum.datetime(DAY.year, DAY.month, DAY.day, tz="Europe/Amsterdam")
    started = time.perf_counter()
    with store.unit_of_work() as uow:
        due = uow.subscriptions.due_renewals(until=until)
        query = time.perf_counter() - started
        for sub in due:
            new, events = subscriptions.catch_up(sub, at=until)
            uow.subscriptions.update(new, events=events)
        uow.commit()
        assert uow.subscriptions.due_renewals(until=until) == []
    return len(due), query, time.perf_counter() - started


def literal_check(store: SqlStore, ids: list[str], answer: set[Key]) -> int:
    """The pure due_reminders over the stored subscriptions ``ids``, against the answer."""
    with store.unit_of_work() as uow:
        subs = [uow.subscriptions.get(i) for i in ids]
    pure = {_key(r) for r in subscriptions.due_reminders(subs, on=DAY)}
    chosen = set(ids)
    mine = {k for k in answer if k[0] in chosen}
    assert pure == mine, f"pure rules and store disagree on {len(pure ^ mine)} reminders"
    return len(pure)


def run(
    backend: str,
    args: argparse.Namespace,
    all_shapes: list[Shape],
    picks: list[int],
    expected: set[Key],
) -> bool:
    if backend == "postgres":
        admin = make_engine(URL)
        try:
            with admin.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as exc:
            print(f"postgres: not reachable at {URL} ({exc.orig}); skipped")
            return os.environ.get("CI", "").lower() != "true"
        schema: str | None = f"sk_bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        target = URL
    else:
        tmp = tempfile.mkdtemp(prefix="sk-bench-")
        target, schema = str(Path(tmp) / "bench.db"), None
    engine = _open(target, schema)
    try:
        store = SqlStore(engine)  # the library's migrations make the schema
        started = time.perf_counter()
        load(engine, all_shapes, picks, backend)
        loaded = time.perf_counter() - started
        n_due, q_due, t_due = catch_up(store)
        times, grown, base, peak, found = measure_query(target, schema, args.repeat)
        answer = set(found)
        assert len(answer) == len(found)
        assert answer == expected, (
            f"store and pure rules disagree: {len(answer - expected)} extra, "
            f"{len(expected - answer)} missing"
        )
        rng = random.Random(SEED + 1)
        sample = [f"s{i:07d}" for i in rng.sample(range(len(picks)), min(args.sample, len(picks)))]
        if args.quick:
            sample = [f"s{i:07d}" for i in range(len(picks))]
        literal = literal_check(store, sample, answer)
        started = time.perf_counter()
        with store.unit_of_work() as uow:
            todo = uow.subscriptions.due_reminders(on=DAY)
            marked = sum(uow.subscriptions.mark_sent(r, at=pendulum.now("UTC")) for r in todo)
            uow.commit()
        t_mark = time.perf_counter() - started
        started = time.perf_counter()
        with store.unit_of_work() as uow:
            again = uow.subscriptions.due_reminders(on=DAY)
        t_again = time.perf_counter() - started
        assert marked == len(found)
        assert again == []
        best = min(times)
        print(f"{backend}: {len(picks):,} subscriptions loaded in {loaded:.1f} s")
        print(
            f"  catch-up: {n_due:,} due, query {q_due * 1000:.0f} ms, caught up and stored in {t_due:.1f} s"
        )
        print(
            f"  reminders on {DAY}: {len(found):,}, best {best:.3f} s of "
            f"{[round(t, 3) for t in times]}; memory: peak RSS growth {grown / 1024:.1f} MB "
            f"(over {base / 1024:.0f} MB), Python allocations peak {peak / 2**20:.1f} MB"
        )
        print(
            f"  equal to the pure rules over all (by shape) and, literally, over {len(sample):,} read back ({literal} reminders)"
        )
        print(f"  mark_sent of all: {t_mark:.2f} s; asked again: empty in {t_again * 1000:.0f} ms")
        target_s = TARGETS[backend]
        ok = best < target_s
        verdict = "met" if ok else f"NOT met ({best:.2f} s)"
        print(
            f"  target < {target_s:.0f} s: {verdict if not args.quick else 'not checked (quick run)'}"
        )
        return ok or args.quick
    finally:
        engine.dispose()
        if backend == "postgres":
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        else:
            for f in Path(target).parent.iterdir():
                f.unlink()
            Path(target).parent.rmdir()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--shapes", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="a small run (2,000 subscriptions)")
    args = parser.parse_args(argv)
    if args.quick:
        args.subscriptions, args.shapes, args.repeat = 2_000, 400, 1
    rng = random.Random(SEED)
    started = time.perf_counter()
    current, due = make_shapes(args.shapes, rng)
    all_shapes = current + due
    picks = plan_rows(args.subscriptions, current, due, rng)
    expected = expected_keys(all_shapes, picks)
    print(
        f"workload: {args.subscriptions:,} subscriptions from {len(all_shapes):,} shapes, "
        f"{len(expected):,} reminders due on {DAY}; built in {time.perf_counter() - started:.1f} s"
    )
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = [run(b, args, all_shapes, picks, expected) for b in backends]  # every backend
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
