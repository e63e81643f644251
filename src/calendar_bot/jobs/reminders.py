"""Reminders: at every minute mark, what falls due (from the stored snapshot, not from a
poll) is put in the outbox, and the delivery is woken to post it within the minute."""

from __future__ import annotations

import asyncio
from datetime import datetime

from calendar_bot.scheduler import NamedJob
from calendar_bot.services.reminders import ReminderService


def reminder_job(reminders: ReminderService, wakeup: asyncio.Event) -> NamedJob:
    async def run(_since: datetime, mark: datetime) -> None:
        if await reminders.tick(mark):
            wakeup.set()

    return NamedJob("reminders", run)
