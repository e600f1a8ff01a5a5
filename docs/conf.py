"""Sphinx configuration for the subscriptionkit documentation.

Build with warnings as errors, as CI does::

    sphinx-build -n -W --keep-going -b html docs docs/_build/html
    sphinx-build -n -W --keep-going -b doctest docs docs/_build/doctest

There is no network in CI: every intersphinx target has a local fallback inventory in
``_inventories/`` (written by ``_inventories/make_inventories.py``).
"""

from __future__ import annotations

import datetime as _dt
import importlib
import pkgutil
import re
from typing import Any

from sphinx.ext import intersphinx, napoleon

import subscriptionkit

# -- project ---------------------------------------------------------------------------

project = "subscriptionkit"
author = "The subscriptionkit developers"
copyright = f"2026–{max(2026, _dt.date.today().year)}, {author}"  # noqa: DTZ011
release = subscriptionkit.__version__
version = ".".join(release.split(".")[:2])

# -- general ---------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "myst_nb",  # MyST Markdown (it includes myst_parser) and the notebooks in docs/notebooks/
    "sphinxarg.ext",  # docs/cli.md: the command's reference, from its parser
]
source_suffix = {".md": "myst-nb", ".rst": "restructuredtext", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "_inventories", "Thumbs.db", ".DS_Store", "**/.ipynb_checkpoints"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# Notebooks are shown with the outputs they are stored with (no kernel, no network while
# building); tests/test_notebook.py runs them and checks those outputs are current.
nb_execution_mode = "off"

# -- autodoc / napoleon ----------------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autodoc_default_options = {"show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True

# -- intersphinx: remote first, local fallback (no network in CI) -----------------------

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", (None, "_inventories/python.inv")),
    "babel": ("https://babel.pocoo.org/en/latest", (None, "_inventories/babel.inv")),
    # pendulum's site is not Sphinx: it has no objects.inv, so only the local one is used.
    "pendulum": ("https://pendulum.eustace.io/docs/", "_inventories/pendulum.inv"),
    "attrs": ("https://www.attrs.org/en/stable", (None, "_inventories/attrs.inv")),
    "sqlalchemy": ("https://docs.sqlalchemy.org/en/20", (None, "_inventories/sqlalchemy.inv")),
    "cryptography": (
        "https://cryptography.io/en/latest",
        (None, "_inventories/cryptography.inv"),
    ),
}
intersphinx_timeout = 3

# -- nitpicky: targeted exceptions only --------------------------------------------------

nitpicky = True
nitpick_ignore = [
    # py-moneyed has no Sphinx documentation to link to.
    ("py:class", "moneyed.Money"),
    ("py:class", "moneyed.classes.Money"),
    ("py:class", "moneyed.Currency"),
    ("py:class", "moneyed.classes.Currency"),
    ("py:class", "Money"),
    # attrs' private sentinel in generated signatures.
    ("py:class", "attrs._make._Nothing"),
    # argparse's private class for sub-commands, in the command hooks' signatures.
    ("py:class", "argparse._SubParsersAction"),
    # Module constants referred to from docstrings but not exported.
    ("py:data", "FIELDS"),
    ("py:data", "LineKind"),
    # The type variable of teams.update_team (the action's own result type).
    ("py:class", "TeamResult"),
    ("py:class", "subscriptionkit.teams._service.TeamResult"),
    # pyspark's DataFrame in the Spark job's signatures (no pyspark inventory offline),
    # and os.PathLike, which the offline Python inventory lacks.
    ("py:class", "DataFrame"),
    ("py:class", "pyspark.sql.DataFrame"),
    ("py:class", "os.PathLike"),
    # A private migration step named in the SQL store's docstring.
    ("py:func", "_v2"),
    # joserfc's key class (its docs have no objects.inv), in the keys' jose_key attribute.
    ("py:class", "joserfc._rfc8037.okp_key.OKPKey"),
    ("py:class", "OKPKey"),
    # pandas and polars: no offline inventory; the return types of the DataFrame conversions.
    ("py:class", "pandas.DataFrame"),
    ("py:class", "polars.DataFrame"),
    # Starlette's docs have no objects.inv: the web app's return type.
    ("py:class", "starlette.applications.Starlette"),
]
nitpick_ignore_regex = [
    # The stores' private repository classes, in their public attributes' types.
    ("py:class", r"subscriptionkit\.storage\.(memory|sql)\._\w+"),
]

