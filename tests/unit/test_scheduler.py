"""The minute scheduler: ticks on the :00 mark, never two at once, never a minute's work lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from calendar_bot.clock import ManualClock
from calendar_bot.scheduler import MinuteScheduler, NamedJob, floor_minute, next_minute_mark

T0 = datetime(2026, 11, 30, 6, 0, 20, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def until(probe: object, what: str, within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not probe():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[datetime, datetime]] = []
        self.running = 0
        self.overlapped = False
        self.gate: asyncio.Event | None = None  # when set, a tick blocks until it is released

    async def __call__(self, since: datetime, mark: datetime) -> None:
        self.running += 1
        self.overlapped |= self.running > 1
        try:
            self.calls.append((since, mark))
            if self.gate is not None:
                await self.gate.wait()
        finally:
            self.running -= 1


def test_marks() -> None:
    assert floor_minute(T0) == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert next_minute_mark(T0) == datetime(2026, 11, 30, 6, 1, tzinfo=UTC)
    assert next_minute_mark(floor_minute(T0)) == datetime(2026, 11, 30, 6, 1, tzinfo=UTC)


async def test_catch_up_at_start_then_every_mark_exactly() -> None:
    clock = ManualClock(T0)
    job = Recorder()
    scheduler = MinuteScheduler(clock, [NamedJob("r", job)])
    task = asyncio.create_task(scheduler.run_forever())
    try:
        await until(lambda: len(job.calls) == 1, "the start-up tick")
        start_mark = floor_minute(T0)
        assert job.calls[0] == (start_mark - MINUTE, start_mark)
        # 39.999 s later it is still 06:00:59.999: no tick before the mark.
        clock.advance(timedelta(seconds=39, microseconds=999_000))
        await asyncio.sleep(0.05)
        assert len(job.calls) == 1
        clock.advance(timedelta(milliseconds=1))  # exactly 06:01:00
        await until(lambda: len(job.calls) == 2, "the 06:01 tick")
        assert job.calls[1] == (start_mark, start_mark + MINUTE)
        assert job.calls[1][1].second == 0 and job.calls[1][1].microsecond == 0
        for n in range(2, 6):
            clock.set(start_mark + n * MINUTE + timedelta(milliseconds=3))  # a little drift
            await until(lambda n=n: len(job.calls) == n + 1, f"tick {n}")
        marks = [mark for _, mark in job.calls]
        assert marks == [start_mark + n * MINUTE for n in range(6)]
        # Each tick covers exactly the minute since the previous one: nothing skipped.
        assert all(since == mark - MINUTE for since, mark in job.calls)
    finally:
        task.cancel()


async def test_a_long_tick_is_not_overlapped_and_no_minute_is_lost() -> None:
    clock = ManualClock(floor_minute(T0))
    job = Recorder()
    scheduler = MinuteScheduler(clock, [NamedJob("r", job)])
    task = asyncio.create_task(scheduler.run_forever())
    try:
        await until(lambda: len(job.calls) == 1, "the start-up tick")
        job.gate = asyncio.Event()
        clock.advance(MINUTE)
        await until(lambda: len(job.calls) == 2, "the slow tick to begin")
        # The slow tick runs through three more minute marks.
        for _ in range(3):
            clock.advance(MINUTE)
            await asyncio.sleep(0.02)
        assert len(job.calls) == 2 and not job.overlapped
        job.gate.set()
        await until(lambda: len(job.calls) == 3, "the catch-up tick")
        since, mark = job.calls[2]
        # One tick for the latest mark, covering the three marks that passed meanwhile.
        assert mark == floor_minute(T0) + 4 * MINUTE
        assert since == floor_minute(T0) + MINUTE
        assert not job.overlapped
        await asyncio.sleep(0.05)
        assert len(job.calls) == 3  # and no burst of stale ticks after it
    finally:
        task.cancel()


async def test_a_failing_job_is_retried_over_its_whole_interval() -> None:
    clock = ManualClock(floor_minute(T0))
    seen: list[tuple[datetime, datetime]] = []
    fail = {"on": True}

    async def flaky(since: datetime, mark: datetime) -> None:
        seen.append((since, mark))
        if fail["on"] and len(seen) == 2:
            raise RuntimeError("database went away")

    other = Recorder()
    scheduler = MinuteScheduler(clock, [NamedJob("flaky", flaky), NamedJob("other", other)])
    task = asyncio.create_task(scheduler.run_forever())
    try:
        await until(lambda: len(seen) == 1, "the start-up tick")
        clock.advance(MINUTE)
        await until(lambda: len(seen) == 2 and len(other.calls) == 2, "the failing tick")
        clock.advance(MINUTE)
        await until(lambda: len(seen) == 3, "the next tick")
        # The failed minute is not forgotten: the next run starts where the last success ended.
        assert seen[2] == (floor_minute(T0), floor_minute(T0) + 2 * MINUTE)
        # A failure in one job does not stop the others.
        assert other.calls[-1] == (floor_minute(T0) + MINUTE, floor_minute(T0) + 2 * MINUTE)
    finally:
        task.cancel()


async def test_jobs_every_n_minutes_run_on_their_marks() -> None:
    clock = ManualClock(floor_minute(T0))
    every5 = Recorder()
    scheduler = MinuteScheduler(clock, [NamedJob("five", every5, every_minutes=5)])
    for n in range(12):
        await scheduler.tick(floor_minute(T0) + n * MINUTE)
    assert [mark.minute for _, mark in every5.calls] == [0, 5, 10]
