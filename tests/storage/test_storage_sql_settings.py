"""Settings the PostgreSQL adapter raises for its large statements stay with them: the
host application's transaction keeps its own values afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from subscriptionkit import errors, metering, plans
from subscriptionkit.storage import UnitOfWork
from subscriptionkit.storage.sql import SqlStore
from subscriptionkit.storage.sql._activity_settings import LARGE_SORTS, statement_settings

T0 = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


@pytest.fixture
def engine(postgres_engine: sa.Engine) -> sa.Engine:
    SqlStore(postgres_engine, create=True)
    return postgres_engine


def _event(n: int, pupil: str = "p") -> metering.ActivityEvent:
    return metering.ActivityEvent(f"e{n}", "s1", f"{pupil}{n}", 3, "engagement", T0)


def _host_settings(conn: sa.Connection) -> tuple[str, str]:
    return (
        conn.execute(sa.text("SHOW work_mem")).scalar_one(),
        conn.execute(sa.text("SHOW jit")).scalar_one(),
    )


def _in_host_transaction(
    engine: sa.Engine, work: Callable[[UnitOfWork], object]
) -> tuple[str, str]:
    """Run ``work(uow)`` in a committed unit of work inside the host's transaction, which
    set its own work_mem first; the host's settings afterwards."""
    store = SqlStore(engine)
    with engine.connect() as conn, conn.begin():
        conn.execute(sa.text("SET LOCAL work_mem = '5MB'"))
        before = _host_settings(conn)
        with store.unit_of_work(connection=conn) as uow:
            work(uow)
            uow.commit()
        after = _host_settings(conn)
        assert after == before
        return after


def test_add_leaves_the_hosts_settings(engine: sa.Engine) -> None:
    assert _in_host_transaction(engine, lambda uow: uow.activity.add([_event(1)]))[0] == "5MB"


def test_add_csv_leaves_the_hosts_settings(engine: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id,school_id,pupil_id,grade,category,processed_at\n"
        "e1,s1,p1,3,engagement,2026-03-02T10:00:00Z\n"
    )
    assert _in_host_transaction(engine, lambda uow: uow.activity.add_csv(path))[0] == "5MB"


def test_monthly_counts_leaves_the_hosts_settings(engine: sa.Engine) -> None:
    plan = plans.default_catalog()["focus-po-1-8"]
    assert isinstance(plan, plans.PupilPlan)
    month = metering.Month(2026, 3)
    assert (
        _in_host_transaction(engine, lambda uow: uow.activity.monthly_counts(plan, [month]))[0]
        == "5MB"
    )


def test_a_refused_add_leaves_the_hosts_settings(engine: sa.Engine) -> None:
    """An id reused by another event is refused; the host's transaction goes on with its
    own settings."""

    def refused(uow: UnitOfWork) -> None:
        uow.activity.add([_event(1)])
        with pytest.raises(errors.InvalidEvent):
            uow.activity.add([_event(1, pupil="other")])

    assert _in_host_transaction(engine, refused)[0] == "5MB"


def test_the_settings_hold_inside_only(engine: sa.Engine) -> None:
    with engine.connect() as conn, conn.begin():
        with statement_settings(conn, LARGE_SORTS):
            assert _host_settings(conn) == (LARGE_SORTS["work_mem"], LARGE_SORTS["jit"])
        assert _host_settings(conn)[0] != LARGE_SORTS["work_mem"]
