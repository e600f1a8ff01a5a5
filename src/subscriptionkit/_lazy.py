"""Lazy public names for the subpackages (internal; the idea of Scientific Python's SPEC 1).

A subpackage's ``__init__.py`` lists its public names as ordinary imports inside an
``if typing.TYPE_CHECKING:`` block (so type checkers, IDEs and readers see them) and
hands its module ``__getattr__`` and ``__dir__`` to :func:`attach`::

    import typing

    if typing.TYPE_CHECKING:
        from ._model import GradeBand, PupilPlan

    if not typing.TYPE_CHECKING:  # at run time: import each name's module on first use
        __getattr__, __dir__ = _lazy.attach(__name__, __file__)

    __all__ = ["GradeBand", "PupilPlan"]

``import subscriptionkit.plans`` then costs almost nothing; ``plans.PupilPlan`` (or
``from subscriptionkit.plans import PupilPlan``) imports ``plans._model`` the first time
and keeps the name in the package. The block is read once per package from the source
file; only ``from .module import a, b as c`` lines (parenthesised or not) may appear in
it. Without sources (a sourceless install) every private module of the package is
imported at the first attribute access instead.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from typing import Any

_BLOCK = re.compile(r"^if (?:typing\.)?TYPE_CHECKING:\n((?:(?:[ \t]+.*)?\n)+)", re.MULTILINE)
_IMPORT = re.compile(r"from\s+(\.[\w.]*)\s+import\s+(\([^)]*\)|[^\n]+)")


def names_of(source: str) -> dict[str, str]:
    """Map each name imported in the ``if typing.TYPE_CHECKING:`` block to its module."""
    found: dict[str, str] = {}
    for block in _BLOCK.findall(source):
        for module, names in _IMPORT.findall(block):
            for item in re.sub(r"#[^\n]*", "", names).strip("()").split(","):
                item = item.strip()
                if item:
                    found[item.split(" as ")[-1].strip()] = module
    return found


def attach(package: str, init_file: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``__getattr__`` and ``__dir__`` for ``package`` (see the module)."""
    table: dict[str, str] | None = None

    def lookup() -> dict[str, str]:
        nonlocal table
        if table is None:
            try:
                with open(init_file, encoding="utf-8") as f:  # pathlib costs an import
                    table = names_of(f.read())
            except OSError:  # no source: every private module, eagerly
                table = _eager(package)
        return table

    def __getattr__(name: str) -> Any:
        module = lookup().get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(lookup()))

    return __getattr__, __dir__


def _eager(package: str) -> dict[str, str]:
    import pkgutil

    table: dict[str, str] = {}
    for info in pkgutil.iter_modules(sys.modules[package].__path__):
        if info.name.startswith("_"):
            module = importlib.import_module(f".{info.name}", package)
            for name in vars(module):
                table.setdefault(name, f".{info.name}")
    return table
