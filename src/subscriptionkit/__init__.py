"""subscriptionkit: the business rules of subscription-based learning platforms.

``import subscriptionkit`` loads nothing but the version; the subpackages load when first
used (``subscriptionkit.plans`` works after a bare import), and each of them loads the
modules behind its names when a name is first used.

>>> import subscriptionkit
>>> subscriptionkit.plans.default_catalog()["focus-po-1-8"].name
'Focus PO 1-8 (volledig)'
"""

import typing

from ._version import __version__

__all__ = ["__version__"]

if not typing.TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """Import a public subpackage or module on first use (PEP 562)."""
        import importlib

        if not name.startswith("_"):
            try:
                return importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        """The public names and the subpackages and modules."""
        import pkgutil

        found = {m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")}
        return sorted(set(globals()) | found)
