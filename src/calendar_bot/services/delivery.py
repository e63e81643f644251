"""The outbox worker: posts due rows in order per user, retries with backoff, marks each sent.

Exactly once: every row has a unique idempotency key. A worker leases rows before posting;
a row that was claimed before (its worker may have posted and died before marking it) is
first looked up in the DM by its key, so a crash between posting and marking never sends twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from calendar_bot.domain.changes import Change, ChangeKind
from calendar_bot.services.context import Context, zone
from calendar_bot.services.digest import KIND_DIGEST
from calendar_bot.services.reminders import KIND_REMINDER
from calendar_bot.services.sync import KIND_CHANGE, KIND_RECONNECT
from calendar_bot.storage.codec import occurrence_from_json
from calendar_bot.storage.repositories import OutboxRow, StoredUser, transaction
from calendar_bot.views import meetings, notifications, onboarding
from calendar_bot.views.message import OutMessage

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
BATCH = 500
FIND_SENT_LOOKBACK = timedelta(days=1)
SENT_FLUSH = 50  # posted rows marked sent per transaction


def render_row(
    row: OutboxRow, user: StoredUser, now: datetime, default_tz: str
) -> list[OutMessage]:
    """The message(s) for one outbox row, in the user's language and zone."""
    locale = user.settings.locale
    tz = zone(user.settings.timezone, default_tz)
    p = row.payload
    if row.kind == KIND_CHANGE:
        change = Change(
            kind=ChangeKind(p["change"]),
            occurrence=occurrence_from_json(p["occurrence"]),
            previous=occurrence_from_json(p["previous"]) if p.get("previous") else None,
            series=bool(p.get("series")),
        )
        return [notifications.change_notification(change, locale, tz, now)]
    if row.kind == KIND_REMINDER:
        occurrence = occurrence_from_json(p["occurrence"])
        return [
            notifications.reminder(
                occurrence, int(p["lead"]), locale, tz, now, late=bool(p.get("late"))
            )
        ]
    if row.kind == KIND_DIGEST:
        occurrences = [occurrence_from_json(o) for o in p.get("occurrences", [])]
        return meetings.daily_digest(occurrences, date.fromisoformat(p["day"]), locale, tz, now)
    if row.kind == KIND_RECONNECT:
        return [onboarding.credentials_rejected(locale, user.email)]
    raise ValueError(f"unknown outbox kind {row.kind!r}")


def backoff(attempts: int) -> timedelta:
    seconds = min(600.0, 5.0 * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * (0.8 + 0.4 * random.random()))


class DeliveryService:
    def __init__(self, ctx: Context, *, concurrency: int = 32, lease: timedelta = LEASE) -> None:
        self._ctx = ctx
        self._lease = lease
        self._worker_id = f"worker-{uuid.uuid4().hex[:12]}"
        self._concurrency = concurrency
        self.wakeup = asyncio.Event()
        # posted, not yet marked sent: (row id, post id, user id, new DM channel or "")
        self._sent: list[tuple[int, str, str, str]] = []

    async def run_once(self) -> int:
        """Post every row due now; returns how many were posted."""
        ctx = self._ctx
        now = ctx.clock.now()
        async with transaction(ctx.sessions) as store:
            rows = await store.outbox.claim_due(now, self._worker_id, self._lease, BATCH)
            users = await store.users.get_many(sorted({r.mm_user_id for r in rows}))
        if not rows:
            return 0
        for user in users.values():
            if user.dm_channel_id:
                ctx.dm_channels.setdefault(user.mm_user_id, user.dm_channel_id)
        per_user: dict[str, list[OutboxRow]] = defaultdict(list)
        for row in rows:
            per_user[row.mm_user_id].append(row)
        gate = asyncio.Semaphore(self._concurrency)
        posted = 0

        async def user_queue(user_id: str, queue: list[OutboxRow]) -> None:
            nonlocal posted
            async with gate:
                for index, row in enumerate(queue):
                    if not await self._deliver(row, users.get(user_id)):
                        # In order: the rest wait behind the failed row, untried.
                        async with transaction(ctx.sessions) as store:
                            await store.outbox.release([r.id for r in queue[index + 1 :]])
                        break
                    posted += 1

        try:
            await asyncio.gather(*(user_queue(uid, q) for uid, q in per_user.items()))
        finally:
            await self._flush_sent()
        return posted

    async def _flush_sent(self) -> None:
        """Mark the posted rows sent, many per transaction (a transaction per post was half
        the cost of a post). A crash before this leaves them leased; when the lease ends,
        the retry finds each post by its key (find_sent) and does not post it again."""
        batch, self._sent = self._sent, []
        if not batch:
            return
        async with transaction(self._ctx.sessions) as store:
            await store.outbox.mark_sent(
                [(row_id, post_id) for row_id, post_id, _, _ in batch], self._ctx.clock.now()
            )
            for _, _, user_id, new_channel in batch:
                if new_channel:
                    await store.users.set_dm_channel(user_id, new_channel)

    async def _deliver(self, row: OutboxRow, user: StoredUser | None) -> bool:
        ctx = self._ctx
        now = ctx.clock.now()
        if user is None:
            async with transaction(ctx.sessions) as store:
                await store.outbox.mark_failed(row.id, "the user is gone")
            return True
        try:
            ref = None
            if row.attempts > 1:
                # Post times are the Mattermost server's clock, created_at is ours: look
                # back well beyond any clock skew (a DM with the bot holds few posts a day).
                since_ms = int((row.created_at - FIND_SENT_LOOKBACK).timestamp() * 1000)
                ref = await ctx.chat.find_sent(row.mm_user_id, row.idempotency_key, since_ms)
            if ref is None:
                messages = render_row(row, user, now, ctx.default_tz)
                for index, message in enumerate(messages):
                    key = (
                        row.idempotency_key
                        if index == len(messages) - 1
                        else f"{row.idempotency_key}#{index}"
                    )
                    ref = await ctx.chat.send_dm(row.mm_user_id, message, idempotency_key=key)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            async with transaction(ctx.sessions) as store:
                if row.attempts >= MAX_ATTEMPTS:
                    log.warning("giving up on outbox row %s: %s", row.id, error)
                    await store.outbox.mark_failed(row.id, error)
                else:
                    await store.outbox.mark_retry(row.id, error, now + backoff(row.attempts))
            return False
        assert ref is not None
        new_channel = ref.channel_id if ref.channel_id != user.dm_channel_id else ""
        self._sent.append((row.id, ref.post_id, user.mm_user_id, new_channel))
        if len(self._sent) >= SENT_FLUSH:
            await self._flush_sent()
        return True

    async def run_forever(self, idle: float = 1.0) -> None:
        while True:
            try:
                posted = await self.run_once()
            except Exception:
                log.exception("outbox delivery failed")
                posted = 0
            if not posted:
                self.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), timeout=idle)
