"""The reference is complete: every public name and every command is in the built docs.

The documentation is built as CI builds it (offline, ``-E -n -W``: every reference resolves,
every warning fails), and the Sphinx inventory it writes (``objects.inv``) is compared with
each public module's ``__all__``: a name exported but not documented fails here, naming it.
Modules are discovered on disk, so a new package is covered without editing this file. The
command's page (``docs/cli.md``) renders its reference from the parser (sphinx-argparse):
every command and sub-command must show there.
"""

from __future__ import annotations

import argparse
import html
import importlib
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sphobjinv

import subscriptionkit
from subscriptionkit.cli import build_parser

DOCS = Path(__file__).resolve().parents[1] / "docs"
#: The docs build as CI runs it: offline, every reference resolved, warnings as errors.
SPHINX = (sys.executable, "-m", "sphinx", "-E", "-n", "-W", "--keep-going", "-q")


def _public_modules() -> list[str]:
    names = ["subscriptionkit"]
    for info in pkgutil.walk_packages(subscriptionkit.__path__, "subscriptionkit."):
        parts = info.name.split(".")
        if not any(p.startswith("_") for p in parts) and "migrations" not in parts:
            names.append(info.name)
    return names


MODULES = _public_modules()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh, warning-free HTML build of the docs."""
    out = tmp_path_factory.mktemp("docs")
    build = subprocess.run(
        [*SPHINX, "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, f"the docs build failed:\n{build.stderr[-4000:]}"
    return out


@pytest.fixture(scope="module")
def documented(built: Path) -> frozenset[str]:
    """The Python objects of the built inventory."""
    inventory = sphobjinv.Inventory(built / "objects.inv")
    return frozenset(obj.name for obj in inventory.objects if obj.domain == "py")


def _commands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """The parser and every sub-command's parser, depth first."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _commands(sub)


def test_modules_found() -> None:
    """The discovery finds the packages, the public modules and the test doubles."""
    for name in ("subscriptionkit.plans", "subscriptionkit.storage.sql", "subscriptionkit.testing"):
        assert name in MODULES


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_documented(module_name: str, documented: frozenset[str]) -> None:
    """The module and every name of its ``__all__`` are objects of the reference."""
    module = importlib.import_module(module_name)
    expected = [module_name] + [f"{module_name}.{n}" for n in getattr(module, "__all__", ())]
    missing = [name for name in expected if name not in documented]
    assert not missing, f"not in the API reference (docs/api.md): {', '.join(missing)}"


def test_every_command_in_cli_page(built: Path) -> None:
    """docs/cli.md shows the usage of every command and sub-command of the parser."""
    page = html.unescape(re.sub(r"<[^>]+>", "", (built / "cli.html").read_text("utf-8")))
    missing = [p.prog for p in _commands(build_parser()) if f"{p.prog} [-h]" not in page]
    assert not missing, f"not in docs/cli.md's reference: {', '.join(missing)}"
