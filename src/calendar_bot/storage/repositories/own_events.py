"""Meetings a user created through the bot: not announced back to them as "new"; and the
ones they are changing through the bot right now, whose changes no poll tells (`hold`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.records import OwnMarks
from calendar_bot.storage.repositories._dialect import IN_CHUNK, insert
from calendar_bot.storage.tables import own_events

# built once: read for every batch of polls with something to store
_MARKS = select(own_events.c.mm_user_id, own_events.c.uid, own_events.c.quiet_until).where(
    own_events.c.mm_user_id.in_(bindparam("k_users", expanding=True))
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

    async def marks(self, at: Mapping[str, datetime]) -> dict[str, OwnMarks]:
        """For each user (id -> the time of their poll): the events they made through the
        bot, and those they are changing now (held until after that time). What the diffs
        of a batch of polls need, in one statement."""
        ids = list(at)
        made: dict[str, set[str]] = {user: set() for user in ids}
        held: dict[str, set[str]] = {user: set() for user in ids}
        for first in range(0, len(ids), IN_CHUNK):
            params = {"k_users": ids[first : first + IN_CHUNK]}
            for user, uid, quiet_until in await self._session.execute(_MARKS, params):
                made[user].add(uid)
                if quiet_until is not None and quiet_until > at[user]:
                    held[user].add(uid)
        return {user: OwnMarks(frozenset(made[user]), frozenset(held[user])) for user in ids}

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
