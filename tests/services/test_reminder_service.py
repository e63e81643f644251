"""The reminder index (occurrences.remind_at, domain/reminder_index.py): the minute tick reads
only the rows that may fire, and sends exactly what the day-ahead read it replaced sent:
across minutes, a poll that moves a meeting, and a change of the user's leads."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import EventStatus, Occurrence, PartStat, UserSettings
from calendar_bot.domain.notice_keys import idempotency_key
from calendar_bot.domain.notices import reminder_notice
from calendar_bot.domain.reminders import due_reminders
from calendar_bot.services.context import Context
from calendar_bot.services.reminders import MAX_LEAD, ReminderService
from calendar_bot.storage.repositories import transaction, unit_of_work
from calendar_bot.storage.tables import outbox
from calendar_bot.vault import Vault
from tests.storage.helpers import HREF, NOW, add_user, occurrence

Factory = async_sessionmaker[AsyncSession]
STEP = timedelta(minutes=7)  # ticks need not be every minute: each covers (last, now]


def meetings() -> list[Occurrence]:
    out: list[Occurrence] = []
    for i in range(24):
        o = occurrence(f"m{i}", NOW + timedelta(minutes=25 + 97 * i))
        if i % 5 == 1:
            o = replace(o, alarm_minutes=(30,))
        if i % 7 == 2:
            o = replace(o, alarm_minutes=(2 * 24 * 60,))  # beyond a day: never sent
        if i % 6 == 3:
            o = replace(o, status=EventStatus.CANCELLED)
        if i % 8 == 4:
            o = replace(o, my_partstat=PartStat.DECLINED)
        out.append(o)
    day = NOW.replace(hour=0) + timedelta(days=1)
    out.append(replace(occurrence("allday", day), all_day=True, end=day + timedelta(days=1)))
    return out


async def old_keys(factory: Factory, since: datetime, now: datetime) -> set[str]:
    """What the tick sent before the index: a day ahead read, the domain deciding."""
    async with transaction(factory) as store:
        rows = await store.snapshot.due_reminder_candidates(since, now + MAX_LEAD, fire_by=now)
    by_user: dict[str, list[Occurrence]] = {}
    settings: dict[str, UserSettings] = {}
    for c in rows:
        by_user.setdefault(c.mm_user_id, []).append(c.occurrence)
        settings[c.mm_user_id] = c.settings
    return {
        idempotency_key(user, reminder_notice(r))
        for user, occ in by_user.items()
        for r in due_reminders(occ, settings[user], last_tick=since, now=now, user_id=user)
    }


async def sent_keys(factory: Factory) -> set[str]:
    async with factory() as session:
        rows = await session.execute(select(outbox.c.idempotency_key))
        return {r[0] for r in rows}


async def test_the_tick_reads_only_what_fires_and_sends_what_it_always_sent(
    session_factory: Factory, vault: Vault
) -> None:
    settings = UserSettings(timezone="Asia/Tokyo", reminder_leads=(60, 0), remind_all_day=True)
    await add_user(session_factory, vault, settings=settings)
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar("alice", HREF, meetings(), now=NOW)
    clock = ManualClock(NOW)
    none: Any = None
    ctx = Context(
        clock, vault, unit_of_work(session_factory), none, none, "https://caldav.example.com"
    )
    service = ReminderService(ctx)
    await service.tick(NOW)
    expected: set[str] = set()
    read: list[int] = []
    moment = NOW
    while moment < NOW + timedelta(days=2):
        since, moment = moment, moment + STEP
        if moment >= NOW + timedelta(hours=10) and moment - STEP < NOW + timedelta(hours=10):
            # a poll moves a meeting earlier and the person sets a two-hour lead
            async with transaction(session_factory) as store:
                moved = replace(meetings()[9], start=moment + timedelta(minutes=50))
                moved = replace(moved, end=moved.start + timedelta(minutes=30))
                await store.snapshot.replace_calendar(
                    "alice", HREF, [*meetings()[:9], moved, *meetings()[10:]], now=since
                )
                settings = replace(settings, reminder_leads=(120, 0))
                await store.users.update_settings("alice", settings, now=since)
                await store.snapshot.recheck_reminders("alice", since)
        expected |= await old_keys(session_factory, since, moment)
        async with transaction(session_factory) as store:
            read.append(len(await store.snapshot.reminders_due(moment)))
        await service.tick(moment)
    sent = await sent_keys(session_factory)
    assert sent == expected
    assert len(sent) > 40
    # each row is read when written (or re-checked) and once per reminder it fires, not on
    # every tick of the day ahead it spends in the old read
    assert sum(read) <= 2 * 25 + len(sent) + 25
    assert sorted(read)[-2] < 10  # only the tick after the re-check reads all future rows


async def test_moving_on_skips_a_row_rewritten_since_it_was_read(
    session_factory: Factory, vault: Vault
) -> None:
    await add_user(session_factory, vault)
    first = occurrence("a", NOW + timedelta(hours=2))
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar("alice", HREF, [first], now=NOW)
        (row,) = await store.snapshot.reminders_due(NOW)
        assert row.remind_at == first.start - timedelta(days=1)
        # a poll rewrites the row (moved earlier) after the tick read it
        moved = replace(first, start=NOW + timedelta(minutes=20), end=NOW + timedelta(hours=1))
        await store.snapshot.replace_calendar(
            "alice", HREF, [moved], now=NOW + timedelta(seconds=1)
        )
        assert await store.snapshot.move_reminders([(row, NOW + timedelta(hours=2))]) == 0
        (again,) = await store.snapshot.reminders_due(NOW)
        assert again.candidate.occurrence == moved
        assert await store.snapshot.move_reminders([(again, None)]) == 1
        assert await store.snapshot.reminders_due(NOW + timedelta(days=3)) == []
        # cancelled rows are never in the index
        gone = replace(moved, status=EventStatus.CANCELLED)
        await store.snapshot.replace_calendar("alice", HREF, [gone], now=NOW)
        assert await store.snapshot.reminders_due(NOW + timedelta(days=3)) == []
        assert await store.snapshot.recheck_reminders("alice", NOW) == 0
