"""/healthz says "ready" only when the database takes a write. A database the bot can read but
not write (SQLite opened read-only, as with a read-only file; PostgreSQL in read-only mode, as
a standby after a failover) answers SELECT 1 while nothing the bot does is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from calendar_bot.app import BotApp
from tests.e2e.harness import World, eventually, start_world, stop_world
from tests.support.databases import (
    _admin,
    _blocking,
)
from tests.support.servers import CalDAVServer


@pytest.fixture
async def world(
    radicale: CalDAVServer, tmp_path: Path, empty_database_url: str
) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, DATABASE_URL=empty_database_url)
    yield w
    await stop_world(w)


async def health(world: World) -> tuple[int, dict[str, Any]]:
    url = f"http://127.0.0.1:{world.bot.http_port}/healthz"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


def read_only(database_kind: str, url: str) -> str:
    """The same database, from now on readable but not writable; its URL for the bot."""
    if database_kind == "sqlite":
        path = url.removeprefix("sqlite+aiosqlite:///")
        return f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    name = url.rsplit("/", 1)[-1]
    _blocking(
        lambda: _admin(url, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    )
    return url


async def test_healthz_is_not_ready_when_the_database_takes_no_write(
    world: World, database_kind: str, empty_database_url: str
) -> None:
    status, body = await health(world)
    assert (status, body["checks"]["database"]) == (200, True)

    old = world.bot
    await old.stop()
    settings = old.settings.model_copy(
        update={"DATABASE_URL": read_only(database_kind, empty_database_url)}
    )
    bot = BotApp(settings, old.vault, clock=old.clock)
    await bot.start()  # it starts: reading (and an up-to-date migration) still works
    world.bot = bot
    await eventually(bot.listener.is_healthy, what="the bot's WebSocket")

    status, body = await health(world)
    assert status == 503
    assert body["ready"] is False
    assert body["checks"] == {"database": False, "websocket": True}
