"""Privacy benchmark: export and erasure of one subject in a realistic store.

Run: ``python benchmarks/privacy.py [--events N] [--teams N] [--audit N] [--backend B]
[--quick] [--json FILE]``.

Workload (fixed seed), loaded into a schema made by the library's migrations (events by
``add_csv``, consents by ``consents.save``; teams and audit entries as the adapter writes
them, in bulk):

* ``--events`` activity events (default 1,000,000): 200 schools of 500 pupils each, pupil
  ids ``p-0000`` .. ``p-0499`` in every school (pupil ids are unique only within a school),
  spread over two years;
* ``--teams`` teams (default 10,000) of five accounts (an owner and four members), each
  with one pending invitation: 50,000 accounts;
* ``--audit`` audit entries (default 100,000) about team members, each naming two accounts;
* one consent per account in every tenth team.

Measured per database, each subject a member of a different team (so every erasure is a
first one), the median of ``--repeat``:

* **export (account)**: ``export_subject`` of an account, no school;
* **scope**: ``subject_scope`` of the same id (a scan of the events: which schools have a
  pupil with that id);
* **export (pupil)**: ``export_subject`` of a pupil with its school;
* **erase (account)**: ``erase_subject`` of an account, no school (its scope included);
* **erase (pupil)**: ``erase_subject`` of a pupil with its school.

Checked: each export holds the subject's records (one membership, its audit entries, its
events) and each erasure changed what it should.

PostgreSQL is ``$SUBSCRIPTIONKIT_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), in a private schema dropped
afterwards; without a server that backend is skipped unless ``CI=true``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from subscriptionkit import privacy, teams
from subscriptionkit.storage.sql import SqlStore, make_engine
from subscriptionkit.storage.sql._tables import audit_table
from subscriptionkit.storage.sql._teams import (
    _invitation_rows,
    _member_rows,
    _team_values,
    invitations_table,
    members_table,
    teams_table,
)
from subscriptionkit.testing import active_subscription

URL = os.environ.get(
    "SUBSCRIPTIONKIT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEED = 20261129
AT = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
SCHOOLS, PUPILS = 200, 500
CATEGORIES = ("cross_method_test", "objective_mastery", "engagement", "login")


def _account(team: int, position: int) -> str:
    return f"u-{team * 5 + position:07d}"


def write_events_csv(path: Path, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """``n`` events over the schools and their pupils, two years back from ``AT``; return
    the (school, pupil) pairs of the first events, as subjects to measure."""
    pairs = []
    start = AT - dt.timedelta(days=730)
    with path.open("w", encoding="utf-8") as f:
        f.write("event_id,school_id,pupil_id,grade,category,processed_at\n")
        for i in range(n):
            school = rng.randrange(SCHOOLS)
            pupil = rng.randrange(PUPILS)
            at = start + dt.timedelta(seconds=rng.randrange(730 * 86400))
            if i < 100:
                pairs.append((f"school-{school:03d}", f"p-{pupil:04d}"))
            f.write(
                f"ev-{i:08d},school-{school:03d},p-{pupil:04d},{1 + pupil % 8},"
                f"{CATEGORIES[i % 4]},{at.isoformat()}\n"
            )
    return pairs


def _team_template() -> teams.Team:
    """One team of five accounts with one pending invitation (ids of team 0)."""
    keys = teams.TokenKeys.generate()
    sub = active_subscription("teams", "acme", seats=6, at=AT)
    team, _ = teams.create_team(
        sub, name="Team 0", owner_id=_account(0, 0), owner_name="Owner 0",
        owner_email=f"{_account(0, 0)}@example.org", at=AT, team_id="team-00000",
    )  # fmt: skip
    for p in range(1, 5):
        team, _ = teams.add_member(
            team, by=_account(0, 0), account_id=_account(0, p), name=f"Member 0.{p}",
            email=f"{_account(0, p)}@example.org", at=AT,
        )  # fmt: skip
    return teams.invite(
        team, by=_account(0, 0), email="guest-0@example.org", keys=keys, at=AT,
        invitation_id="inv-00000",
    ).team  # fmt: skip


def _renamed(row: dict[str, Any], t: int) -> dict[str, Any]:
    """A row of the template team with team 0's ids replaced by team ``t``'s."""
    out = {}
    for key, value in row.items():
        if isinstance(value, str):
            for p in range(5):
                value = value.replace(_account(0, p), _account(t, p))
            value = value.replace("team-00000", f"team-{t:05d}")
            value = value.replace("inv-00000", f"inv-{t:05d}")
            value = value.replace("guest-0@", f"guest-{t}@").replace("Team 0", f"Team {t}")
        out[key] = value
    if "token_digest" in out:
        out["token_digest"] = f"{t:064x}"
    return out


def load_teams(store: SqlStore, n: int) -> None:
    """``n`` teams like the template, written as the adapter writes a team, in bulk
    (building 10,000 teams through the rules would take minutes and measure nothing here)."""
    template = _team_template()
    team_row = {"id": template.id, "version": 1, **_team_values(template)}
    parts = (
        (members_table, _member_rows(template)),
        (invitations_table, _invitation_rows(template)),
    )
    with store.unit_of_work() as uow:
        conn = uow.connection
        conn.execute(teams_table.insert(), [_renamed(team_row, t) for t in range(n)])
        for table, rows in parts:
            conn.execute(table.insert(), [_renamed(r, t) for t in range(n) for r in rows])
        uow.commit()


def load(
    store: SqlStore, args: argparse.Namespace, tmp: Path
) -> tuple[dict[str, float], list[tuple[str, str]]]:
    """Fill the store; return how long each part took (s), and pupils to measure."""
    rng = random.Random(SEED)
    took: dict[str, float] = {}
    csv = tmp / "events.csv"
    pupils = write_events_csv(csv, args.events, rng)
    started = time.perf_counter()
    with store.unit_of_work() as uow:
        uow.activity.add_csv(csv)
        uow.commit()
    took["events"] = time.perf_counter() - started
    csv.unlink()
    started = time.perf_counter()
    load_teams(store, args.teams)
    took["teams"] = time.perf_counter() - started
    started = time.perf_counter()
    rows = []
    for _ in range(args.audit):
        t = rng.randrange(args.teams)
        rows.append({
            "subject_type": "team", "subject_id": f"team-{t:05d}", "customer_id": "acme",
            "kind": "member_added", "at": AT,
            "data": {"account_id": _account(t, rng.randrange(1, 5)), "by": _account(t, 0)},
        })  # fmt: skip
    with store.unit_of_work() as uow:
        uow.connection.execute(audit_table.insert(), rows)
        for t in range(0, args.teams, 10):
            for p in range(5):
                who = _account(t, p)
                given = privacy.implicit_consent(
                    who, "review", at=AT, source="course", consent_id=f"c-{who}"
                )
                uow.consents.save(given)
        uow.commit()
    took["audit and consents"] = time.perf_counter() - started
    return took, pupils


def _timed(times: dict[str, list[float]], name: str, call: Callable[[], Any]) -> Any:
    """Run ``call``, add its time to ``times[name]``; return its result."""
    started = time.perf_counter()
    result = call()
    times.setdefault(name, []).append(time.perf_counter() - started)
    return result


def measure(
    store: SqlStore, args: argparse.Namespace, pupils: list[tuple[str, str]]
) -> dict[str, list[float]]:
    """Time export, scope and erasure (each of ``--repeat`` different subjects)."""
    times: dict[str, list[float]] = {}
    rng = random.Random(SEED + 1)
    picked = rng.sample(range(args.teams), 2 * args.repeat)
    later = AT + dt.timedelta(days=1)
    for n in range(args.repeat):
        account, other = _account(picked[n], 2), _account(picked[args.repeat + n], 3)
        school, pupil = pupils[n]
        export, erase = privacy.export_subject, privacy.erase_subject
        doc = _timed(times, "export (account)", partial(export, store, account, at=later))
        assert [r["record"] for r in doc["sections"]["teams"]] == ["membership"], doc
        assert doc["sections"]["audit"], account
        if hasattr(privacy, "subject_scope"):  # not in releases before it
            _timed(times, "scope", partial(privacy.subject_scope, store, pupil))
        doc = _timed(
            times, "export (pupil)", partial(export, store, pupil, at=later, school_id=school)
        )
        assert doc["sections"]["activity"], (school, pupil)
        done = _timed(times, "erase (account)", partial(erase, store, other, at=later))
        assert done.changed["teams"] == 1, done
        assert done.changed["audit"] > 0, done
        done = _timed(
            times, "erase (pupil)", partial(erase, store, pupil, at=later, school_id=school)
        )
        assert done.changed["activity"] > 0, done
    return times


def run(backend: str, args: argparse.Namespace) -> dict[str, Any] | None:
    admin = None
    schema = None
    if backend == "postgres":
        admin = make_engine(URL)
        try:
            with admin.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as exc:
            print(f"postgres: not reachable at {URL} ({exc.orig}); skipped")
            if os.environ.get("CI", "").lower() == "true":
                raise
            return None
        schema = f"sk_privacy_bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    with tempfile.TemporaryDirectory(prefix="sk-privacy-bench-") as tmp:
        if schema is None:
            engine = make_engine(str(Path(tmp) / "bench.db"))
        else:
            engine = sa.create_engine(
                make_engine(URL).url, connect_args={"options": f"-csearch_path={schema}"}
            )
        try:
            store = SqlStore(engine)
            took, pupils = load(store, args, Path(tmp))
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            times = measure(store, args, pupils)
        finally:
            engine.dispose()
            if admin is not None:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    print(
        f"{backend}: {args.events:,} events, {args.teams:,} teams, {args.audit:,} audit "
        f"entries; loaded in " + ", ".join(f"{k} {v:.1f} s" for k, v in took.items())
    )
    for name, values in times.items():
        print(
            f"  {name:<17} median {statistics.median(values) * 1000:8.1f} ms  "
            f"runs {[round(v * 1000, 1) for v in values]}"
        )
    return {"load": took, "times": times}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=10_000)
    parser.add_argument("--audit", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="a small run (CI)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.teams, args.audit, args.repeat = 20_000, 200, 2_000, 1
    print(f"load average at start: {os.getloadavg()}")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = {b: r for b in backends if (r := run(b, args)) is not None}
    print(f"load average at end: {os.getloadavg()}")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
