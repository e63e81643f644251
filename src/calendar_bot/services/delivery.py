"""The outbox worker: posts due rows in order per user, retries with backoff, marks each sent.

Exactly once: every row has a unique idempotency key. A worker leases rows before posting;
a row that was claimed before (its worker may have posted and died before marking it) is
first looked up in the DM by its key, so a crash between posting and marking never sends twice.

One post per moment: a person's rows due in the same minute (two reminders and the digest at
09:00, the notices of one poll) go out as one post that carries every row's key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from calendar_bot.domain.notice_codec import NoticeCodecError
from calendar_bot.domain.notice_keys import joined_key
from calendar_bot.domain.notices import Invitation, Invited, Snoozed
from calendar_bot.domain.zones import zone
from calendar_bot.i18n import normalize_locale
from calendar_bot.messages import OutMessage
from calendar_bot.ports import ChatUser, PostRef, Store
from calendar_bot.records import OutboxRow, StoredUser
from calendar_bot.services.context import Context
from calendar_bot.services.notices import notice_of
from calendar_bot.views import notices

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
BATCH = 500
FIND_SENT_LOOKBACK = timedelta(days=1)
# Kinds told to people with no calendar connected (no stored user): rendered from their
# Mattermost profile. Any other kind for someone not stored is dropped as "the user is gone".
TOLD_TO_STRANGERS = frozenset({Invited.kind})
SENT_FLUSH = 50  # posted rows marked sent per transaction
JOINED_LIMIT = 12000  # characters: joined notices stay well inside one Mattermost post


def render_row(
    row: OutboxRow, user: StoredUser, now: datetime, default_tz: str
) -> list[OutMessage]:
    """The message(s) for one outbox row, in the user's language and zone."""
    return notices.render(
        notice_of(row),
        locale=user.settings.locale,
        tz=zone(user.settings.timezone, default_tz),
        now=now,
        email=user.email,
    )


def render_for_stranger(
    row: OutboxRow, profile: ChatUser, now: datetime, default_tz: str
) -> list[OutMessage]:
    """An invitation to someone with no calendar connected: in their Mattermost profile's
    language and zone."""
    return notices.render(
        notice_of(row),
        locale=normalize_locale(profile.locale),
        tz=zone(profile.timezone, default_tz),
        now=now,
        connected=False,
    )


def answered_in_place(row: OutboxRow) -> bool:
    """An invitation: Accept / Maybe / Decline replace its post with the answer, so it is
    never joined with other notices (they would be replaced too)."""
    try:
        return isinstance(notice_of(row), Invitation | Invited)
    except NoticeCodecError:
        return False


OBSOLETE_SNOOZE = "obsolete: the meeting moved or was cancelled after the snooze"


async def drop_obsolete_snoozes(store: Store, rows: list[OutboxRow]) -> list[OutboxRow]:
    """A snoozed reminder whose meeting moved or was cancelled (or is gone) meanwhile is not
    posted: it is marked so, in the transaction that claimed it."""
    kept: list[OutboxRow] = []
    for row in rows:
        if row.kind == Snoozed.kind:
            try:
                notice = notice_of(row)
            except NoticeCodecError:
                kept.append(row)  # the ordinary path reports it
                continue
            assert isinstance(notice, Snoozed)
            now = await store.snapshot.get(row.mm_user_id, notice.occurrence.key)
            if now is None or now.cancelled or now.start != notice.start:
                await store.outbox.mark_failed(row.id, OBSOLETE_SNOOZE)
                continue
        kept.append(row)
    return kept


