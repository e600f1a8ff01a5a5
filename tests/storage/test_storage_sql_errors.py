"""The SQL adapter's one error translator: no SQLAlchemy or driver error leaves it (issue 9).

Lock waits are bounded on both databases (``lock_timeout``, then DatabaseBusy), an
exhausted pool is DatabaseBusy, a server that cannot be reached is DatabaseUnavailable,
and the translator maps the rest (``DataError``, unhandled ``IntegrityError``...). Every
public method of the store, its unit of work and each repository goes through it.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from subscriptionkit import errors
from subscriptionkit.storage import MemoryStore, open_store
from subscriptionkit.storage.sql import SqlStore, SqlUnitOfWork, make_engine
from subscriptionkit.storage.sql._errors import MARK, sql_errors, translating
from subscriptionkit.testing import active_subscription


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of each SQL kind (PostgreSQL: a private schema)."""
    if request.param == "sqlite":
        yield str(tmp_path / "errors.db")
        return
    engine: sa.Engine = request.getfixturevalue("postgres_engine")
    with engine.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    yield engine.url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


class TestLockWaits:
    """A write waiting for another transaction's lock gives up after lock_timeout."""

    def test_row_lock_wait_ends_in_database_busy(self, url: str) -> None:
        """Two connections, one holding the row: the other's write is DatabaseBusy, quickly."""
        store = SqlStore(url, lock_timeout=0.2)
        sub = active_subscription()
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        with store.unit_of_work() as holder:
            stored = holder.subscriptions.get(sub.id)
            holder.subscriptions.update(stored)  # holds the row (SQLite: the write lock)
            with store.unit_of_work() as waiter, pytest.raises(errors.DatabaseBusy) as info:
                waiter.subscriptions.update(waiter.subscriptions.get(sub.id))
            holder.commit()
        assert "retry the whole unit of work" in str(info.value)
        with store.unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id).version == 2
        store.close()

    @pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), 10**9, "30", True])
    def test_the_timeout_is_checked(self, value: object) -> None:
        """A lock timeout is a positive number of seconds, at most a day."""
        for url in (":memory:", "memory"):
            with pytest.raises(errors.InvalidArgument, match="lock_timeout"):
                open_store(url, lock_timeout=value)  # type: ignore[arg-type]

    def test_the_memory_store_takes_the_same_timeout(self) -> None:
        """open_store("memory", lock_timeout=...) bounds the memory store's waits alike."""
        store = open_store("memory", lock_timeout=0.5)
        assert isinstance(store, MemoryStore)
        assert store.lock_timeout == 0.5

    def test_postgresql_sets_the_timeout_per_unit_of_work(self, postgres_engine: sa.Engine) -> None:
        """The unit of work's own transaction carries the store's lock_timeout (default 30 s)."""
        for seconds, shown in ((1.5, "1500ms"), (None, "30s")):
            store = (
                SqlStore(postgres_engine)
                if seconds is None
                else SqlStore(postgres_engine, lock_timeout=seconds)
            )
            with store.unit_of_work() as uow:
                assert uow.connection.execute(sa.text("SHOW lock_timeout")).scalar() == shown
        with postgres_engine.connect() as conn:  # the session itself keeps its own setting
            assert conn.execute(sa.text("SHOW lock_timeout")).scalar() == "0"


