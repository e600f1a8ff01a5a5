"""Development sessions: ``nox -s tests typecheck lint docs release bench catalogs``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "typecheck", "lint", "docs"]
nox.options.reuse_existing_virtualenvs = True

DEV = ".[dev]"


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite (PostgreSQL via SUBSCRIPTIONKIT_TEST_POSTGRES_URL)."""
    session.install("-e", DEV)
    session.run("pytest", *session.posargs)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package and the tests."""
    session.install("-e", DEV)
    session.run("mypy", "--strict")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and format check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the docs with warnings as errors; their examples run as doctests in `tests`."""
    session.install("-e", DEV)
    session.run(
        "sphinx-build", "-n", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html"
    )
    session.run(
        "sphinx-build", "-n", "-W", "--keep-going", "-b", "doctest", "docs", "docs/_build/doctest"
    )


@nox.session
def release(session: nox.Session) -> None:
    """Release checks (as .ci/run): pyright --verifytypes, build, twine check, core-only wheel."""
    session.install("-e", DEV)
    session.run("pyright", "--verifytypes", "subscriptionkit", "--ignoreexternal")
    dist = session.create_tmp()
    session.run("python", "-m", "build", "--outdir", dist, ".")
    session.run("bash", "-c", f"twine check --strict {dist}/*.whl {dist}/*.tar.gz", external=True)
    core = f"{dist}/core"
    session.run("python", "-m", "venv", "--clear", core)
    session.run("bash", "-c", f"{core}/bin/python -m pip install -q {dist}/*.whl", external=True)
    session.run(f"{core}/bin/python", ".ci/core_only.py", external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks (pass --quick for a short run).

    ``benchmarks/report.py`` runs every metering path side by side (metering.py,
    sql_pushdown.py, meter.py) and writes one table into docs/performance.md.
    """
    session.install("-e", DEV)
    for script in (
        "benchmarks/report.py",
        "benchmarks/certificates.py",
        "benchmarks/subscriptions_store.py",
        "benchmarks/privacy.py",
    ):
        session.run("python", script, *session.posargs)


@nox.session
def catalogs(session: nox.Session) -> None:
    """Extract, update and compile the message catalogs (nl)."""
    session.install("babel")
    pot = "src/subscriptionkit/locale/subscriptionkit.pot"
    session.run(
        "pybabel",
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "gettext",
        "-k",
        "ngettext:1,2",
        "-k",
        "gettext_noop",
        "--no-location",
        "--sort-output",
        "--project",
        "subscriptionkit",
        "-o",
        pot,
        "src",
    )
    session.run(
        "pybabel",
        "update",
        "-D",
        "subscriptionkit",
        "-i",
        pot,
        "-d",
        "src/subscriptionkit/locale",
        "--no-fuzzy-matching",
    )
    session.run("pybabel", "compile", "-D", "subscriptionkit", "-d", "src/subscriptionkit/locale")
