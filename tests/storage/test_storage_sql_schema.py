"""The SQL schema: creation, versioning, forward migration, engines and stored formats.

Each schema test runs on a SQLite file and on PostgreSQL (``postgres_engine``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

from subscriptionkit import certificates, errors
from subscriptionkit.certificates import KeyRing, Revocation
from subscriptionkit.storage import open_store
from subscriptionkit.storage.sql import (
    REVISIONS,
    SCHEMA_VERSION,
    SqlStore,
    make_engine,
    metadata,
)
from subscriptionkit.testing import active_subscription, trial_subscription

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
PLUS_ONE = dt.timezone(dt.timedelta(hours=1))
OLDER = (
    "database schema version 1 is older than this library needs; upgrade it (the command "
    "subscriptionkit db upgrade, or the store's migrate method); "
    f"expected version {SCHEMA_VERSION}"
)


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An engine on an empty database: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        sqlite = make_engine(str(tmp_path / "schema.db"))
        yield sqlite
        sqlite.dispose()
    else:
        yield request.getfixturevalue("postgres_engine")


def _make_version_1(engine: sa.Engine) -> None:
    """Build the database the release before Alembic made at schema version 1 (its DDL)."""
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sk_schema_version (version INTEGER NOT NULL)"))
        conn.execute(
            sa.text(
                "CREATE TABLE sk_subscriptions (id VARCHAR(100) NOT NULL, customer_id "
                "VARCHAR(200) NOT NULL, plan_id VARCHAR(100) NOT NULL, status VARCHAR(20) NOT "
                "NULL, trial_customer_id VARCHAR(200), document TEXT NOT NULL, version INTEGER "
                "NOT NULL, PRIMARY KEY (id), UNIQUE (trial_customer_id))"
            )
        )
        conn.execute(
            sa.text(
                "CREATE INDEX ix_sk_subscriptions_customer_id ON sk_subscriptions (customer_id)"
            )
        )
        conn.execute(
            sa.text("CREATE INDEX ix_sk_subscriptions_status ON sk_subscriptions (status)")
        )
        conn.execute(sa.text("INSERT INTO sk_schema_version (version) VALUES (1)"))


def _legacy_rows(engine: sa.Engine) -> list[int]:
    """The numbers in the version table of the release before Alembic."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT version FROM sk_schema_version")).scalars()
        return [int(v) for v in rows]


def _version_rows(engine: sa.Engine) -> list[int]:
    """The schema versions recorded in the library's Alembic version table."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT version_num FROM sk_alembic_version")).scalars()
        return [int(v) for v in rows]


def _set_version(engine: sa.Engine, version: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE sk_alembic_version SET version_num = :v"), {"v": f"{version:04d}"}
        )


def _shape(engine: sa.Engine, table: str) -> dict[str, Any]:
    """What the database says about a table: columns, primary key, indexes, unique keys."""
    inspector = sa.inspect(engine)
    return {
        "columns": {c["name"]: c["nullable"] for c in inspector.get_columns(table)},
        "primary_key": sorted(inspector.get_pk_constraint(table)["constrained_columns"]),
        "indexes": sorted(
            (tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(table)
            if "duplicates_constraint" not in i  # PostgreSQL: the index of a UNIQUE
        ),
        "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
    }


def _expected_shape(table: sa.Table) -> dict[str, Any]:
    """What the library's live table definition says."""
    unique = [
        tuple(c.name for c in u.columns)
        for u in table.constraints
        if isinstance(u, sa.UniqueConstraint)
    ]
    return {
        "columns": {c.name: bool(c.nullable) for c in table.columns},
        "primary_key": sorted(c.name for c in table.primary_key.columns),
        "indexes": sorted(
            (tuple(str(c.name) for c in i.columns), bool(i.unique)) for i in table.indexes
        ),
        "unique": sorted({*unique, *((c.name,) for c in table.columns if c.unique)}),
    }


def _assert_matches_library(engine: sa.Engine) -> None:
    for table in metadata.sorted_tables:
        assert _shape(engine, table.name) == _expected_shape(table), table.name


