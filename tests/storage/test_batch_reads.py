"""The poll loop's batched reads and writes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.domain.model import CalendarRef
from calendar_bot.storage.repositories import transaction
from calendar_bot.vault import Vault
from tests.storage.helpers import NOW, add_user

Factory = async_sessionmaker[AsyncSession]


async def test_calendars_of_many_users_in_one_read(session_factory: Factory, vault: Vault) -> None:
    for user in ("alice", "bob", "carol"):
        await add_user(session_factory, vault, user)
    work = CalendarRef("/c/alice/work/", "Work", ctag="c1", sync_token="t1")
    home = CalendarRef("/c/alice/home/", "Home")
    bobs = CalendarRef("/c/bob/work/", "Work")
    async with transaction(session_factory) as store:
        await store.calendars.replace("alice", [work, home])
        await store.calendars.replace("bob", [bobs])
        found = await store.calendars.list_for_users(["alice", "bob", "carol", "nobody"])
        assert found == {"alice": [work, home], "bob": [bobs], "carol": [], "nobody": []}
        assert found["alice"] == await store.calendars.list_for("alice")


async def test_many_users_marked_polled_only_while_they_hold_the_claim(
    session_factory: Factory, vault: Vault
) -> None:
    for user in ("alice", "bob", "carol"):
        await add_user(session_factory, vault, user)
    lease = NOW + timedelta(minutes=5)
    async with transaction(session_factory) as store:
        claimed = await store.users.claim_due_for_poll(NOW, until=lease, limit=10)
        assert {u.mm_user_id for u in claimed} == {"alice", "bob", "carol"}
        # bob asked for a poll now meanwhile (e.g. after creating a meeting): his stays
        await store.users.schedule_poll("bob", NOW)
    later = NOW + timedelta(minutes=1)
    async with transaction(session_factory) as store:
        marked = await store.users.mark_polled_many(
            ["alice", "bob", "carol", "nobody"], polled_at=NOW, next_poll_at=later, claimed=lease
        )
        assert marked == 2
        users = await store.users.get_many(["alice", "bob", "carol", "nobody"])
    assert set(users) == {"alice", "bob", "carol"}
    assert users["alice"].next_poll_at == later and users["alice"].last_poll_at == NOW
    assert users["carol"].next_poll_at == later
    assert users["bob"].next_poll_at == NOW and users["bob"].last_poll_at is None
