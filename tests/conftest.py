"""Fixtures shared by the whole suite: stores for every adapter.

PostgreSQL: the server named by ``SUBSCRIPTIONKIT_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Each test gets a fresh schema that
is dropped afterwards. Without a reachable server the PostgreSQL tests skip, naming that
variable; under ``CI=true`` they fail instead.

Hypothesis: under ``CI=true`` the ``ci`` profile is loaded: fewer examples per property
(tests that set ``max_examples`` themselves keep theirs), no deadline (shared runners are
noisy), derandomized so a red run can be repeated exactly. Select a profile by hand with
``HYPOTHESIS_PROFILE=ci`` or ``pytest --hypothesis-profile=ci``; elsewhere ``dev`` (the
default settings without the deadline) is loaded.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings

from subscriptionkit.storage import MemoryStore, Store
from subscriptionkit.storage.sql import SqlStore, make_engine

POSTGRES_VARIABLE = "SUBSCRIPTIONKIT_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

StoreFactory = Callable[[], Store]

# Hypothesis profiles. "ci" keeps the property suites (the calendar sweep over 23 zones
# and 2000-2100 among them) fast and reproducible in CI: fewer examples, derandomized, no
# per-example deadline on a shared machine. "dev" is Hypothesis' default without the
# deadline. Choose with HYPOTHESIS_PROFILE; under CI=true the default is "ci".
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
settings.register_profile("dev", deadline=None)
settings.load_profile(
    os.environ.get(
        "HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI", "").lower() == "true" else "dev"
    )
)


def _uses_postgres(item: pytest.Item) -> bool:
    """Whether a test runs on PostgreSQL: through ``postgres_engine`` or a "postgres" param."""
    if "postgres_engine" in getattr(item, "fixturenames", ()):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "postgres" in callspec.params.values()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every PostgreSQL test ``postgres`` (``-m "not postgres"`` deselects them all).

    Fixtures that choose the database by parameter (``store_factory`` and the SQL tests'
    ``engine``) reach ``postgres_engine`` through ``request.getfixturevalue``, which the
    fixture names of a test do not show: their ``"postgres"`` parameter marks them.
    """
    for item in items:
        if _uses_postgres(item) and item.get_closest_marker("postgres") is None:
            item.add_marker(pytest.mark.postgres)


def _postgres_unavailable(reason: str) -> None:
    message = (
        f"PostgreSQL is not reachable ({reason}); set {POSTGRES_VARIABLE} to a server URL "
        f"such as {DEFAULT_POSTGRES_URL}"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
    pytest.skip(message)


@pytest.fixture
def postgres_engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    """An engine on a fresh, private PostgreSQL schema, dropped after the test.

    A test that reaches it without the ``postgres`` marker fails: the marker must select
    every PostgreSQL test (a new way of reaching the server belongs in ``_uses_postgres``).
    """
    if request.node.get_closest_marker("postgres") is None:
        pytest.fail(
            f"{request.node.nodeid} uses PostgreSQL without the 'postgres' marker; expected "
            "the collection hook in tests/conftest.py to mark it (see _uses_postgres)"
        )
    url = os.environ.get(POSTGRES_VARIABLE, DEFAULT_POSTGRES_URL)
    admin = make_engine(url)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _postgres_unavailable(str(exc.orig).splitlines()[0] if exc.orig else str(exc))
    schema = f"sk_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(
        admin.url, connect_args={"options": f"-csearch_path={schema}"}, pool_pre_ping=True
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """A path for a fresh SQLite database file."""
    return tmp_path / "subscriptionkit.db"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Open stores of one adapter over one database (each call: a new store, same data)."""
    if request.param == "memory":
        store = MemoryStore()
        yield lambda: store
    elif request.param == "sqlite":
        path = tmp_path / "contract.db"
        opened: list[SqlStore] = []

        def sqlite() -> Store:
            opened.append(SqlStore(str(path)))
            return opened[-1]

        yield sqlite
        for s in opened:
            s.close()
    else:
        engine: sa.Engine = request.getfixturevalue("postgres_engine")
        yield lambda: SqlStore(engine)


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    """A fresh store of each adapter: memory, SQLite and PostgreSQL."""
    return store_factory()
