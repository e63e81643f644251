"""Housekeeping, once an hour: forget what is of no use any more, old sent messages and used
callbacks."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.scheduler import NamedJob
from calendar_bot.storage.repositories import transaction

OUTBOX_KEEP = timedelta(days=30)  # sent rows: kept for troubleshooting, then pruned
CALLBACKS_KEEP = timedelta(days=1)  # replays older than this fail the freshness check anyway


def housekeeping_job(sessions: async_sessionmaker[AsyncSession]) -> NamedJob:
    async def run(_since: datetime, mark: datetime) -> None:
        async with transaction(sessions) as store:
            await store.outbox.prune(mark - OUTBOX_KEEP)
            await store.callbacks.prune(mark - CALLBACKS_KEEP)

    return NamedJob("housekeeping", run, every_minutes=60)
