"""The calendars found in each user's calendar home, with their change-detection tokens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.domain.model import CalendarRef
from calendar_bot.records import TokenUpdate
from calendar_bot.storage.repositories._dialect import IN_CHUNK, insert, rowcount
from calendar_bot.storage.tables import calendars

# built once: every poll batch with a changed calendar sends it
_SET_TOKENS = (
    update(calendars)
    .where(calendars.c.mm_user_id == bindparam("k_user"), calendars.c.href == bindparam("k_href"))
    .values(ctag=bindparam("k_ctag"), sync_token=bindparam("k_token"))
)


def _ref(r: RowMapping) -> CalendarRef:
    return CalendarRef(
        href=r["href"],
        name=r["name"],
        color=r["color"],
        writable=bool(r["writable"]),
        ctag=r["ctag"],
        sync_token=r["sync_token"],
        enabled=bool(r["enabled"]),
        muted=bool(r["muted"]),
    )


class CalendarRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list_for(self, mm_user_id: str) -> list[CalendarRef]:
        """The user's calendars in discovery order."""
        rows = (
            await self._session.execute(
                select(calendars)
                .where(calendars.c.mm_user_id == mm_user_id)
                .order_by(calendars.c.id)
            )
        ).mappings()
        return [_ref(r) for r in rows]

    async def list_for_users(self, mm_user_ids: Sequence[str]) -> dict[str, list[CalendarRef]]:
        """Several users' calendars (the poll loop's batch) in a few queries: user -> list in
        discovery order; a user without calendars maps to an empty list."""
        out: dict[str, list[CalendarRef]] = {user: [] for user in mm_user_ids}
        ids = list(out)
        for first in range(0, len(ids), IN_CHUNK):
            rows = (
                await self._session.execute(
                    select(calendars)
                    .where(calendars.c.mm_user_id.in_(ids[first : first + IN_CHUNK]))
                    .order_by(calendars.c.id)
                )
            ).mappings()
            for r in rows:
                out[r["mm_user_id"]].append(_ref(r))
        return out

    async def replace(self, mm_user_id: str, refs: Sequence[CalendarRef]) -> None:
        """Make the stored list exactly `refs` (by href).

        Name, color, writability and tokens come from `refs`; a calendar already known keeps
        its `enabled` and `muted` flags (the user's choices survive re-discovery). Calendars
        not in `refs` are removed; their snapshot rows are the caller's to drop
        (SnapshotRepository).
        """
        hrefs = [ref.href for ref in refs]
        await self._session.execute(
            delete(calendars).where(
                calendars.c.mm_user_id == mm_user_id, calendars.c.href.not_in(hrefs)
            )
        )
        for ref in refs:
            stmt = insert(self._session, calendars).values(_row(mm_user_id, ref))
            stmt = stmt.on_conflict_do_update(
                index_elements=[calendars.c.mm_user_id, calendars.c.href],
                set_={
                    "name": stmt.excluded.name,
                    "color": stmt.excluded.color,
                    "ctag": stmt.excluded.ctag,
                    "sync_token": stmt.excluded.sync_token,
                    "writable": stmt.excluded.writable,
                },
            )
            await self._session.execute(stmt)

    async def add(self, mm_user_id: str, ref: CalendarRef) -> bool:
        """Store one more calendar (found after connecting); False if it is already known."""
        stmt = (
            insert(self._session, calendars)
            .values(_row(mm_user_id, ref))
            .on_conflict_do_nothing(index_elements=[calendars.c.mm_user_id, calendars.c.href])
            .returning(calendars.c.href)
        )
        return (await self._session.execute(stmt)).first() is not None

    async def remove(self, mm_user_id: str, href: str) -> bool:
        """Forget a calendar that is gone from the server (its snapshot goes separately)."""
        result = await self._session.execute(
            delete(calendars).where(calendars.c.mm_user_id == mm_user_id, calendars.c.href == href)
        )
        return rowcount(result) > 0

    async def update_tokens_many(self, tokens: Sequence[TokenUpdate]) -> None:
        """The stored ctag and sync-token of several calendars (of several users), in one
        statement; a calendar not stored is left out."""
        if tokens:
            await self._session.execute(
                _SET_TOKENS,
                [
                    {
                        "k_user": t.mm_user_id,
                        "k_href": t.href,
                        "k_ctag": t.ctag,
                        "k_token": t.sync_token,
                    }
                    for t in tokens
                ],
            )

    async def set_muted(self, mm_user_id: str, href: str, muted: bool) -> bool:
        """Mute a calendar (listed, but no change notices and no reminders) or unmute it."""
        result = await self._session.execute(
            update(calendars)
            .where(calendars.c.mm_user_id == mm_user_id, calendars.c.href == href)
            .values(muted=muted)
        )
        return rowcount(result) > 0

    async def set_enabled(self, mm_user_id: str, href: str, enabled: bool) -> bool:
        result = await self._session.execute(
            update(calendars)
            .where(calendars.c.mm_user_id == mm_user_id, calendars.c.href == href)
            .values(enabled=enabled)
        )
        return rowcount(result) > 0


def _row(mm_user_id: str, ref: CalendarRef) -> dict[str, Any]:
    return {
        "mm_user_id": mm_user_id,
        "href": ref.href,
        "name": ref.name,
        "color": ref.color,
        "ctag": ref.ctag,
        "sync_token": ref.sync_token,
        "enabled": ref.enabled,
        "muted": ref.muted,
        "writable": ref.writable,
    }
