"""Test-session fixtures. Each support module owns one kind of real part."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# Property tests check what holds, not how fast: on a shared 2-core machine one example can
# take longer than hypothesis' default 200 ms deadline (seen: 373 ms under load), which
# failed a passing test. Speed is measured in bench/, never asserted in a test.
settings.register_profile("calendar-bot", deadline=None)
settings.load_profile("calendar-bot")

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
