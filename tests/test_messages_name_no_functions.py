"""Messages are read by people: none names a Python call such as ``to_dict()``.

A message may point a library user at a name (``see plans.teams_plan``), but never as a
call with parentheses, and a message the command can print names the command or its
option instead (``subscriptionkit certificates revoke``). The scan reads every string in
the source that is not a docstring; SQL text, where ``count(*)`` is the language's own, is
left out.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "subscriptionkit"
#: A call written into text: ``to_dict()``, ``RevocationList.to_json()``, ``open_store(...)``.
CALL = re.compile(r"\b[A-Za-z_][\w.]*\((?:\.\.\.)?\)")
#: SQL the stores send, where a call is the language's own.
SQL = re.compile(r"\b(?:SELECT|INSERT|CREATE|UPDATE|DELETE|PRAGMA|OVER)\b")


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):
            found.update(
                id(item.value)
                for item in body
                if isinstance(item, ast.Expr) and isinstance(item.value, ast.Constant)
            )
    return found


def _calls_in_text() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and not SQL.search(node.value)
            ):
                found += [
                    f"{path.relative_to(SRC)}:{node.lineno}: {match.group(0)}"
                    for match in CALL.finditer(node.value)
                ]
    return found


def test_no_message_names_a_call() -> None:
    """No string outside docstrings and SQL holds ``name()``."""
    assert _calls_in_text() == []


def test_the_scan_sees_calls() -> None:
    """The pattern finds the forms it is for (so the test above can fail)."""
    for text in ("from to_dict()", "RevocationList.to_json()", "a Store (open_store(...))"):
        assert CALL.search(text), text
    for text in ("row(s)", "an http(s) URL", "see plans.teams_plan"):
        assert not CALL.search(text), text
