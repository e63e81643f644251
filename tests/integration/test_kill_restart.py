"""Exactly once under crashes: a bot process (the real scheduler, reminder and delivery
services on a shared SQLite file, posting to the Mattermost emulator in this process) is
killed with SIGKILL at random points over 50 cycles and restarted each time. Every due
reminder is posted exactly once, counted in the emulator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from calendar_bot.domain.model import Occurrence, UserSettings
from calendar_bot.storage.db import create_engine, migrate, session_factory
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.tables import OUTBOX_PENDING, outbox
from calendar_bot.vault import Vault
from mm_sandbox import Emulator

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
# Near the real time: the emulator stamps posts with the real clock, and a retried row is
# looked up among the posts since it was queued (with a day of allowance for clock skew).
T0 = datetime.now(UTC).replace(second=0, microsecond=0)
USERS = 12
MEETINGS = 18  # per user, every 2 minutes from T0 + 16 min: reminders at every minute
CYCLES = 50
FINAL = T0 + timedelta(minutes=16 + 2 * (MEETINGS - 1) + 4)  # past every start and lease


def meeting_start(k: int) -> datetime:
    return T0 + timedelta(minutes=16 + 2 * k)


class ForkServer:
    """The worker process factory (see reminder_worker.py)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.live: int | None = None

    @classmethod
    async def start(cls, *args: str, stderr: Path) -> ForkServer:
        with stderr.open("wb") as err:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.integration.reminder_worker",
                *args,
                cwd=ROOT,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
            )
        server = cls(process)
        assert await server._line(30) == "ready"
        return server

    async def _line(self, within: float) -> str:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), within)
        return raw.decode().strip()

    async def fork(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(b"fork\n")
        await self.process.stdin.drain()
        self.live = int(await self._line(10))
        return self.live

    async def kill(self) -> None:
        """SIGKILL the live worker and wait until it is gone."""
        pid, self.live = self.live, None
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            if loop.time() > deadline:
                raise AssertionError(f"worker {pid} survived SIGKILL")
            await asyncio.sleep(0.005)

    async def close(self) -> None:
        if self.live is not None:
            await self.kill()
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        await self.process.wait()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    e = Emulator()
    await e.start()
    yield e
    await e.stop()


async def wait_for(probe: Any, what: str, within: float = 20.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await probe()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def tick_reached(sessions: Any) -> Any:
    """`await ticked(mark)`: whether the workers' reminder tick has handled `mark`."""

    async def ticked(mark: datetime) -> bool:
        async with transaction(sessions) as store:
            entry = await store.scheduler.get("reminders")
        return bool(entry and entry.last_tick_at and entry.last_tick_at >= mark)

    return ticked


def clock_setter(clock_file: Path) -> Any:
    """`set_clock(moment)`: the time every worker reads from `clock_file`."""

    def set_clock(moment: datetime) -> None:
        tmp = clock_file.with_suffix(".tmp")
        tmp.write_text(moment.isoformat())
        tmp.replace(clock_file)  # atomic: a worker never reads half a timestamp

    return set_clock


async def last_life(
    server: ForkServer, sessions: Any, now: datetime, final: datetime, set_clock: Any
) -> None:
    """One last life, long enough to finish: every minute to `final` (past the lease of any
    row a killed worker had claimed), then until the outbox has nothing pending."""
    ticked = tick_reached(sessions)
    await server.fork()
    while now < final:
        await wait_for(lambda now=now: ticked(now), f"the tick at {now:%H:%M}")
        now += timedelta(minutes=1)
        set_clock(now)
    await wait_for(lambda: ticked(final), "the final tick")

    async def drained() -> bool:
        async with transaction(sessions) as store:
            query = select(func.count()).select_from(outbox)
            pending = (
                await store.session.execute(query.where(outbox.c.status == OUTBOX_PENDING))
            ).scalar_one()
        return pending == 0

    await wait_for(drained, "the outbox to drain", within=30)
    await server.kill()


async def test_sigkill_at_random_points_sends_every_reminder_exactly_once(
    emulator: Emulator, tmp_path: Path
) -> None:
    rng = random.Random(os.environ.get("CRASH_TEST_SEED", "20261130"))
    bot, token = emulator.create_bot("calendar-bot")
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    engine = create_engine(db_url)
    await migrate(engine)
    sessions = session_factory(engine)
    clock_file = tmp_path / "clock"
    clock_file.write_text(T0.isoformat())

    channels: dict[str, str] = {}
    secret = Vault.from_setting("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").encrypt("x")
    async with transaction(sessions) as store:
        for n in range(USERS):
            uid = str(emulator.create_user(f"crash{n}", locale="en", timezone="UTC")["id"])
            channels[emulator.dm_channel_id(str(bot["id"]), uid)] = uid
            await store.users.upsert(
                mm_user_id=uid,
                email=f"crash{n}@example.test",
                caldav_base_url="http://127.0.0.1:9",
                caldav_username=f"crash{n}@example.test",
                password_enc=secret,
                now=T0,
                settings=UserSettings(locale="en", timezone="UTC", reminder_leads=(15, 0)),
            )
            await store.users.mark_baseline_done(uid, now=T0)
            meetings = [
                Occurrence(
                    calendar_href=f"/crash{n}/work/",
                    uid=f"u{n}m{k}",
                    recurrence_id="",
                    title=f"Meeting {n}-{k}",
                    start=meeting_start(k),
                    end=meeting_start(k) + timedelta(minutes=10),
                )
                for k in range(MEETINGS)
            ]
            await store.snapshot.replace_calendar(uid, f"/crash{n}/work/", meetings, now=T0)

    ticked = tick_reached(sessions)
    set_clock = clock_setter(clock_file)

    server = await ForkServer.start(
        db_url, emulator.base_url, token, str(clock_file), stderr=tmp_path / "worker.log"
    )

    async def holding_rows(within: float) -> None:
        """Until a worker holds a claimed, unsent row (or `within` seconds pass)."""
        deadline = asyncio.get_running_loop().time() + within
        held = outbox.c.claimed_by.is_not(None) & (outbox.c.status == OUTBOX_PENDING)
        while asyncio.get_running_loop().time() < deadline:
            async with transaction(sessions) as store:
                query = select(func.count()).select_from(outbox).where(held)
                if (await store.session.execute(query)).scalar_one():
                    return
            await asyncio.sleep(0.002)

    started = asyncio.get_running_loop().time()
    now = T0
    try:
        for cycle in range(CYCLES):
            await server.fork()
            # The restarted worker catches up on the current minute first...
            await wait_for(lambda now=now: ticked(now), f"the catch-up tick at {now:%H:%M}")
            # ...then a minute passes and it is killed somewhere in that minute's work: at a
            # random moment, or (every third cycle) as soon as it holds rows, so that some
            # kills land mid-delivery however fast this machine delivers.
            now += timedelta(minutes=1)
            set_clock(now)
            if cycle % 3 == 0:
                await holding_rows(within=0.5)
            else:
                await asyncio.sleep(rng.uniform(0.0, 0.4))
            await server.kill()
        await last_life(server, sessions, now, FINAL, set_clock)
    finally:
        await server.close()
    elapsed = asyncio.get_running_loop().time() - started

    async with transaction(sessions) as store:
        rows = (await store.session.execute(select(outbox))).mappings().all()
    await engine.dispose()

    posts = [p for c in channels for p in emulator.posts_in_channel(c)]

    def row_keys(post: dict[str, Any]) -> list[str]:
        props = post.get("props") or {}
        return list(props.get("calendar_bot_keys") or [props.get("calendar_bot_key")])

    # A post may join the notices due in one minute: count notices, not posts.
    keys = Counter(key for p in posts for key in row_keys(p) if not key.startswith("group:"))
    # (channel, bell, title): a reminder posted a minute late says "in 14 minutes", a start
    # notice posted late says "in progress since": what each is about must be exact.
    texts = Counter(
        (p["channel_id"], bell, title)
        for p in posts
        for bell, title in re.findall(r"^(⏰|🔔) \*\*(.+?)\*\*", p["message"], re.MULTILINE)
    )
    expected = {
        (channel, bell, f"Meeting {n}-{k}")
        for channel, uid in channels.items()
        for n in [int(emulator.user(uid)["username"].removeprefix("crash"))]
        for k in range(MEETINGS)
        for bell in ("⏰", "🔔")
    }
    retried = sum(1 for r in rows if r["attempts"] > 1)
    creates = sum(1 for r in emulator.requests if r.method == "POST" and r.path == "/api/v4/posts")
    lookups = sum(1 for r in emulator.requests if r.method == "GET" and r.path.endswith("/posts"))
    log.warning(
        "%d SIGKILL cycles in %.1fs: %d reminders posted for %d due; %d rows claimed more than "
        "once (a worker died holding them); %d create requests reached the server for %d "
        "posts; %d look-ups of an earlier post by its key",
        CYCLES,
        elapsed,
        sum(texts.values()),
        len(expected),
        retried,
        creates,
        len(posts),
        lookups,
    )
    duplicates = {k: c for k, c in keys.items() if c > 1}
    assert duplicates == {}, f"posted more than once: {duplicates}"
    assert set(texts) == expected, set(texts) ^ expected
    assert all(c == 1 for c in texts.values())
    assert sum(texts.values()) == len(expected) == USERS * MEETINGS * 2
    assert len(keys) == len(rows)
    assert all(r["status"] == "sent" and r["post_id"] for r in rows)
    assert {r["post_id"] for r in rows} == {p["id"] for p in posts}
    assert retried > 0, "no kill landed while a worker held rows: the test proved nothing"
