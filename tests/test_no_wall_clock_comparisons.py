"""A search of the source: no comparison of aware datetimes outside the instants helper.

Python compares two datetimes that share a tzinfo by their wall clocks and ignores
``fold`` (PEP 495), so every equality, ordering, window and dedupe on moments must go
through :func:`subscriptionkit.clock.instant` (or compare epoch numbers).

The search reads every module of the package with :mod:`ast` and looks at every
comparison (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``) and every ``min``/``max``/
``sorted`` call. An operand that names a moment (``at``, ``*_at``, ``start``, ``end``,
``deadline``, ``renewal``, ``paid_through``...) must be

* a call of ``instant(...)`` (or of an epoch helper: ``epoch_seconds``, ``.timestamp()``),
  or a calendar date (``.date()``), or
* a local name bound, in the same function, to such a call,

unless the comparison is listed in :data:`REVIEWED` with the reason it compares instants.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import subscriptionkit

ROOT = Path(subscriptionkit.__file__).parent

#: Identifiers that name a moment.
MOMENT = re.compile(
    r"(^|_)(at|moment|start|end|begin|deadline|renewal|renews|paid|paid_through|ends|"
    r"started|until|since|when|now|expires|expiry|issued|revoked|not_before|"
    r"retired_after|processed|earliest|latest|cutoff|due)$|_at$"
)
#: Calls whose result compares as an instant, a number or a calendar day.
SAFE_CALLS = frozenset(
    {"instant", "epoch_seconds", "timestamp", "date", "toordinal", "int_timestamp", "len"}
)
#: The helper's own module.
HELPER = ROOT / "clock.py"

#: Comparisons reviewed by hand: (module path relative to the package, source text of
#: the comparison) -> why it compares instants.
REVIEWED: dict[tuple[str, str], str] = {
    # Certificates keep every moment in UTC: to_utc() (through ensure_aware) converts on
    # construction, and a datetime in UTC has no folds.
    ("certificates/_keys.py", "instance.retired_after < instance.not_before"): "UTC fields",
    ("certificates/_keys.py", "not_before <= moment"): "both UTC (to_utc)",
    ("certificates/_keys.py", "moment <= retired_after"): "both UTC (to_utc)",
    ("certificates/_keyring.py", "moment <= old.not_before"): "both UTC (to_utc)",
    ("certificates/_keyring.py", "moment > key.retired_after"): "both UTC (to_utc)",
    ("certificates/_revocation.py", "revocation.revoked_at <= to_utc(at, 'at')"): "UTC",
    ("certificates/_token.py", "key.not_before <= issued_at"): "both UTC (to_utc)",
    ("certificates/_token.py", "issued_at <= key.retired_after"): "both UTC (to_utc)",
    ("certificates/_token.py", "issued_at > moment"): "both UTC (to_utc)",
    ("certificates/_token.py", "revocation.revoked_at <= moment"): "both UTC (to_utc)",
    ("certificates/_status.py", "status.issued_at > moment"): "both UTC (to_utc)",
    ("certificates/_status.py", "revocation.revoked_at <= moment"): "both UTC (to_utc)",
    # Calendar days (datetime.date, refused as datetimes just above it), not moments.
    ("billing/_ledger.py", "issued_on < latest"): "calendar days",
    # Status list indexes (ints), not datetimes.
    ("certificates/_status.py", "max(revoked, default=-1)"): "bit indexes",
    ("certificates/_status.py", "max(self.revoked, default=-1)"): "bit indexes",
    # A SQL expression on a column of UTC text (the Moment type): compared in the database.
    ("storage/sql/_schedule.py", "t.c.due_at <= until"): "SQL on UTC text",
    # Alembic revision ids, not moments.
    ("storage/sql/_versions.py", "since == _IDS[-1]"): "revision ids",
    # Invoice lines cover calendar days (datetime.date), not moments.
    ("cli/_billing.py", "ln.line.start == first"): "calendar dates",
    # Epoch seconds (ints), not datetimes.
    ("metering/_meter.py", "t < ends[0]"): "epoch seconds",
    ("metering/_meter.py", "t >= ends[-1]"): "epoch seconds",
    ("metering/_meter.py", "ends[0] <= t < ends[-1]"): "epoch seconds",
}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return _name(node.value)
    return None


def _call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        return func.id if isinstance(func, ast.Name) else _name(func)
    return None


def _safe_locals(function: ast.AST) -> set[str]:
    """Names bound in ``function`` to a safe call (``x = instant(...)``, tuples too)."""
    safe: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            targets: list[ast.expr] = list(node.targets)
            values: list[ast.expr] = [node.value]
            if isinstance(node.value, ast.Tuple) and all(
                isinstance(t, ast.Tuple) for t in node.targets
            ):
                targets = [e for t in node.targets if isinstance(t, ast.Tuple) for e in t.elts]
                values = list(node.value.elts)
            pairs = zip(targets, values * len(targets), strict=False)
            if len(values) > 1:
                pairs = zip(targets, values, strict=False)
            for target, value in pairs:
                if isinstance(target, ast.Name) and _is_safe(value, set()):
                    safe.add(target.id)
    return safe


def _is_safe(node: ast.expr, safe_names: set[str]) -> bool:
    if _call_name(node) in SAFE_CALLS:
        return True
    if isinstance(node, ast.Name) and node.id in safe_names:
        return True
    if isinstance(node, ast.IfExp):
        return _is_safe(node.body, safe_names) and _is_safe(node.orelse, safe_names)
    if isinstance(node, ast.Constant):
        return True
    # ``x.epoch`` and the like are numbers; anything not named like a moment is not one.
    name = _name(node)
    return name is None or not MOMENT.search(name) or name == "epoch"


def _findings(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    owner: dict[int, set[str]] = {}
    for function in functions:
        names = _safe_locals(function)
        for node in ast.walk(function):
            owner.setdefault(id(node), set()).update(names)
    for node in ast.walk(tree):
        safe_names = owner.get(id(node), set())
        operands: list[ast.expr] = []
        if isinstance(node, ast.Compare) and not all(
            isinstance(op, ast.Is | ast.IsNot | ast.In | ast.NotIn) for op in node.ops
        ):
            operands = [node.left, *node.comparators]
        elif (
            isinstance(node, ast.Call)
            and _call_name(node) in {"min", "max", "sorted"}
            and not any(k.arg == "key" for k in node.keywords)
        ):
            operands = list(node.args)
        if operands and any(not _is_safe(o, safe_names) for o in operands):
            assert isinstance(node, ast.expr)
            yield node.lineno, ast.unparse(node)


def _all_findings() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == HELPER:
            continue
        relative = path.relative_to(ROOT).as_posix()
        for line, text in _findings(path):
            found.append((relative, line, text))
    return found


class TestNoWallClockComparisons:
    def test_every_moment_comparison_goes_through_the_helper(self) -> None:
        """No comparison of moments outside clock.instant, except the reviewed ones."""
        unreviewed = [
            f"{path}:{line}: {text}"
            for path, line, text in _all_findings()
            if (path, text) not in REVIEWED
        ]
        assert unreviewed == []

    def test_the_reviewed_list_is_current(self) -> None:
        """Every reviewed entry still exists (a stale one would hide nothing)."""
        present = {(path, text) for path, _line, text in _all_findings()}
        assert sorted(set(REVIEWED) - present) == []

    def test_the_search_finds_a_wall_clock_comparison(self, tmp_path: Path) -> None:
        """The search is not blind: it flags ``a.at < b.ends_at`` and accepts instant()."""
        module = tmp_path / "sample.py"
        module.write_text(
            "def f(a, b):\n"
            "    late = a.at < b.ends_at\n"
            "    ok = instant(a.at) < instant(b.ends_at)\n"
            "    first = min(a.at, b.at)\n"
            "    x = instant(a.at)\n"
            "    return late, ok, first, x <= instant(b.at)\n",
            encoding="utf-8",
        )
        assert [text for _line, text in _findings(module)] == [
            "a.at < b.ends_at",
            "min(a.at, b.at)",
        ]
