"""Developer sessions: `nox` runs tests, lint, typecheck and docs; `nox -s bench` benchmarks."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent


@nox.session
def tests(session: nox.Session) -> None:
    """Unit and property tests, doctests of every public name, and the examples.

    With the docs extra: tests/test_docs_site.py builds the site and reads every page.
    """
    session.install("-e", ".[dev,plot,dask,docs]")
    session.run("pytest", *session.posargs)


@nox.session
def deep(session: nox.Session) -> None:
    """The property tests with random seeds and 20x the examples (HYPOTHESIS_PROFILE=deep)."""
    session.install("-e", ".[dev,plot,dask,docs]")
    session.env["HYPOTHESIS_PROFILE"] = "deep"
    session.run("pytest", "tests", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole tree."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy over src/privtraffic."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation with --strict: any warning fails.

    The first build takes KaTeX (the math of the site, shipped with it) from the npm registry
    with npm into .cache/ (docs/hooks/katex.py); tests/test_docs_site.py checks the pages.
    """
    session.install("-e", ".[docs]")
    session.env["NO_MKDOCS_2_WARNING"] = "1"
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"))


@nox.session
def bench(session: nox.Session) -> None:
    """Run every benchmark script; each prints its ratios against the peer it is measured with."""
    # the peers the scripts time privtraffic against (benchmark dependencies, not the project's)
    session.install(
        "-e",
        ".[dev,dask]",
        "python-statemachine",
        "transitions",
        "pandas",
        "polars",
        "duckdb",
        "rustworkx",
        "python-igraph",
    )
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    for script in scripts:
        session.run("python", str(script), *session.posargs)
