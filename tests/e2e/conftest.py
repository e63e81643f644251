from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from calendar_bot.clock import ManualClock
from tests.e2e.harness import World, start_world, stop_world
from tests.e2e.test_notify_changes import START
from tests.support.servers import CalDAVServer, Proxy


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path)
    yield w
    await stop_world(w)


@pytest.fixture
async def clocked_world(
    radicale: CalDAVServer, tmp_path: Path, database_url: str
) -> AsyncIterator[World]:
    """The bot on a manual clock at the change tests' START (polls only when a test says
    so), on each database."""
    w = await start_world(
        radicale,
        tmp_path,
        clock=ManualClock(START),
        CHECK_INTERVAL=3600,
        DATABASE_URL=database_url,
    )
    yield w
    await stop_world(w)


@pytest.fixture
def proxy(radicale: CalDAVServer) -> Iterator[Proxy]:
    """A fault-injecting HTTP proxy in front of Radicale (point a user's server URL at it)."""
    p = Proxy(radicale.base_url).start()
    try:
        yield p
    finally:
        p.stop()
