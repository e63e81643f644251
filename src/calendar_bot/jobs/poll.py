"""The poll loop: claims the users whose turn has come, polls their calendars (the changes go
into the outbox), and wakes the delivery."""

from __future__ import annotations

import asyncio
import logging

from calendar_bot.services.sync import SyncService

log = logging.getLogger(__name__)

POLL_BATCH = 1000  # users claimed per poll_due call
POLL_LOOP_SECONDS = 5.0  # how often due users are looked for (each is polled every CHECK_INTERVAL)


async def poll_forever(sync: SyncService, wakeup: asyncio.Event) -> None:
    while True:
        polled = 0
        try:
            polled = await sync.poll_due(limit=POLL_BATCH)
            wakeup.set()
        except Exception:
            log.exception("poll cycle failed")
        if polled < POLL_BATCH:
            # A full batch means more users may be due right now: go on at once, or
            # 10,000 users would wait 5 s per batch of 1,000 and miss their minute.
            await asyncio.sleep(POLL_LOOP_SECONDS)