# -- doctest -----------------------------------------------------------------------------
#
# The `doctest` builder runs the {doctest} directives of these pages. Plain ``>>>`` blocks
# (in docstrings shown by autodoc, and in ```python fences) are run by pytest instead, in
# their module's namespace (``--doctest-modules``, ``--doctest-glob=*.md``).
doctest_test_doctest_blocks = ""

doctest_global_setup = """
import datetime as dt
from decimal import Decimal
from subscriptionkit import plans
from subscriptionkit.money import eur, money, format_money
"""

# -- HTML --------------------------------------------------------------------------------

html_theme = "furo"
html_title = f"subscriptionkit {release}"


# -- public names for private modules ---------------------------------------------------
#
# Code lives in private modules (``subscriptionkit.plans._model``) and is documented where
# users import it (``subscriptionkit.plans``). Type hints name the private module, so a
# reference to ``subscriptionkit.plans._model.SeatPlan`` is resolved as
# ``subscriptionkit.plans.SeatPlan`` (and type aliases such as ``Plan``, documented as data,
# are found whatever role refers to them).

_PRIVATE = re.compile(r"(subscriptionkit(?:\.[a-z]\w*)*)\._\w+\.(\w+(?:\.\w+)*)")


def _resolve_public(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    match = _PRIVATE.fullmatch(target)
    candidates = [f"{match[1]}.{match[2]}"] if match else []
    if target.startswith("subscriptionkit."):
        candidates.append(target)
    domain = env.get_domain("py")
    short = match[2] if match else target
    if short.isidentifier():
        # A bare name from another package in a docstring (:class:`NotFound` in plans,
        # :class:`KeyRing` in storage): use it if exactly one documented object has it.
        named = [n for n in domain.objects if n.startswith("subscriptionkit.") and "._" not in n]
        found = [n for n in named if n.rsplit(".", 1)[-1] == short]
        if len(found) == 1:
            candidates.append(found[0])
    for candidate in candidates:
        for role in (node["reftype"], "obj"):
            found = domain.resolve_xref(
                env, node["refdoc"], app.builder, role, candidate, node, contnode
            )
            if found is not None:
                return found
    if target.startswith("_dt."):  # ``import datetime as _dt`` in string annotations
        node["reftarget"] = "datetime." + target.removeprefix("_dt.")
        return intersphinx.missing_reference(app, env, node, contnode)
    return None


def _napoleon(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    # Napoleon reads a first line "Some text: more" of an attribute or property docstring
    # as "type: description"; our attributes are documented in prose, so give napoleon no
    # name for those (it then parses them like any other docstring).
    plain = what in {"attribute", "data", "property"}
    napoleon._process_docstring(app, what, "" if plain else name, obj, options, lines)


# -- constants and type aliases re-exported by the packages -------------------------------
#
# A package documents the names of its ``__all__``; a constant or type alias defined in a
# private module (``billing/_ledger.py``) has its ``#:`` comment there, which autodoc does not
# read for the package (and without a comment autodoc leaves data out). The package's source
# analysis is given the comments of its private modules for the names it exports, so the
# reference shows every public name in its own words (tests/test_docs_reference.py checks
# that every public name is in the built inventory).


def _reexported_docs(app: Any) -> None:
    from sphinx.pycode import ModuleAnalyzer

    packages = [subscriptionkit.__name__] + [
        info.name
        for info in pkgutil.walk_packages(subscriptionkit.__path__, "subscriptionkit.")
        if info.ispkg and not any(part.startswith("_") for part in info.name.split("."))
    ]
    for package in packages:
        module = importlib.import_module(package)
        public = set(getattr(module, "__all__", ()))
        analyzer = ModuleAnalyzer.for_module(package)
        analyzer.analyze()
        for info in pkgutil.iter_modules(module.__path__, package + "."):
            if info.ispkg or not info.name.rsplit(".", 1)[-1].startswith("_"):
                continue
            attr_docs = ModuleAnalyzer.for_module(info.name).find_attr_docs()
            for (namespace, name), lines in attr_docs.items():
                if namespace == "" and name in public:
                    analyzer.attr_docs.setdefault(("", name), list(lines))


def setup(app: Any) -> None:
    """Register the resolver of private-module references."""
    app.connect("missing-reference", _resolve_public)
    app.connect("builder-inited", _reexported_docs)
    listeners = app.events.listeners["autodoc-process-docstring"]
    listeners[:] = [x for x in listeners if x.handler is not napoleon._process_docstring]
    app.connect("autodoc-process-docstring", _napoleon)
