"""A host application runs its own Alembic next to the library's (docs/storage.md).

A tiny host environment in a temporary directory: its own metadata, an ``env.py`` whose
``include_name`` leaves the library's tables alone, and ``alembic_version`` as its
version table. Its autogenerate must not propose dropping (or touching) our tables.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from subscriptionkit.storage.sql import (
    LIBRARY_TABLES,
    SqlStore,
    make_engine,
    metadata,
    schema_status,
)

HOST_ENV = '''
import sqlalchemy as sa
from alembic import context

from subscriptionkit.storage.sql import LIBRARY_TABLES

host_metadata = sa.MetaData()
sa.Table(
    "app_schools",
    host_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
)


def include_name(name, type_, parent_names):
    """Leave subscriptionkit's tables (and its version tables) to subscriptionkit."""
    return not (type_ == "table" and name in LIBRARY_TABLES)


engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(
        connection=connection, target_metadata=host_metadata, include_name=include_name
    )
    with context.begin_transaction():
        context.run_migrations()
'''

SCRIPT_MAKO = '''"""${message}"""
from alembic import op
import sqlalchemy as sa

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''


@pytest.fixture
def host(tmp_path: Path) -> Config:
    """The host application's Alembic configuration over a SQLite file."""
    scripts = tmp_path / "host_migrations"
    (scripts / "versions").mkdir(parents=True)
    (scripts / "env.py").write_text(textwrap.dedent(HOST_ENV), encoding="utf-8")
    (scripts / "script.py.mako").write_text(SCRIPT_MAKO, encoding="utf-8")
    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", f"sqlite:///{tmp_path / 'app.db'}")
    return config


def _revision_text(config: Config, message: str) -> str:
    """Autogenerate a host revision; return its ``upgrade()`` body."""
    script = command.revision(config, message=message, autogenerate=True)
    assert script is not None
    assert not isinstance(script, list)
    text = Path(script.path).read_text(encoding="utf-8")
    return text.split("def upgrade():", 1)[1].split("def downgrade():", 1)[0]


class TestHostAlembic:
    def test_autogenerate_leaves_the_library_alone(self, host: Config, tmp_path: Path) -> None:
        """The host's autogenerate adds its own table and never drops or alters ours."""
        SqlStore(str(tmp_path / "app.db")).close()  # the library migrates first
        first = _revision_text(host, "schools")
        assert "op.create_table('app_schools'" in first
        assert "drop_table" not in first
        assert "sk_" not in first
        command.upgrade(host, "head")

        engine = make_engine(str(tmp_path / "app.db"))
        try:
            names = set(sa.inspect(engine).get_table_names())
            assert {"app_schools", "alembic_version", "sk_alembic_version"} <= names
            assert schema_status(engine).current  # the host's run left our schema current
            second = _revision_text(host, "nothing")
            assert "drop_table" not in second
            assert "op.create_table" not in second
            assert "sk_" not in second
            SqlStore(engine).close()  # and ours still opens without a step to run
        finally:
            engine.dispose()

    def test_without_the_hook_autogenerate_would_drop_our_tables(
        self, host: Config, tmp_path: Path
    ) -> None:
        """The hook is what protects us: without it the host would drop the library's tables."""
        SqlStore(str(tmp_path / "app.db")).close()
        env = Path(host.get_main_option("script_location") or "") / "env.py"
        env.write_text(
            env.read_text(encoding="utf-8").replace(
                "include_name=include_name", "include_name=None"
            ),
            encoding="utf-8",
        )
        text = _revision_text(host, "unguarded")
        assert "op.drop_table('sk_subscriptions')" in text

    def test_library_tables_are_listed(self) -> None:
        """LIBRARY_TABLES names every table the library owns, with both version tables."""
        assert {"sk_subscriptions", "sk_alembic_version", "sk_schema_version"} <= LIBRARY_TABLES
        assert set(metadata.tables) <= LIBRARY_TABLES
        assert all(name.startswith("sk_") for name in LIBRARY_TABLES)
