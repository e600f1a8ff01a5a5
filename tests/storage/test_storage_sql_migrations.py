"""Alembic migrations: databases made before Alembic upgrade in place; no step runs twice.

Each test runs on a SQLite file and on PostgreSQL (``postgres_engine``).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from release_db import add_release_certificate, add_release_subscription, make_release_database
from subscriptionkit import certificates, errors
from subscriptionkit.certificates import KeyRing, Revocation
from subscriptionkit.metering import ActivityEvent
from subscriptionkit.storage import open_store
from subscriptionkit.storage.sql import (
    REVISIONS,
    SCHEMA_VERSION,
    SqlStore,
    SqlUnitOfWork,
    make_engine,
    schema_status,
    upgrade_sql,
)
from subscriptionkit.testing import active_subscription, trial_subscription

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def revision_rows(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT version_num FROM sk_alembic_version")).scalars())


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on an empty database: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        sqlite = make_engine(str(tmp_path / "migrations.db"))
        yield sqlite
        sqlite.dispose()
    else:
        yield request.getfixturevalue("postgres_engine")


def _certificate(n: int) -> certificates.Certificate:
    return certificates.issue(
        holder_id=f"m{n}",
        holder_name=f"Member {n}",
        course_id="c1",
        course_title="Feedback",
        completed_on=T0.date(),
        issued_at=T0 + dt.timedelta(minutes=n),
        issuer="Soofos",
        certificate_id=f"cert-{n}",
    )


class TestReleaseDatabaseUpgradesInPlace:
    def test_version_3_keeps_everything(self, engine: sa.Engine) -> None:
        """A schema-3 database, filled by the release's code, upgrades and reads back whole."""
        make_release_database(engine, 3)
        assert schema_status(engine).legacy_version == 3
        ring = KeyRing.generate(at=T0).rotate(at=T0 + dt.timedelta(days=1))
        subs = [
            active_subscription(),
            trial_subscription(),
            active_subscription(customer_id="school-9"),
        ]
        certs = [_certificate(n) for n in range(3)]
        events = [
            ActivityEvent(
                event_id=f"e{n}",
                school_id="s1",
                pupil_id=f"p{n}",
                grade=1 + n % 8,
                category="engagement",
                processed_at=T0 + dt.timedelta(hours=n),
            )
            for n in range(20)
        ]
        with engine.begin() as conn:  # the release wrote subscriptions as JSON text
            for n, sub in enumerate(subs):
                add_release_subscription(conn, sub, version=2 if n == 0 else 1)
            for cert in reversed(certs):  # and certificates without a status index
                add_release_certificate(conn, cert)
        stored = [attrs.evolve(s, version=2 if n == 0 else 1) for n, s in enumerate(subs)]
        # The certificate, key and activity repositories are the release's, unchanged; a
        # bare unit of work skips the version check a store makes on open.
        with SqlUnitOfWork(engine) as uow:
            revocation = uow.revocations.revoke(Revocation("cert-1", "error in name", T0))
            uow.keys.save_private_keyring(ring)
            uow.keys.save_public_keys(ring.public_keyset())
            assert uow.activity.add(events) == len(events)
            uow.commit()

        status = schema_status(engine)
        assert (status.revision, status.legacy_version, status.current) == (None, 3, False)
        upgraded = SqlStore(engine)  # opening upgrades, as open_store does
        assert upgraded.schema_version() == SCHEMA_VERSION
        assert revision_rows(engine) == [REVISIONS[-1][0]]
        assert "sk_schema_version" not in table_names(engine)
        assert schema_status(engine).current
        with upgraded.unit_of_work() as uow:
            assert [uow.subscriptions.get(s.id) for s in subs] == stored
            assert stored[0].version == 2
            assert list(uow.subscriptions.list()) == sorted(stored, key=lambda s: s.id)
            # Each certificate got a status index, in order of issue.
            assert list(uow.certificates.list()) == [
                attrs.evolve(c, status_index=n) for n, c in enumerate(certs)
            ]
            assert uow.revocations.get("cert-1") == revocation
            assert uow.keys.private_keyring() == ring
            assert uow.keys.public_keys() == ring.public_keyset()
            assert sorted(uow.activity.events(), key=lambda e: e.event_id) == sorted(
                events, key=lambda e: e.event_id
            )
            with pytest.raises(errors.TrialAlreadyUsed):  # the unique constraint survived
                uow.subscriptions.add(trial_subscription(subs[1].customer_id))
        assert upgraded.migrate() == []

    @pytest.mark.parametrize("version", [1, 2])
    def test_older_release_schemas_get_the_missing_steps(
        self, engine: sa.Engine, version: int
    ) -> None:
        """Schema 1 or 2 gets the later revisions applied; its rows stay."""
        make_release_database(engine, version)
        with SqlStore(engine, migrate=True).unit_of_work() as uow:
            sub = uow.subscriptions.add(active_subscription())
            uow.commit()
        assert revision_rows(engine) == [REVISIONS[-1][0]]
        with SqlStore(engine).unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id) == sub
        assert {"sk_activity_events", "sk_keys"} <= table_names(engine)

    def test_status_names_the_pending_steps(self, engine: sa.Engine) -> None:
        """A schema-1 database reports every later revision pending; refusing it changes nothing."""
        make_release_database(engine, 1)
        status = schema_status(engine)
        assert status.pending == tuple(revision for revision, _ in REVISIONS[1:])
        with pytest.raises(errors.SchemaVersionError):
            SqlStore(engine, migrate=False)
        assert status == schema_status(engine)  # refusing changed nothing


