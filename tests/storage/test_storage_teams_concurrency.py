"""50 people join through one link at once; a team with 3 free seats admits exactly 3.

Threads against every store, and processes against the real databases (SQLite and
PostgreSQL): no member twice, every other join refused with TeamFull.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from subscriptionkit import teams
from subscriptionkit.storage import Store
from subscriptionkit.storage.sql import SqlStore
from subscriptionkit.testing import active_subscription
from teams_helpers import START
from teams_workers import join_all, join_in_process

KEY = bytes(range(32))
KEYS = teams.TokenKeys({"k1": KEY}, current="k1")
ACCOUNTS = [f"person-{i:02d}" for i in range(50)]
PROCESSES = 5


def prepare(store: Store) -> str:
    """A team with 4 seats, the owner on one: 3 free; return a link's token."""
    sub = active_subscription("teams", seats=4, at=START)
    team = teams.create_team(
        sub,
        name="T",
        owner_id="owner",
        owner_name="O",
        owner_email="o@example.org",
        at=START,
        team_id="team-1",
    ).team
    issued = teams.create_link(team, by="owner", keys=KEYS, at=START)
    with store.unit_of_work() as uow:
        uow.teams.add(issued.team)
        uow.commit()
    return issued.token


def check(store: Store, outcomes: list[str]) -> None:
    """Exactly 3 joined, 47 got TeamFull, and the team holds each joiner once."""
    assert sorted(set(outcomes)) == ["TeamFull", "joined"]
    assert outcomes.count("joined") == 3
    assert outcomes.count("TeamFull") == 47
    with store.unit_of_work() as uow:
        team = uow.teams.get("team-1")
    joined = [a for a, o in zip(ACCOUNTS, outcomes, strict=True) if o == "joined"]
    assert sorted(m.account_id for m in team.members) == sorted(["owner", *joined])
    assert team.links[0].uses == 3


class TestThreads:
    """50 threads on one store object."""

    def test_every_store(self, store: Store) -> None:
        """Memory, SQLite and PostgreSQL admit exactly three."""
        token = prepare(store)
        check(store, join_all(store, token, KEYS, ACCOUNTS))


def _spawn() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn"))


def _in_processes(url: str, schema: str | None, token: str) -> list[str]:
    chunks = [ACCOUNTS[i::PROCESSES] for i in range(PROCESSES)]
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, _spawn() as pool:
        ready = manager.Barrier(PROCESSES)
        futures = [
            pool.submit(join_in_process, url, schema, token, KEY.hex(), chunk, ready)
            for chunk in chunks
        ]
        results = [f.result(timeout=300) for f in futures]
    by_account = {
        a: o
        for chunk, res in zip(chunks, results, strict=True)
        for a, o in zip(chunk, res, strict=True)
    }
    return [by_account[a] for a in ACCOUNTS]


class TestProcesses:
    """5 processes × 10 threads against the real databases."""

    def test_sqlite(self, tmp_path: Path) -> None:
        """Processes sharing one SQLite file admit exactly three."""
        path = str(tmp_path / "teams.db")
        store = SqlStore(path)
        try:
            token = prepare(store)
            check(store, _in_processes(path, None, token))
        finally:
            store.close()

    @pytest.mark.postgres
    def test_postgres(self, postgres_engine: sa.Engine) -> None:
        """Processes on one PostgreSQL schema admit exactly three."""
        store = SqlStore(postgres_engine)
        token = prepare(store)
        with postgres_engine.connect() as conn:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        url = postgres_engine.url.render_as_string(hide_password=False)
        check(store, _in_processes(url, schema, token))
