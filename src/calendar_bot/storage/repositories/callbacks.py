"""Single-use callbacks: a replayed button click or dialog submission is refused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.storage.repositories._dialect import insert, rowcount
from calendar_bot.storage.tables import used_callbacks


class CallbackRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def use(self, key: str, *, now: datetime) -> bool:
        """Record `key` as used. True for exactly one caller, across replicas."""
        stmt = (
            insert(self._session, used_callbacks)
            .values(key=key, used_at=now)
            .on_conflict_do_nothing(index_elements=[used_callbacks.c.key])
            .returning(used_callbacks.c.key)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def release(self, key: str) -> None:
        """Make `key` usable again (a claimed dialog that came back with field errors)."""
        await self._session.execute(delete(used_callbacks).where(used_callbacks.c.key == key))

    async def prune(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(used_callbacks).where(used_callbacks.c.used_at < before)
        )
        return rowcount(result)