class TestDeadlock:
    def test_a_deadlock_is_database_busy(self, postgres_engine: sa.Engine) -> None:
        """Two units of work updating two rows in opposite orders: PostgreSQL picks one
        victim, which gets DatabaseBusy (not OperationalError); the other commits."""
        store = SqlStore(postgres_engine)
        first, second = active_subscription(), attrs.evolve(active_subscription(), id="s2")
        with store.unit_of_work() as uow:
            uow.subscriptions.add(first)
            uow.subscriptions.add(second)
            uow.commit()
        both_hold_one = threading.Barrier(2)
        outcomes: list[object] = []

        def crossing(ids: tuple[str, str]) -> None:
            try:
                with store.unit_of_work() as uow:
                    uow.subscriptions.update(uow.subscriptions.get(ids[0]))
                    both_hold_one.wait(timeout=60)  # never hang the suite
                    uow.subscriptions.update(uow.subscriptions.get(ids[1]))
                    uow.commit()
                outcomes.append("committed")
            except Exception as exc:  # collected for the assertion below
                outcomes.append(exc)

        threads = [
            threading.Thread(target=crossing, args=(order,))
            for order in ((first.id, second.id), (second.id, first.id))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failures = [o for o in outcomes if o != "committed"]
        assert outcomes.count("committed") == 1, outcomes
        assert len(failures) == 1, failures
        assert isinstance(failures[0], errors.DatabaseBusy), failures
        assert "deadlock detected" in str(failures[0])


class TestPool:
    def test_an_exhausted_pool_is_database_busy(self, url: str) -> None:
        """No free connection within the pool timeout: DatabaseBusy, not sa.exc.TimeoutError."""
        SqlStore(url).close()
        engine = sa.create_engine(
            make_engine(url).url, pool_size=1, max_overflow=0, pool_timeout=0.1
        )
        store = SqlStore(engine)
        try:
            with (
                store.unit_of_work(),
                pytest.raises(errors.DatabaseBusy, match="no free connection in the pool"),
                store.unit_of_work(),
            ):
                pass  # pragma: no cover
        finally:
            engine.dispose()


class TestUnreachable:
    def test_a_server_that_does_not_answer(self) -> None:
        """Nothing listens on the port: DatabaseUnavailable, the password hidden."""
        with pytest.raises(errors.DatabaseUnavailable) as info:
            open_store("postgresql://nobody:secret@127.0.0.1:1/none")
        assert "secret" not in str(info.value)
        assert "postgresql+psycopg://nobody:***@127.0.0.1:1/none" in str(info.value)
        assert "Connection refused" in str(info.value)


@translating
class _Probe:
    """Runs raw statements inside a translated method, as the repositories do."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def run(self, *statements: str) -> None:
        with self.engine.begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))

    def rows(self, statement: str) -> Iterator[object]:
        with self.engine.connect() as conn:
            yield from conn.execute(sa.text(statement))


class TestTranslator:
    """Foreign errors the public API rarely meets, raised on purpose through the mechanism."""

    def test_value_longer_than_its_column(self, postgres_engine: sa.Engine) -> None:
        """PostgreSQL's DataError (a value too long for varchar(100)) is UnstorableValue."""
        probe = _Probe(postgres_engine)
        probe.run("CREATE TABLE probe_v (id VARCHAR(100) PRIMARY KEY)")
        with pytest.raises(errors.UnstorableValue, match="value too long") as info:
            probe.run(f"INSERT INTO probe_v VALUES ('{'x' * 101}')")
        assert isinstance(info.value, errors.InvalidInput)
        assert "INSERT" not in str(info.value)  # the statement (and its values) stay out

    def test_unhandled_integrity_error(self, url: str) -> None:
        """A constraint no adapter handles is ConstraintViolated."""
        engine = make_engine(url)
        try:
            probe = _Probe(engine)
            probe.run("CREATE TABLE probe_t (id INTEGER PRIMARY KEY)")
            with pytest.raises(errors.ConstraintViolated):
                probe.run("INSERT INTO probe_t VALUES (1)", "INSERT INTO probe_t VALUES (1)")
        finally:
            engine.dispose()

    def test_errors_while_iterating(self, url: str) -> None:
        """A generator method is translated while it runs, not only when it is called."""
        engine = make_engine(url)
        try:
            with pytest.raises(errors.StorageError) as info:
                list(_Probe(engine).rows("SELECT * FROM no_such_table"))
            assert not isinstance(info.value, sa.exc.SQLAlchemyError)
        finally:
            engine.dispose()

    def test_library_errors_and_other_exceptions_pass(self) -> None:
        """Only foreign database errors are claimed; others are not the translator's."""
        translate = sql_errors()
        assert translate(ValueError("x")) is None
        assert translate(KeyError("x")) is None


class TestEveryCallSite:
    """One mechanism: every public method of the adapter is wrapped by the translator."""

    def test_store_unit_of_work_and_repositories_are_translated(self, tmp_path: Path) -> None:
        """The store, its unit of work and each repository it hands out carry the mark."""
        store = SqlStore(str(tmp_path / "marks.db"))
        uow = store.unit_of_work()
        repositories = {
            name: value
            for name, value in vars(uow).items()
            if not name.startswith("_") and not inspect.isroutine(value)
        }
        assert {"subscriptions", "certificates", "activity", "ledger", "teams"} <= set(repositories)
        for thing in (store, uow, *repositories.values()):
            assert getattr(type(thing), MARK, False), type(thing).__qualname__
            for name, method in inspect.getmembers(type(thing), inspect.isfunction):
                if not name.startswith("_"):
                    assert hasattr(method, "__wrapped__"), f"{type(thing).__name__}.{name}"
        assert isinstance(uow, SqlUnitOfWork)
