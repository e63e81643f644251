"""Issue 20 on the real clock: no fast-forward, no direct sync call. A meeting put into the
calendar right after the "connected" post is found by the regular poll and announced once,
then reminded and started once, at their minute marks.

The bot runs on SystemClock with its shortest poll interval (10 s) and a one-minute reminder
lead, so the whole story fits in about two and a half minutes of real time.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calendar_bot.clock import SystemClock
from calendar_bot.i18n import t
from calendar_bot.scheduler import floor_minute
from tests.e2e.harness import Person, World, eventually, start_world, stop_world
from tests.sandbox.client import invitation_ics
from tests.support.servers import CalDAVServer

OFFSETS = (0.0, 1.0)  # seconds after the "connected" post


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(
        radicale, tmp_path, clock=SystemClock(), CHECK_INTERVAL=10, REMINDER_MINUTES=1
    )
    yield w
    await stop_world(w)


def _count(messages: list[str], locale: str, key: str, title: str) -> int:
    prefix = t(locale, key, title=title, in_minutes="\x00").split("\x00")[0].rstrip()
    return sum(m.startswith(prefix) for m in messages)


async def _messages(person: Person, title: str) -> list[str]:
    return [p["message"] for p in await person.bot_posts() if title in p.get("message", "")]


@pytest.mark.timeout(300)
async def test_meeting_put_right_after_connecting_is_announced_by_the_regular_poll(
    world: World,
) -> None:
    # Far enough ahead that the reminder (a minute before) falls after the first regular
    # poll, and on a minute mark so the start notice is due at a known tick.
    start = floor_minute(datetime.now(UTC) + timedelta(seconds=100)) + timedelta(minutes=1)
    stories: list[tuple[Person, str]] = []

    async def one(offset: float) -> None:
        person, credentials, calendar = await world.person("invitee", locale="en")
        await world.connect(person, credentials)  # returns once "connected" is posted
        await asyncio.sleep(offset)
        uid = f"vendor-{uuid.uuid4().hex}"
        title = f"Vendor sync {uid[-6:]}"
        ics = invitation_ics(uid, title, start, credentials.username)
        world.radicale.put_ics(credentials, calendar, ics, uid)
        stories.append((person, title))

    await asyncio.gather(*(one(offset) for offset in OFFSETS))

    async def told(key: str) -> bool:
        for person, title in stories:
            if not _count(await _messages(person, title), "en", key, title):
                return False
        return True

    await eventually(lambda: told("notify.invitation"), within=40, what="the invitations")
    wait_for_start = (start - datetime.now(UTC)).total_seconds() + 40
    await eventually(lambda: told("remind.soon"), within=wait_for_start, what="the reminders")
    await eventually(lambda: told("remind.now"), within=wait_for_start, what="the start notices")
    await asyncio.sleep(3)  # room for a duplicate
    for person, title in stories:
        messages = await _messages(person, title)
        counts = [
            _count(messages, "en", key, title)
            for key in ("notify.invitation", "remind.soon", "remind.now")
        ]
        assert counts == [1, 1, 1], messages
