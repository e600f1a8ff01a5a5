"""The public surface: sorted ``__all__``, nothing missing, nothing private, all documented.

Packages (the top package and every subpackage with an ``__init__.py``) and public
modules are discovered on disk, so a new subpackage is covered without editing this file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

import subscriptionkit

ROOT = Path(subscriptionkit.__file__).parent
#: Private-looking names that are public on purpose.
ALLOWED_DUNDERS = {"__version__"}


def _discover(path: Path, prefix: str) -> Iterator[tuple[str, bool]]:
    """Yield (dotted name, is_package) for every public module under ``path``, without importing."""
    for info in pkgutil.iter_modules([str(path)]):
        if info.name.startswith("_"):
            continue
        name = f"{prefix}.{info.name}"
        yield name, info.ispkg
        if info.ispkg:
            yield from _discover(path / info.name, name)


DISCOVERED = [("subscriptionkit", True), *_discover(ROOT, "subscriptionkit")]
PACKAGES = [name for name, is_package in DISCOVERED if is_package]
MODULES = [name for name, _ in DISCOVERED]


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then everything else."""
    if len(name) > 1 and name.isupper():
        group = 0
    elif name[:1].isupper():
        group = 1
    else:
        group = 2
    return group, name


def _all(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    assert isinstance(names, list), f"{module_name} has no __all__ list"
    return names


class TestDiscovery:
    """The discovery finds what exists."""

    def test_plans_found(self) -> None:
        """The plans subpackage and the public modules are found."""
        assert "subscriptionkit.plans" in PACKAGES
        for name in ("errors", "money", "clock", "cli"):
            assert f"subscriptionkit.{name}" in MODULES


class TestExportedMembers:
    """Each package's and public module's ``__all__``."""

    @pytest.mark.parametrize("module_name", MODULES)
    def test_all_is_sorted(self, module_name: str) -> None:
        """__all__ is sorted the way ruff (RUF022) sorts it, without repeats."""
        names = _all(module_name)
        assert names == sorted(names, key=_isort_key)
        assert len(names) == len(set(names))

    @pytest.mark.parametrize("module_name", MODULES)
    def test_every_name_exists(self, module_name: str) -> None:
        """Every name in __all__ is defined."""
        module = importlib.import_module(module_name)
        missing = [name for name in _all(module_name) if not hasattr(module, name)]
        assert not missing, f"{module_name}.__all__ names missing attributes: {missing}"

    @pytest.mark.parametrize("module_name", MODULES)
    def test_nothing_private_exported(self, module_name: str) -> None:
        """No underscore name is exported (except __version__)."""
        private = [n for n in _all(module_name) if n.startswith("_") and n not in ALLOWED_DUNDERS]
        assert not private, f"{module_name}.__all__ exports private names: {private}"

    @pytest.mark.parametrize("package_name", PACKAGES)
    def test_public_names_are_exported(self, package_name: str) -> None:
        """A package's public attributes (other than submodules) are all in __all__."""
        package = importlib.import_module(package_name)
        public = {
            name
            for name, value in vars(package).items()
            if not name.startswith("_")
            and not isinstance(value, types.ModuleType)
            and type(value).__module__ != "__future__"  # `from __future__ import annotations`
        }
        leaked = sorted(public - set(_all(package_name)))
        assert not leaked, f"{package_name} has public names not in __all__: {leaked}"

    @pytest.mark.parametrize("module_name", MODULES)
    def test_public_members_have_docstrings(self, module_name: str) -> None:
        """Every exported class and function, and every public method, has a docstring."""
        module = importlib.import_module(module_name)
        assert module.__doc__, f"{module_name} has no module docstring"
        undocumented: list[str] = []
        for name in _all(module_name):
            value = getattr(module, name)
            if not (inspect.isclass(value) or inspect.isfunction(value)):
                continue
            if not value.__doc__:
                undocumented.append(name)
            if inspect.isclass(value) and value.__module__.startswith("subscriptionkit"):
                for attr, member in vars(value).items():
                    if attr.startswith("_"):
                        continue
                    func = member.fget if isinstance(member, property) else member
                    func = getattr(func, "__func__", func)
                    if inspect.isfunction(func) and not func.__doc__:
                        undocumented.append(f"{name}.{attr}")
        assert not undocumented, f"{module_name}: no docstring for {undocumented}"

    def test_version(self) -> None:
        """The top package exports a PEP 440-looking version."""
        assert "__version__" in subscriptionkit.__all__
        assert re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc|\.dev)?\d*", subscriptionkit.__version__)
