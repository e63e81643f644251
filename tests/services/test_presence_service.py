"""Presence over the real store with a recording gateway: several replicas ticking at once set
and restore a person's status exactly once, and a replica that decided on an older row does
nothing twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import PresenceMode, UserSettings
from calendar_bot.domain.presence import DND, CustomStatus, Seen
from calendar_bot.services.context import Context
from calendar_bot.services.presence import PresenceService
from calendar_bot.storage.repositories import transaction, unit_of_work
from calendar_bot.vault import Vault
from tests.storage.helpers import HREF, NOW, add_user, occurrence

Factory = async_sessionmaker[AsyncSession]


class Recorder:
    """A Mattermost that keeps one person's status and records every change; each change
    takes a moment, so that replicas overlap."""

    def __init__(self) -> None:
        self.custom: CustomStatus | None = CustomStatus("house", "Working from home")
        self.status = "online"
        self.calls: list[tuple[str, Any]] = []

    async def may_set_presence(self) -> bool:
        return True

    async def seen(self, user_id: str) -> Seen:
        return Seen(self.custom, self.status)

    async def set_custom_status(self, user_id: str, status: CustomStatus) -> None:
        await asyncio.sleep(0.05)
        self.calls.append(("custom", status.text))
        self.custom = status

    async def clear_custom_status(self, user_id: str) -> None:
        await asyncio.sleep(0.05)
        self.calls.append(("clear", None))
        self.custom = None

    async def set_status(self, user_id: str, status: str, dnd_end: datetime | None = None) -> None:
        await asyncio.sleep(0.05)
        self.calls.append(("status", status))
        self.status = status


async def test_replicas_set_and_restore_exactly_once(
    session_factory: Factory, vault: Vault
) -> None:
    settings = UserSettings(timezone="Europe/Moscow", presence=PresenceMode.STATUS_DND)
    await add_user(session_factory, vault, settings=settings)
    meeting = occurrence("m", NOW)  # NOW .. NOW + 30 min, accepted
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar("alice", HREF, [meeting], now=NOW)
    gateway = Recorder()
    none: Any = None

    def replica() -> PresenceService:
        ctx = Context(
            ManualClock(NOW), vault, unit_of_work(session_factory), none, none, "https://x"
        )
        return PresenceService(ctx, gateway)

    replicas = [replica() for _ in range(3)]
    await asyncio.gather(*(r.tick(NOW) for r in replicas))
    assert gateway.calls == [("custom", "На встрече до 09:30"), ("status", DND)]
    await asyncio.gather(*(r.tick(NOW + timedelta(minutes=1)) for r in replicas))
    assert len(gateway.calls) == 2  # nothing twice, nothing new

    end = meeting.end
    await asyncio.gather(*(r.tick(end) for r in replicas))
    assert gateway.calls[2:] == [("custom", "Working from home"), ("status", "online")]
    assert gateway.custom == CustomStatus("house", "Working from home")
    async with transaction(session_factory) as store:
        assert await store.presence.held() == {}


async def test_a_replica_deciding_on_an_old_row_does_nothing_twice(
    session_factory: Factory, vault: Vault
) -> None:
    """One replica read the rows before another set the status; it claims after that one
    released, decides again from the stored row, and leaves the status as it is."""
    settings = UserSettings(presence=PresenceMode.STATUS)
    await add_user(session_factory, vault, settings=settings)
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar("alice", HREF, [occurrence("m", NOW)], now=NOW)
    gateway = Recorder()
    none: Any = None
    ctx = Context(ManualClock(NOW), vault, unit_of_work(session_factory), none, none, "https://x")
    first, late = PresenceService(ctx, gateway), PresenceService(replace(ctx), gateway)
    await first.tick(NOW)
    async with transaction(session_factory) as store:
        user = await store.users.get("alice")
    assert user is not None
    # What `late` would do from its old read (no row yet): start. Under the claim it sees one.
    assert await late._act("alice", user, occurrence("m", NOW).end, NOW) is False
    assert [c[0] for c in gateway.calls] == ["custom"]


class DiesAfterSetting(Recorder):
    """The replica dies right after Mattermost took its status (before it saved anything)."""

    async def set_custom_status(self, user_id: str, status: CustomStatus) -> None:
        await super().set_custom_status(user_id, status)
        if len(self.calls) == 1:
            raise RuntimeError("killed")


async def test_a_replica_dying_mid_change_never_restores_the_bots_own_status(
    session_factory: Factory, vault: Vault
) -> None:
    """What to restore was stored before the change: the next replica, once the claim ran
    out, neither sets the status again nor takes the bot's status for the person's own."""
    await add_user(session_factory, vault, settings=UserSettings(presence=PresenceMode.STATUS))
    meeting = occurrence("m", NOW)
    async with transaction(session_factory) as store:
        await store.snapshot.replace_calendar("alice", HREF, [meeting], now=NOW)
    gateway = DiesAfterSetting()
    none: Any = None
    ctx = Context(ManualClock(NOW), vault, unit_of_work(session_factory), none, none, "https://x")
    await PresenceService(ctx, gateway).tick(NOW)  # logged, not raised
    other = PresenceService(replace(ctx), gateway)
    await other.tick(NOW + timedelta(minutes=1))  # still claimed by the dead one
    await other.tick(NOW + timedelta(minutes=3))  # claim ran out: nothing to do
    assert [c[0] for c in gateway.calls] == ["custom"]
    await other.tick(meeting.end)
    assert gateway.calls[-1] == ("custom", "Working from home")
