"""500 users with a meeting at the same time: every reminder is accepted by the Mattermost
emulator (rate limited like a real server, 10/s with a burst of 100) before the next minute
mark, with the bot's default rate limit settings. The snapshot is seeded through the
repositories (the reminder path never touches CalDAV), the DM channels are the ones a
running bot would have stored earlier."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import Occurrence, UserSettings
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import (
    World,
    eventually,
    start_world_default_limits,
    stop_world,
)
from tests.support.servers import CalDAVServer

log = logging.getLogger(__name__)

USERS = 500
MARK = datetime(2026, 11, 30, 9, 45, tzinfo=UTC)  # the reminders' minute
MEETING = MARK + timedelta(minutes=15)
FAR = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    # A clock that runs (real seconds pass), set just before the mark.
    clock = ManualClock(MARK - timedelta(minutes=5), running=True)
    w = await start_world_default_limits(radicale, tmp_path, clock=clock, CHECK_INTERVAL=3600)
    yield w
    await stop_world(w)


async def seed(world: World) -> dict[str, str]:
    """USERS users, connected earlier (baseline done, DM channel known), one meeting each."""
    bot_id = str(world.bot_user["id"])
    channels: dict[str, str] = {}
    now = world.bot.clock.now()
    secret = world.bot.vault.encrypt("unused")
    async with transaction(world.bot.sessions) as store:
        for n in range(USERS):
            user = world.emulator.create_user(f"load{n}", locale="en", timezone="UTC")
            uid = str(user["id"])
            channels[uid] = world.emulator.dm_channel_id(bot_id, uid)
            await store.users.upsert(
                mm_user_id=uid,
                email=f"load{n}@example.test",
                caldav_base_url=world.radicale.base_url,
                caldav_username=f"load{n}@example.test",
                password_enc=secret,
                now=now,
                # no morning agenda: it names the meeting too, and is not what is measured
                settings=UserSettings(
                    locale="en", timezone="UTC", reminder_leads=(15, 0), digest_enabled=False
                ),
            )
            await store.users.mark_baseline_done(uid, now=now)
            await store.users.schedule_poll(uid, FAR)  # these are not real CalDAV accounts
            await store.users.set_dm_channel(uid, channels[uid])
            href = f"/load{n}/work/"
            meeting = Occurrence(
                calendar_href=href,
                uid=f"m{n}",
                recurrence_id="",
                title=f"Meeting {n}",
                start=MEETING,
                end=MEETING + timedelta(minutes=30),
            )
            await store.snapshot.replace_calendar(uid, href, [meeting], now=now)
    return channels


async def test_500_reminders_in_the_same_minute_are_all_posted_within_it(world: World) -> None:
    settings = world.bot.settings
    assert settings.MM_RATE_LIMIT_PER_SEC == 10 and settings.MM_RATE_LIMIT_BURST == 100
    channels = await seed(world)
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.set(MARK - timedelta(seconds=1))  # the scheduler wakes at the mark by itself
    offset = clock.now() - datetime.now(UTC)  # simulated minus real time (constant)
    requests_before = len(world.emulator.requests)
    wanted = set(channels.values())
    started = time.monotonic()

    def reminder_posts() -> list[dict[str, object]]:
        return [
            p
            for p in world.emulator.store.posts.values()
            if p["channel_id"] in wanted and "Meeting" in str(p["message"])
        ]

    posts = await eventually(
        lambda: (found := reminder_posts()) and len(found) >= USERS and found,
        within=90,
        what=f"{USERS} reminder posts",
    )
    elapsed = time.monotonic() - started
    last_accepted = max(datetime.fromtimestamp(int(p["create_at"]) / 1000, UTC) for p in posts)
    first_accepted = min(datetime.fromtimestamp(int(p["create_at"]) / 1000, UTC) for p in posts)
    burst = world.emulator.requests[requests_before:]
    limited = sum(1 for r in burst if r.status == 429)
    lookups = sum(1 for r in burst if r.path.startswith("/api/v4/channels/direct"))
    log.warning(
        "%d reminders: first at +%.1fs, last at +%.1fs after the mark (%.1fs measured); "
        "%d requests, %d answered 429, %d channel lookups",
        len(posts),
        (first_accepted + offset - MARK).total_seconds(),
        (last_accepted + offset - MARK).total_seconds(),
        elapsed,
        len(burst),
        limited,
        lookups,
    )
    # Every user got exactly one post, and the last was accepted before the next mark.
    assert sorted(str(p["channel_id"]) for p in posts) == sorted(wanted)
    assert first_accepted + offset >= MARK  # not early either
    assert last_accepted + offset < MARK + timedelta(minutes=1)
    assert lookups == 0  # the stored DM channels spared a request per post
