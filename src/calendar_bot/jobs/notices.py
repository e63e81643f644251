"""The minute jobs that put notices in the outbox: reminders (from the stored snapshot, not
from a poll) and the daily digest. Each wakes the delivery as soon as it has queued
something, so what falls due at a minute mark is posted within that minute."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from calendar_bot.scheduler import NamedJob
from calendar_bot.services.digest import DigestService
from calendar_bot.services.reminders import ReminderService


def _queue_and_wake(
    name: str, tick: Callable[[datetime], Awaitable[int]], wakeup: asyncio.Event
) -> NamedJob:
    async def run(_since: datetime, mark: datetime) -> None:
        if await tick(mark):
            wakeup.set()

    return NamedJob(name, run)


def reminder_job(reminders: ReminderService, wakeup: asyncio.Event) -> NamedJob:
    return _queue_and_wake("reminders", reminders.tick, wakeup)


def digest_job(digest: DigestService, wakeup: asyncio.Event) -> NamedJob:
    return _queue_and_wake("digest", digest.tick, wakeup)
