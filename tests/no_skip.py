"""pytest plugin: a skipped test fails the run.

A simulation that quietly does not run is a hole in the suite. The one allowed skip is
a test that needs ../shared/ when that folder is absent, which happens only outside CI
(reason starting with SHARED_ABSENT). Real-hardware tests are deselected by marker.
"""

from __future__ import annotations

import os

import pytest

SHARED_ABSENT = "shared folder absent"

_bad: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
    allowed = SHARED_ABSENT in reason and not os.environ.get("CI")
    if not allowed:
        _bad.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _bad:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _bad:
        terminalreporter.section("skipped tests fail this run")
        for line in _bad:
            terminalreporter.write_line(line)
