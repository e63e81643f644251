"""Meetings a user created through the bot: not announced back to them as "new"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.storage.repositories._dialect import insert
from calendar_bot.storage.tables import own_events


class OwnEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, mm_user_id: str, uid: str, *, now: datetime) -> None:
        await self._session.execute(
            insert(self._session, own_events)
            .values(mm_user_id=mm_user_id, uid=uid, created_at=now)
            .on_conflict_do_nothing(index_elements=[own_events.c.mm_user_id, own_events.c.uid])
        )

    async def contains(self, mm_user_id: str, uid: str) -> bool:
        row = await self._session.execute(
            select(own_events.c.uid).where(
                own_events.c.mm_user_id == mm_user_id, own_events.c.uid == uid
            )
        )
        return row.first() is not None

    async def uids(self, mm_user_id: str) -> set[str]:
        rows = await self._session.execute(
            select(own_events.c.uid).where(own_events.c.mm_user_id == mm_user_id)
        )
        return {r[0] for r in rows}
