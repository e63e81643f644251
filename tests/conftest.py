"""Test-session fixtures. Each support module owns one kind of real part."""

from __future__ import annotations

import os

import pytest

pytest_plugins = [
    "tests.support.clock",
    "tests.support.servers",
    "tests.support.debian_servers",
    "tests.support.databases",
    "tests.support.emulator",
]

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI every optional suite (PostgreSQL, browser) is required: a skip is a failure."""
    if os.environ.get("CALENDAR_BOT_REQUIRE_ALL_SUITES") and _skipped:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"FAILED: {len(_skipped)} test(s) skipped "
                "while CALENDAR_BOT_REQUIRE_ALL_SUITES is set:",
                red=True,
            )
            for nodeid in _skipped[:20]:
                reporter.write_line(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
