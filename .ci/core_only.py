"""Check an installed wheel with the core dependencies only (run by .ci/package in a fresh venv).

Every public package imports and every name in its ``__all__`` resolves, or the package says
which extra to install (:class:`~subscriptionkit.errors.MissingDependency`); every feature that
needs an extra raises ``MissingDependency`` naming that extra; the command starts and names the
extra its database commands need. Exits non-zero, listing each failure, when one of these does
not hold, or when an extra's package is installed (the venv is then not core-only).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import subscriptionkit
from subscriptionkit.errors import MissingDependency

# A package whose names need an extra, and the extra it names: its import, or the first use
# of one of its names (a package that loads lazily), raises MissingDependency naming it.
NEEDS_EXTRA = {"subscriptionkit.web": "web", "subscriptionkit.storage.sql": "sql"}
# Packages of the extras: none may be installed here.
EXTRA_PACKAGES = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "numpy",
    "pyarrow",
    "starlette",
    "duckdb",
    "pyspark",
    "pandas",
    "polars",
    "IPython",
)

failures: list[str] = []


def public_packages() -> list[str]:
    """Every public module of the installed package (no ``_`` part, no migrations)."""
    names = ["subscriptionkit"]
    for info in pkgutil.walk_packages(subscriptionkit.__path__, "subscriptionkit."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or "migrations" in parts:
            continue
        names.append(info.name)
    return names


def check_import(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except MissingDependency as exc:
        if NEEDS_EXTRA.get(name) != exc.extra:
            failures.append(f"import {name}: names extra {exc.extra!r}")
        return
    except ImportError as exc:
        failures.append(f"import {name}: {type(exc).__name__} without the extra's name: {exc}")
        return
    missing = 0
    for attr in getattr(module, "__all__", ()):
        try:
            getattr(module, attr)
        except MissingDependency as exc:
            missing += 1
            if NEEDS_EXTRA.get(name) != exc.extra:
                failures.append(f"{name}.{attr}: needs extra {exc.extra!r} just to be named")
        except Exception as exc:
            failures.append(f"{name}.{attr}: {type(exc).__name__}: {exc}")
    if name in NEEDS_EXTRA and not missing:
        failures.append(f"{name}: imported and used without the {NEEDS_EXTRA[name]!r} extra")


def check_feature(what: str, extra: str, call: Callable[[], Any]) -> None:
    try:
        call()
    except MissingDependency as exc:
        if exc.extra != extra or f"subscriptionkit[{extra}]" not in str(exc):
            failures.append(f"{what}: names extra {exc.extra!r}, expected {extra!r}")
        return
    except Exception as exc:
        failures.append(f"{what}: {type(exc).__name__} instead of MissingDependency: {exc}")
        return
    failures.append(f"{what}: worked without the {extra!r} extra")


def check_features(tmp: Path) -> None:
    from subscriptionkit import metering, plans, storage, tables
    from subscriptionkit.storage import duckdb

    plan = plans.default_catalog()["focus-po-combi"]
    months = metering.month_range(metering.Month(2026, 1), metering.Month(2026, 3))
    columns: dict[str, list[Any]] = {
        c: [] for c in ("school_id", "pupil_id", "grade", "category", "processed_at")
    }
    quote = plans.quote(plan, pupils={1: 28, 2: 30, 3: 31})
    check_feature("Quote.to_pandas", "pandas", quote.to_pandas)
    check_feature("tables.to_polars", "polars", lambda: tables.to_polars(quote))
    check_feature("open_store(a SQLite file)", "sql", lambda: storage.open_store(str(tmp / "x.db")))
    check_feature(
        'count_columns(engine="numpy")',
        "numpy",
        lambda: metering.count_columns(columns, plan, months, engine="numpy"),
    )
    check_feature(
        "storage.duckdb.monthly_counts",
        "duckdb",
        lambda: duckdb.monthly_counts(str(tmp / "events.parquet"), plan, months),
    )
    check_feature(
        "metering.spark_monthly_counts",
        "spark",
        lambda: metering.spark_monthly_counts(object(), plan, months),
    )


def check_command(tmp: Path) -> None:
    command = Path(sys.executable).with_name("subscriptionkit")
    plans_run = subprocess.run(
        [command, "plans", "--locale", "en_GB"], capture_output=True, text=True, cwd=tmp
    )
    if plans_run.returncode != 0 or "focus-po-combi" not in plans_run.stdout:
        failures.append(f"subscriptionkit plans: exit {plans_run.returncode}: {plans_run.stderr}")
    for args, extra in ((["status"], "sql"), (["serve", "--port", "8765"], "web")):
        run = subprocess.run([command, *args], capture_output=True, text=True, cwd=tmp)
        if run.returncode != 4 or f"subscriptionkit[{extra}]" not in run.stderr:
            failures.append(
                f"subscriptionkit {' '.join(args)}: exit {run.returncode} (expected 4 naming "
                f"the {extra!r} extra): {run.stderr.strip()}"
            )


def main() -> int:
    installed = [p for p in EXTRA_PACKAGES if importlib.util.find_spec(p) is not None]
    if installed:
        print(f"not a core-only environment: {', '.join(installed)} installed", file=sys.stderr)
        return 1
    names = public_packages()
    for name in names:
        check_import(name)
    with tempfile.TemporaryDirectory() as tmp:
        check_features(Path(tmp))
        check_command(Path(tmp))
    for failure in failures:
        print(f"core-only: {failure}", file=sys.stderr)
    if not failures:
        print(f"core-only: {len(names)} public packages and every extra's features checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
