"""Where each person is in a multi-step dialogue (connect, create-meeting wizard)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.records import ConversationState
from calendar_bot.storage.repositories._dialect import insert, rowcount
from calendar_bot.storage.tables import conversation_state


class ConversationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, mm_user_id: str) -> ConversationState | None:
        row = (
            (
                await self._session.execute(
                    select(conversation_state).where(conversation_state.c.mm_user_id == mm_user_id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return ConversationState(
            mm_user_id=row["mm_user_id"],
            state=row["state"],
            data=dict(row["data"] or {}),
            message_id=row["message_id"],
            updated_at=row["updated_at"],
        )

    async def set(
        self,
        mm_user_id: str,
        state: str,
        data: dict[str, Any],
        *,
        now: datetime,
        message_id: str = "",
    ) -> None:
        stmt = insert(self._session, conversation_state).values(
            mm_user_id=mm_user_id, state=state, data=data, message_id=message_id, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[conversation_state.c.mm_user_id],
            set_={
                "state": stmt.excluded.state,
                "data": stmt.excluded.data,
                "message_id": stmt.excluded.message_id,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        await self._session.execute(stmt)

    async def clear(self, mm_user_id: str) -> bool:
        result = await self._session.execute(
            delete(conversation_state).where(conversation_state.c.mm_user_id == mm_user_id)
        )
        return rowcount(result) > 0