class TestFreshDatabase:
    def test_created_at_the_current_version(self, engine: sa.Engine) -> None:
        """Opening an empty database creates every table at SCHEMA_VERSION."""
        assert sa.inspect(engine).get_table_names() == []
        store = SqlStore(engine)
        assert store.schema_version() == SCHEMA_VERSION == int(REVISIONS[-1][0])
        assert _version_rows(engine) == [SCHEMA_VERSION]
        assert set(metadata.tables) <= set(sa.inspect(engine).get_table_names())

    def test_schema_matches_the_live_definitions(self, engine: sa.Engine) -> None:
        """The migrated schema has the columns, keys and indexes the adapter queries."""
        SqlStore(engine)
        _assert_matches_library(engine)

    def test_migrate_twice_applies_nothing(self, engine: sa.Engine) -> None:
        """migrate() on a current schema applies no step, however often it runs."""
        store = SqlStore(engine)
        assert store.migrate() == []
        assert store.migrate() == []
        assert _version_rows(engine) == [SCHEMA_VERSION]

    def test_migrations_are_numbered_in_order(self) -> None:
        """Revisions are 0001, 0002, ... without gaps, and match Alembic's scripts: each
        revises the one before, describes itself, and creates the tables REVISIONS says."""
        from alembic.script import ScriptDirectory

        from subscriptionkit.storage.sql._versions import MIGRATIONS_DIR

        ids = [revision for revision, _ in REVISIONS]
        assert ids == [f"{n:04d}" for n in range(1, len(REVISIONS) + 1)]
        scripts = ScriptDirectory(str(MIGRATIONS_DIR))
        assert scripts.get_heads() == [ids[-1]]
        for (revision, tables), before in zip(REVISIONS, [None, *ids], strict=False):
            script = scripts.get_revision(revision)
            assert script is not None
            assert script.down_revision == before
            assert script.doc
            source = Path(script.path).read_text(encoding="utf-8")
            created = re.findall(r'op\.create_table\(\s*"(\w+)"', source)
            assert tuple(created) == tables, revision

    def test_other_tables_are_left_alone(self, engine: sa.Engine) -> None:
        """Asked explicitly (create=True), the library's schema goes next to unrelated tables."""
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE app_users (id INTEGER PRIMARY KEY)"))
        with pytest.raises(errors.ForeignDatabase):
            SqlStore(engine)  # implicitly: refused
        assert SqlStore(engine, create=True).schema_version() == SCHEMA_VERSION
        assert "app_users" in sa.inspect(engine).get_table_names()


class TestMigrationFromVersion1:
    def test_old_database_is_migrated_on_open(self, engine: sa.Engine) -> None:
        """A version 1 database moves to the latest version on open and keeps its data."""
        _make_version_1(engine)
        subs = [active_subscription(), trial_subscription()]
        with engine.begin() as conn:  # what the older library wrote: the document as text
            for sub in subs:
                doc = sub.to_dict()
                doc.pop("version")
                conn.execute(
                    sa.text(
                        "INSERT INTO sk_subscriptions (id, customer_id, plan_id, status, "
                        "trial_customer_id, document, version) VALUES (:i, :c, :p, :s, :t, :d, 1)"
                    ),
                    {
                        "i": sub.id,
                        "c": sub.customer_id,
                        "p": sub.plan_id,
                        "s": sub.status.value,
                        "t": sub.customer_id if sub.trial_started_at is not None else None,
                        "d": json.dumps(doc, sort_keys=True),
                    },
                )
        stored = [attrs.evolve(s, version=1) for s in subs]
        store = SqlStore(engine)
        assert store.schema_version() == SCHEMA_VERSION
        assert _version_rows(engine) == [SCHEMA_VERSION]
        _assert_matches_library(engine)
        with store.unit_of_work() as uow:
            assert [uow.subscriptions.get(s.id) for s in subs] == stored
            with pytest.raises(errors.TrialAlreadyUsed):  # the unique constraint survived
                uow.subscriptions.add(trial_subscription(subs[1].customer_id))
        with store.unit_of_work() as uow:
            cert = certificates.issue(
                holder_id="m1",
                holder_name="Ada",
                course_id="c1",
                course_title="Feedback",
                completed_on=T0.date(),
                issued_at=T0,
                issuer="Soofos",
            )
            stored_cert = uow.certificates.add(cert)
            uow.commit()
        assert stored_cert == attrs.evolve(cert, status_index=0)  # the store's first index
        with store.unit_of_work() as uow:
            assert uow.certificates.get(cert.certificate_id) == stored_cert

    def test_migrate_false_refuses_an_old_schema(self, engine: sa.Engine) -> None:
        """SqlStore(..., migrate=False) on version 1 raises and changes nothing."""
        _make_version_1(engine)
        with pytest.raises(errors.SchemaVersionError) as info:
            SqlStore(engine, migrate=False)
        assert str(info.value) == OLDER
        assert str(info.value).startswith(
            "database schema version 1 is older than this library needs; "
        )
        assert (info.value.found, info.value.supported) == (1, SCHEMA_VERSION)
        assert _legacy_rows(engine) == [1]
        assert "sk_certificates" not in sa.inspect(engine).get_table_names()

    def test_open_store_migrate_false(self, tmp_path: Path) -> None:
        """open_store() passes migrate=False through."""
        path = str(tmp_path / "old.db")
        old = make_engine(path)
        _make_version_1(old)
        old.dispose()
        with pytest.raises(errors.SchemaVersionError, match="older than this library needs"):
            open_store(path, migrate=False)
        store = open_store(path)
        assert isinstance(store, SqlStore)
        assert store.schema_version() == SCHEMA_VERSION
        store.close()


