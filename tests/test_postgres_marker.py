"""The ``postgres`` marker selects exactly the PostgreSQL tests.

tests/conftest.py marks every test that reaches the PostgreSQL fixture, directly or through a
fixture's ``"postgres"`` parameter, and the fixture fails a test that reaches it unmarked.
Here a collection of the contract and SQL tests is split by the marker: every PostgreSQL
variant is on the marked side, and no other test is.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ["tests/contract/test_contract_ledger.py", "tests/storage/test_storage_sql_schema.py"]
PYTEST = (sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider")
#: The id part of a test's PostgreSQL variant (``[postgres]``, ``[postgres-...]``).
VARIANT = re.compile(r"[\[-]postgres[\]-]")


def _collected(marker: str) -> list[str]:
    run = subprocess.run(
        [*PYTEST, "-m", marker, *SAMPLE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return [line for line in run.stdout.splitlines() if "::" in line]


def test_marker_splits_postgres_tests() -> None:
    """-m postgres collects the PostgreSQL variants only; -m 'not postgres' none of them."""
    marked, unmarked = _collected("postgres"), _collected("not postgres")
    assert marked, "no test was marked postgres"
    assert all("postgres" in test for test in marked), marked
    assert any(VARIANT.search(test) for test in marked)
    assert not [test for test in unmarked if VARIANT.search(test)]
