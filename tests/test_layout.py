"""The layout rules of docs/architecture.md that a machine can check."""

from __future__ import annotations

import re
from pathlib import Path

import subscriptionkit

ROOT = Path(subscriptionkit.__file__).parent
#: No module grows past this many lines: small enough to read in one sitting.
MAX_MODULE_LINES = 500
#: The modules allowed to be longer, and why.
LONG_MODULES: dict[str, str] = {}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


class TestModuleSize:
    """No module of the package grows past 500 lines (LONG_MODULES would name exceptions)."""

    def test_modules_are_small(self) -> None:
        """Every module under src/subscriptionkit has at most 500 lines."""
        modules = _modules(".")
        assert modules, f"no modules found under {ROOT}"
        too_long = {
            name: n
            for path in modules
            if (name := path.relative_to(ROOT).as_posix()) not in LONG_MODULES
            and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        }
        assert not too_long, f"modules over {MAX_MODULE_LINES} lines: {too_long}"

    def test_exceptions_are_still_needed(self) -> None:
        """Every module named in LONG_MODULES exists and is still over the limit."""
        stale = {
            name: "missing" if not path.is_file() else "short enough"
            for name in LONG_MODULES
            if not (path := ROOT / name).is_file()
            or len(path.read_text(encoding="utf-8").splitlines()) <= MAX_MODULE_LINES
        }
        assert not stale, f"drop these from LONG_MODULES: {stale}"


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
