"""Issue 20: a meeting put into the calendar from outside right after connecting is announced,
reminded and started, each exactly once.

The issue's steps, through the sandbox's own HTTP surface only: sign in, write to the bot,
connect through the dialog, wait for the "connected" post, PUT an invitation straight into
Radicale (DTSTART 41 minutes after the sandbox clock's now), advance `/sandbox/clock` by one
minute four times. Twenty runs: four sandboxes at different clock positions (now, the time of
day of the report, just before midnight UTC and just before midnight in Moscow), five people
in each, each putting their meeting at a different offset from their "connected" post:
immediately, 50 ms, 300 ms and 1 s after it (the span in which the old code ran its silent
baseline poll, after the post) and after the first regular poll. The people are independent:
own Mattermost user, own CalDAV login and calendars, own meeting.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import aiohttp
import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.i18n import t
from calendar_bot.sandbox.demo import DemoUser
from calendar_bot.sandbox.runner import Sandbox
from tests.sandbox.client import (
    Post,
    SandboxPerson,
    advance_clock,
    clock_now,
    eventually,
    invitation_ics,
)

LEAD = timedelta(minutes=41)
OFFSETS: tuple[float | None, ...] = (0.0, 0.05, 0.3, 1.0, None)  # None: after a regular poll
PEOPLE = tuple(
    DemoUser(
        f"run{i}",
        f"run{i}-demo",
        "ru" if i % 2 else "en",
        f"run{i}@sandbox.test",
        f"run{i}-app-pass",
        "Run",
        str(i),
    )
    for i in range(1, len(OFFSETS) + 1)
)
POSITIONS = {
    "now": None,
    "02:25 UTC, as reported": time(2, 25),
    "23:40 UTC, the meeting is tomorrow in UTC": time(23, 40),
    "20:45 UTC, the meeting is tomorrow in Moscow": time(20, 45),
}


def _prefix(locale: str, key: str, title: str) -> str:
    """The start of a catalog text for this title (what follows the title may vary)."""
    return t(locale, key, title=title, in_minutes="\x00").split("\x00")[0].rstrip()


class Run:
    def __init__(self, person: SandboxPerson, offset: float | None) -> None:
        self.person = person
        self.offset = offset
        self.title = f"Vendor sync {person.login['username']}"
        self.start: datetime | None = None
        locale = person.login["locale"]
        self.kinds = {
            "invitation": _prefix(locale, "notify.invitation", self.title),
            "reminder": _prefix(locale, "remind.soon", self.title),
            "start": _prefix(locale, "remind.now", self.title),
        }

    async def put(self, mm_url: str) -> None:
        now = await clock_now(self.person.http, mm_url)
        uid = f"vendor-{uuid.uuid4().hex}"
        self.start = now + LEAD
        ics = invitation_ics(uid, self.title, self.start, self.person.login["caldav_username"])
        assert await self.person.put_event("work", uid, ics) == 201

    async def counts(self) -> dict[str, int]:
        posts: list[Post] = await self.person.bot_posts()
        about = [p["message"] for p in posts if self.title in p.get("message", "")]
        counts = {kind: sum(m.startswith(p) for m in about) for kind, p in self.kinds.items()}
        counts["other notices"] = sum(
            m.startswith(prefix)
            for m in about
            for key in ("notify.new", "notify.cancelled", "notify.moved", "notify.updated")
            for prefix in [_prefix(self.person.login["locale"], key, self.title)]
        )
        return counts


async def _until(http: aiohttp.ClientSession, mm_url: str, moment: datetime) -> None:
    """Advance the clock to `moment` or just past it: one jump to three minutes before, then
    minute by minute, so the scheduler ticks every minute mark on the way."""
    now = await clock_now(http, mm_url)
    jump = int((moment - now).total_seconds() // 60) - 3
    if jump >= 1:
        await advance_clock(http, mm_url, jump)
    while await clock_now(http, mm_url) < moment:
        await advance_clock(http, mm_url, 1)
        await asyncio.sleep(0.3)


async def _wait_all(runs: Sequence[Run], kind: str, within: float = 30.0) -> None:
    """Until every run has its `kind` notice, or the deadline: the final assertion then
    shows every run's counts, not only the first one missing."""

    async def arrived() -> bool:
        counts = [await r.counts() for r in runs]
        return all(c[kind] >= 1 for c in counts)

    with contextlib.suppress(AssertionError):
        await eventually(arrived, within=within, what=f"every {kind} notice")


def _clock(position: time | None) -> ManualClock:
    if position is None:
        return ManualClock(running=True)
    day = datetime.now(UTC).date()
    return ManualClock(datetime.combine(day, position, UTC), running=True)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("position", list(POSITIONS.values()), ids=list(POSITIONS))
async def test_meeting_put_from_outside_is_announced_reminded_and_started_once(
    position: time | None, tmp_path: Path
) -> None:
    sandbox = Sandbox(data_dir=tmp_path / "sandbox", users=PEOPLE, clock=_clock(position))
    await sandbox.start()
    try:
        info = sandbox.summary()
        mm_url, caldav_url = info["mattermost_url"], info["caldav_url"]
        async with aiohttp.ClientSession() as http:
            people = [SandboxPerson(http, mm_url, caldav_url, login) for login in info["users"]]
            runs = [Run(p, o) for p, o in zip(people, OFFSETS, strict=True)]
            try:
                for person in people:
                    await person.sign_in(info["bot_username"])

                async def connect_then_put(run: Run) -> None:
                    await run.person.connect_calendar()
                    if run.offset is not None:
                        await asyncio.sleep(run.offset)
                        await run.put(mm_url)

                await asyncio.gather(*(connect_then_put(r) for r in runs))
                for step in range(4):  # the four one-minute steps, a moment apart
                    await advance_clock(http, mm_url, 1)
                    if step == 0:
                        for run in runs:
                            if run.offset is None:
                                await run.put(mm_url)  # after the baseline and a regular poll
                    await asyncio.sleep(0.5)
                await _wait_all(runs, "invitation")

                starts = [r.start for r in runs if r.start is not None]
                await _until(http, mm_url, max(starts) - timedelta(minutes=14))
                await _wait_all(runs, "reminder")
                await _until(http, mm_url, max(starts) + timedelta(seconds=30))
                await _wait_all(runs, "start")
                await asyncio.sleep(3)  # room for a duplicate to show up

                counts = {r.person.login["username"]: await r.counts() for r in runs}
                expected = {"invitation": 1, "reminder": 1, "start": 1, "other notices": 0}
                assert counts == {name: expected for name in counts}
            finally:
                for person in people:
                    await person.close()
    finally:
        await sandbox.stop()
