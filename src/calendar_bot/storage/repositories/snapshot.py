"""The snapshot: every occurrence last seen in each user's calendars, over the horizon."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    RowMapping,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from calendar_bot.domain.model import EventStatus, Occurrence, OccurrenceKey, UserSettings
from calendar_bot.domain.reminder_index import earliest_reminder
from calendar_bot.domain.snapshot_delta import touched
from calendar_bot.records import IndexedReminder, ReminderCandidate, SnapshotWrite, TouchedQuery
from calendar_bot.storage.codec import (
    occurrence_from_json,
    occurrence_to_json,
    settings_from_json,
)
from calendar_bot.storage.repositories._dialect import IN_CHUNK, rowcount
from calendar_bot.storage.tables import AUTH_ACTIVE, calendars, occurrences, users

# UTC offsets run from -12:00 to +14:00: a local midnight is within 14 hours of UTC's.
ALL_DAY_MARGIN = timedelta(hours=14)

# Built once: load_touched runs for every batch of changed calendars, and building a
# statement and its cache key costs more than executing it (~0.8 ms against ~0.5 ms on SQLite).
_CALENDARS_ROWS = (
    select(
        occurrences.c.mm_user_id,
        occurrences.c.calendar_href,
        occurrences.c.uid,
        occurrences.c.payload["event_href"].as_string().label("event_href"),
        cast(occurrences.c.payload, Text).label("payload"),
    )
    # two lists, not one of (user, calendar) pairs: SQLite scans the whole table for a list
    # of row values, and searches the primary key for every pair of the two lists' values
    # (the pairs not asked for find nothing or are left out by the caller)
    .where(
        occurrences.c.mm_user_id.in_(bindparam("k_users", expanding=True)),
        occurrences.c.calendar_href.in_(bindparam("k_hrefs", expanding=True)),
    )
    .order_by(occurrences.c.start_at, occurrences.c.uid, occurrences.c.recurrence_id)
)
_DELETE_ROW = delete(occurrences).where(
    occurrences.c.mm_user_id == bindparam("k_user"),
    occurrences.c.calendar_href == bindparam("k_cal"),
    occurrences.c.uid == bindparam("k_uid"),
    occurrences.c.recurrence_id == bindparam("k_rid"),
)
_INSERT_ROW = insert(occurrences)


def _row_values(mm_user_id: str, o: Occurrence, now: datetime) -> dict[str, Any]:
    return {
        "mm_user_id": mm_user_id,
        "calendar_href": o.calendar_href,
        "uid": o.uid,
        "recurrence_id": o.recurrence_id,
        "start_at": o.start,
        "end_at": o.end,
        "all_day": o.all_day,
        "status": o.status.value,
        "my_partstat": o.my_partstat.value if o.my_partstat is not None else None,
        "title": o.title,
        "payload": occurrence_to_json(o),
        "updated_at": now,
        "remind_at": earliest_reminder(o),
    }


def _occurrence(row: RowMapping) -> Occurrence:
    return occurrence_from_json(row["payload"])


class SnapshotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def load(self, mm_user_id: str) -> list[Occurrence]:
        """Every stored occurrence of the user, by start."""
        return await self._select(occurrences.c.mm_user_id == mm_user_id)

    async def load_calendar(self, mm_user_id: str, calendar_href: str) -> list[Occurrence]:
        return await self._select(
            occurrences.c.mm_user_id == mm_user_id,
            occurrences.c.calendar_href == calendar_href,
        )

    async def between(self, mm_user_id: str, start: datetime, end: datetime) -> list[Occurrence]:
        """Occurrences overlapping [start, end) (today, the week...), cancelled included."""
        return await self._select(
            occurrences.c.mm_user_id == mm_user_id,
            occurrences.c.start_at < end,
            occurrences.c.end_at > start,
        )

    async def get(self, mm_user_id: str, key: OccurrenceKey) -> Occurrence | None:
        found = await self._select(
            occurrences.c.mm_user_id == mm_user_id,
            occurrences.c.calendar_href == key.calendar_href,
            occurrences.c.uid == key.uid,
            occurrences.c.recurrence_id == key.recurrence_id,
        )
        return found[0] if found else None

    async def replace_calendar(
        self,
        mm_user_id: str,
        calendar_href: str,
        items: Iterable[Occurrence],
        *,
        now: datetime,
    ) -> int:
        """Make the stored occurrences of one calendar exactly `items`, in the caller's
        transaction (so the outbox rows of the same sync commit, or not, with it).

        Items with a duplicate key keep the last one. Returns how many rows are stored.
        """
        by_key: dict[OccurrenceKey, Occurrence] = {}
        for item in items:
            if item.calendar_href != calendar_href:
                raise ValueError("an occurrence of another calendar was given to replace_calendar")
            by_key[item.key] = item
        await self.delete_calendar(mm_user_id, calendar_href)
        if by_key:
            await self._session.execute(
                insert(occurrences), [_row_values(mm_user_id, o, now) for o in by_key.values()]
            )
        return len(by_key)

    async def load_touched(self, queries: Sequence[TouchedQuery]) -> list[list[Occurrence]]:
        """The stored occurrences a delta can change, for each query (a calendar of a user,
        see TouchedQuery and domain/snapshot_delta.py), in its order. One statement for a
        batch of polls' calendars; only the rows wanted are decoded."""
        pairs = list(dict.fromkeys((q.mm_user_id, q.calendar_href) for q in queries))
        found: dict[tuple[str, str], list[Any]] = {pair: [] for pair in pairs}
        step = IN_CHUNK // 2  # two values a pair
        for first in range(0, len(pairs), step):
            chunk = pairs[first : first + step]
            params = {"k_users": [u for u, _ in chunk], "k_hrefs": [h for _, h in chunk]}
            for row in (await self._session.execute(_CALENDARS_ROWS, params)).all():
                rows = found.get((row.mm_user_id, row.calendar_href))
                if rows is not None:
                    rows.append(row)
        out: list[list[Occurrence]] = []
        for q in queries:
            rows = found[(q.mm_user_id, q.calendar_href)]
            wanted = touched(((r.uid, r.event_href or "") for r in rows), q.objects, q.uids)
            decoded = [occurrence_from_json(json.loads(r.payload)) for r in rows if r.uid in wanted]
            out.append(decoded)
        return out

    async def write_changes_many(self, writes: Sequence[SnapshotWrite]) -> None:
        """Remove and write only the rows that changed (domain/snapshot_delta.py) of several
        calendars (of several users), in the caller's transaction: one delete and one insert
        for all of them, and a changed event costs its own rows, not its calendar's."""
        gone: list[dict[str, str]] = []
        rows: list[dict[str, Any]] = []
        for w in writes:
            if any(o.calendar_href != w.calendar_href for o in w.changes.written):
                raise ValueError("a written occurrence belongs to another calendar")
            gone += [
                {
                    "k_user": w.mm_user_id,
                    "k_cal": w.calendar_href,
                    "k_uid": k.uid,
                    "k_rid": k.recurrence_id,
                }
                for k in (*w.changes.removed, *(o.key for o in w.changes.written))
            ]
            rows += [_row_values(w.mm_user_id, o, w.now) for o in w.changes.written]
        if gone:
            await self._session.execute(_DELETE_ROW, gone)
        if rows:
            await self._session.execute(_INSERT_ROW, rows)

    async def delete_calendar(self, mm_user_id: str, calendar_href: str) -> int:
        result = await self._session.execute(
            delete(occurrences).where(
                occurrences.c.mm_user_id == mm_user_id,
                occurrences.c.calendar_href == calendar_href,
            )
        )
        return rowcount(result)

    async def due_reminder_candidates(
        self, window_start: datetime, window_end: datetime, *, fire_by: datetime | None = None
    ) -> list[ReminderCandidate]:
        """Occurrences starting in [window_start, window_end], both ends inclusive, of
        every user, with that user's settings; cancelled ones excluded.

        The window is deliberately a superset: the domain decides exactly which reminder
        (lead) is due in (last_tick, now] and skips declined or all-day meetings. Callers
        pass window_end = now + the largest lead (settings and VALARM). All-day rows are
        stored at midnight UTC but remind from the user's local midnight, so they match
        with ALL_DAY_MARGIN more on each side.

        With `fire_by`, a timed occurrence none of whose reminders (the user's leads and its
        own VALARMs) can fire by then is left out before it is decoded: each minute reads a
        day ahead, and nearly all of it is not due yet.
        """
        margin = ALL_DAY_MARGIN
        timed = and_(
            occurrences.c.all_day.is_(False),
            occurrences.c.start_at >= window_start,
            occurrences.c.start_at <= window_end,
        )
        all_day = and_(
            occurrences.c.all_day.is_(True),
            occurrences.c.start_at >= window_start - margin,
            occurrences.c.start_at <= window_end + margin,
        )
        query = (
            select(
                occurrences.c.mm_user_id,
                occurrences.c.start_at,
                occurrences.c.all_day,
                # decoded here only where a reminder may be due (see below)
                cast(occurrences.c.payload, Text).label("payload"),
                occurrences.c.payload["alarm_minutes"].label("alarm_minutes"),
                cast(users.c.settings, Text).label("settings"),
                users.c.locale,
                users.c.timezone,
                users.c.auth_state,
            )
            .join(users, users.c.mm_user_id == occurrences.c.mm_user_id)
            .where(
                or_(timed, all_day),
                occurrences.c.status != EventStatus.CANCELLED.value,
            )
            .order_by(occurrences.c.start_at, occurrences.c.mm_user_id, occurrences.c.uid)
        )
        rows = (await self._session.execute(query)).mappings().all()
        settings: dict[str, UserSettings] = {}
        out: list[ReminderCandidate] = []
        for r in rows:
            user_id = r["mm_user_id"]
            user_settings = settings.get(user_id)
            if user_settings is None:
                user_settings = settings[user_id] = settings_from_json(
                    json.loads(r["settings"] or "{}"), locale=r["locale"], timezone=r["timezone"]
                )
            if fire_by is not None and not r["all_day"]:
                leads = (*user_settings.leads, *(r["alarm_minutes"] or ()))
                if r["start_at"] - timedelta(minutes=max(leads, default=0)) > fire_by:
                    continue
            out.append(
                ReminderCandidate(
                    mm_user_id=user_id,
                    occurrence=occurrence_from_json(json.loads(r["payload"])),
                    settings=user_settings,
                    auth_active=r["auth_state"] == AUTH_ACTIVE,
                )
            )
        return out

    async def reminders_due(self, now: datetime) -> list[IndexedReminder]:
        """Every row whose reminder index is at or before `now`, of every user, with that
        user's settings: through the index, only what may fire (domain/reminder_index.py)."""
        query = (
            select(
                occurrences.c.mm_user_id,
                occurrences.c.remind_at,
                occurrences.c.updated_at,
                cast(occurrences.c.payload, Text).label("payload"),
                cast(users.c.settings, Text).label("settings"),
                users.c.locale,
                users.c.timezone,
                users.c.auth_state,
                calendars.c.muted,
            )
            .join(users, users.c.mm_user_id == occurrences.c.mm_user_id)
            .outerjoin(
                calendars,
                and_(
                    calendars.c.mm_user_id == occurrences.c.mm_user_id,
                    calendars.c.href == occurrences.c.calendar_href,
                ),
            )
            .where(occurrences.c.remind_at <= now)
        )
        # Sorted here, not in SQL: an ORDER BY on start_at made SQLite walk the start_at
        # index through the whole table instead of the remind_at one through what is due.
        rows = sorted(
            (await self._session.execute(query)).mappings().all(),
            key=lambda r: (r["remind_at"], r["mm_user_id"], r["payload"]),
        )
        settings: dict[str, UserSettings] = {}
        out: list[IndexedReminder] = []
        for r in rows:
            user_id = r["mm_user_id"]
            user_settings = settings.get(user_id)
            if user_settings is None:
                user_settings = settings[user_id] = settings_from_json(
                    json.loads(r["settings"] or "{}"), locale=r["locale"], timezone=r["timezone"]
                )
            candidate = ReminderCandidate(
                mm_user_id=user_id,
                occurrence=occurrence_from_json(json.loads(r["payload"])),
                settings=user_settings,
                auth_active=r["auth_state"] == AUTH_ACTIVE,
                muted=bool(r["muted"]),
            )
            out.append(IndexedReminder(candidate, r["remind_at"], r["updated_at"]))
        return out

    async def move_reminders(self, moves: Iterable[tuple[IndexedReminder, datetime | None]]) -> int:
        """Set each read row's index to its next reminder (None: no more), in one statement;
        a row rewritten since it was read (another start, alarms, status) keeps its own."""
        params = [
            {
                "k_user": row.candidate.mm_user_id,
                "k_cal": row.candidate.occurrence.calendar_href,
                "k_uid": row.candidate.occurrence.uid,
                "k_rid": row.candidate.occurrence.recurrence_id,
                "k_was": row.remind_at,
                "k_updated": row.updated_at,
                "k_next": at,
            }
            for row, at in moves
        ]
        if not params:
            return 0
        result = await self._session.execute(
            update(occurrences)
            .where(
                occurrences.c.mm_user_id == bindparam("k_user"),
                occurrences.c.calendar_href == bindparam("k_cal"),
                occurrences.c.uid == bindparam("k_uid"),
                occurrences.c.recurrence_id == bindparam("k_rid"),
                occurrences.c.remind_at == bindparam("k_was"),
                occurrences.c.updated_at == bindparam("k_updated"),
            )
            .values(remind_at=bindparam("k_next")),
            params,
        )
        return rowcount(result)

    async def recheck_reminders(self, mm_user_id: str, now: datetime) -> int:
        """The user's reminder settings changed: every future row of theirs is read by the
        next tick, which sets its index anew (a new lead may fire sooner than the index)."""
        result = await self._session.execute(
            update(occurrences)
            .where(
                occurrences.c.mm_user_id == mm_user_id,
                occurrences.c.end_at > now,
                occurrences.c.status != EventStatus.CANCELLED.value,
            )
            .values(remind_at=now)
        )
        return rowcount(result)

    async def _select(self, *where: Any) -> list[Occurrence]:
        query = (
            select(occurrences.c.payload)
            .where(*where)
            .order_by(
                occurrences.c.start_at,
                occurrences.c.calendar_href,
                occurrences.c.uid,
                occurrences.c.recurrence_id,
            )
        )
        rows = (await self._session.execute(query)).mappings().all()
        return [_occurrence(r) for r in rows]
