"""Used button and dialog callbacks, kept in the database: a replay is refused by every
replica, not only by the one that saw the first use. Implements mattermost.replay.ReplayGuard."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.clock import Clock
from calendar_bot.storage.repositories import transaction


class StoredReplayGuard:
    """Used callbacks in the database, so a replay is refused by every replica."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def use(self, key: str) -> bool:
        async with transaction(self._sessions) as store:
            return await store.callbacks.use(key, now=self._clock.now())

    async def release(self, key: str) -> None:
        async with transaction(self._sessions) as store:
            await store.callbacks.release(key)
