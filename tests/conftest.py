"""Test-session fixtures. Each support module owns one kind of real part."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping

import pytest
import uvloop
from hypothesis import settings

# Property tests check what holds, not how fast: on a shared 2-core machine one example can
# take longer than hypothesis' default 200 ms deadline (seen: 373 ms under load), which
# failed a passing test. Speed is measured in bench/, never asserted in a test.
settings.register_profile("calendar-bot", deadline=None)
settings.load_profile("calendar-bot")

# The bot runs on uvloop (eventloop.py); the tests of code that drives sockets itself run on
# it as well as on the standard loop (their transports differ: uvloop's is no subclass of
# asyncio.Transport, say).
BOTH_LOOPS = {"tests.unit.test_wire"}


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    module = getattr(item, "module", None)
    if module is not None and module.__name__ in BOTH_LOOPS:
        return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}
    return {"asyncio": asyncio.new_event_loop}


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
