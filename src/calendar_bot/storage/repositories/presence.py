"""What the bot holds of people's Mattermost status (domain/presence.py), and the claim that
lets one replica at a time act on a person's status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.domain.presence import CustomStatus, Held
from calendar_bot.storage.repositories._dialect import insert, rowcount
from calendar_bot.storage.tables import presence


def custom_to_json(status: CustomStatus | None) -> dict[str, Any] | None:
    if status is None:
        return None
    return {
        "emoji": status.emoji,
        "text": status.text,
        "duration": status.duration,
        "expires_at": status.expires_at.isoformat() if status.expires_at else None,
    }


def custom_from_json(data: Any) -> CustomStatus | None:
    if not isinstance(data, dict):
        return None
    expires = data.get("expires_at")
    return CustomStatus(
        emoji=str(data.get("emoji") or ""),
        text=str(data.get("text") or ""),
        duration=str(data.get("duration") or ""),
        expires_at=datetime.fromisoformat(expires) if expires else None,
    )


def _held(row: Any) -> Held | None:
    if row["until_at"] is None:
        return None  # claimed, nothing set yet
    return Held(
        until=row["until_at"],
        ours=CustomStatus(row["emoji"], row["text"], "date_and_time", row["until_at"]),
        custom_owned=bool(row["custom_owned"]),
        dnd_owned=bool(row["dnd_owned"]),
        previous=custom_from_json(row["previous"]),
        previous_status=str(row["previous_status"] or ""),
    )


class PresenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def held(self) -> dict[str, Held]:
        """Everyone the bot holds a status for."""
        rows = (
            (await self._session.execute(select(presence).where(presence.c.until_at.is_not(None))))
            .mappings()
            .all()
        )
        return {row["mm_user_id"]: held for row in rows if (held := _held(row)) is not None}

    async def claim(
        self, mm_user_id: str, *, now: datetime, until: datetime
    ) -> tuple[bool, Held | None]:
        """Take the person's row until `until` (creating it if there is none): (True, what the
        bot holds now, read under the claim) for exactly one of several replicas; (False,
        None) while another one holds the claim."""
        stmt = (
            insert(self._session, presence)
            .values(mm_user_id=mm_user_id, claimed_until=until, updated_at=now)
            .on_conflict_do_nothing(index_elements=[presence.c.mm_user_id])
            .returning(presence.c.mm_user_id)
        )
        if (await self._session.execute(stmt)).first() is not None:
            return True, None
        result = await self._session.execute(
            update(presence)
            .where(
                presence.c.mm_user_id == mm_user_id,
                or_(presence.c.claimed_until.is_(None), presence.c.claimed_until <= now),
            )
            .values(claimed_until=until, updated_at=now)
        )
        if rowcount(result) == 0:
            return False, None
        row = (
            (
                await self._session.execute(
                    select(presence).where(presence.c.mm_user_id == mm_user_id)
                )
            )
            .mappings()
            .one()
        )
        return True, _held(row)

    async def save(
        self, mm_user_id: str, held: Held, *, now: datetime, keep_claim: bool = False
    ) -> None:
        """Record what the bot holds now, and release the claim (unless `keep_claim`: what to
        restore is stored before the status is changed, then saved again when it is)."""
        claim = {} if keep_claim else {"claimed_until": None}
        await self._session.execute(
            update(presence)
            .where(presence.c.mm_user_id == mm_user_id)
            .values(
                **claim,
                until_at=held.until,
                emoji=held.ours.emoji,
                text=held.ours.text,
                custom_owned=held.custom_owned,
                dnd_owned=held.dnd_owned,
                previous=custom_to_json(held.previous),
                previous_status=held.previous_status,
                updated_at=now,
            )
        )

    async def release(self, mm_user_id: str, *, now: datetime) -> None:
        """Give the claim back, changing nothing (a row with nothing held goes)."""
        await self._session.execute(
            delete(presence).where(
                presence.c.mm_user_id == mm_user_id, presence.c.until_at.is_(None)
            )
        )
        await self._session.execute(
            update(presence)
            .where(presence.c.mm_user_id == mm_user_id)
            .values(claimed_until=None, updated_at=now)
        )

    async def forget(self, mm_user_ids: Sequence[str]) -> int:
        """The bot holds nothing for these people any more."""
        if not mm_user_ids:
            return 0
        result = await self._session.execute(
            delete(presence).where(presence.c.mm_user_id.in_(list(mm_user_ids)))
        )
        return rowcount(result)
