"""The reference is complete: every public name is in the built documentation's inventory.

The documentation is built as CI builds it (offline, ``-E -n -W``: every reference resolves,
every warning fails), and the Sphinx inventory it writes (``objects.inv``) is compared with
each public module's ``__all__``: a name exported but not documented fails here, naming it.
Modules are discovered on disk, so a new package is covered without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import sphobjinv

import subscriptionkit

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
def documented(tmp_path_factory: pytest.TempPathFactory) -> frozenset[str]:
    """The Python objects of the inventory of a fresh, warning-free HTML build."""
    out = tmp_path_factory.mktemp("docs")
    build = subprocess.run(
        [*SPHINX, "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, f"the docs build failed:\n{build.stderr[-4000:]}"
    inventory = sphobjinv.Inventory(out / "objects.inv")
    return frozenset(obj.name for obj in inventory.objects if obj.domain == "py")


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
