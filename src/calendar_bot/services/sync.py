"""Polling: change check -> fetch what changed -> diff with the snapshot -> outbox, atomically."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import assert_never

from calendar_bot.domain.changes import Change, diff
from calendar_bot.domain.model import (
    CalendarRef,
    ExpansionScope,
    Occurrence,
    TimeWindow,
    apply_delta,
    keep_objects,
)
from calendar_bot.domain.notices import Reconnect, Unreadable, change_notice
from calendar_bot.domain.quiet import quiet_until
from calendar_bot.domain.snapshot_delta import row_changes
from calendar_bot.ports import (
    AtStoredTags,
    AuthFailed,
    CalendarError,
    Delta,
    Failed,
    Full,
    Gone,
    Store,
    SyncResult,
    UnitOfWork,
)
from calendar_bot.records import OutboxItem, OwnMarks, PollMark, StoredUser, TouchedQuery
from calendar_bot.services.context import WINDOW_SPAN, Context, sync_window, window_phase
from calendar_bot.services.credentials import decrypt_credentials
from calendar_bot.services.cut_notices import cut_item
from calendar_bot.services.notices import outbox_item
from calendar_bot.services.poll_writes import PollWrites
from calendar_bot.vault import UndecryptableSecret

log = logging.getLogger(__name__)

# How long a change of one's own meeting keeps its events quiet at most: the write and its
# follow-up poll take seconds; a replica that dies between them leaves the hold to expire.
EDIT_HOLD = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    ok: bool  # the poll ran (it may still have been partial)
    complete: bool = False
    changes: int = 0
    requests: int = 0
    needs_reconnect: bool = False
    deferred: bool = False  # nothing to store: poll_due marks it polled with the others
    found_home: str = ""  # a deferred poll's newly found calendar home, for poll_due to store


def change_item(
    user_id: str, change: Change, since: Sequence[str] = (), *, due_at: datetime | None = None
) -> OutboxItem:
    """`due_at`: the end of the person's quiet hours when the change was found inside them
    (domain/quiet.py); every change held through one night is due then, and goes as one post."""
    return outbox_item(user_id, change_notice(change, tuple(since)), due_at=due_at)


def unreadable_item(user_id: str, calendar: CalendarRef, href: str, why: str) -> OutboxItem:
    """Told once per object and reason (the outbox keeps one row per key)."""
    return outbox_item(user_id, Unreadable(calendar.name, why, object_href=href))


class SyncService:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        # One sync per user at a time in this process: two overlapping syncs (the poll loop
        # and a sync after creating a meeting) could otherwise commit an older fetch over a
        # newer snapshot and report the difference as a change.
        self._locks: dict[str, asyncio.Lock] = {}
        self._writes = GroupCommit(ctx.transaction)

    async def poll_due(self, *, limit: int = 1000) -> int:
        """Claim the users due for a poll and sync them, a bounded number at once.

        Batched for thousands of users: the claim also reads every claimed user's
        calendars, and the users whose poll found nothing to store (most of them, most of
        the time) are marked polled together in one statement, so an unchanged user costs
        one CalDAV request and no transaction of its own.
        """
        ctx = self._ctx
        now = ctx.clock.now()
        lease = now + 5 * ctx.check_interval
        async with ctx.transaction() as store:
            users = await store.users.claim_due_for_poll(now, until=lease, limit=limit)
            calendars = (
                await store.calendars.list_for_users([u.mm_user_id for u in users]) if users else {}
            )
        if not users:
            return 0
        gate = asyncio.Semaphore(ctx.poll_concurrency)
        quiet: list[str] = []
        homes: dict[str, str] = {}

        async def one(user: StoredUser) -> None:
            async with gate:
                try:
                    lock = self._locks.setdefault(user.mm_user_id, asyncio.Lock())
                    async with lock:
                        with self._writes.polling():
                            outcome = await self._sync(
                                user, calendars.get(user.mm_user_id, []), in_poll_batch=True
                            )
                    if outcome.deferred:
                        quiet.append(user.mm_user_id)
                        if outcome.found_home:
                            homes[user.mm_user_id] = outcome.found_home
                except Exception:
                    log.exception("poll of user %s failed", user.mm_user_id)

        await asyncio.gather(*(one(u) for u in users))
        if quiet:
            async with ctx.transaction() as store:
                # Only rows still holding this claim: a reconnect or a "poll now" that
                # came in meanwhile keeps its own schedule.
                await store.users.mark_polled_many(
                    quiet, polled_at=now, next_poll_at=now + ctx.check_interval, claimed=lease
                )
                # found once per user (after a restart of a bot from before 0005, or a move)
                await store.users.set_home_urls(homes)
        return len(users)

    async def sync_user(self, user: StoredUser) -> SyncOutcome:
        lock = self._locks.setdefault(user.mm_user_id, asyncio.Lock())
        async with lock:
            # The row as it is now, not as it was claimed: the baseline or a reconnect may
            # have happened in between, and a logged-out user is not synced at all.
            async with self._ctx.transaction() as store:
                fresh = await store.users.get(user.mm_user_id)
                known = await store.calendars.list_for(user.mm_user_id) if fresh else []
            if fresh is None or fresh.needs_reconnect:
                return SyncOutcome(ok=False, needs_reconnect=fresh is not None)
            return await self._sync(fresh, known)

    async def after_own_write(
        self, user: StoredUser, write: Callable[[], Awaitable[None]], uids: frozenset[str]
    ) -> SyncOutcome:
        """`write` (the person changing their own meeting), then a sync that stores what it
        did without announcing it back to them: changes of the events `uids` found by this
        sync are not notices. One lock for both, so this process's poll cannot land between
        them and announce the change first; and the events held quiet in the database
        meanwhile (`own_events.hold`), so no other replica's poll can either. Attendees hear
        of it through their own calendars and their own polls."""
        ctx = self._ctx
        lock = self._locks.setdefault(user.mm_user_id, asyncio.Lock())
        async with lock:
            # The lock keeps this process's polls out; the hold, other replicas' polls.
            now = ctx.clock.now()
            async with ctx.transaction() as store:
                await store.own_events.hold(user.mm_user_id, uids, until=now + EDIT_HOLD, now=now)
            outcome = SyncOutcome(ok=True)  # the write failed: nothing to keep quiet
            try:
                await write()
                async with ctx.transaction() as store:
                    fresh = await store.users.get(user.mm_user_id)
                    known = await store.calendars.list_for(user.mm_user_id) if fresh else []
                if fresh is None or fresh.needs_reconnect:
                    return SyncOutcome(ok=False, needs_reconnect=fresh is not None)
                outcome = await self._sync(fresh, known, quiet_uids=uids)
                return outcome
            finally:
                if outcome.ok:  # else the next poll, within the hold, stores it quietly
                    async with ctx.transaction() as store:
                        await store.own_events.release(user.mm_user_id, uids)

    async def _sync(
        self,
        user: StoredUser,
        known: list[CalendarRef],
        *,
        in_poll_batch: bool = False,
        quiet_uids: frozenset[str] = frozenset(),
    ) -> SyncOutcome:
        """`in_poll_batch`: `user` is the row as claimed by poll_due (not re-read): a poll with
        nothing to store is then left for poll_due to mark (`deferred`), and anything else is
        stored only if the row did not change meanwhile (logout, reconnect)."""
        ctx = self._ctx
        now = ctx.clock.now()
        next_poll = now + ctx.check_interval
        try:
            credentials = decrypt_credentials(user, ctx.vault)
        except UndecryptableSecret:
            await self._needs_reconnect(user, now)
            return SyncOutcome(ok=False, needs_reconnect=True)
        window = current_window(user, now)
        # The stored snapshot is each calendar at its stored tags over the window it was
        # stored with: the gateway answers a calendar still at those tags without fetching
        # or expanding it (and so need not keep it in memory).
        stored = stored_window(user) if user.baseline_done else None
        try:
            result = await ctx.calendars.sync(
                credentials,
                known,
                ExpansionScope(window, user.email, user.settings.timezone or ctx.default_tz),
                snapshot_window=stored,
            )
        except AuthFailed:
            await self._needs_reconnect(user, now)
            return SyncOutcome(ok=False, needs_reconnect=True)
        except CalendarError as exc:
            log.info("poll of user %s failed: %s", user.mm_user_id, exc)
            async with ctx.transaction() as store:
                await store.users.mark_polled(
                    user.mm_user_id, polled_at=now, next_poll_at=next_poll
                )
            return SyncOutcome(ok=False)
        if in_poll_batch and _nothing_to_store(result, known):
            return SyncOutcome(
                ok=True,
                complete=True,
                requests=result.requests,
                deferred=True,
                found_home=result.found_home,
            )

        async def write(
            store: Store, fresh: StoredUser | None, reads: PollReads, writes: PollWrites
        ) -> SyncOutcome:
            if in_poll_batch and (
                fresh is None
                or fresh.password_enc != user.password_enc
                or (fresh.baseline_done != user.baseline_done)
            ):
                return SyncOutcome(ok=False)  # logged out or reconnected meanwhile
            await self._apply(store, reads, writes, user, known, result, now, quiet_uids)
            writes.mark_polled(PollMark(user.mm_user_id, now, next_poll, window.start))
            if result.found_home:
                writes.set_home(user.mm_user_id, result.found_home)
            return SyncOutcome(ok=True, complete=result.complete, requests=result.requests)

        wants = PollRead(user.mm_user_id, now, touched_queries(user.mm_user_id, result))
        if in_poll_batch:
            # with the other polls of the batch that have something to store: one
            # transaction for several users (the user's lock is held until it commits)
            return await self._writes.run(wants, write)
        async with ctx.transaction() as store:
            writes = PollWrites()
            outcome = await write(store, user, await read_polls(store, [wants]), writes)
            new = await writes.flush(store)
            return dataclasses.replace(outcome, changes=new[user.mm_user_id])

    async def _apply(
        self,
        store: Store,
        reads: PollReads,
        writes: PollWrites,
        user: StoredUser,
        known: Sequence[CalendarRef],
        result: SyncResult,
        now: datetime,
        quiet_uids: frozenset[str] = frozenset(),
    ) -> None:
        """Store the new snapshot and enqueue the changes, in the caller's transaction (what
        it reads already read, in `reads`; the writes through `writes`, made when it is
        flushed); changes of the events `quiet_uids` (the person's own edit) are stored, not
        told."""
        window = current_window(user, now)
        previous_window = stored_window(user) or window
        known_hrefs = {c.href for c in known}
        known_tags = {c.href: (c.ctag, c.sync_token) for c in known}
        muted = {c.href for c in known if c.muted}  # listed, but tells no changes
        held_until = quiet_until(now, user.settings)
        announce = user.baseline_done
        polled = user.last_poll_at.isoformat() if user.last_poll_at else ""
        own = reads.marks[user.mm_user_id]
        items: list[OutboxItem] = []
        for fetch in result.calendars:
            href = fetch.calendar.href
            match fetch:
                case Gone():
                    # The calendar is gone from the server: drop it quietly, it is not a
                    # cancellation of every meeting in it. Its row and tags go too: tags
                    # kept for a dropped snapshot would vouch for an empty one for good,
                    # should the calendar come back (issue 22, item 1); back, it is a new,
                    # silent calendar.
                    await store.snapshot.delete_calendar(user.mm_user_id, href)
                    await store.calendars.remove(user.mm_user_id, href)
                    continue
                case Failed():
                    continue  # keep the previous snapshot and tokens: nothing may be inferred
                case AtStoredTags():
                    await _store_tags(store, writes, user.mm_user_id, fetch.calendar, known_tags)
                    continue  # the gateway vouches that the stored snapshot is this calendar
                case Full() | Delta():
                    await _store_tags(store, writes, user.mm_user_id, fetch.calendar, known_tags)
                case _:
                    assert_never(fetch)
            if (
                isinstance(fetch, Full)
                and fetch.unchanged
                and window == previous_window
                and user.baseline_done
            ):
                continue  # nothing new and the horizon did not move: the snapshot stands
            previous, current = await _before_after(store, reads, user.mm_user_id, fetch)
            items += [
                unreadable_item(user.mm_user_id, fetch.calendar, href, why)
                for href, why in fetch.unreadable.items()
            ]
            if announce and href in known_hrefs and href not in muted:
                changes = _diff(previous, current, previous_window, window, now)
                if changes:
                    if own.made & {c.occurrence.uid for c in changes}:
                        # the person's own meetings are not news to them (only the
                        # announcements of those UIDs differ: the diff again with them)
                        changes = _diff(previous, current, previous_window, window, now, own.made)
                    # being changed by the person through the bot, maybe on another replica
                    quiet = quiet_uids | own.held
                    since = (*known_tags.get(href, ("", "")), polled)
                    items += [
                        change_item(user.mm_user_id, change, since, due_at=held_until)
                        for change in changes
                        if change.occurrence.uid not in quiet
                    ]
            cut = cut_item(user.mm_user_id, href, previous, current)  # said once, baseline too
            if cut is not None:
                items.append(cut)
            writes.write_rows(user.mm_user_id, href, row_changes(previous, current), now)
        writes.enqueue(items, now)
        if not user.baseline_done:
            await store.users.mark_baseline_done(user.mm_user_id, now=now)

    async def _needs_reconnect(self, user: StoredUser, now: datetime) -> None:
        """One message with a Reconnect button; polling pauses until they reconnect."""
        async with self._ctx.transaction() as store:
            await store.users.mark_needs_reconnect(user.mm_user_id, now=now)
            if await store.users.mark_reconnect_notified(user.mm_user_id):
                await store.outbox.enqueue([outbox_item(user.mm_user_id, Reconnect(now))], now=now)


@dataclass(frozen=True, slots=True)
class PollRead:
    """What one poll's store reads: the person's own events as of `now`, and the stored
    rows its deltas can change."""

    user_id: str
    now: datetime
    queries: list[TouchedQuery]


@dataclass(frozen=True, slots=True)
class PollReads:
    """What the stores of a batch of polls read, read together (read_polls)."""

    touched: dict[tuple[str, str], list[Occurrence]]  # (user, calendar href) -> rows
    marks: dict[str, OwnMarks]  # user -> their own events


def touched_queries(user_id: str, result: SyncResult) -> list[TouchedQuery]:
    """The stored rows each delta of a poll can change: those of the objects it names, known
    or not (an unreadable object keeps its rows, see _before_after), and of their UIDs."""
    return [
        TouchedQuery(
            user_id,
            fetch.calendar.href,
            frozenset({*fetch.replaced, *fetch.unreadable, *fetch.broken}),
            frozenset(o.uid for o in fetch.occurrences),
        )
        for fetch in result.calendars
        if isinstance(fetch, Delta)
    ]


async def read_polls(store: Store, polls: Sequence[PollRead]) -> PollReads:
    """Two statements for a batch of polls, not two for each changed calendar."""
    queries = [q for poll in polls for q in poll.queries]
    rows = await store.snapshot.load_touched(queries) if queries else []
    marks = await store.own_events.marks({poll.user_id: poll.now for poll in polls})
    return PollReads(
        {(q.mm_user_id, q.calendar_href): found for q, found in zip(queries, rows, strict=True)},
        marks,
    )


# One user's store in a GroupCommit: given the transaction's store, the user's row as it is
# now (None: gone), what the batch read and the batch's writes, which are made together once
# every store is in.
StoreWork = Callable[[Store, StoredUser | None, PollReads, PollWrites], Awaitable[SyncOutcome]]


@dataclass(slots=True)
class _Write:
    read: PollRead
    work: StoreWork
    done: asyncio.Future[SyncOutcome]


class GroupCommit:
    """The stores of several users' polls in one transaction (a group commit).

    A changed calendar's store is a handful of statements, and each transaction around them
    costs as much again (BEGIN, COMMIT, the re-read of the user's row), each statement a
    round trip to the database's thread. So the polls of a batch that have something to
    store hand it here: what arrives within `wait` seconds (at most `limit` users) is
    stored in one transaction, the users' rows re-read in one statement and passed to each
    `work` (None: the user is gone) with what they read (read_polls, two statements for
    all), and their writes made together (poll_writes.py): each outcome's `changes` counts
    the outbox rows its user's writes added. Should the transaction fail, each user's store
    is made again alone, so one bad store does not undo the others'. A caller that gives up
    (cancelled) before its turn has nothing stored.

    The wait: a batch costs about ten statements (BEGIN, the reads, a statement per kind of
    write, COMMIT) however many stores it holds. With 5 % of 10,000 users' calendars
    changing a minute, 50 ms made batches of ~4 users, 0.5 s of ~20: ~1 s less CPU a cycle
    (10.8 → 9.6–9.8 s), for half a second more before a change is stored and told. The
    batch does not wait when nothing more can join it: when every poll under way (those
    inside `polling()`) has handed its store, or it holds `limit` of them."""

    def __init__(self, transaction: UnitOfWork, *, wait: float = 0.5, limit: int = 100) -> None:
        self._transaction = transaction
        self._wait = wait
        self._limit = limit
        self._pending: list[_Write] = []
        self._flusher: asyncio.Task[None] | None = None
        self._polling = 0  # polls under way that may yet hand a store here
        self._complete = asyncio.Event()  # nothing more can join the pending batch

    @contextlib.contextmanager
    def polling(self) -> Iterator[None]:
        """Around a poll that may hand its store here (and wait for it to commit)."""
        self._polling += 1
        try:
            yield
        finally:
            self._polling -= 1
            self._check_complete()

    def _check_complete(self) -> None:
        waiting = len(self._pending)
        if waiting and (waiting >= self._limit or 0 < self._polling <= waiting):
            self._complete.set()

    async def run(self, read: PollRead, work: StoreWork) -> SyncOutcome:
        done: asyncio.Future[SyncOutcome] = asyncio.get_running_loop().create_future()
        self._pending.append(_Write(read, work, done))
        self._check_complete()
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())
        return await done

    async def _flush(self) -> None:
        batch: list[_Write] = []
        try:
            while self._pending:
                if not self._complete.is_set():
                    with contextlib.suppress(TimeoutError):  # let the other stores join
                        await asyncio.wait_for(self._complete.wait(), self._wait)
                self._complete.clear()
                batch = self._pending[: self._limit]
                del self._pending[: self._limit]
                await self._commit(batch)
                self._check_complete()
        finally:
            self._flusher = None
            for write in (*batch, *self._pending):  # left only when cancelled (the bot stops)
                if not write.done.done():
                    write.done.cancel()
            self._pending.clear()

    async def _commit(self, batch: list[_Write]) -> None:
        live = [w for w in batch if not w.done.done()]
        if not live:
            return
        try:
            async with self._transaction() as store:
                fresh = await store.users.get_many([w.read.user_id for w in live])
                reads = await read_polls(store, [w.read for w in live])
                writes = PollWrites()
                outcomes = [
                    await w.work(store, fresh.get(w.read.user_id), reads, writes) for w in live
                ]
                new = await writes.flush(store)
        except Exception as exc:
            if len(live) == 1:
                if not live[0].done.done():
                    live[0].done.set_exception(exc)
                return
            for write in live:
                await self._commit([write])
            return
        for write, outcome in zip(live, outcomes, strict=True):
            if not write.done.done():
                changes = outcome.changes + new[write.read.user_id]
                write.done.set_result(dataclasses.replace(outcome, changes=changes))


def current_window(user: StoredUser, now: datetime) -> TimeWindow:
    """The horizon to poll `user` over now: the one of their phase (window_phase). A snapshot
    stored before migration 0005 (on the midnight-aligned horizon) keeps that horizon until
    it moves anyway, at midnight UTC: an upgrade does not re-read every calendar at once."""
    if user.window_start is None and user.last_poll_at is not None:
        legacy = sync_window(now)
        if legacy == sync_window(user.last_poll_at):
            return legacy
    return sync_window(now, window_phase(user.mm_user_id))


def stored_window(user: StoredUser) -> TimeWindow | None:
    """The horizon the user's stored snapshot was expanded over (None: never polled)."""
    if user.window_start is not None:
        return TimeWindow(user.window_start, user.window_start + WINDOW_SPAN)
    if user.last_poll_at is not None:
        return sync_window(user.last_poll_at)  # stored before 0005: aligned to midnight UTC
    return None


async def _store_tags(
    store: Store,
    writes: PollWrites,
    user_id: str,
    calendar: CalendarRef,
    known_tags: dict[str, tuple[str, str]],
) -> None:
    """The tags a fetch vouches for. A calendar added since connecting is stored with them
    and its snapshot, announced from the next change on (its meetings are not news, the
    calendar is)."""
    if calendar.href not in known_tags:
        await store.calendars.add(user_id, calendar)
    elif known_tags[calendar.href] != (calendar.ctag, calendar.sync_token):
        writes.set_tokens(user_id, calendar)


async def _before_after(
    store: Store, reads: PollReads, user_id: str, fetch: Full | Delta
) -> tuple[Sequence[Occurrence], Sequence[Occurrence]]:
    """The stored rows a fetch can change and what they become. For a delta only the rows of
    the objects it names (and of their UIDs) are read, with the batch's (touched_queries):
    the rest of the calendar is the same before and after, so diffing and writing just
    these costs what changed (domain/snapshot_delta.py); a whole fetch compares the whole
    calendar."""
    href = fetch.calendar.href
    unknown = {*fetch.unreadable, *fetch.broken}
    previous: Sequence[Occurrence]
    current: Sequence[Occurrence]
    match fetch:
        case Delta():  # only the objects named in it changed
            previous = reads.touched[(user_id, href)]
            current = apply_delta(previous, fetch.replaced, fetch.occurrences)
        case Full():
            previous = await store.snapshot.load_calendar(user_id, href)
            current = fetch.occurrences
        case _:
            assert_never(fetch)
    if unknown:
        # Unknown is not gone: an object that cannot be read (bytes, issue 22 item 4)
        # or parsed (item 2) keeps its last known occurrences, so it is never
        # announced as a cancellation and its repair is compared with what came before.
        current = keep_objects(previous, current, unknown)
    return previous, current


def _diff(
    previous: Sequence[Occurrence],
    current: Sequence[Occurrence],
    previous_window: TimeWindow,
    window: TimeWindow,
    now: datetime,
    own_uids: frozenset[str] = frozenset(),
) -> list[Change]:
    """The changes of one calendar. `own_uids` only ever removes announcements of those
    UIDs, so the diff without them is enough unless a change is of one of them."""
    return diff(
        previous,
        current,
        complete=True,
        previous_window=previous_window,
        current_window=window,
        now=now,
        own_uids=own_uids,
    )


def _nothing_to_store(result: SyncResult, known: Sequence[CalendarRef]) -> bool:
    """Every calendar answered from the stored snapshot, at the stored tags."""
    tags = {c.href: (c.ctag, c.sync_token) for c in known}
    return bool(result.calendars) and all(
        isinstance(f, AtStoredTags)
        and tags.get(f.calendar.href) == (f.calendar.ctag, f.calendar.sync_token)
        for f in result.calendars
    )
