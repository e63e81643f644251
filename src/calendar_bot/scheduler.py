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

MAX_NAP = timedelta(seconds=15)


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
        # Clear while a minute's jobs run: delivery waits for it, so what the jobs enqueue
        # for one minute (reminders, the digest) is posted together.
        self.idle = asyncio.Event()
        self.idle.set()

    async def tick(self, mark: datetime) -> None:
        """Run every job that is due at `mark`, each given (its previous mark, mark]."""
        async with self._lock:
            self.idle.clear()
            try:
                await self._run_jobs(mark)
            finally:
                self.idle.set()
            self.ticks += 1

    async def _run_jobs(self, mark: datetime) -> None:
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

    async def run_forever(self) -> None:
        """Tick at every minute mark, starting with the current minute (catch-up after a
        restart: the jobs keep their own progress, so a minute already done costs nothing)."""
        mark = floor_minute(self._clock.now())
        while True:
            await self.tick(mark)
            target = mark + timedelta(minutes=1)
            # Short naps rather than one long sleep: a wall clock that jumps (NTP, a
            # suspended machine) is noticed within MAX_NAP, not after the sleep it skewed.
            while self._clock.now() < target:
                await self._clock.sleep_until(min(target, self._clock.now() + MAX_NAP))
            # Woken late (a long tick, a busy loop): run once for the latest mark; jobs get
            # (previous mark, latest mark] and so cover the minutes in between.
            mark = max(target, floor_minute(self._clock.now()))
