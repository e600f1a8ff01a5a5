"""The command imports only what the command that runs needs (import *sets*, not times)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from import_helpers import loaded_after
from subscriptionkit import cli

#: Libraries no command needs before it runs, only some commands while they run.
HEAVY = ("sqlalchemy", "joserfc", "cryptography", "starlette", "numpy", "pyarrow", "pyspark")


def _handler_modules(parser: argparse.ArgumentParser) -> set[str]:
    """The modules of the handlers under a (sub)parser, through nested command groups."""
    found: set[str] = set()
    handler = parser.get_default("handler")
    if handler is not None:
        found.add(handler.__module__.rsplit(".", 1)[-1])
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _handler_modules(sub)
    return found


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


class TestCommandTable:
    def test_every_command_is_in_the_table_with_its_module(self) -> None:
        """COMMANDS names every command of the full parser and the module that handles it."""
        full = _commands(cli.build_parser())
        assert set(full) == set(cli._COMMANDS)
        for name, sub in full.items():
            assert _handler_modules(sub) == {cli._COMMANDS[name]}, name

    @pytest.mark.parametrize("command", sorted(cli._COMMANDS))
    def test_one_command_parser_parses_like_the_full_one(self, command: str) -> None:
        """The parser built for one command has that command, with the same options."""
        full = _commands(cli.build_parser())[command]
        alone = _commands(cli.build_parser(command))
        assert command in alone
        assert alone[command].format_help() == full.format_help()

    def test_command_word(self) -> None:
        """Only --db may come before the command word; anything else means the full parser."""
        word = cli._command_word
        assert word(["meter", "x.csv"]) == "meter"
        assert word(["--db", "meter", "teams"]) == "teams"
        assert word(["--db=x.db", "db", "upgrade"]) == "db"
        assert word(["--help"]) is None
        assert word(["--version"]) is None
        assert word(["metre"]) is None
        assert word([]) is None


class TestImportSets:
    def test_importing_the_command_loads_no_command_module(self) -> None:
        """``import subscriptionkit.cli`` loads none of the command modules or heavy libraries."""
        loaded = loaded_after("import subscriptionkit.cli")
        modules = {f"subscriptionkit.cli.{m}" for m in set(cli._COMMANDS.values())}
        assert not loaded & modules
        assert not {m for m in loaded if m.split(".")[0] in HEAVY}

    def test_meter_loads_only_its_module(self) -> None:
        """Running ``meter --help`` loads the meter module and none of the other commands'."""
        loaded = loaded_after(
            "from subscriptionkit.cli import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['meter', '--help'])"
        )
        assert "subscriptionkit.cli._metering" in loaded
        others = {f"subscriptionkit.cli.{m}" for m in set(cli._COMMANDS.values()) - {"_metering"}}
        assert not loaded & others
        assert not {m for m in loaded if m.split(".")[0] in HEAVY}

    def test_counting_a_file_imports_no_pandas(self, tmp_path: Path) -> None:
        """The columnar count of a file never converts Python values to Arrow, which
        would import pandas (a third of a second) where it is installed."""
        path = tmp_path / "events.csv"
        path.write_text(
            "event_id,school_id,pupil_id,grade,category,processed_at\n"
            "e1,s1,p1,3,engagement,2026-03-02T10:00:00+01:00\n"
            "e2,s1,p2,4,engagement,2026-03-02T10:00:00Z\n"
        )
        loaded = loaded_after(
            "from subscriptionkit.cli import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert main(['meter', {str(path)!r}, '--plan', 'focus-po-1-8', "
            "'--from', '2026-03', '--to', '2026-03']) == 0"
        )
        assert "pyarrow" in loaded
        assert "pandas" not in loaded

    def test_public_subpackages_import_only_the_standard_library(self) -> None:
        """Importing every public subpackage (the web app too) loads no third-party module."""
        import pkgutil

        import subscriptionkit

        packages = sorted(
            f"subscriptionkit.{m.name}"
            for m in pkgutil.iter_modules(subscriptionkit.__path__)
            if m.ispkg and not m.name.startswith("_") and m.name != "cli"
        )
        assert "subscriptionkit.web" in packages
        loaded = loaded_after(f"import {', '.join(packages)}") - loaded_after("pass")
        foreign = {
            m.split(".")[0]
            for m in loaded
            if m.split(".")[0] not in sys.stdlib_module_names
            and m.split(".")[0] not in ("subscriptionkit", "__main__")
        }
        assert not foreign
