"""Opening a database: foreign ones refused and untouched, damaged ones named, forms checked.

Issue 9: "no foreign database touched". An *implicit* open (``open_store(path)``,
``SqlStore(url)``, the command's ``--db``) of a database that holds other tables and none
of ours is refused with :class:`ForeignDatabase`, and the file stays byte for byte the
same (no WAL switch, no table, no pragma write). Installing beside a host's tables is
explicit (``create=True``, ``subscriptionkit db upgrade``). Damaged files and tampered
versions give one library error each, and change nothing.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from subscriptionkit import errors
from subscriptionkit.storage import MemoryStore, open_store
from subscriptionkit.storage.sql import (
    LIBRARY_TABLES,
    SCHEMA_VERSION,
    SqlStore,
    check_database,
    make_engine,
    schema_status,
)
from subscriptionkit.testing import active_subscription

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def digest(path: Path) -> str:
    """The file's SHA-256 (the whole file, byte for byte)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def side_files(path: Path) -> list[str]:
    """The SQLite side files (-wal, -shm, -journal) next to ``path``."""
    return sorted(p.name for p in path.parent.glob(path.name + "-*"))


def assert_refused_unchanged(path: Path, error: type[errors.StorageError]) -> None:
    """``open_store(path)`` raises ``error`` and leaves the file byte for byte as it was."""
    before = digest(path)
    with pytest.raises(error):
        open_store(str(path))
    assert digest(path) == before


def host_file(path: Path, *, wal: bool = False) -> Path:
    """Another application's SQLite file: two tables, a row, a user_version."""
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER)")
    conn.execute("INSERT INTO users VALUES (1, 'Ada')")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of each SQL kind."""
    if request.param == "sqlite":
        engine = make_engine(str(tmp_path / "edge.db"))
        yield engine
        engine.dispose()
    else:
        yield request.getfixturevalue("postgres_engine")


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


class TestForeignDatabase:
    """An implicit open of another application's database is refused; nothing changes."""

    @pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
    @pytest.mark.parametrize(
        "opening",
        [
            lambda p: open_store(p),
            lambda p: SqlStore(p),
            lambda p: SqlStore(p, migrate=False),
            lambda p: open_store(f"sqlite:///{p}"),
        ],
        ids=["open_store", "SqlStore", "SqlStore-migrate-False", "sqlite-url"],
    )
    def test_refused_and_byte_identical(
        self, tmp_path: Path, opening: Callable[[str], object], wal: bool
    ) -> None:
        """ForeignDatabase names the tables; the file hashes the same; no side file is left."""
        path = host_file(tmp_path / "another_app.db", wal=wal)
        before, files = digest(path), side_files(path)
        with pytest.raises(errors.ForeignDatabase) as info:
            opening(str(path))
        assert isinstance(info.value, errors.StorageError)
        assert info.value.tables == ("orders", "users")
        assert str(info.value) == (
            f"SQLite file {str(path)!r} holds another application's tables (2: orders, users) "
            "and no subscriptionkit schema; expected an empty database or one made by "
            "subscriptionkit; nothing was changed (to install the library's tables beside "
            "them, open it with create=True or run `subscriptionkit db upgrade`)"
        )
        assert digest(path) == before
        assert side_files(path) == files == []

    def test_a_view_alone_makes_a_database_foreign(self, tmp_path: Path) -> None:
        """Views count as another application's schema too."""
        path = tmp_path / "views.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE VIEW answer AS SELECT 42 AS value")
        assert_refused_unchanged(path, errors.ForeignDatabase)

    def test_refused_on_both_databases(self, engine: sa.Engine) -> None:
        """SQLite and PostgreSQL alike: refused, the host's table and row kept, none of ours."""
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE app_users (id INTEGER PRIMARY KEY)"))
            conn.execute(sa.text("INSERT INTO app_users VALUES (1)"))
        with pytest.raises(errors.ForeignDatabase):
            SqlStore(engine)
        assert _tables(engine) == {"app_users"}
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id FROM app_users")).scalars().all() == [1]

    def test_explicit_install_beside_the_host(self, engine: sa.Engine) -> None:
        """create=True puts the library's tables beside the host's; reopening needs no flag."""
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE app_users (id INTEGER PRIMARY KEY)"))
        assert SqlStore(engine, create=True).schema_version() == SCHEMA_VERSION
        assert _tables(engine) == {"app_users"} | (LIBRARY_TABLES - {"sk_schema_version"})
        store = SqlStore(engine)  # ours now: an implicit open works
        with store.unit_of_work() as uow:
            uow.subscriptions.add(active_subscription())
            uow.commit()

    def test_explicit_install_keeps_the_host_journal_mode(self, tmp_path: Path) -> None:
        """The host's SQLite file keeps its journal mode (WAL is for files of our own)."""
        path = host_file(tmp_path / "host.db")
        SqlStore(str(path), create=True).close()
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            assert conn.execute("PRAGMA user_version").fetchone() == (7,)

    def test_a_new_file_is_created_silently(self, tmp_path: Path) -> None:
        """The embedded default: a new file gets the schema, in WAL, without a word."""
        path = tmp_path / "new.db"
        store = open_store(str(path))
        assert isinstance(store, SqlStore)
        assert store.schema_version() == SCHEMA_VERSION
        store.close()
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)

    def test_an_empty_file_is_a_new_database(self, tmp_path: Path) -> None:
        """A zero-byte file (touched by a script) is an empty database: set up silently."""
        path = tmp_path / "touched.db"
        path.touch()
        assert open_store(str(path)).schema_version() == SCHEMA_VERSION  # type: ignore[attr-defined]