class TestNoStepRunsTwice:
    def _current(self, engine: sa.Engine) -> None:
        SqlStore(engine).close()

    @pytest.mark.parametrize("recorded", ["banana", "0000", "00002"])
    def test_unknown_revision_is_refused(self, engine: sa.Engine, recorded: str) -> None:
        """A revision no release writes raises UnknownSchemaVersion; nothing runs."""
        self._current(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE sk_alembic_version SET version_num = :v"), {"v": recorded})
        for migrate in (True, False):
            with pytest.raises(errors.UnknownSchemaVersion) as info:
                SqlStore(engine, migrate=migrate)
            assert info.value.found == recorded
            assert str(info.value) == (
                f"the database records schema version {recorded!r}, which no subscriptionkit "
                f"release writes; expected one of {', '.join(r for r, _ in REVISIONS)}; "
                "nothing was run"
            )
        assert revision_rows(engine) == [recorded]

    def test_newer_revision_is_refused(self, engine: sa.Engine) -> None:
        """A revision from a newer release raises SchemaVersionError (upgrade the library)."""
        self._current(engine)
        newer = f"{SCHEMA_VERSION + 1:04d}"  # the revision after this library's last
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE sk_alembic_version SET version_num = :v"), {"v": newer})
        with pytest.raises(errors.SchemaVersionError, match="newer than this library"):
            SqlStore(engine)
        assert revision_rows(engine) == [newer]

    def test_rewound_revision_never_reruns_a_step(self, engine: sa.Engine) -> None:
        """A version table set back to 0001 over a full schema is refused, not re-run."""
        self._current(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE sk_alembic_version SET version_num = '0001'"))
            conn.execute(
                sa.text(
                    "INSERT INTO sk_revocations VALUES ('c', 'r', '2026-01-01T00:00:00.000000+00:00')"
                )
            )
        with pytest.raises(errors.SchemaMismatch) as info:
            SqlStore(engine)
        later = sorted(t for _, tables in REVISIONS[1:] for t in tables)
        assert str(info.value) == (
            "the database records schema version 1 but already has the tables of later "
            f"steps ({', '.join(later)}); expected "
            "only the tables of steps 1 to 1: refusing to run a step twice; nothing was run"
        )
        assert isinstance(info.value, errors.StorageError)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM sk_revocations")).scalar() == 1

    @pytest.mark.parametrize("recorded", [-1, 4, 7])
    def test_tampered_release_version_is_refused(self, engine: sa.Engine, recorded: int) -> None:
        """A release version table holding a number no release wrote is refused."""
        make_release_database(engine, 3)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE sk_schema_version SET version = :v"), {"v": recorded})
        with pytest.raises(errors.UnknownSchemaVersion):
            SqlStore(engine)
        assert "sk_alembic_version" not in table_names(engine)

    def test_two_version_rows_are_refused(self, engine: sa.Engine) -> None:
        """Two Alembic heads (the library never branches) are refused."""
        self._current(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO sk_alembic_version VALUES ('0002')"))
        with pytest.raises(errors.UnknownSchemaVersion):
            SqlStore(engine)


class TestOfflineSql:
    @pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
    def test_ddl_creates_every_table(self, dialect: str) -> None:
        """The offline SQL creates the library's tables and records the head revision."""
        text = upgrade_sql(dialect)
        for table in ("sk_subscriptions", "sk_certificates", "sk_keys", "sk_activity_events"):
            assert f"CREATE TABLE {table}" in text
        assert "CREATE TABLE sk_alembic_version" in text
        assert f"'{REVISIONS[-1][0]}'" in text

    def test_since_gives_only_later_steps(self) -> None:
        """From 0002 only step 0003's DDL is printed; from the head, nothing."""
        text = upgrade_sql("postgresql", since="0002")
        assert "CREATE TABLE sk_activity_events" in text
        assert "CREATE TABLE sk_subscriptions" not in text
        assert upgrade_sql("postgresql", since=REVISIONS[-1][0]) == ""

    def test_the_offline_ddl_builds_a_working_database(self, tmp_path: Path) -> None:
        """The printed SQLite DDL, run by hand, gives a database the store accepts as is."""
        path = tmp_path / "by-hand.db"
        import sqlite3

        with sqlite3.connect(path) as conn:
            conn.executescript(upgrade_sql("sqlite"))
        status = schema_status(str(path))
        assert status.current
        store = open_store(str(path), migrate=False)
        with store.unit_of_work() as uow:
            uow.subscriptions.add(active_subscription())
            uow.commit()

    @pytest.mark.parametrize(
        ("dialect", "since", "message"),
        [
            ("mysql", None, "the dialect must be 'sqlite' or 'postgresql', got 'mysql'"),
            (
                "sqlite",
                "9",
                "the starting revision must be one of "
                f"{', '.join(r for r, _ in REVISIONS)}, got '9'",
            ),
        ],
    )
    def test_bad_arguments(self, dialect: str, since: str | None, message: str) -> None:
        """An unknown dialect or revision raises InvalidInput, naming it."""
        with pytest.raises(errors.InvalidInput) as info:
            upgrade_sql(dialect, since=since)
        assert str(info.value) == message


class TestAlembicIsImportedLazily:
    def test_opening_a_current_store_does_not_import_alembic(self, tmp_path: Path) -> None:
        """Alembic (slow to import) loads only when a migration runs."""
        path = tmp_path / "current.db"
        SqlStore(str(path)).close()
        code = (
            "import sys\n"
            "from subscriptionkit.storage import open_store\n"
            f"store = open_store({str(path)!r})\n"
            "with store.unit_of_work() as uow: list(uow.subscriptions.list())\n"
            "print('alembic' in sys.modules)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        )
        assert done.stdout.strip() == "False"


def _upgrade_to(engine: sa.Engine, revision: str) -> None:
    """Bring an empty database to ``revision`` (an older schema than the library's)."""
    from alembic import command

    from subscriptionkit.storage.sql._versions import _config

    with engine.begin() as conn:
        command.upgrade(_config(connection=conn), revision)


class TestStatusIndexStep:
    """Step 0007: every stored certificate gets a unique status index."""

    def test_named_indexes_are_kept_once_and_the_rest_assigned(self, engine: sa.Engine) -> None:
        """Documents naming 7, 7 (a later one), none and 2: the first 7 and the 2 stay;
        the others get 8 and 9, in order of issue; the next add gets 10, and the column
        refuses a second certificate on one index."""
        _upgrade_to(engine, "0006")
        named = [7, 7, None, 2]
        certs = [attrs.evolve(_certificate(n), status_index=index) for n, index in enumerate(named)]
        with engine.begin() as conn:
            for cert in reversed(certs):
                add_release_certificate(conn, cert)
        store = SqlStore(engine)
        assert schema_status(engine).current
        with store.unit_of_work() as uow:
            got = {c.certificate_id: c.status_index for c in uow.certificates.list()}
            assert got == {"cert-0": 7, "cert-1": 8, "cert-2": 9, "cert-3": 2}
            assert uow.certificates.add(_certificate(9)).status_index == 10
            uow.commit()
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO sk_certificates (id, holder_id, issued_at, document, "
                    "status_index) VALUES ('x', 'h', '2026-01-01T00:00:00.000000+00:00', '{}', 7)"
                )
            )

    @pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
    def test_the_step_prints_as_sql(self, dialect: str) -> None:
        """`db sql --since 0006` prints the step: the column, the fill, the constraint."""
        text = upgrade_sql(dialect, since="0006")
        assert "ADD COLUMN status_index" in text
        assert "uq_sk_certificates_status_index" in text
        assert "'0007'" in text
