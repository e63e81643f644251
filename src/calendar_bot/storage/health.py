"""Whether the database is fit to work on: the readiness check behind /healthz."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.clock import Clock
from calendar_bot.storage.repositories import transaction

log = logging.getLogger(__name__)

HEALTH_WRITE_SECONDS = 10.0  # /healthz answers "not ready" rather than wait longer on a write


async def takes_a_write(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> bool:
    """Ready only when the database takes a write: a read-only database (a read-only
    file, a standby after a failover) or a full disk still answers reads, while nothing
    the bot does is stored. One small committed write: the "healthz" mark."""
    try:
        async with asyncio.timeout(HEALTH_WRITE_SECONDS):
            async with transaction(sessions) as store:
                await store.scheduler.set_value("healthz", None, now=clock.now())
    except Exception as exc:
        log.warning("health: the database does not take a write (%s)", type(exc).__name__)
        return False
    return True
