"""Users: credentials (encrypted), settings, auth state and the polling schedule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, and_, bindparam, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.domain.model import UserSettings
from calendar_bot.records import PollMark, StoredUser
from calendar_bot.storage.codec import settings_from_json, settings_to_json
from calendar_bot.storage.repositories._dialect import IN_CHUNK, claim_filter, insert, rowcount
from calendar_bot.storage.tables import (
    AUTH_ACTIVE,
    AUTH_NEEDS_RECONNECT,
    PER_USER_TABLES,
    users,
)

# Built once, the statements of every poll batch: building a statement and its cache key
# costs SQLAlchemy about as much as executing it.
_USERS_BY_ID = select(users).where(users.c.mm_user_id.in_(bindparam("k_ids", expanding=True)))
_MARK_POLLED = (
    update(users)
    .where(users.c.mm_user_id == bindparam("k_user"))
    .values(
        last_poll_at=bindparam("k_polled"),
        next_poll_at=bindparam("k_next"),
        window_start=bindparam("k_window"),
    )
)


def user_from_row(row: RowMapping) -> StoredUser:
    return StoredUser(
        mm_user_id=row["mm_user_id"],
        email=row["email"],
        caldav_base_url=row["caldav_base_url"],
        principal_url=row["principal_url"],
        caldav_username=row["caldav_username"],
        password_enc=row["password_enc"],
        settings=settings_from_json(
            row["settings"] or {}, locale=row["locale"], timezone=row["timezone"]
        ),
        auth_state=row["auth_state"],
        reconnect_notified=bool(row["reconnect_notified"]),
        baseline_done=bool(row["baseline_done"]),
        next_poll_at=row["next_poll_at"],
        last_poll_at=row["last_poll_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        dm_channel_id=row["dm_channel_id"] or "",
        home_url=row["home_url"] or "",
        window_start=row["window_start"],
    )


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, mm_user_id: str) -> StoredUser | None:
        row = (
            (await self._session.execute(select(users).where(users.c.mm_user_id == mm_user_id)))
            .mappings()
            .first()
        )
        return user_from_row(row) if row is not None else None

    async def get_many(self, mm_user_ids: Sequence[str]) -> dict[str, StoredUser]:
        """Several users in a few queries: id -> user, for those that exist."""
        ids = list(dict.fromkeys(mm_user_ids))
        out: dict[str, StoredUser] = {}
        for first in range(0, len(ids), IN_CHUNK):
            rows = (
                (
                    await self._session.execute(
                        _USERS_BY_ID, {"k_ids": ids[first : first + IN_CHUNK]}
                    )
                )
                .mappings()
                .all()
            )
            for row in rows:
                user = user_from_row(row)
                out[user.mm_user_id] = user
        return out

    async def upsert(
        self,
        *,
        mm_user_id: str,
        email: str,
        caldav_base_url: str,
        caldav_username: str,
        password_enc: str,
        now: datetime,
        principal_url: str = "",
        settings: UserSettings | None = None,
    ) -> StoredUser:
        """Connect or reconnect: credentials are updated in place, atomically.

        A reconnect makes the user active again, clears `reconnect_notified` and schedules a
        poll now. Settings are kept unless given. `baseline_done` survives a reconnect to the
        same account (server + username) and is reset for a different one, so the first sync
        of a new calendar stays silent.
        """
        chosen = settings or UserSettings()
        values: dict[str, Any] = {
            "mm_user_id": mm_user_id,
            "email": email,
            "caldav_base_url": caldav_base_url,
            "principal_url": principal_url,
            "home_url": "",  # found again by the next poll (the account may have moved)
            "caldav_username": caldav_username,
            "password_enc": password_enc,
            "locale": chosen.locale,
            "timezone": chosen.timezone,
            "settings": settings_to_json(chosen),
            "auth_state": AUTH_ACTIVE,
            "reconnect_notified": False,
            "baseline_done": False,
            "next_poll_at": now,
            "last_poll_at": None,
            "created_at": now,
            "updated_at": now,
        }
        stmt = insert(self._session, users).values(values)
        same_account = and_(
            users.c.caldav_base_url == stmt.excluded.caldav_base_url,
            users.c.caldav_username == stmt.excluded.caldav_username,
        )
        on_conflict: dict[str, Any] = {
            "email": stmt.excluded.email,
            "caldav_base_url": stmt.excluded.caldav_base_url,
            "principal_url": stmt.excluded.principal_url,
            "home_url": "",
            "caldav_username": stmt.excluded.caldav_username,
            "password_enc": stmt.excluded.password_enc,
            "auth_state": AUTH_ACTIVE,
            "reconnect_notified": False,
            "baseline_done": case((same_account, users.c.baseline_done), else_=False),
            "next_poll_at": stmt.excluded.next_poll_at,
            "updated_at": stmt.excluded.updated_at,
        }
        if settings is not None:
            on_conflict.update(
                locale=stmt.excluded.locale,
                timezone=stmt.excluded.timezone,
                settings=stmt.excluded.settings,
            )
        stmt = stmt.on_conflict_do_update(index_elements=[users.c.mm_user_id], set_=on_conflict)
        row = (await self._session.execute(stmt.returning(*users.c))).mappings().one()
        return user_from_row(row)

    async def update_settings(
        self, mm_user_id: str, settings: UserSettings, *, now: datetime
    ) -> bool:
        return await self._update(
            mm_user_id,
            locale=settings.locale,
            timezone=settings.timezone,
            settings=settings_to_json(settings),
            updated_at=now,
        )

    async def update_profile(
        self, mm_user_id: str, *, now: datetime, email: str | None = None
    ) -> bool:
        if email is None:
            return False
        return await self._update(mm_user_id, email=email, updated_at=now)

    async def delete_everything(self, mm_user_id: str) -> None:
        """Log out: no row about this user is left in any table (outbox included)."""
        for table in PER_USER_TABLES:
            await self._session.execute(delete(table).where(table.c.mm_user_id == mm_user_id))

    async def list_all(self, *, auth_state: str | None = None) -> list[StoredUser]:
        query = select(users).order_by(users.c.mm_user_id)
        if auth_state is not None:
            query = query.where(users.c.auth_state == auth_state)
        rows = (await self._session.execute(query)).mappings().all()
        return [user_from_row(r) for r in rows]

    async def count(self) -> int:
        return int(
            (await self._session.execute(select(func.count()).select_from(users))).scalar_one()
        )

    def _due(self, now: datetime) -> Any:
        return and_(users.c.auth_state == AUTH_ACTIVE, users.c.next_poll_at <= now)

    async def claim_due_for_poll(
        self, now: datetime, *, until: datetime, limit: int
    ) -> list[StoredUser]:
        """Claim up to `limit` due users by moving their next_poll_at to `until`.

        One atomic UPDATE: on PostgreSQL the candidates are locked with SKIP LOCKED, so
        concurrent replicas split the due users between them; SQLite serializes writers.
        The row is re-checked in the UPDATE, so a user is never claimed twice for one slot.
        `until` acts as a lease: a replica that dies mid-poll leaves the user due again then.
        Returned users carry the new next_poll_at, most overdue first.
        """
        candidates = (
            select(users.c.mm_user_id)
            .where(self._due(now))
            .order_by(users.c.next_poll_at)
            .limit(limit)
        )
        stmt = (
            update(users)
            .where(claim_filter(self._session, candidates, users.c.mm_user_id), self._due(now))
            .values(next_poll_at=until)
            .returning(*users.c)
        )
        rows = (await self._session.execute(stmt)).mappings().all()
        return sorted((user_from_row(r) for r in rows), key=lambda u: u.mm_user_id)

    async def mark_polled(
        self,
        mm_user_id: str,
        *,
        polled_at: datetime,
        next_poll_at: datetime,
        window_start: datetime | None = None,
    ) -> bool:
        """`window_start`: the horizon the snapshot stored with this poll starts at."""
        values: dict[str, Any] = {"last_poll_at": polled_at, "next_poll_at": next_poll_at}
        if window_start is not None:
            values["window_start"] = window_start
        return await self._update(mm_user_id, **values)

    async def mark_polled_each(self, marks: Sequence[PollMark]) -> None:
        """`mark_polled` (with the horizon) for several users, in one statement."""
        if marks:
            await self._session.execute(
                _MARK_POLLED,
                [
                    {
                        "k_user": m.mm_user_id,
                        "k_polled": m.polled_at,
                        "k_next": m.next_poll_at,
                        "k_window": m.window_start,
                    }
                    for m in marks
                ],
            )

    async def set_home_urls(self, homes: Mapping[str, str]) -> None:
        """Remember the calendar home each poll found (mm_user_id -> URL), in one statement."""
        if homes:
            await self._session.execute(
                update(users)
                .where(users.c.mm_user_id == bindparam("user_id"))
                .values(home_url=bindparam("home")),
                [{"user_id": u, "home": h} for u, h in homes.items()],
            )

    async def mark_polled_many(
        self,
        mm_user_ids: Sequence[str],
        *,
        polled_at: datetime,
        next_poll_at: datetime,
        claimed: datetime,
    ) -> int:
        """mark_polled for many users in a few statements, but only for rows still holding
        the claim (`next_poll_at == claimed`, the lease claim_due_for_poll set): a reconnect
        or a "poll now" that came in meanwhile keeps its own schedule. Returns rows marked."""
        ids = list(mm_user_ids)
        marked = 0
        for first in range(0, len(ids), IN_CHUNK):
            result = await self._session.execute(
                update(users)
                .where(
                    users.c.mm_user_id.in_(ids[first : first + IN_CHUNK]),
                    users.c.next_poll_at == claimed,
                )
                .values(last_poll_at=polled_at, next_poll_at=next_poll_at)
            )
            marked += rowcount(result)
        return marked

    async def schedule_poll(self, mm_user_id: str, at: datetime) -> bool:
        """Poll this user at `at` (e.g. now, after they created a meeting)."""
        return await self._update(mm_user_id, next_poll_at=at)

    async def mark_baseline_done(self, mm_user_id: str, *, now: datetime) -> bool:
        return await self._update(mm_user_id, baseline_done=True, updated_at=now)

    async def mark_needs_reconnect(self, mm_user_id: str, *, now: datetime) -> bool:
        """Flag the login as broken. True only on the transition from active (notify once)."""
        result = await self._session.execute(
            update(users)
            .where(users.c.mm_user_id == mm_user_id, users.c.auth_state == AUTH_ACTIVE)
            .values(auth_state=AUTH_NEEDS_RECONNECT, updated_at=now)
        )
        return rowcount(result) > 0

    async def mark_reconnect_notified(self, mm_user_id: str) -> bool:
        """Record that the "please reconnect" message went out. True if it had not yet."""
        result = await self._session.execute(
            update(users)
            .where(users.c.mm_user_id == mm_user_id, users.c.reconnect_notified.is_(False))
            .values(reconnect_notified=True)
        )
        return rowcount(result) > 0

    async def mark_active(self, mm_user_id: str, *, now: datetime) -> bool:
        return await self._update(
            mm_user_id, auth_state=AUTH_ACTIVE, reconnect_notified=False, updated_at=now
        )

    async def set_dm_channel(self, mm_user_id: str, channel_id: str) -> bool:
        """Remember the user's DM channel with the bot (it never changes for the pair)."""
        return await self._update(mm_user_id, dm_channel_id=channel_id)

    async def dm_channels(self) -> dict[str, str]:
        """mm_user_id -> DM channel id, for every user whose channel is known."""
        rows = await self._session.execute(
            select(users.c.mm_user_id, users.c.dm_channel_id).where(users.c.dm_channel_id != "")
        )
        return {r[0]: r[1] for r in rows}

    async def all_with_secrets(self) -> list[tuple[str, str]]:
        """(mm_user_id, password_enc) of every user: for key rotation."""
        rows = await self._session.execute(
            select(users.c.mm_user_id, users.c.password_enc).order_by(users.c.mm_user_id)
        )
        return [(r[0], r[1]) for r in rows]

    async def replace_secret(self, mm_user_id: str, *, old: str, new: str, now: datetime) -> bool:
        """Swap the stored token only if it is still `old` (a reconnect may have raced)."""
        result = await self._session.execute(
            update(users)
            .where(users.c.mm_user_id == mm_user_id, users.c.password_enc == old)
            .values(password_enc=new, updated_at=now)
        )
        return rowcount(result) > 0

    async def _update(self, mm_user_id: str, **values: Any) -> bool:
        result = await self._session.execute(
            update(users).where(users.c.mm_user_id == mm_user_id).values(**values)
        )
        return rowcount(result) > 0
