"""The README's shell examples run as written, in order, on a fresh working directory."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def shell_examples() -> list[str]:
    """The ``subscriptionkit`` lines of the README's example block (after "From the shell")."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("From the shell") :]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the README's 'From the shell' section has no sh block"
    return [line for line in block.group(1).splitlines() if line.startswith("subscriptionkit ")]


def test_the_examples_are_found() -> None:
    """The block holds the examples (a renamed heading must not make the test vacuous)."""
    lines = shell_examples()
    assert len(lines) >= 10
    assert any(line.startswith("subscriptionkit billing advance") for line in lines)


def test_each_example_succeeds(tmp_path: Path) -> None:
    """Each line exits 0 on the default database in a fresh directory, one after another
    (later lines use what earlier ones made: the subscription billed in advance)."""
    env = {k: v for k, v in os.environ.items() if k != "SUBSCRIPTIONKIT_DB"}
    for line in shell_examples():
        argv = [sys.executable, "-m", "subscriptionkit", *shlex.split(line)[1:]]
        done = subprocess.run(
            argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            pytest.fail(f"README example failed ({done.returncode}): {line}\n{done.stderr}")
    assert (tmp_path / "subscriptionkit.db").exists()


CI_RUN = README.parent / ".ci" / "run"


def _readme_command(after: str) -> str:
    """The one line of the README's first ``sh`` block after the text ``after``."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)\n```", text[text.index(after) :], re.DOTALL)
    assert block is not None, f"the README has no sh block after {after!r}"
    return block.group(1).strip()


def _ci_function(name: str) -> str:
    """The body of the shell function ``name`` in ``.ci/run`` (one command)."""
    text = CI_RUN.read_text(encoding="utf-8")
    body = re.search(rf"^{name}\(\) \{{.*?\n(.*?)\n\}}", text, re.DOTALL | re.MULTILINE)
    assert body is not None, f".ci/run has no function {name}"
    return body.group(1).strip()


@pytest.mark.parametrize(
    ("after", "function"),
    [
        ("Install the package and watch it work", "readme_demo"),
        ("Install everything needed and run the whole test suite", "readme_tests"),
    ],
)
def test_ci_runs_the_readme_commands(after: str, function: str) -> None:
    """CI runs the README's two commands as a newcomer types them: the test command
    installs npm's ``jose`` too (``npm ci --prefix tests/node``), so that the Node.js
    cross-check runs on a fresh clone."""
    assert _ci_function(function) == _readme_command(after)
    if function == "readme_tests":
        assert "npm ci --prefix tests/node" in _readme_command(after)
