from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import World, start_world, stop_world
from tests.support.servers import CalDAVServer


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path)
    yield w
    await stop_world(w)
