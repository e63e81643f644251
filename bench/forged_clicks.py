"""Forged clicks against reminders: do refused callbacks delay what is due?

    python -m bench.forged_clicks [--clicks 4000] [--seconds 80] [--k 200]

The real BotApp runs here against the emulator in another process (bench/mm_server.py),
both limiting like a default Mattermost (10/s, burst 100; the bot with its default limiter).
Half of the K people have a reminder due at one minute mark, half at the next; the bot's
clock runs at real speed from 15 s before the first. Meanwhile a flooder in a third process
POSTs `--clicks` forged button clicks (random user ids, contexts signed with a guessed
secret) to the bot's /actions, evenly over `--seconds`. Each reminder's delay is the
emulator's create_at of its post minus the real moment of its mark. Prints JSON last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet
from tests.support.servers import free_port

from bench.reminders import MARK, ROOT, _pct, _posts, seed, start_emulator
from calendar_bot.app import BotApp
from calendar_bot.clock import ManualClock
from calendar_bot.config import load_settings
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.vault import Vault

LEAD_IN = 15.0  # seconds from the start to the first mark
_ID = string.ascii_lowercase + string.digits


async def flood(url: str, clicks: int, seconds: float) -> dict[str, Any]:
    """`clicks` forged clicks, evenly spread over `seconds`; the answers' statuses."""
    guessed = ContextSigner("a-guessed-secret")
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:

        async def one(i: int) -> None:
            await asyncio.sleep(max(0.0, started + i * seconds / clicks - time.monotonic()))
            user = "".join(secrets.choice(_ID) for _ in range(26))
            body = {"user_id": user, "trigger_id": "x", "context": guessed.sign("menu.today", user)}
            try:
                async with http.post(url, json=body) as response:
                    await response.read()
                    statuses[response.status] += 1
            except (aiohttp.ClientError, TimeoutError, OSError):
                statuses[0] += 1  # no answer at all

        await asyncio.gather(*(one(i) for i in range(clicks)))
    return {"sent": clicks, "took_s": round(time.monotonic() - started, 1), "statuses": statuses}


def start_flood(url: str, clicks: int, seconds: float) -> subprocess.Popen[bytes]:
    args = ["--flood", url, "--clicks", str(clicks), "--seconds", str(seconds)]
    return subprocess.Popen(
        [sys.executable, "-m", "bench.forged_clicks", *args],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )


async def run(k: int, clicks: int, seconds: float) -> dict[str, Any]:
    server = await asyncio.to_thread(start_emulator, k, True)
    try:
        assert server.stdout is not None
        info = json.loads(server.stdout.readline())
        people: list[list[str]] = info["users"]
        marks = (MARK, MARK + timedelta(minutes=1))
        halves = (people[: k // 2], people[k // 2 :])
        tmp = Path(tempfile.mkdtemp(prefix="bench-forged-"))
        key = Fernet.generate_key().decode()
        vault = Vault.from_setting(key)
        db = tmp / "bot.db"
        for mark, half in zip(marks, halves, strict=True):
            await seed(f"sqlite+aiosqlite:///{db}", vault, half, mark)
        port = free_port()
        settings = load_settings(
            MATTERMOST_BASE_URL=info["url"],
            MATTERMOST_BOT_TOKEN=info["bot_token"],
            MM_ACTIONS_URL=f"http://127.0.0.1:{port}",
            ENCRYPTION_KEY=key,
            DB_PATH=str(db),
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=port,
            LOG_LEVEL="WARNING",
        )
        clock = ManualClock(MARK - timedelta(seconds=LEAD_IN), running=True)
        offset = time.time() - clock.now().timestamp()  # real = bot time + offset
        bot = BotApp(settings, vault, clock=clock)
        await bot.start()
        try:
            flooder = await asyncio.to_thread(
                start_flood, f"http://127.0.0.1:{port}/actions", clicks, seconds
            )
            assert flooder.stdout is not None
            flood_line = await asyncio.to_thread(flooder.stdout.readline)
            await asyncio.to_thread(flooder.wait, 30)
            last_mark_real = marks[-1].timestamp() + offset
            # what is due at the last mark has had 10 s to go out
            await asyncio.sleep(max(0.0, last_mark_real + 10 - time.time()))
            posts = await asyncio.to_thread(_posts, info["control"])
        finally:
            await bot.stop()
    finally:
        server.terminate()
        server.wait(10)
    mark_of = {dm: mark for mark, half in zip(marks, halves, strict=True) for _u, dm in half}
    per_channel = Counter(p[0] for p in posts)
    delays = [p[1] / 1000 - (mark_of[p[0]].timestamp() + offset) for p in posts]
    return {
        "k": k,
        "flood": json.loads(flood_line),
        "delivered": len(set(mark_of) & set(per_channel)),
        "duplicates": sum(n - 1 for n in per_channel.values() if n > 1),
        "early": sum(1 for d in delays if d < 0),
        "p50_s": round(_pct(delays, 0.5), 3),
        "p99_s": round(_pct(delays, 0.99), 3),
        "max_s": round(max(delays), 3) if delays else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=80.0)
    parser.add_argument("--k", type=int, default=200, help="reminders, half at each of 2 marks")
    parser.add_argument("--flood", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood:
        print(json.dumps(asyncio.run(flood(args.flood, args.clicks, args.seconds))), flush=True)
        return
    result = asyncio.run(run(args.k, args.clicks, args.seconds))
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
