"""Lazy imports: a bare import loads almost nothing; names load their modules on first use."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import subscriptionkit
from import_helpers import loaded_after
from subscriptionkit import _lazy

ROOT = Path(subscriptionkit.__file__).parent
#: The subpackages with lazy names (all but the command, see tests/cli/test_cli_lazy.py).
PACKAGES = sorted(
    p.parent.name
    for p in ROOT.glob("*/__init__.py")
    if "_lazy.attach" in p.read_text(encoding="utf-8")
)


class TestBareImport:
    """``import subscriptionkit`` and ``import subscriptionkit.<package>`` stay light."""

    def test_bare_import_loads_no_dependency(self) -> None:
        """No optional or core dependency, and no subpackage, is imported by a bare import."""
        loaded = loaded_after("import subscriptionkit")
        for name in ("sqlalchemy", "numpy", "duckdb", "pyspark", "cryptography", "babel"):
            assert name not in loaded, f"import subscriptionkit imported {name}"
        assert "subscriptionkit.plans" not in loaded

    def test_packages_load_only_what_a_name_needs(self) -> None:
        """Importing every subpackage loads none of their modules; a name loads its own."""
        names = ", ".join(f"subscriptionkit.{p}" for p in PACKAGES)
        loaded = loaded_after(f"import {names}")
        private = sorted(m for m in loaded if m.startswith("subscriptionkit.") and "._" in m)
        assert private == ["subscriptionkit._lazy", "subscriptionkit._version"]
        loaded = loaded_after("from subscriptionkit.metering import Month")
        assert "subscriptionkit.metering._window" in loaded
        assert "subscriptionkit.metering._engine" not in loaded
        assert "numpy" not in loaded
        assert "sqlalchemy" not in loaded

    def test_subpackages_after_a_bare_import(self) -> None:
        """``subscriptionkit.plans`` works after ``import subscriptionkit``; typos still fail."""
        loaded = loaded_after(
            "import subscriptionkit\nassert subscriptionkit.plans.default_catalog()"
        )
        assert "subscriptionkit.plans._catalog" in loaded
        assert "plans" in dir(subscriptionkit)
        with pytest.raises(AttributeError, match="no attribute 'plan'"):
            subscriptionkit.plan  # type: ignore[attr-defined]  # noqa: B018
        with pytest.raises(AttributeError, match="no attribute 'Mnth'"):
            subscriptionkit.metering.Mnth  # type: ignore[attr-defined]  # noqa: B018


class TestLazyTables:
    """Each package's lazy names match its ``__all__``."""

    @pytest.mark.parametrize("package", PACKAGES)
    def test_table_covers_all(self, package: str) -> None:
        """Every exported name is lazy or defined in the package itself, and dir() lists it."""
        module = importlib.import_module(f"subscriptionkit.{package}")
        table = _lazy.names_of((ROOT / package / "__init__.py").read_text(encoding="utf-8"))
        own = {
            n for n, v in vars(module).items() if getattr(v, "__module__", None) == module.__name__
        }
        assert set(module.__all__) <= set(table) | own
        assert set(module.__all__) <= set(dir(module))

    def test_parses_both_import_forms(self) -> None:
        """Single-line and parenthesised imports, with ``as`` and comments."""
        source = (
            "import typing\n\nif typing.TYPE_CHECKING:\n"
            "    from ._a import X, Y as Z\n\n"
            "    from ._b import (\n        P,  # a comment\n        Q,\n    )\nx = 1\n"
        )
        assert _lazy.names_of(source) == {"X": "._a", "Z": "._a", "P": "._b", "Q": "._b"}
