from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import World, start_world, stop_world
from tests.support.servers import CalDAVServer, Proxy


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path)
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