class TestRefusedSchemas:
    def test_newer_schema_is_refused(self, engine: sa.Engine) -> None:
        """A schema newer than the library raises SchemaVersionError, with or without migrate."""
        SqlStore(engine)
        _set_version(engine, SCHEMA_VERSION + 1)
        for migrate in (True, False):
            with pytest.raises(errors.SchemaVersionError) as info:
                SqlStore(engine, migrate=migrate)
            assert str(info.value) == (
                f"database schema version {SCHEMA_VERSION + 1} is newer than this library "
                f"supports; upgrade subscriptionkit; expected version {SCHEMA_VERSION}"
            )
            assert (info.value.found, info.value.supported) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)

    def test_migrate_refuses_a_newer_schema(self, engine: sa.Engine) -> None:
        """A store opened before a newer library upgraded the database refuses to migrate."""
        store = SqlStore(engine)
        _set_version(engine, SCHEMA_VERSION + 1)
        with pytest.raises(errors.SchemaVersionError, match="newer than this library"):
            store.migrate()
        assert _version_rows(engine) == [SCHEMA_VERSION + 1]

    @pytest.mark.parametrize("table", ["sk_subscriptions", "sk_certificates"])
    def test_tables_without_version_record(self, engine: sa.Engine, table: str) -> None:
        """Library tables without a version table raise StorageError; nothing is created."""
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE TABLE {table} (id TEXT PRIMARY KEY)"))
        with pytest.raises(errors.MissingSchemaVersion) as info:
            SqlStore(engine)
        assert not isinstance(info.value, errors.SchemaVersionError)
        assert str(info.value) == (
            f"the database has subscriptionkit tables ({table}) but no schema version "
            "record (sk_alembic_version); expected a schema made by this library, with its "
            "version; nothing was run"
        )
        assert sa.inspect(engine).get_table_names() == [table]


