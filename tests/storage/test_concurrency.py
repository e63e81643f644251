"""Replicas racing for the same work never both get it (two engines = two replicas)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.storage.db import create_engine, session_factory
from calendar_bot.storage.repositories import OutboxItem, transaction
from calendar_bot.vault import Vault
from tests.storage.helpers import HREF, NOW, add_user, occurrence

Factory = async_sessionmaker[AsyncSession]
REPLICAS = 4


@pytest.fixture
async def replicas(database_url: str) -> AsyncIterator[list[Factory]]:
    engines = [create_engine(database_url) for _ in range(REPLICAS)]
    try:
        yield [session_factory(e) for e in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_concurrent_outbox_claimers_never_share_a_row(replicas: list[Factory]) -> None:
    total = 120
    async with transaction(replicas[0]) as store:
        items = [OutboxItem(f"user{i % 9}", f"k{i}", "new", {"i": i}) for i in range(total)]
        assert await store.outbox.enqueue(items, now=NOW) == total

    async def worker(name: str, factory: Factory) -> list[int]:
        mine: list[int] = []
        while True:
            async with transaction(factory) as store:
                rows = await store.outbox.claim_due(NOW, name, timedelta(minutes=5), 7)
            if not rows:
                return mine
            mine.extend(r.id for r in rows)
            # Posted: a user's later rows wait while an earlier one is leased (order per user).
            async with transaction(factory) as store:
                await store.outbox.mark_sent([(r.id, f"post{r.id}") for r in rows], NOW)
            await asyncio.sleep(0)  # let the other replicas interleave

    results = await asyncio.gather(
        *(worker(f"w{n}", factory) for n, factory in enumerate(replicas))
    )
    claimed = Counter(row_id for ids in results for row_id in ids)
    assert sum(claimed.values()) == total  # each row claimed...
    assert set(claimed.values()) == {1}  # ...exactly once
    assert sum(1 for ids in results if ids) >= 2  # the work was actually shared


async def test_concurrent_poll_claimers_never_share_a_user(
    replicas: list[Factory], vault: Vault
) -> None:
    total = 40
    for i in range(total):
        await add_user(replicas[0], vault, f"user{i:02d}", now=NOW - timedelta(seconds=i))

    async def poller(factory: Factory) -> list[str]:
        mine: list[str] = []
        while True:
            async with transaction(factory) as store:
                users = await store.users.claim_due_for_poll(
                    NOW, until=NOW + timedelta(minutes=1), limit=3
                )
            if not users:
                return mine
            mine.extend(u.mm_user_id for u in users)
            await asyncio.sleep(0)

    results = await asyncio.gather(*(poller(f) for f in replicas))
    claimed = Counter(user for users in results for user in users)
    assert len(claimed) == total
    assert set(claimed.values()) == {1}
    assert sum(1 for users in results if users) >= 2


async def test_concurrent_digest_marks_and_ticks_have_one_winner(
    replicas: list[Factory], vault: Vault
) -> None:
    from datetime import date

    await add_user(replicas[0], vault)

    async def mark(factory: Factory) -> bool:
        async with transaction(factory) as store:
            return await store.digest_log.try_mark("alice", date(2026, 11, 30), now=NOW)

    async def tick(factory: Factory) -> bool:
        async with transaction(factory) as store:
            return await store.scheduler.advance_tick("reminders", expected=None, new=NOW, now=NOW)

    assert sorted(await asyncio.gather(*(mark(f) for f in replicas))) == [False] * 3 + [True]
    assert sorted(await asyncio.gather(*(tick(f) for f in replicas))) == [False] * 3 + [True]


async def test_concurrent_sync_transactions_do_not_lose_writes(
    replicas: list[Factory], vault: Vault
) -> None:
    """Read-then-write transactions (load snapshot, replace, enqueue) from several replicas
    on different users all commit (SQLite: BEGIN IMMEDIATE waits instead of failing)."""
    users = [f"user{i}" for i in range(8)]
    for user in users:
        await add_user(replicas[0], vault, user)

    async def sync(factory: Factory, user: str) -> None:
        async with transaction(factory) as store:
            await store.snapshot.load(user)
            await asyncio.sleep(0)
            await store.snapshot.replace_calendar(user, HREF, [occurrence()], now=NOW)
            await store.outbox.enqueue([OutboxItem(user, f"{user}:new", "new")], now=NOW)

    await asyncio.gather(*(sync(replicas[i % REPLICAS], user) for i, user in enumerate(users)))
    async with transaction(replicas[1]) as store:
        for user in users:
            assert await store.snapshot.load(user) == [occurrence()]
        assert await store.outbox.pending_count() == len(users)


async def test_one_replica_claims_a_dialog_and_a_release_reopens_it(
    replicas: list[Factory],
) -> None:
    """What /dialogs relies on: a submission is claimed before it is handled, by exactly one
    of the copies racing for it, and a claim given back (field errors) can be taken again."""
    from calendar_bot.clock import ManualClock
    from calendar_bot.storage.replay_guard import StoredReplayGuard

    guards = [StoredReplayGuard(factory, ManualClock(NOW)) for factory in replicas]
    key = "d:" + "0" * 64
    first = await asyncio.gather(*(guard.use(key) for guard in guards))
    assert sorted(first) == [False] * (REPLICAS - 1) + [True]
    await guards[1].release(key)
    again = await asyncio.gather(*(guard.use(key) for guard in guards))
    assert sorted(again) == [False] * (REPLICAS - 1) + [True]
