"""Minute-aligned ticks: every job runs at each wall-clock minute mark (:00).

Never two ticks at once (a tick that runs long delays the next, it does not overlap it) and
never a skipped minute's work: each job receives the interval (previous mark, this mark], so a
late or merged tick covers every minute it missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from calendar_bot.clock import Clock

log = logging.getLogger(__name__)

Job = Callable[[datetime, datetime], Awaitable[None]]


def floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def next_minute_mark(moment: datetime) -> datetime:
    return floor_minute(moment) + timedelta(minutes=1)


@dataclass
class NamedJob:
    name: str
    run: Job
    every_minutes: int = 1  # runs at marks whose minute-of-day is a multiple of this


class MinuteScheduler:
    def __init__(self, clock: Clock, jobs: Sequence[NamedJob]) -> None:
        self._clock = clock
        self._jobs = list(jobs)
        self._last_mark: dict[str, datetime] = {}
        self._lock = asyncio.Lock()
        self.ticks = 0

    async def tick(self, mark: datetime) -> None:
        """Run every job that is due at `mark`, each given (its previous mark, mark]."""
        async with self._lock:
            minute_of_day = mark.hour * 60 + mark.minute
            for job in self._jobs:
                if minute_of_day % job.every_minutes:
                    continue
                since = self._last_mark.get(job.name, mark - timedelta(minutes=job.every_minutes))
                try:
                    await job.run(since, mark)
                except Exception:
                    log.exception("scheduled job %s failed at %s", job.name, mark.isoformat())
                else:
                    self._last_mark[job.name] = mark
            self.ticks += 1

    async def run_forever(self) -> None:
        while True:
            mark = next_minute_mark(self._clock.now())
            await self._clock.sleep_until(mark)
            # If we woke up late (the loop was busy, the machine slept), run for the latest
            # mark: jobs receive (previous, latest] and so cover the minutes in between.
            await self.tick(floor_minute(self._clock.now()))
