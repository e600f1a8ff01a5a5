"""The layout rules of docs/architecture.md that a machine can check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import subscriptionkit

ROOT = Path(subscriptionkit.__file__).parent
#: Packages whose modules must stay small enough to read in one sitting.
SMALL_MODULE_PACKAGES = ("cli", "storage")
MAX_MODULE_LINES = 500


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


class TestModuleSize:
    """No module of the command or storage packages grows past 500 lines."""

    @pytest.mark.parametrize("package", SMALL_MODULE_PACKAGES)
    def test_modules_are_small(self, package: str) -> None:
        """Every module under the package has at most 500 lines."""
        modules = _modules(package)
        assert modules, f"no modules found under {ROOT / package}"
        too_long = {
            str(path.relative_to(ROOT)): n
            for path in modules
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        }
        assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"


class TestCommandLineStaysInCli:
    """Only the cli package parses arguments or prints."""

    def test_no_argparse_or_print_outside_cli(self) -> None:
        """No module outside cli/ imports argparse or calls print() (doctest lines aside)."""
        offenders: list[str] = []
        for path in sorted(ROOT.rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative.parts[0] == "cli" or relative.name == "__main__.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.strip()
                if code.startswith((">>>", "...")):
                    continue
                if re.match(r"(import argparse|from argparse import)", code) or re.search(
                    r"(?<![\w.])print\(", code
                ):
                    offenders.append(f"{relative}:{number}: {code}")
        assert not offenders, "argparse or print outside cli/:\n" + "\n".join(offenders)