DAMAGED: dict[str, Callable[[Path], Path]] = {
    "text": lambda d: _write(d / "notes.db", b"just some text\nover two lines\n"),
    "png": lambda d: _write(d / "picture.png", PNG),
    "random": lambda d: _write(d / "random.db", os.urandom(8192)),
    "truncated-header": lambda d: _write(d / "short.db", b"SQLite format 3\x00" + b"\xff" * 84),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


class TestDamagedFiles:
    """Files that are no SQLite database: one library error each, the file unchanged."""

    @pytest.mark.parametrize("kind", sorted(DAMAGED))
    @pytest.mark.parametrize(
        "opening",
        [open_store, SqlStore, schema_status, lambda p: SqlStore(p, create=True)],
        ids=["open_store", "SqlStore", "schema_status", "create"],
    )
    def test_not_a_database(
        self, tmp_path: Path, kind: str, opening: Callable[[str], object]
    ) -> None:
        """NotADatabase names the file; nothing is written next to or into it."""
        path = DAMAGED[kind](tmp_path)
        before = digest(path)
        with pytest.raises(errors.NotADatabase) as info:
            opening(str(path))
        assert str(info.value).startswith(f"SQLite file {str(path)!r} is not a SQLite database (")
        assert str(info.value).endswith(
            "expected a SQLite database file, or the path of a new file; nothing was changed"
        )
        assert digest(path) == before
        assert side_files(path) == []

    @pytest.mark.parametrize("opening", [open_store, SqlStore, schema_status])
    def test_a_directory(self, tmp_path: Path, opening: Callable[[str], object]) -> None:
        """A directory (also named like a database) is NotADatabase, and stays empty."""
        folder = tmp_path / "folder.db"
        folder.mkdir()
        with pytest.raises(errors.NotADatabase, match="it is a directory"):
            opening(str(folder))
        with pytest.raises(errors.NotADatabase):
            opening(f"sqlite:///{folder}")
        assert list(folder.iterdir()) == []


class TestTamperedVersions:
    """A tampered or missing version record: refused, and no migration step runs again."""

    def _current(self, engine: sa.Engine) -> None:
        store = SqlStore(engine)
        with store.unit_of_work() as uow:
            uow.subscriptions.add(active_subscription())
            uow.commit()

    def _snapshot(self, engine: sa.Engine) -> tuple[set[str], int]:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT COUNT(*) FROM sk_subscriptions")).scalar_one()
        return _tables(engine), int(rows)

    @pytest.mark.parametrize(
        ("tamper", "error"),
        [
            ("UPDATE sk_alembic_version SET version_num = 'zzzz'", errors.UnknownSchemaVersion),
            ("UPDATE sk_alembic_version SET version_num = '0001'", errors.SchemaMismatch),
            ("UPDATE sk_alembic_version SET version_num = '0003'", errors.SchemaMismatch),
            ("DELETE FROM sk_alembic_version", errors.MissingSchemaVersion),
            ("DROP TABLE sk_alembic_version", errors.MissingSchemaVersion),
        ],
        ids=["unknown", "rewound-to-1", "rewound-to-3", "emptied", "dropped"],
    )
    def test_refused_and_nothing_runs(
        self, engine: sa.Engine, tamper: str, error: type[errors.StorageError]
    ) -> None:
        """Opening, opening explicitly and migrating all refuse; tables and rows unchanged."""
        self._current(engine)
        with engine.begin() as conn:
            conn.execute(sa.text(tamper))
        before = self._snapshot(engine)
        for keywords in ({}, {"create": True}, {"migrate": False}):
            with pytest.raises(error) as info:
                SqlStore(engine, **keywords)
            assert "nothing was run" in str(info.value)
        assert self._snapshot(engine) == before

    def test_tampered_sqlite_file_is_byte_identical(self, tmp_path: Path) -> None:
        """On SQLite the whole file is unchanged after the refusal."""
        path = tmp_path / "tampered.db"
        self._current(make_engine(str(path)))
        with sqlite3.connect(path) as conn:
            conn.execute("UPDATE sk_alembic_version SET version_num = '0002'")
        assert_refused_unchanged(path, errors.SchemaMismatch)


def _read_only_ways() -> list[str]:
    ways = ["uri-mode-ro"]
    if os.geteuid() != 0:  # root writes through file permissions: only the URI way tells
        ways.append("chmod")
    return ways


class TestReadOnly:
    """A read-only database: reading works; a write raises ReadOnlyDatabase."""

    @pytest.mark.parametrize("way", _read_only_ways())
    def test_sqlite_read_only_file(self, tmp_path: Path, way: str) -> None:
        """Read through a read-only open; the write is refused with a clear error."""
        path = tmp_path / "ro.db"
        sub = active_subscription()
        store = SqlStore(str(path))
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        store.close()
        before = digest(path)
        if way == "chmod":
            path.chmod(0o444)
            url = str(path)
        else:
            url = f"sqlite:///file:{path}?mode=ro&uri=true"
        ro = open_store(url)
        with ro.unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id).id == sub.id
        with ro.unit_of_work() as uow, pytest.raises(errors.ReadOnlyDatabase) as info:
            uow.subscriptions.add(attrs.evolve(sub, id="another"))
        assert "reading works, writing does not" in str(info.value)
        assert digest(path) == before

    def test_a_read_only_file_in_rollback_journal_mode(self, tmp_path: Path) -> None:
        """A file not in WAL that cannot be written still opens and reads."""
        path = tmp_path / "journal.db"
        SqlStore(str(path)).close()
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
        before = digest(path)
        store = open_store(f"sqlite:///file:{path}?mode=ro&uri=true")
        with store.unit_of_work() as uow:
            assert list(uow.subscriptions.list()) == []
        assert digest(path) == before

    def test_postgresql_read_only_transactions(self, postgres_engine: sa.Engine) -> None:
        """PostgreSQL with read-only transactions: reads work, a write is ReadOnlyDatabase."""
        SqlStore(postgres_engine).close()
        with postgres_engine.connect() as conn:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        ro = sa.create_engine(
            postgres_engine.url,
            connect_args={"options": f"-csearch_path={schema} -cdefault_transaction_read_only=on"},
        )
        try:
            store = SqlStore(ro)
            with store.unit_of_work() as uow:
                assert list(uow.subscriptions.list()) == []
            with store.unit_of_work() as uow, pytest.raises(errors.ReadOnlyDatabase):
                uow.subscriptions.add(active_subscription())
        finally:
            ro.dispose()


