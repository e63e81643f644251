"""A minimal bot process for the crash test: the real MinuteScheduler, ReminderService and
DeliveryService (with the real Mattermost adapter) against a shared SQLite file and the
Mattermost emulator that runs in the test process.

It runs as a fork server, so that 50 restarts do not pay 50 Python start-ups:

    python -m tests.integration.reminder_worker DB_URL MM_URL TOKEN CLOCK_FILE

imports everything once, prints "ready", then forks a fresh worker for every "fork" line on
stdin and prints its pid. Each worker is a separate process with its own database
connections and HTTP client; the test kills it with SIGKILL. The worker's clock is a
ManualClock that follows the ISO timestamp in CLOCK_FILE (the test moves time).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet

from calendar_bot.caldav.gateway import CalDAVGateway
from calendar_bot.clock import ManualClock
from calendar_bot.jobs.notices import reminder_job
from calendar_bot.mattermost.chat import MattermostChat
from calendar_bot.mattermost.ratelimit import TokenBucket
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.rest import MattermostClient
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.scheduler import MinuteScheduler
from calendar_bot.services.context import Context
from calendar_bot.services.delivery import DeliveryService
from calendar_bot.services.reminders import ReminderService
from calendar_bot.storage.db import create_engine, session_factory
from calendar_bot.storage.repositories import unit_of_work
from calendar_bot.vault import Vault


def read_clock(path: Path) -> datetime:
    return datetime.fromisoformat(path.read_text().strip())


async def follow_clock(clock: ManualClock, path: Path) -> None:
    seen = clock.now()
    while True:
        await asyncio.sleep(0.01)
        try:
            moment = read_clock(path)
        except ValueError:  # caught mid-write
            continue
        if moment != seen:
            seen = moment
            clock.set(moment)


async def worker(db_url: str, mm_url: str, token: str, clock_file: Path) -> None:
    clock = ManualClock(read_clock(clock_file))
    engine = create_engine(db_url)
    client = MattermostClient(mm_url, token, limiter=TokenBucket(1000, 1000))
    renderer = Renderer(ContextSigner(b"crash-test-" + os.urandom(16), clock=clock), mm_url)
    ctx = Context(
        clock=clock,
        vault=Vault.from_setting(Fernet.generate_key().decode()),
        transaction=unit_of_work(session_factory(engine)),
        calendars=CalDAVGateway(1, 5.0, now=clock.now),
        chat=MattermostChat(client, renderer),
        caldav_base_url="http://127.0.0.1:9",
        default_tz="UTC",
    )
    reminders = ReminderService(ctx)
    delivery = DeliveryService(ctx)
    # As BotApp does: enqueue from the snapshot, then wake the delivery at once.
    scheduler = MinuteScheduler(clock, [reminder_job(reminders, delivery.wakeup)])
    await asyncio.gather(
        follow_clock(clock, clock_file),
        scheduler.run_forever(),
        delivery.run_forever(idle=0.05),
    )


def main() -> None:
    db_url, mm_url, token, clock_file = sys.argv[1:5]
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed workers are reaped by the kernel
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "fork":
            continue
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 0
            try:
                asyncio.run(worker(db_url, mm_url, token, Path(clock_file)))
            except BaseException:
                logging.exception("worker failed")
                code = 1
            os._exit(code)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