class TestStoredFormats:
    def test_moments_are_fixed_width_utc_text(self, engine: sa.Engine) -> None:
        """Moments are stored as 32-character ISO 8601 text in UTC and read back exactly."""
        store = SqlStore(engine)
        revoked_at = dt.datetime(2026, 5, 1, 12, 0, 0, 123_456, tzinfo=PLUS_ONE)
        issued_at = dt.datetime(2026, 3, 29, 2, 0, tzinfo=dt.UTC)
        cert = certificates.issue(
            holder_id="m1",
            holder_name="Ada",
            course_id="c1",
            course_title="Feedback",
            completed_on=issued_at.date(),
            issued_at=issued_at,
            issuer="Soofos",
            certificate_id="cert-1",
        )
        with store.unit_of_work() as uow:
            uow.certificates.add(cert)
            uow.revocations.revoke(Revocation("cert-1", "oops", revoked_at))
            uow.commit()
        with engine.connect() as conn:
            raw_revoked = conn.execute(sa.text("SELECT revoked_at FROM sk_revocations")).scalar()
            raw_issued = conn.execute(sa.text("SELECT issued_at FROM sk_certificates")).scalar()
        assert raw_revoked == "2026-05-01T11:00:00.123456+00:00"
        assert raw_issued == "2026-03-29T02:00:00.000000+00:00"
        with store.unit_of_work() as uow:
            got = uow.revocations.get("cert-1")
        assert got is not None
        assert got.revoked_at == revoked_at
        assert got.revoked_at.utcoffset() == dt.timedelta(0)

    def test_private_material_only_in_private_rows(self, engine: sa.Engine) -> None:
        """Public rows hold public JWKs; a "d" appears only in rows of kind 'private'."""
        store = SqlStore(engine)
        ring = KeyRing.generate(at=T0).rotate(at=T0 + dt.timedelta(days=1))
        with store.unit_of_work() as uow:
            uow.keys.save_public_keys(ring.public_keyset())
            uow.commit()
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT kind, kid, document FROM sk_keys")).all()
        assert sorted((r.kind, r.kid) for r in rows) == sorted(("public", k) for k in ring.kids)
        assert all("d" not in json.loads(r.document) for r in rows)
        with store.unit_of_work() as uow:
            uow.keys.save_private_keyring(ring)
            uow.commit()
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT kind, active, document FROM sk_keys")).all()
        assert sorted(r.kind for r in rows if "d" in json.loads(r.document)) == ["private"] * 2
        assert [bool(r.active) for r in rows if r.kind == "private"].count(True) == 1

    def test_kind_is_constrained(self, engine: sa.Engine) -> None:
        """The database refuses a key row of an unknown kind."""
        SqlStore(engine)
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO sk_keys (kind, kid, position, active, document) "
                    "VALUES ('secret', 'k', 0, FALSE, '{}')"
                )
            )


class TestEngines:
    @pytest.mark.parametrize(
        ("url", "message"),
        [
            (
                "mysql://user:secret@db.example/app",
                "the database must be SQLite or PostgreSQL, got 'mysql://user:***@db.example/app'",
            ),
            ("", "a database must be a path or a URL, got ''"),
            (None, "a database must be a path or a URL, got None"),
            (
                "postgresql://user:secret@db.example:port/app",
                "the database URL cannot be read: expected a SQLite path, ':memory:' or a URL "
                "such as 'postgresql://user@host/db', got "
                "'postgresql://user:***@db.example:port/app'",
            ),
        ],
    )
    def test_unsupported_urls(self, url: Any, message: str) -> None:
        """make_engine refuses what it cannot open, without showing a password."""
        with pytest.raises(errors.InvalidInput) as info:
            make_engine(url)
        assert str(info.value) == message
        assert "secret" not in str(info.value)

    @pytest.mark.parametrize("url", ["postgresql://u@h/db", "postgres://u@h/db"])
    def test_postgresql_uses_psycopg(self, url: str) -> None:
        """postgresql:// and postgres:// URLs get the psycopg 3 driver."""
        engine = make_engine(url)
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
        engine.dispose()

    def test_memory_database(self) -> None:
        """':memory:' is one private SQLite database per store, kept between units of work."""
        store, other = SqlStore(":memory:"), SqlStore(":memory:")
        assert store.schema_version() == SCHEMA_VERSION
        sub = active_subscription()
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id) == attrs.evolve(sub, version=1)
        with other.unit_of_work() as uow, pytest.raises(errors.NotFound):
            uow.subscriptions.get(sub.id)
        store.close()
        other.close()

    def test_path_and_sqlite_url_are_one_database(self, tmp_path: Path) -> None:
        """A plain path and a sqlite:/// URL to it open the same database."""
        path = tmp_path / "same.db"
        by_path = SqlStore(str(path))
        sub = active_subscription()
        with by_path.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        by_url = SqlStore(f"sqlite:///{path}")
        with by_url.unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id).version == 1
        assert repr(by_url) == f"<SqlStore sqlite:///{path}>"
        by_path.close()
        by_url.close()
