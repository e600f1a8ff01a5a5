"""`subscriptionkit db upgrade | current | sql`."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from subscriptionkit.cli import main
from subscriptionkit.storage.sql import REVISIONS, SCHEMA_VERSION, make_engine, schema_status


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _release_v1(path: Path) -> None:
    """A schema-1 database as the release before Alembic made it."""
    engine = make_engine(str(path))
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE sk_schema_version (version INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO sk_schema_version VALUES (1)"))
        conn.execute(
            sa.text(
                "CREATE TABLE sk_subscriptions (id VARCHAR(100) NOT NULL, customer_id "
                "VARCHAR(200) NOT NULL, plan_id VARCHAR(100) NOT NULL, status VARCHAR(20) NOT "
                "NULL, trial_customer_id VARCHAR(200), document TEXT NOT NULL, version INTEGER "
                "NOT NULL, PRIMARY KEY (id), UNIQUE (trial_customer_id))"
            )
        )
    engine.dispose()


class TestCurrent:
    def test_missing_file_is_not_created(self, tmp_path: Path) -> None:
        """`db current` on a path with no file says version 0 and creates nothing."""
        path = tmp_path / "none.db"
        code, out, err = run("--db", str(path), "db", "current", "--locale", "en_GB")
        assert (code, err) == (0, "")
        assert out.splitlines()[1] == "Schema version: 0 (the file does not exist yet)"
        assert not path.exists()

    def test_old_database_lists_the_pending_steps(self, tmp_path: Path) -> None:
        """A schema-1 database shows its version, where it is recorded and what is pending."""
        path = tmp_path / "old.db"
        _release_v1(path)
        code, out, _ = run("--db", str(path), "db", "current", "--locale", "en_GB")
        assert code == 0
        assert out.splitlines()[1:] == [
            "Schema version: 1 (recorded before Alembic, in sk_schema_version)",
            f"Pending: {', '.join(r for r, _ in REVISIONS[1:])}; run `subscriptionkit db upgrade`.",
        ]
        assert schema_status(str(path)).version == 1  # current changes nothing

    def test_memory_is_refused(self) -> None:
        """--db memory has no schema: one error line, status 1."""
        code, out, err = run("--db", "memory", "db", "current")
        assert (code, out) == (1, "")
        assert err == (
            "subscriptionkit: error: the db commands need a SQL database: expected a SQLite "
            "path or a database URL in --db, got 'memory'\n"
        )


class TestUpgrade:
    def test_old_database_is_upgraded(self, tmp_path: Path) -> None:
        """`db upgrade` applies the missing revisions and says which; a second run has none."""
        path = tmp_path / "old.db"
        _release_v1(path)
        code, out, err = run("--db", str(path), "db", "upgrade", "--locale", "en_GB")
        assert (code, err) == (0, "")
        assert (
            out == f"Upgraded the schema from version 1 to {SCHEMA_VERSION}: applied "
            f"{', '.join(r for r, _ in REVISIONS[1:])}.\n"
        )
        code, out, _ = run("--db", str(path), "db", "upgrade", "--locale", "en_GB")
        assert (
            out == f"Schema version {SCHEMA_VERSION} (revision {REVISIONS[-1][0]}): up to date.\n"
        )
        code, out, _ = run("--db", str(path), "db", "current", "--locale", "en_GB")
        assert out.splitlines()[1:] == [
            f"Schema version: {SCHEMA_VERSION} (revision {REVISIONS[-1][0]})",
            f"Up to date (this library writes version {SCHEMA_VERSION}).",
        ]

    def test_new_file(self, tmp_path: Path) -> None:
        """`db upgrade` on a new path creates the schema from scratch."""
        path = tmp_path / "new.db"
        code, out, _ = run("--db", str(path), "db", "upgrade", "--locale", "en_GB")
        assert code == 0
        assert (
            out == f"Upgraded the schema from version 0 to {SCHEMA_VERSION}: applied "
            f"{', '.join(r for r, _ in REVISIONS)}.\n"
        )
        assert schema_status(str(path)).current

    def test_refused_database_is_one_line(self, tmp_path: Path) -> None:
        """An edited version table ends with one error line, status 3 (the database cannot be used); nothing runs."""
        path = tmp_path / "edited.db"
        run("--db", str(path), "db", "upgrade", "--locale", "en_GB")
        engine = make_engine(str(path))
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE sk_alembic_version SET version_num = 'x'"))
        engine.dispose()
        code, out, err = run("--db", str(path), "db", "upgrade", "--locale", "en_GB")
        assert (code, out) == (3, "")
        assert err.startswith("subscriptionkit: error: the database records schema version 'x'")
        assert err.count("\n") == 1


class TestSql:
    def test_offline_ddl_for_postgresql(self, tmp_path: Path) -> None:
        """`db sql --dialect postgresql` prints the DDL without any database."""
        code, out, err = run("db", "sql", "--dialect", "postgresql")
        assert (code, err) == (0, "")
        assert "CREATE TABLE sk_subscriptions" in out
        assert "CREATE TABLE sk_alembic_version" in out

    def test_dialect_from_db_without_connecting(self, tmp_path: Path) -> None:
        """Without --dialect the kind comes from --db, and no file is created."""
        path = tmp_path / "never.db"
        code, out, _ = run("--db", str(path), "db", "sql", "--since", "0002")
        assert code == 0
        assert "CREATE TABLE sk_activity_events" in out
        assert "CREATE TABLE sk_subscriptions" not in out
        assert not path.exists()
        code, out, _ = run(
            "--db", "postgresql://nobody@127.0.0.1:1/none", "db", "sql", "--since", REVISIONS[-1][0]
        )
        assert (code, out) == (0, "")

    def test_unknown_revision_is_a_usage_error(self) -> None:
        """--since takes the known revisions only (status 2)."""
        code, _, err = run("db", "sql", "--since", "7")
        assert code == 2
        assert "expected one of the revisions 0001, " in err
        assert "got '7'" in err


class TestForeignAndLazy:
    def test_current_names_another_applications_tables(self, tmp_path: Path) -> None:
        """`db current` on a host's database says how many tables are not ours; changes nothing."""
        import sqlite3

        path = tmp_path / "host.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        before = path.read_bytes()
        code, out, err = run("--db", str(path), "db", "current", "--locale", "en_GB")
        assert (code, err) == (0, "")
        assert out.splitlines()[1] == (
            "Schema version: 0 (no subscriptionkit tables; 1 table of another application: "
            "only `subscriptionkit db upgrade` installs beside it)"
        )
        assert path.read_bytes() == before

    def test_building_the_command_line_imports_no_sqlalchemy(self) -> None:
        """The db commands import SQLAlchemy when they run, not when the parser is built."""
        import subprocess
        import sys

        code = (
            "import sys; from subscriptionkit.cli import build_parser; build_parser(); "
            "import subscriptionkit.cli._db; print('sqlalchemy' in sys.modules)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "False"

    def test_db_commands_without_sqlalchemy(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No SQLAlchemy: one line naming the extra, status 4."""
        monkeypatch.setitem(sys.modules, "sqlalchemy", None)
        code, out, err = run("--db", str(tmp_path / "school.db"), "db", "current")
        assert (code, out) == (4, "")
        assert "pip install 'subscriptionkit[sql]'" in err
