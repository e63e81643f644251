"""The gateway the CalDAV tests drive, closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from calendar_bot.caldav import CalDAVGateway


@asynccontextmanager
async def opened_gateway(**options: Any) -> AsyncIterator[CalDAVGateway]:
    """A gateway with small test limits (4 connections, 5 s), closed on leaving."""
    gw = CalDAVGateway(**{"max_connections": 4, "timeout": 5, **options})
    try:
        yield gw
    finally:
        await gw.close()


@pytest.fixture
async def gateway() -> AsyncIterator[CalDAVGateway]:
    async with opened_gateway() as gw:
        yield gw
