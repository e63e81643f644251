"""A client-side token bucket shared by every REST call, so the bot stays under the server's
rate limit instead of discovering it through 429s. A 429 pauses the whole bucket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self,
        rate: float = 10.0,
        burst: int = 10,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._tokens = float(burst)
        self._updated = monotonic()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def delay_needed(self) -> float:
        """Seconds until a token is available (0 if one is available now); takes nothing."""
        now = self._monotonic()
        self._refill(now)
        if now < self._paused_until:
            return self._paused_until - now
        # A hair of tolerance: float refills land on 0.999... where 1 is meant.
        return 0.0 if self._tokens >= 1 - 1e-9 else (1 - self._tokens) / self.rate

    def try_acquire(self) -> bool:
        if self.delay_needed() > 0:
            return False
        self._tokens -= 1
        return True

    async def acquire(self) -> None:
        # The lock serialises waiters so tokens are handed out in arrival order.
        async with self._lock:
            while True:
                delay = self.delay_needed()
                if delay <= 0:
                    self._tokens -= 1
                    return
                await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for `seconds` (the server said Retry-After)."""
        until = self._monotonic() + max(seconds, 0.0)
        self._paused_until = max(self._paused_until, until)
        self._tokens = 0.0
