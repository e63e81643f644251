"""Reminder punctuality: K reminders due at the same minute mark, through the whole bot.

    python -m bench.reminders --k 1000 [--rate-limit]

The real BotApp (MinuteScheduler -> ReminderService -> outbox -> DeliveryService ->
MattermostChat) runs here against the emulator in another process (bench/mm_server.py). The
bot's clock runs at real speed from an offset placing the minute mark a few seconds after the
start; each delay is the emulator's create_at of the post minus the real moment of the mark.
With --rate-limit the emulator limits like a default Mattermost (10/s, burst 100) and the bot
runs with its default limiter settings; without it both are off (the bot's set very high).
Prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import niquests
from cryptography.fernet import Fernet
from tests.support.servers import free_port

from bench.record import BENCH_NOW
from calendar_bot.app import BotApp
from calendar_bot.clock import ManualClock
from calendar_bot.config import load_settings
from calendar_bot.domain.model import CalendarRef, Occurrence, UserSettings
from calendar_bot.storage.db import create_engine, migrate, session_factory
from calendar_bot.storage.repositories import transaction
from calendar_bot.vault import Vault

MARK = BENCH_NOW + timedelta(hours=1)  # the minute mark at which every reminder falls due
# Three leads per person (issue 18 item 2); person i's meeting starts LEADS[i % 3] minutes
# after the mark, so a third of the 1,000 reminders due then are "in 1 h", a third "in 15
# min" and a third "starting now", and every meeting's other leads stay ahead in the index.
LEADS = (60, 15, 0)
LEAD = LEADS[1]
HREF = "https://caldav.example.test/{user}/work/"


async def seed(
    db_url: str,
    vault: Vault,
    people: list[list[str]],
    mark: datetime = MARK,
    leads: tuple[int, ...] = LEADS,
) -> None:
    """Each person, with three leads, has one meeting one of whose reminders falls due at
    `mark`."""
    engine = create_engine(db_url)
    await migrate(engine)
    sessions = session_factory(engine)
    settings = UserSettings(
        locale="en",
        timezone="Europe/Moscow",
        reminder_leads=leads,
        digest_enabled=False,
    )
    password_enc = vault.encrypt("unused")
    earlier = mark - timedelta(hours=1)
    for first in range(0, len(people), 500):
        async with transaction(sessions) as store:
            for index, (user_id, channel_id) in enumerate(people[first : first + 500], first):
                href = HREF.format(user=user_id)
                await store.users.upsert(
                    mm_user_id=user_id,
                    email=f"{user_id}@example.test",
                    caldav_base_url="https://caldav.example.test",
                    caldav_username=user_id,
                    password_enc=password_enc,
                    now=earlier,
                    settings=settings,
                )
                await store.users.mark_baseline_done(user_id, now=earlier)
                # not due for a poll during the bench: only reminders are measured
                await store.users.mark_polled(
                    user_id, polled_at=earlier, next_poll_at=mark + timedelta(days=1)
                )
                await store.users.set_dm_channel(user_id, channel_id)
                await store.calendars.replace(user_id, [CalendarRef(href=href, name="Work")])
                start = mark + timedelta(minutes=leads[index % len(leads)])
                await store.snapshot.replace_calendar(
                    user_id,
                    href,
                    [
                        Occurrence(
                            calendar_href=href,
                            uid=f"standup-{user_id}",
                            recurrence_id="",
                            title="Standup",
                            start=start,
                            end=start + timedelta(minutes=30),
                            event_href=href + "standup.ics",
                        )
                    ],
                    now=earlier,
                )
    await engine.dispose()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


ROOT = Path(__file__).resolve().parents[1]


def start_emulator(k: int, rate_limit: bool) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.mm_server", "--users", str(k)]
        + (["--rate-limit"] if rate_limit else []),
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )


async def run(
    k: int, rate_limit: bool, within: float, leads: tuple[int, ...] = LEADS
) -> dict[str, Any]:
    server = await asyncio.to_thread(start_emulator, k, rate_limit)
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        people: list[list[str]] = info["users"]
        tmp = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
        key = Fernet.generate_key().decode()
        vault = Vault.from_setting(key)
        db = tmp / "bot.db"
        await seed(f"sqlite+aiosqlite:///{db}", vault, people, leads=leads)
        port = free_port()
        limits: dict[str, Any] = (
            {} if rate_limit else {"MM_RATE_LIMIT_PER_SEC": 10000, "MM_RATE_LIMIT_BURST": 10000}
        )
        settings = load_settings(
            MATTERMOST_BASE_URL=info["url"],
            MATTERMOST_BOT_TOKEN=info["bot_token"],
            MM_ACTIONS_URL=f"http://127.0.0.1:{port}",
            ENCRYPTION_KEY=key,
            DB_PATH=str(db),
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=port,
            LOG_LEVEL="WARNING",
            **limits,
        )
        lead_in = 4.0
        clock = ManualClock(MARK - timedelta(seconds=lead_in), running=True)
        # real moment of the mark: the clock runs at real speed from here
        mark_real = time.time() + (MARK - clock.now()).total_seconds()
        bot = BotApp(settings, vault, clock=clock)
        await bot.start()
        try:
            deadline = time.monotonic() + lead_in + within
            posts: list[list[Any]] = []
            while time.monotonic() < deadline:
                await asyncio.sleep(1.0)
                if time.time() < mark_real:
                    continue
                posts = await asyncio.to_thread(_posts, info["control"])
                if len({p[0] for p in posts}) >= k:
                    break
            await asyncio.sleep(2.0)  # anything sent twice would show up now
            posts = await asyncio.to_thread(_posts, info["control"])
        finally:
            await bot.stop()
    finally:
        server.terminate()
        server.wait(10)
    per_channel = Counter(p[0] for p in posts)
    wanted = {dm for _user, dm in people}
    delays = [p[1] / 1000 - mark_real for p in posts]
    early = sum(1 for d in delays if d < 0)
    return {
        "k": k,
        "rate_limit": rate_limit,
        "leads": list(leads),
        "delivered": len(wanted & set(per_channel)),
        "all_delivered": wanted <= set(per_channel),
        "duplicates": sum(n - 1 for n in per_channel.values() if n > 1),
        "early": early,
        "first_s": round(min(delays), 3) if delays else None,
        "p50_s": round(_pct(delays, 0.5), 3),
        "p99_s": round(_pct(delays, 0.99), 3),
        "max_s": round(max(delays), 3) if delays else None,
    }


def _posts(control: str) -> list[list[Any]]:
    answer: list[list[Any]] = niquests.get(control + "/posts", timeout=30).json()
    return answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--rate-limit", action="store_true")
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument(
        "--leads", default=",".join(map(str, LEADS)), help="each person's leads, minutes"
    )
    args = parser.parse_args()
    leads = tuple(int(m) for m in args.leads.split(","))
    result = asyncio.run(run(args.k, args.rate_limit, args.timeout, leads))
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
