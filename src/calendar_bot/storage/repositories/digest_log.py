"""Which daily digests went out: one per user and local day, exactly once."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.storage.repositories._dialect import insert, rowcount
from calendar_bot.storage.tables import digest_log


class DigestLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def try_mark(self, mm_user_id: str, day: date, *, now: datetime) -> bool:
        """Claim the digest of `day` (the user's local date). True for exactly one caller."""
        stmt = (
            insert(self._session, digest_log)
            .values(mm_user_id=mm_user_id, day=day, sent_at=now)
            .on_conflict_do_nothing(index_elements=[digest_log.c.mm_user_id, digest_log.c.day])
            .returning(digest_log.c.day)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def unmark(self, mm_user_id: str, day: date) -> bool:
        result = await self._session.execute(
            delete(digest_log).where(digest_log.c.mm_user_id == mm_user_id, digest_log.c.day == day)
        )
        return rowcount(result) > 0
