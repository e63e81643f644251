"""Log out leaves no row about the user in any table."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.domain.model import CalendarRef
from calendar_bot.domain.presence import CustomStatus, Held
from calendar_bot.storage.repositories import OutboxItem, Store, transaction
from calendar_bot.storage.tables import PER_USER_TABLES, metadata
from calendar_bot.vault import Vault
from tests.storage.helpers import HREF, NOW, add_user, occurrence

Factory = async_sessionmaker[AsyncSession]


async def _fill(store: Store, user: str) -> None:
    await store.calendars.replace(user, [CalendarRef(HREF, "Work")])
    await store.snapshot.replace_calendar(user, HREF, [occurrence(), occurrence("u2")], now=NOW)
    await store.outbox.enqueue(
        [OutboxItem(user, f"{user}:1", "new"), OutboxItem(user, f"{user}:2", "new")], now=NOW
    )
    [row, *_] = await store.outbox.claim_due(NOW, "w", NOW - NOW, 1)
    await store.outbox.mark_sent([(row.id, "p")], NOW)
    await store.conversation.set(user, "wizard:title", {}, now=NOW)
    await store.own_events.add(user, "u1", now=NOW)
    await store.digest_log.try_mark(user, date(2026, 11, 30), now=NOW)
    until = NOW + timedelta(hours=1)
    assert (await store.presence.claim(user, now=NOW, until=NOW))[0]
    ours = CustomStatus("date", "In a meeting until 13:00", "date_and_time", until)
    await store.presence.save(user, Held(until, ours, True, False, None, ""), now=NOW)


async def _rows_of(store: Store, user: str) -> dict[str, int]:
    counts = {}
    for table in PER_USER_TABLES:
        query = select(func.count()).select_from(table).where(table.c.mm_user_id == user)
        counts[table.name] = int((await store.session.execute(query)).scalar_one())
    return counts


async def test_delete_everything_removes_every_trace(
    session_factory: Factory, vault: Vault
) -> None:
    # Every table with a user column is covered by the deletion list.
    with_user = {t.name for t in metadata.sorted_tables if "mm_user_id" in t.c}
    assert with_user == {t.name for t in PER_USER_TABLES}
    for user in ("alice", "bob"):
        await add_user(session_factory, vault, user)
        async with transaction(session_factory) as store:
            await _fill(store, user)
    async with transaction(session_factory) as store:
        before = await _rows_of(store, "alice")
        assert all(count > 0 for count in before.values()), before
        await store.users.delete_everything("alice")
    async with transaction(session_factory) as store:
        assert set((await _rows_of(store, "alice")).values()) == {0}
        assert await _rows_of(store, "bob") == before  # the neighbour is untouched
        assert await store.users.get("alice") is None
