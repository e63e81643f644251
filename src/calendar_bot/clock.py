"""Clocks: the only source of "now" for the bot."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        ...

    async def sleep_until(self, moment: datetime) -> None:
        """Return once now() >= moment (or earlier if the clock is advanced past it)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, moment: datetime) -> None:
        delay = (moment - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


class ManualClock:
    """A clock that moves only when told to: for tests and for the sandbox's fast-forward.

    With `running=True` it also follows real time from an offset (the sandbox), so
    `advance()` jumps ahead and time keeps flowing after that.
    """

    def __init__(self, start: datetime | None = None, *, running: bool = False) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._lock = threading.Lock()
        self._base = start or datetime.now(UTC)
        self._running = running
        self._real_base = datetime.now(UTC)
        self._waiters: set[asyncio.Event] = set()

    def now(self) -> datetime:
        with self._lock:
            if self._running:
                return self._base + (datetime.now(UTC) - self._real_base)
            return self._base

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._base = moment.astimezone(UTC)
            self._real_base = datetime.now(UTC)
        self._wake()

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)

    def _wake(self) -> None:
        for event in list(self._waiters):
            event.set()

    async def sleep_until(self, moment: datetime) -> None:
        while self.now() < moment:
            event = asyncio.Event()
            self._waiters.add(event)
            try:
                timeout = (moment - self.now()).total_seconds() if self._running else 3600.0
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), timeout=max(timeout, 0.0))
            finally:
                self._waiters.discard(event)
