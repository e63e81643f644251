"""Rate limiting the way the server does it, and the fault switches tests flip."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RateLimit:
    """`RateLimitSettings` with the server's defaults (Enable aside: passing one turns it on)."""

    per_sec: int = 10
    max_burst: int = 100
    vary_by_remote_addr: bool = True
    vary_by_user: bool = False


@dataclass(frozen=True)
class RateDecision:
    limited: bool
    limit: int
    remaining: int
    reset_after: float
    retry_after: float

    def headers(self) -> dict[str, str]:
        # Go canonicalises the server's "X-RateLimit-*" to these spellings on the wire.
        out = {
            "X-Ratelimit-Limit": str(self.limit),
            "X-Ratelimit-Remaining": str(self.remaining),
            "X-Ratelimit-Reset": str(math.ceil(self.reset_after)),
        }
        if self.limited:
            out["Retry-After"] = str(math.ceil(self.retry_after))
        return out


class RateLimiter:
    """GCRA as in the `throttled` library the server uses: limit = MaxBurst + 1."""

    def __init__(self, settings: RateLimit, now: Callable[[], float]) -> None:
        self.settings = settings
        self._now = now
        self._emission = 1.0 / settings.per_sec
        self._tolerance = self._emission * (settings.max_burst + 1)
        self._tat: dict[str, float] = {}

    def check(self, key: str) -> RateDecision:
        now = self._now()
        tat = max(self._tat.get(key, now), now)
        new_tat = tat + self._emission
        allow_at = new_tat - self._tolerance
        diff = now - allow_at
        limit = self.settings.max_burst + 1
        if diff < 0:
            return RateDecision(True, limit, 0, tat - now, -diff)
        self._tat[key] = new_tat
        ttl = new_tat - now
        nxt = self._tolerance - ttl
        remaining = int(nxt / self._emission) if nxt > -self._emission else 0
        return RateDecision(False, limit, remaining, ttl, 0.0)


@dataclass
class _FailRule:
    remaining: int
    status: int
    path_prefix: str


@dataclass
class Faults:
    """Switches a test flips to make the emulator misbehave like a sick or restarting server."""

    _drop: Callable[[], None] = field(repr=False)
    _forget: Callable[[], None] = field(repr=False)
    _set_rate_limit: Callable[[RateLimit | None], None] = field(repr=False)
    _set_post_delay: Callable[[float], None] = field(repr=False)
    _freeze: Callable[[], None] = field(repr=False)
    _thaw: Callable[[], None] = field(repr=False)
    extra_delay: float = 0.0
    _rules: list[_FailRule] = field(default_factory=list)

    def drop_websockets(self) -> None:
        """Close every WebSocket abruptly; the connections stay resumable (a network blip)."""
        self._drop()

    def restart_websockets(self) -> None:
        """Close every WebSocket and forget the connection IDs (a server restart): resumes fail."""
        self._drop()
        self._forget()

    def freeze_websockets(self) -> None:
        """Half-open every live WebSocket: the server sends nothing, answers no ping and still
        counts the connection active, so a client's resume of it gets a new `hello`."""
        self._freeze()

    def fail_next(self, n: int, status: int = 503, path_prefix: str = "") -> None:
        """Answer the next `n` HTTP requests whose path starts with `path_prefix` with `status`."""
        self._rules.append(_FailRule(n, status, path_prefix))

    def delay(self, seconds: float) -> None:
        """Hold every HTTP answer back by `seconds` (0 turns it off)."""
        self.extra_delay = seconds

    def slow_post_creation(self, seconds: float) -> None:
        """Make each `POST /posts` take `seconds` after its pending_post_id is recorded, so a
        retry can arrive while the first create is still running (0 turns it off)."""
        self._set_post_delay(seconds)

    def rate_limit(self, settings: RateLimit | None = RateLimit()) -> None:
        """Turn the rate limiter on with `settings`, or off with None."""
        self._set_rate_limit(settings)

    def clear(self) -> None:
        self._rules.clear()
        self.extra_delay = 0.0
        self._set_post_delay(0.0)
        self._thaw()

    def take_failure(self, path: str) -> int | None:
        for rule in self._rules:
            if rule.remaining > 0 and path.startswith(rule.path_prefix):
                rule.remaining -= 1
                status = rule.status
                self._rules[:] = [r for r in self._rules if r.remaining > 0]
                return status
        return None