def same_minute(queue: Sequence[OutboxRow], start: int) -> list[OutboxRow]:
    """The rows from `start` on that are due in the same minute as queue[start]."""
    minute = queue[start].due_at.replace(second=0, microsecond=0)
    end = start + 1
    while end < len(queue) and queue[end].due_at.replace(second=0, microsecond=0) == minute:
        end += 1
    return list(queue[start:end])


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
        # Set by the app to the scheduler's "no minute's jobs running" event.
        self.jobs_idle: asyncio.Event | None = None
        # posted, not yet marked sent: (row id, post id, user id, new DM channel or "")
        self._sent: list[tuple[int, str, str, str]] = []

    async def run_once(self) -> int:
        """Post every row due now; returns how many were posted."""
        ctx = self._ctx
        if self.jobs_idle is not None:
            await self.jobs_idle.wait()  # the minute's reminders and digest, together
        now = ctx.clock.now()
        async with ctx.transaction() as store:
            rows = await store.outbox.claim_due(now, self._worker_id, self._lease, BATCH)
            rows = await drop_obsolete_snoozes(store, rows)
            users = await store.users.get_many(sorted({r.mm_user_id for r in rows}))
        if not rows:
            return 0
        for user in users.values():
            if user.dm_channel_id:
                ctx.chat.remember_dm_channel(user.mm_user_id, user.dm_channel_id)
        per_user: dict[str, list[OutboxRow]] = defaultdict(list)
        for row in rows:
            per_user[row.mm_user_id].append(row)
        gate = asyncio.Semaphore(self._concurrency)
        posted = 0

        async def user_queue(user_id: str, queue: list[OutboxRow]) -> None:
            nonlocal posted
            async with gate:
                index = 0
                while index < len(queue):
                    group = same_minute(queue, index)
                    if not await self._deliver_group(group, users.get(user_id)):
                        # In order: the rest wait behind the failed rows, untried.
                        async with ctx.transaction() as store:
                            await store.outbox.release([r.id for r in queue[index + len(group) :]])
                        break
                    posted += len(group)
                    index += len(group)

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
        async with self._ctx.transaction() as store:
            await store.outbox.mark_sent(
                [(row_id, post_id) for row_id, post_id, _, _ in batch], self._ctx.clock.now()
            )
            for _, _, user_id, new_channel in batch:
                if new_channel:
                    await store.users.set_dm_channel(user_id, new_channel)

    async def _deliver_group(self, rows: list[OutboxRow], user: StoredUser | None) -> bool:
        """Post rows due in one minute as one post; each row alone where that cannot be, and
        an invitation alone after them (its answer replaces its post)."""
        if len(rows) == 1 or user is None:
            return all([await self._deliver(row, user) for row in rows])
        alone = [row for row in rows if answered_in_place(row)]
        if alone:
            together = [row for row in rows if row not in alone]
            return (
                not together or await self._deliver_group(together, user)
            ) and await self._deliver_each(alone, user)
        ctx = self._ctx
        now = ctx.clock.now()
        pending: list[OutboxRow] = []
        rendered: list[OutMessage] = []
        try:
            for row in rows:
                ref = await self._already_sent(row)
                if ref is not None:
                    self._record(row, ref, user)
                    continue
                messages = render_row(row, user, now, ctx.default_tz)
                if len(messages) != 1:
                    return await self._deliver_each(rows, user)
                pending.append(row)
                rendered.append(messages[0])
            if not pending:
                return True
            joined = notices.joined(rendered)
            if len(joined.text) > JOINED_LIMIT:
                return await self._deliver_each(pending, user)
            keys = [r.idempotency_key for r in pending]
            ref = await ctx.chat.send_dm(
                user.mm_user_id, joined, idempotency_key=joined_key(keys), also_keys=keys
            )
        except Exception as exc:
            await self._retry_later(pending or rows, exc, now)
            return False
        for row in pending:
            self._record(row, ref, user)
        await self._flush_if_full()
        return True

    async def _deliver_each(self, rows: list[OutboxRow], user: StoredUser) -> bool:
        for row in rows:
            if not await self._deliver(row, user):
                return False
        return True

    async def _already_sent(self, row: OutboxRow) -> PostRef | None:
        """A row claimed before may have been posted by a worker that died before marking it."""
        if row.attempts <= 1:
            return None
        # Post times are the Mattermost server's clock, created_at is ours: look back well
        # beyond any clock skew (a DM with the bot holds few posts a day).
        since_ms = int((row.created_at - FIND_SENT_LOOKBACK).timestamp() * 1000)
        return await self._ctx.chat.find_sent(row.mm_user_id, row.idempotency_key, since_ms)

    def _record(self, row: OutboxRow, ref: PostRef, user: StoredUser | None) -> None:
        # the DM channel is remembered for a stored user only (a stranger has no row)
        new_channel = ref.channel_id if user and ref.channel_id != user.dm_channel_id else ""
        self._sent.append((row.id, ref.post_id, row.mm_user_id, new_channel))

    async def _flush_if_full(self) -> None:
        if len(self._sent) >= SENT_FLUSH:
            await self._flush_sent()

    async def _retry_later(self, rows: list[OutboxRow], exc: Exception, now: datetime) -> None:
        error = f"{type(exc).__name__}: {exc}"[:500]
        async with self._ctx.transaction() as store:
            for row in rows:
                if row.attempts >= MAX_ATTEMPTS:
                    log.warning("giving up on outbox row %s: %s", row.id, error)
                    await store.outbox.mark_failed(row.id, error)
                else:
                    await store.outbox.mark_retry(row.id, error, now + backoff(row.attempts))

    async def _deliver(self, row: OutboxRow, user: StoredUser | None) -> bool:
        ctx = self._ctx
        now = ctx.clock.now()
        if user is None and row.kind not in TOLD_TO_STRANGERS:
            async with ctx.transaction() as store:
                await store.outbox.mark_failed(row.id, "the user is gone")
            return True
        try:
            ref = await self._already_sent(row)
            if ref is None:
                if user is None:
                    profile = await ctx.chat.get_user(row.mm_user_id)
                    messages = render_for_stranger(row, profile, now, ctx.default_tz)
                else:
                    messages = render_row(row, user, now, ctx.default_tz)
                for index, message in enumerate(messages):
                    key = (
                        row.idempotency_key
                        if index == len(messages) - 1
                        else f"{row.idempotency_key}#{index}"
                    )
                    ref = await ctx.chat.send_dm(row.mm_user_id, message, idempotency_key=key)
        except Exception as exc:
            await self._retry_later([row], exc, now)
            return False
        assert ref is not None
        self._record(row, ref, user)
        await self._flush_if_full()
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
