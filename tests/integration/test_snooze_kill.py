"""Snoozes exactly once across SIGKILL restarts (issue 18 acceptance): snoozed reminders are
in the outbox for their moments; a bot process (the real scheduler, reminder and delivery
services, tests/integration/reminder_worker.py) is killed with SIGKILL at random points,
minute after minute, and restarted each time. Every snooze is posted exactly once; the ones
whose meeting moved while they waited (a poll wrote the new start meanwhile) never."""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from calendar_bot.domain.model import Occurrence, UserSettings
from calendar_bot.domain.notices import Snoozed
from calendar_bot.services.delivery import OBSOLETE_SNOOZE
from calendar_bot.services.notices import outbox_item
from calendar_bot.storage.db import create_engine, migrate, session_factory
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.tables import outbox
from calendar_bot.vault import Vault
from mm_sandbox import Emulator
from tests.integration.test_kill_restart import (
    T0,
    ForkServer,
    clock_setter,
    emulator,
    last_life,
    tick_reached,
    wait_for,
)

__all__ = ["emulator"]  # the fixture, shared with the reminder crash test

USERS = 6
SNOOZES = 8  # per user: one a minute from T0 + 2 min
CYCLES = 14
MOVED = {3, 6}  # the meetings moved while their snooze waits
FINAL = T0 + timedelta(minutes=2 + SNOOZES + 4)  # past every snooze and any lease


def fires(k: int) -> Any:
    return T0 + timedelta(minutes=2 + k)


def meeting(n: int, k: int, *, moved: bool = False) -> Occurrence:
    start = T0 + timedelta(minutes=30 + 2 * k + (60 if moved else 0))
    return Occurrence(
        calendar_href=f"/snz{n}/work/",
        uid=f"s{n}m{k}",
        recurrence_id="",
        title=f"Meeting {n}-{k}",
        start=start,
        end=start + timedelta(minutes=10),
    )


async def test_snoozes_survive_sigkill_once_and_a_moved_meeting_drops_its_snooze(
    emulator: Emulator, tmp_path: Path
) -> None:
    rng = random.Random(os.environ.get("CRASH_TEST_SEED", "20261203"))
    bot, token = emulator.create_bot("calendar-bot")
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    engine = create_engine(db_url)
    await migrate(engine)
    sessions = session_factory(engine)
    clock_file = tmp_path / "clock"
    clock_file.write_text(T0.isoformat())

    channels: dict[str, str] = {}
    wanted: dict[str, str] = {}  # key -> channel, of the snoozes that must come once
    dropped: set[str] = set()
    secret = Vault.from_setting("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").encrypt("x")
    async with transaction(sessions) as store:
        for n in range(USERS):
            uid = str(emulator.create_user(f"snz{n}", locale="en", timezone="UTC")["id"])
            channel = emulator.dm_channel_id(str(bot["id"]), uid)
            channels[channel] = uid
            await store.users.upsert(
                mm_user_id=uid,
                email=f"snz{n}@example.test",
                caldav_base_url="http://127.0.0.1:9",
                caldav_username=f"snz{n}@example.test",
                password_enc=secret,
                now=T0,
                # no leads of their own: every post is a snooze
                settings=UserSettings(locale="en", timezone="UTC", reminder_leads=()),
            )
            await store.users.mark_baseline_done(uid, now=T0)
            meetings = [meeting(n, k) for k in range(SNOOZES)]
            await store.snapshot.replace_calendar(uid, f"/snz{n}/work/", meetings, now=T0)
            items = [
                outbox_item(uid, Snoozed(m, fires_at=fires(k), start=m.start), due_at=fires(k))
                for k, m in enumerate(meetings)
            ]
            await store.outbox.enqueue(items, now=T0)
            for k, item in enumerate(items):
                if k in MOVED:
                    dropped.add(item.idempotency_key)
                else:
                    wanted[item.idempotency_key] = channel

    ticked = tick_reached(sessions)
    set_clock = clock_setter(clock_file)

    async def move_meetings() -> None:
        """What a poll does when the meetings moved: the snapshot gets the new starts."""
        async with transaction(sessions) as store:
            for n, uid in enumerate(channels.values()):
                meetings = [meeting(n, k, moved=k in MOVED) for k in range(SNOOZES)]
                await store.snapshot.replace_calendar(uid, f"/snz{n}/work/", meetings, now=T0)

    server = await ForkServer.start(
        db_url, emulator.base_url, token, str(clock_file), stderr=tmp_path / "worker.log"
    )
    now = T0
    try:
        for cycle in range(CYCLES):
            await server.fork()
            await wait_for(lambda now=now: ticked(now), f"the catch-up tick at {now:%H:%M}")
            if cycle == 2:  # before the first moved meeting's snooze (T0 + 5 min) is due
                await move_meetings()
            now += timedelta(minutes=1)
            set_clock(now)
            await asyncio.sleep(rng.uniform(0.0, 0.4))
            await server.kill()
        await last_life(server, sessions, now, FINAL, set_clock)
    finally:
        await server.close()

    async with transaction(sessions) as store:
        rows = (await store.session.execute(select(outbox))).mappings().all()
    await engine.dispose()
    posts = [p for c in channels for p in emulator.posts_in_channel(c)]

    def row_keys(post: dict[str, Any]) -> list[str]:
        props = post.get("props") or {}
        return list(props.get("calendar_bot_keys") or [props.get("calendar_bot_key")])

    keys = Counter(key for p in posts for key in row_keys(p) if not key.startswith("group:"))
    assert {k: c for k, c in keys.items() if c > 1} == {}, "a snooze was posted twice"
    assert set(keys) == set(wanted), set(keys) ^ set(wanted)
    for post in posts:
        for key in row_keys(post):
            if key in wanted:
                assert post["channel_id"] == wanted[key]
    status = {r["idempotency_key"]: (r["status"], r["last_error"] or "") for r in rows}
    assert all(status[k][0] == "sent" for k in wanted)
    assert all(status[k] == ("failed", OBSOLETE_SNOOZE) for k in dropped), status
