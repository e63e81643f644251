"""A fast-forward in the sandbox lets the bot live through every minute it skips, in order:
a reminder and a start notice inside the jump come at their minutes, not marked late."""

from __future__ import annotations

import time as wall
import uuid
from datetime import timedelta
from pathlib import Path

import aiohttp

from calendar_bot.i18n import t, tn
from calendar_bot.sandbox.demo import DEMO_USERS, DEMO_ZONE
from calendar_bot.sandbox.runner import Sandbox, clock_starting_at
from tests.sandbox.client import SandboxPerson, advance_clock, clock_now, eventually, invitation_ics


async def test_a_jump_over_a_reminder_and_a_start_delivers_both_on_their_minutes(
    tmp_path: Path,
) -> None:
    bob = next(u for u in DEMO_USERS if u.locale == "en")
    sandbox = Sandbox(data_dir=tmp_path / "sb", users=(bob,), clock=clock_starting_at("07:00"))
    await sandbox.start()
    try:
        info = sandbox.summary()
        mm_url = info["mattermost_url"]
        async with aiohttp.ClientSession() as http:
            person = SandboxPerson(http, mm_url, info["caldav_url"], info["users"][0])
            try:
                await person.sign_in(info["bot_username"])
                await person.connect_calendar()
                now = await clock_now(http, mm_url)
                start = now.astimezone(DEMO_ZONE).replace(second=0, microsecond=0)
                start += timedelta(minutes=40)
                uid = f"jump-{uuid.uuid4().hex}"
                ics = invitation_ics(uid, "Jump check", start, person.login["caldav_username"])
                assert await person.put_event("work", uid, ics) == 201
                await advance_clock(http, mm_url, 1)  # the poll sees it: the invitation

                began = wall.monotonic()
                await advance_clock(http, mm_url, 60)  # one click over both moments
                stepped_60 = wall.monotonic() - began

                soon = t(
                    "en",
                    "remind.soon",
                    title="Jump check",
                    in_minutes=tn("en", "plural.in_minutes", 15),
                )
                now_ = t("en", "remind.now", title="Jump check")

                async def both() -> list[str] | None:
                    texts = [p["message"] for p in await person.bot_posts()]
                    about = [m for m in texts if "Jump check" in m]
                    has = any(soon in m for m in about) and any(now_ in m for m in about)
                    return about if has else None

                about = await eventually(both, within=30, what="the reminder and start notice")
                assert not any(t("en", "remind.late") in m for m in about), about
                assert sum(soon in m for m in about) == 1 and sum(now_ in m for m in about) == 1

                began = wall.monotonic()
                await advance_clock(http, mm_url, 24 * 60)
                stepped_day = wall.monotonic() - began
                print(f"fast-forward: 60 min in {stepped_60:.2f} s, 1 day in {stepped_day:.1f} s")
                assert stepped_day < 120  # bounded: a day is 1,440 ticks
                assert (await clock_now(http, mm_url)) - now > timedelta(hours=24)
            finally:
                await person.close()
    finally:
        await sandbox.stop()
