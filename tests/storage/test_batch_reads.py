"""The poll loop's batched reads and writes, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.domain.model import CalendarRef
from calendar_bot.domain.snapshot_delta import RowChanges
from calendar_bot.records import OutboxItem, PollMark, SnapshotWrite, TokenUpdate
from calendar_bot.storage.repositories import transaction
from calendar_bot.vault import Vault
from tests.storage.helpers import NOW, add_user, occurrence

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


async def test_the_writes_of_several_polls_in_one_statement_each(
    session_factory: Factory, vault: Vault
) -> None:
    """services/poll_writes.py: tokens, snapshot rows, outbox rows and "polled" marks of
    several users, each kind in one statement, as each user's own write would leave them."""
    for user in ("alice", "bob"):
        await add_user(session_factory, vault, user)
    alices = CalendarRef("/c/alice/work/", "Work", ctag="c1", sync_token="t1")
    bobs = CalendarRef("/c/bob/work/", "Work", ctag="c1", sync_token="t1")
    kept = occurrence("kept", href=alices.href)
    gone = occurrence("gone", href=alices.href)
    moved = occurrence("moved", href=bobs.href)
    async with transaction(session_factory) as store:
        await store.calendars.replace("alice", [alices])
        await store.calendars.replace("bob", [bobs])
        await store.snapshot.replace_calendar("alice", alices.href, [kept, gone], now=NOW)
        await store.snapshot.replace_calendar("bob", bobs.href, [moved], now=NOW)
        await store.outbox.enqueue([OutboxItem("bob", "told-before", "notice")], now=NOW)
    later = NOW + timedelta(minutes=1)
    moved_later = replace(
        moved, start=NOW + timedelta(hours=5), end=NOW + timedelta(hours=6), title="Moved"
    )
    new = occurrence("new", href=alices.href)
    async with transaction(session_factory) as store:
        await store.calendars.update_tokens_many(
            [
                TokenUpdate("alice", alices.href, "c2", "t2"),
                TokenUpdate("bob", bobs.href, "c3", "t3"),
            ]
        )
        await store.snapshot.write_changes_many(
            [
                SnapshotWrite("alice", alices.href, RowChanges((gone.key,), (new,)), later),
                SnapshotWrite("bob", bobs.href, RowChanges((), (moved_later,)), later),
            ]
        )
        counts = await store.outbox.enqueue_each(
            [
                (OutboxItem("alice", "a1", "notice"), later),
                (OutboxItem("alice", "a2", "notice"), later),
                (OutboxItem("bob", "told-before", "notice"), later),  # not new
                (OutboxItem("bob", "b1", "notice"), NOW),
            ]
        )
        await store.users.mark_polled_each(
            [
                PollMark("alice", later, later + timedelta(minutes=1), NOW),
                PollMark("bob", NOW, later, NOW),
            ]
        )
    assert counts == {"alice": 2, "bob": 1}
    async with transaction(session_factory) as store:
        assert [(c.ctag, c.sync_token) for c in await store.calendars.list_for("alice")] == [
            ("c2", "t2")
        ]
        assert [(c.ctag, c.sync_token) for c in await store.calendars.list_for("bob")] == [
            ("c3", "t3")
        ]
        assert {o.uid for o in await store.snapshot.load_calendar("alice", alices.href)} == {
            "kept",
            "new",
        }
        assert await store.snapshot.load_calendar("bob", bobs.href) == [moved_later]
        users = await store.users.get_many(["alice", "bob"])
    assert users["alice"].last_poll_at == later and users["alice"].window_start == NOW
    assert users["alice"].next_poll_at == later + timedelta(minutes=1)
    assert users["bob"].last_poll_at == NOW and users["bob"].next_poll_at == later