class TestDatabaseForms:
    """What names a database: the same rule for open_store, SqlStore, --db and the variable."""

    @pytest.mark.parametrize(
        "value",
        ["not a url at all", "school", "data.csv", "notes.txt", "memory.json", " ", "a\x00b.db"],
    )
    def test_refused_forms_create_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
    ) -> None:
        """Neither a URL, nor an existing file, nor a new SQLite file: refused, nothing made."""
        monkeypatch.chdir(tmp_path)
        for opening in (open_store, SqlStore, schema_status, check_database, make_engine):
            with pytest.raises(errors.InvalidDatabaseUrl) as info:
                opening(value)
            assert "expected a database URL (postgresql://user@host/db, sqlite:///path.db), " in (
                str(info.value)
            )
            assert ".db, .sqlite or .sqlite3" in str(info.value)
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize("name", ["school.db", "school.sqlite", "school.SQLITE3"])
    def test_new_files_with_a_sqlite_extension(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
    ) -> None:
        """A new file with a SQLite extension is created and set up."""
        monkeypatch.chdir(tmp_path)
        open_store(name).close()  # type: ignore[attr-defined]
        assert (tmp_path / name).is_file()

    def test_an_existing_file_of_any_name_is_opened(self, tmp_path: Path) -> None:
        """An existing SQLite file needs no extension."""
        path = tmp_path / "school"
        open_store(str(path.with_suffix(".db"))).close()  # type: ignore[attr-defined]
        path.with_suffix(".db").rename(path)
        assert SqlStore(str(path)).schema_version() == SCHEMA_VERSION

    def test_a_new_file_in_a_missing_directory(self, tmp_path: Path) -> None:
        """The directory of a new file must exist (nothing is created on the way)."""
        with pytest.raises(errors.InvalidDatabaseUrl, match="directory that does not exist"):
            open_store(str(tmp_path / "nope" / "school.db"))
        assert list(tmp_path.iterdir()) == []

    @pytest.mark.parametrize("value", [None, 3, b"x.db", ["x.db"]])
    def test_wrong_types(self, value: object) -> None:
        """Not text: InvalidArgument naming the argument."""
        with pytest.raises(errors.InvalidArgument):
            open_store(value)  # type: ignore[arg-type]
        with pytest.raises(errors.InvalidArgument):
            SqlStore(value)  # type: ignore[arg-type]


class TestMissingExtra:
    def test_sql_store_without_sqlalchemy(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without SQLAlchemy, opening a SQL store names the extra; nothing is created."""
        monkeypatch.setitem(sys.modules, "sqlalchemy", None)
        with pytest.raises(errors.MissingDependency, match=r"pip install 'subscriptionkit\[sql\]'"):
            open_store(str(tmp_path / "school.db"))
        assert list(tmp_path.iterdir()) == []
        assert isinstance(open_store("memory"), MemoryStore)  # memory needs no extra

    def test_postgresql_without_psycopg(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A postgresql:// URL without psycopg names the postgres extra."""
        monkeypatch.setitem(sys.modules, "psycopg", None)
        with pytest.raises(errors.MissingDependency, match=r"subscriptionkit\[postgres\]"):
            open_store("postgresql://nobody@127.0.0.1:1/none")

    @pytest.mark.parametrize("url", ["postgresql+asyncpg://u@h/db", "sqlite+pysqlcipher:///x.db"])
    def test_other_drivers(self, url: str) -> None:
        """A driver the library does not ship with: InvalidInput naming the URL."""
        with pytest.raises(errors.InvalidInput, match="cannot be loaded"):
            open_store(url)
