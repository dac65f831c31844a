"""Shared test set-up: Hypothesis profiles, and no silent skips in CI.

Profiles (chosen with ``HYPOTHESIS_PROFILE``; ``ci`` unless told otherwise):

``ci``
    Derandomised: every run draws the same examples, so a red CI is reproducible and a green one
    means the same thing each time. Property tests take the example counts written beside them
    (through :func:`support.examples`).
``deep``
    Random seeds and 20 times the examples (``nox -s deep``), to look for new counterexamples.
    Each one found is pinned in the test with ``@example``.

With ``CI=true`` a test that would be skipped because an optional dependency cannot be imported
fails instead: CI installs every extra, so a skip there means a check silently did not run.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    derandomize=False,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _fail_if_it_must_run(report: pytest.TestReport | pytest.CollectReport, reason: str) -> None:
    """In CI, turn a skip for a missing import (or one that says ``CI=true``) into a failure."""
    if reason.startswith("could not import") or "CI=true" in reason:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where it must run: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if _IN_CI and report.skipped and call.excinfo is not None:
        _fail_if_it_must_run(report, str(call.excinfo.value))


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    """The same for a whole module skipped while it is collected (a module-level
    ``pytest.importorskip``): in CI that is a failure of the module."""
    outcome = yield
    report = outcome.get_result()
    if _IN_CI and report.skipped and isinstance(report.longrepr, tuple):
        _fail_if_it_must_run(report, str(report.longrepr[2]).removeprefix("Skipped: "))
