"""Conversation state, calendars, digest log, own events, scheduler marks: both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.domain.model import CalendarRef
from calendar_bot.records import TokenUpdate
from calendar_bot.storage.repositories import transaction
from calendar_bot.vault import Vault
from tests.storage.helpers import HREF, NOW, add_user, occurrence

Factory = async_sessionmaker[AsyncSession]


async def test_conversation_state_without_a_user_row(session_factory: Factory) -> None:
    async with transaction(session_factory) as store:
        assert await store.conversation.get("stranger") is None
        await store.conversation.set("stranger", "connect:email", {"email": "x@y"}, now=NOW)
    async with transaction(session_factory) as store:
        state = await store.conversation.get("stranger")
        assert state is not None
        assert (state.state, state.data, state.message_id, state.updated_at) == (
            "connect:email",
            {"email": "x@y"},
            "",
            NOW,
        )
        later = NOW + timedelta(minutes=1)
        await store.conversation.set(
            "stranger", "wizard:title", {"n": [1, 2]}, now=later, message_id="post9"
        )
        state = await store.conversation.get("stranger")
        assert state is not None
        assert (state.state, state.data, state.message_id, state.updated_at) == (
            "wizard:title",
            {"n": [1, 2]},
            "post9",
            later,
        )
        assert await store.conversation.clear("stranger") is True
        assert await store.conversation.clear("stranger") is False
        assert await store.conversation.get("stranger") is None


async def test_calendars_replace_keeps_the_users_enabled_choice(
    session_factory: Factory, vault: Vault
) -> None:
    await add_user(session_factory, vault)
    work = CalendarRef("/c/work/", "Work", "#ff0000", True, "ctag1", "tok1")
    home = CalendarRef("/c/home/", "Home", writable=False)
    async with transaction(session_factory) as store:
        await store.calendars.replace("alice", [work, home])
        assert await store.calendars.list_for("alice") == [work, home]
        assert await store.calendars.set_enabled("alice", "/c/home/", False)
        await store.calendars.update_tokens_many(
            [TokenUpdate("alice", "/c/work/", "c2", "t2"), TokenUpdate("alice", "/nope/", "", "")]
        )
        tags = {c.href: (c.ctag, c.sync_token) for c in await store.calendars.list_for("alice")}
        assert tags == {"/c/work/": ("c2", "t2"), "/c/home/": ("", "")}  # none added for /nope/
    shared = CalendarRef("/c/shared/", "Shared")
    renamed_home = CalendarRef("/c/home/", "Home (renamed)", writable=True)
    async with transaction(session_factory) as store:
        await store.calendars.replace("alice", [renamed_home, shared])
        listed = await store.calendars.list_for("alice")
    assert listed == [
        CalendarRef("/c/home/", "Home (renamed)", writable=True, enabled=False),
        shared,
    ]
    async with transaction(session_factory) as store:
        await store.calendars.replace("alice", [])
        assert await store.calendars.list_for("alice") == []


async def test_calendars_need_a_user(session_factory: Factory) -> None:
    with pytest.raises(IntegrityError):
        async with transaction(session_factory) as store:
            await store.calendars.replace("ghost", [CalendarRef("/c/", "C")])


async def test_digest_log_marks_exactly_once(session_factory: Factory, vault: Vault) -> None:
    await add_user(session_factory, vault)
    day = date(2026, 11, 30)
    async with transaction(session_factory) as store:
        assert await store.digest_log.try_mark("alice", day, now=NOW) is True
        assert await store.digest_log.try_mark("alice", day, now=NOW) is False
        assert await store.digest_log.try_mark("alice", day + timedelta(days=1), now=NOW) is True
    async with transaction(session_factory) as store:
        assert await store.digest_log.try_mark("alice", day, now=NOW) is False
        assert await store.digest_log.unmark("alice", day) is True
        assert await store.digest_log.try_mark("alice", day, now=NOW) is True


async def test_own_events(session_factory: Factory, vault: Vault) -> None:
    await add_user(session_factory, vault)
    async with transaction(session_factory) as store:
        assert not await store.own_events.contains("alice", "uid-1")
        await store.own_events.add("alice", "uid-1", now=NOW)
        await store.own_events.add("alice", "uid-1", now=NOW)  # idempotent
        await store.own_events.add("alice", "uid-2", now=NOW)
        assert await store.own_events.contains("alice", "uid-1")
        assert not await store.own_events.contains("bob", "uid-1")
        marks = (await store.own_events.marks({"alice": NOW}))["alice"]
        assert marks.made == {"uid-1", "uid-2"} and not marks.held
        # a change through the bot holds its events quiet until the hold ends or is released
        later = NOW + timedelta(minutes=2)
        await store.own_events.hold("alice", ["uid-2", "uid-3"], until=later, now=NOW)
        marks = (await store.own_events.marks({"alice": NOW}))["alice"]
        assert marks.made == {"uid-1", "uid-2", "uid-3"} and marks.held == {"uid-2", "uid-3"}
        # several users in one read, each as of the time of their own poll
        both = await store.own_events.marks({"alice": later, "bob": NOW})
        assert not both["alice"].held and both["alice"].made == {"uid-1", "uid-2", "uid-3"}
        assert not both["bob"].made
        await store.own_events.release("alice", ["uid-3"])
        assert (await store.own_events.marks({"alice": NOW}))["alice"].held == {"uid-2"}


async def test_scheduler_state_values_and_ticks(session_factory: Factory) -> None:
    t1, t2, t3 = NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)
    async with transaction(session_factory) as store:
        assert await store.scheduler.get("reminders") is None
        await store.scheduler.set_value("version", "1", now=NOW)
        await store.scheduler.set_value("version", "2", now=t2)
        await store.scheduler.set_tick("digest", t1, now=t1)
        await store.scheduler.set_tick("digest", t2, now=t2)
        version = await store.scheduler.get("version")
        digest = await store.scheduler.get("digest")
    assert version is not None and (version.value, version.last_tick_at) == ("2", None)
    assert digest is not None and (digest.last_tick_at, digest.updated_at) == (t2, t2)
    async with transaction(session_factory) as store:
        assert await store.scheduler.advance_tick("reminders", expected=None, new=t1, now=t1)
        assert not await store.scheduler.advance_tick("reminders", expected=None, new=t2, now=t2)
        assert await store.scheduler.advance_tick("reminders", expected=t1, new=t2, now=t2)
        assert not await store.scheduler.advance_tick("reminders", expected=t1, new=t3, now=t3)
        # A value-only entry has no tick yet: expected=None claims it.
        assert await store.scheduler.advance_tick("version", expected=None, new=t3, now=t3)
        reminders = await store.scheduler.get("reminders")
    assert reminders is not None and reminders.last_tick_at == t2


async def test_a_muted_calendar_stays_muted_across_rediscovery_and_its_rows_say_so(
    session_factory: Factory, vault: Vault
) -> None:
    """Muting is the person's choice (migration 0007): re-discovery keeps it, and the
    reminder tick's rows carry it (outer join: a row of an unknown calendar is not muted)."""
    await add_user(session_factory, vault)
    work = CalendarRef(HREF, "Work")
    holidays = CalendarRef("/c/holidays/", "Holidays")
    async with transaction(session_factory) as store:
        await store.calendars.replace("alice", [work, holidays])
        assert await store.calendars.set_muted("alice", "/c/holidays/", True)
        assert not await store.calendars.set_muted("alice", "/nope/", True)
        await store.calendars.replace("alice", [work, CalendarRef("/c/holidays/", "Праздники")])
        listed = await store.calendars.list_for("alice")
        soon = NOW + timedelta(minutes=15)
        for href in (HREF, "/c/holidays/", "/c/gone/"):
            row = replace(occurrence(f"u-{href}", soon), calendar_href=href)
            await store.snapshot.replace_calendar("alice", href, [row], now=NOW)
        due = await store.snapshot.reminders_due(NOW + timedelta(days=1))
    assert [c.muted for c in listed] == [False, True]
    assert listed[1].name == "Праздники"
    assert {r.candidate.occurrence.calendar_href: r.candidate.muted for r in due} == {
        HREF: False,
        "/c/holidays/": True,
        "/c/gone/": False,
    }
