"""Small named marks the scheduler keeps across restarts (e.g. the last reminder tick)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.records import SchedulerEntry
from calendar_bot.storage.repositories._dialect import insert, rowcount
from calendar_bot.storage.tables import scheduler_state


class SchedulerStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, name: str) -> SchedulerEntry | None:
        row = (
            (
                await self._session.execute(
                    select(scheduler_state).where(scheduler_state.c.name == name)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return SchedulerEntry(row["name"], row["value"], row["last_tick_at"], row["updated_at"])

    async def set_value(self, name: str, value: str | None, *, now: datetime) -> None:
        stmt = insert(self._session, scheduler_state).values(name=name, value=value, updated_at=now)
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[scheduler_state.c.name],
                set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
            )
        )

    async def set_tick(self, name: str, last_tick_at: datetime, *, now: datetime) -> None:
        stmt = insert(self._session, scheduler_state).values(
            name=name, last_tick_at=last_tick_at, updated_at=now
        )
        await self._session.execute(
            stmt.on_conflict_do_update(
                index_elements=[scheduler_state.c.name],
                set_={
                    "last_tick_at": stmt.excluded.last_tick_at,
                    "updated_at": stmt.excluded.updated_at,
                },
            )
        )

    async def advance_tick(
        self, name: str, *, expected: datetime | None, new: datetime, now: datetime
    ) -> bool:
        """Compare-and-set: move last_tick_at from `expected` to `new`.

        True for exactly one of several replicas racing for the same tick; `expected=None`
        means "no tick recorded yet".
        """
        if expected is None:
            stmt = (
                insert(self._session, scheduler_state)
                .values(name=name, last_tick_at=new, updated_at=now)
                .on_conflict_do_nothing(index_elements=[scheduler_state.c.name])
                .returning(scheduler_state.c.name)
            )
            if (await self._session.execute(stmt)).first() is not None:
                return True
            result = await self._session.execute(
                update(scheduler_state)
                .where(scheduler_state.c.name == name, scheduler_state.c.last_tick_at.is_(None))
                .values(last_tick_at=new, updated_at=now)
            )
            return rowcount(result) > 0
        result = await self._session.execute(
            update(scheduler_state)
            .where(scheduler_state.c.name == name, scheduler_state.c.last_tick_at == expected)
            .values(last_tick_at=new, updated_at=now)
        )
        return rowcount(result) > 0
