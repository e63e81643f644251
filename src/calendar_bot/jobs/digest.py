"""The daily digest: at every minute mark, the digests now due are put in the outbox, and
the delivery is woken to post them."""

from __future__ import annotations

import asyncio
from datetime import datetime

from calendar_bot.scheduler import NamedJob
from calendar_bot.services.digest import DigestService


def digest_job(digest: DigestService, wakeup: asyncio.Event) -> NamedJob:
    async def run(_since: datetime, mark: datetime) -> None:
        if await digest.tick(mark):
            wakeup.set()

    return NamedJob("digest", run)
