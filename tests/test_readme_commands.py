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
