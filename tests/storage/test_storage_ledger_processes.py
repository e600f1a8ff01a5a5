"""Gapless invoice numbers under concurrent issuance by separate processes (issue 10, §5).

Four processes (spawned, each with its own interpreter, engine and connections) issue ten
invoices each into one series at once, on one SQLite file and on one PostgreSQL schema:
the numbers are 1..40, each exactly once, and the ledger holds exactly those.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger_workers import issue_in_process
from subscriptionkit.storage import Store
from subscriptionkit.storage.sql import SqlStore

PROCESSES = 4
EACH = 10


def _issue_in_processes(url: str, schema: str | None) -> list[str]:
    context = multiprocessing.get_context("spawn")
    with (
        context.Manager() as manager,
        ProcessPoolExecutor(PROCESSES, mp_context=context) as pool,
    ):
        ready = manager.Barrier(PROCESSES)
        futures = [
            pool.submit(issue_in_process, url, schema, EACH, ready) for _ in range(PROCESSES)
        ]
        results = [f.result(timeout=300) for f in futures]
    for numbers, _ in results:
        assert len(numbers) == EACH
    return [n for numbers, _ in results for n in numbers]


def _check(store: Store, numbers: list[str]) -> None:
    expected = [f"2026-{n:06d}" for n in range(1, PROCESSES * EACH + 1)]
    assert sorted(numbers) == expected  # no duplicate, no gap
    with store.unit_of_work() as uow:
        assert [i.number for i in uow.ledger.list(series="2026")] == expected


class TestProcesses:
    def test_sqlite_file(self, tmp_path: Path) -> None:
        """Four processes on one SQLite file: numbers 1..40, each once."""
        path = str(tmp_path / "ledger.db")
        store = SqlStore(path)
        try:
            _check(store, _issue_in_processes(path, None))
        finally:
            store.close()

    @pytest.mark.postgres
    def test_postgres(self, postgres_engine: sa.Engine) -> None:
        """Four processes on one PostgreSQL schema: numbers 1..40, each once."""
        store = SqlStore(postgres_engine)
        with postgres_engine.connect() as conn:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        url = postgres_engine.url.render_as_string(hide_password=False)
        _check(store, _issue_in_processes(url, schema))
