"""The daily digest: at each user's DAILY_DIGEST_HOUR in their own zone, once per day (only on
their working days, if they chose so)."""

from __future__ import annotations

from datetime import date, datetime

from calendar_bot.domain.agenda import day_bounds, digest_due, occurrences_on
from calendar_bot.domain.notices import Digest
from calendar_bot.domain.quiet import digest_wanted_on
from calendar_bot.domain.zones import zone
from calendar_bot.records import StoredUser
from calendar_bot.services.context import Context
from calendar_bot.services.notices import outbox_item


class DigestService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        # The last day each user's digest was settled in this process: spares a database
        # round trip per user per minute for the rest of the day. The digest log in the
        # database is what makes it once per day, across restarts and replicas.
        self._settled: dict[str, date] = {}

    async def tick(self, now: datetime) -> int:
        """Enqueue the digests that are due; returns how many were enqueued."""
        async with self._ctx.transaction() as store:
            users = await store.users.list_all(auth_state="active")
        sent = 0
        for user in users:
            settings = user.settings
            if not settings.digest_enabled:
                continue
            tz = zone(settings.timezone, self._ctx.default_tz)
            day = digest_due(now, tz, settings.digest_hour, self._settled.get(user.mm_user_id))
            if day is not None:
                sent += await self._settle(user, day, now)
        return sent

    async def _settle(self, user: StoredUser, day: date, now: datetime) -> int:
        settings = user.settings
        tz = zone(settings.timezone, self._ctx.default_tz)
        async with self._ctx.transaction() as store:
            first = await store.digest_log.try_mark(user.mm_user_id, day, now=now)
            self._settled[user.mm_user_id] = day
            if not first:
                return 0
            if not digest_wanted_on(day, settings):
                return 0  # not a working day and they want it on working days only: settled
            bounds = day_bounds(day, tz)
            todays = occurrences_on(
                await store.snapshot.between(user.mm_user_id, bounds.start, bounds.end), day, tz
            )
            if not todays and not settings.digest_when_empty:
                return 0  # a free day: nothing to say, and the day is settled
            await store.outbox.enqueue(
                [outbox_item(user.mm_user_id, Digest(day, tuple(todays)))], now=now
            )
        return 1
