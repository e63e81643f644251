"""Meetings a user created through the bot: not announced back to them as "new"; and the
ones they are changing through the bot right now, whose changes no poll tells (`hold`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.records import OwnMarks
from calendar_bot.storage.repositories._dialect import insert
from calendar_bot.storage.tables import own_events

# built once: read for every changed calendar with something to tell
_MARKS = select(own_events.c.uid, own_events.c.quiet_until).where(
    own_events.c.mm_user_id == bindparam("k_user")
)


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

    async def marks(self, mm_user_id: str, now: datetime) -> OwnMarks:
        """The events the person made through the bot, and those they are changing now
        (held until after `now`): one statement for what a poll's diff needs."""
        rows = await self._session.execute(_MARKS, {"k_user": mm_user_id})
        made: set[str] = set()
        held: set[str] = set()
        for uid, quiet_until in rows:
            made.add(uid)
            if quiet_until is not None and quiet_until > now:
                held.add(uid)
        return OwnMarks(frozenset(made), frozenset(held))

    async def hold(
        self, mm_user_id: str, uids: Iterable[str], *, until: datetime, now: datetime
    ) -> None:
        """The person is changing the events `uids`: no poll, of any replica, tells their
        changes until `until` or `release`."""
        for uid in sorted(set(uids)):
            await self._session.execute(
                insert(self._session, own_events)
                .values(mm_user_id=mm_user_id, uid=uid, created_at=now, quiet_until=until)
                .on_conflict_do_update(
                    index_elements=[own_events.c.mm_user_id, own_events.c.uid],
                    set_={"quiet_until": until},
                )
            )

    async def release(self, mm_user_id: str, uids: Iterable[str]) -> None:
        await self._session.execute(
            update(own_events)
            .where(own_events.c.mm_user_id == mm_user_id, own_events.c.uid.in_(sorted(set(uids))))
            .values(quiet_until=None)
        )
