"""The outbox on SQLite and PostgreSQL: idempotent enqueue, leases, retries, sent marks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.storage.repositories import OutboxItem, transaction
from calendar_bot.storage.tables import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENT
from tests.storage.helpers import NOW

Factory = async_sessionmaker[AsyncSession]
LEASE = timedelta(seconds=60)


def item(key: str, user: str = "alice", due_in: timedelta | None = None) -> OutboxItem:
    return OutboxItem(
        mm_user_id=user,
        idempotency_key=key,
        kind="reminder",
        payload={"key": key, "nested": {"list": [1, "два"]}},
        due_at=NOW + due_in if due_in is not None else None,
    )


async def test_enqueue_is_idempotent_and_counts_new_rows(session_factory: Factory) -> None:
    async with transaction(session_factory) as store:
        assert await store.outbox.enqueue([item("a"), item("b"), item("a")], now=NOW) == 2
    async with transaction(session_factory) as store:
        assert await store.outbox.enqueue([item("b"), item("c")], now=NOW) == 1
        assert await store.outbox.enqueue([], now=NOW) == 0
        row = await store.outbox.get_by_key("a")
    assert row is not None
    assert row.payload == {"key": "a", "nested": {"list": [1, "два"]}}
    assert (row.status, row.attempts, row.due_at, row.next_attempt_at) == (
        OUTBOX_PENDING,
        0,
        NOW,
        NOW,
    )
    assert row.created_at == NOW and row.claimed_by is None and row.post_id is None


async def test_enqueue_many_rows_in_batches(session_factory: Factory) -> None:
    items = [item(f"k{i}", user=f"user{i % 7}") for i in range(450)]
    async with transaction(session_factory) as store:
        assert await store.outbox.enqueue(items, now=NOW) == 450
        assert await store.outbox.enqueue(items[::2], now=NOW) == 0
        assert await store.outbox.pending_count() == 450


async def test_many_rows_are_marked_sent_at_once(session_factory: Factory) -> None:
    async with transaction(session_factory) as store:
        await store.outbox.enqueue([item(f"m{i}", user=f"user{i}") for i in range(3)], now=NOW)
        first, second, third = await store.outbox.claim_due(NOW, "w1", LEASE, 10)
        await store.outbox.mark_sent([(first.id, "post-first")], NOW)
        later = NOW + timedelta(seconds=5)
        await store.outbox.mark_sent(
            [(first.id, "post-again"), (second.id, "post-2"), (third.id, "post-3")], later
        )
        rows = [await store.outbox.get_by_key(f"m{i}") for i in range(3)]
        assert await store.outbox.claim_due(later, "w1", LEASE, 10) == []
    sent = [(r.status, r.post_id, r.sent_at, r.claimed_by) for r in rows if r is not None]
    assert sent == [
        (OUTBOX_SENT, "post-first", NOW, None),  # already sent: left as it was
        (OUTBOX_SENT, "post-2", later, None),
        (OUTBOX_SENT, "post-3", later, None),
    ]


async def test_sent_key_is_never_enqueued_again(session_factory: Factory) -> None:
    async with transaction(session_factory) as store:
        await store.outbox.enqueue([item("once")], now=NOW)
        [claimed] = await store.outbox.claim_due(NOW, "w1", LEASE, 10)
        await store.outbox.mark_sent([(claimed.id, "post-1")], NOW)
        await store.outbox.mark_sent([(claimed.id, "post-2")], NOW)  # already sent: no change
    async with transaction(session_factory) as store:
        assert await store.outbox.enqueue([item("once")], now=NOW + timedelta(days=1)) == 0
        row = await store.outbox.get_by_key("once")
        assert await store.outbox.claim_due(NOW + timedelta(days=1), "w1", LEASE, 10) == []
    assert row is not None
    assert (row.status, row.post_id, row.sent_at, row.claimed_by) == (
        OUTBOX_SENT,
        "post-1",
        NOW,
        None,
    )


async def test_claim_due_order_lease_and_expiry(session_factory: Factory) -> None:
    async with transaction(session_factory) as store:
        await store.outbox.enqueue(
            [
                item("later", due_in=timedelta(minutes=2)),
                item("b-first", user="bob", due_in=timedelta(minutes=-5)),
                item("a-second"),
                item("a-first", due_in=timedelta(minutes=-1)),
                item("future", due_in=timedelta(hours=1)),
            ],
            now=NOW,
        )
    async with transaction(session_factory) as store:
        claimed = await store.outbox.claim_due(NOW, "w1", LEASE, 10)
    assert [r.idempotency_key for r in claimed] == ["b-first", "a-first", "a-second"]
    assert all(r.claimed_by == "w1" and r.claimed_until == NOW + LEASE for r in claimed)
    assert all(r.attempts == 1 for r in claimed)
    async with transaction(session_factory) as store:
        # Leased rows are not handed to another worker while the lease holds...
        assert await store.outbox.claim_due(NOW + timedelta(seconds=30), "w2", LEASE, 10) == []
        # ...and are once it has run out (the worker died); "later" is due by then too.
        moment = NOW + timedelta(minutes=2)
        again = await store.outbox.claim_due(moment, "w2", LEASE, 2)
    assert [r.idempotency_key for r in again] == ["b-first", "a-first"]
    assert all(r.claimed_by == "w2" and r.attempts == 2 for r in again)


async def test_retry_then_fail(session_factory: Factory) -> None:
    async with transaction(session_factory) as store:
        await store.outbox.enqueue([item("r")], now=NOW)
        [row] = await store.outbox.claim_due(NOW, "w1", LEASE, 10)
        retry_at = NOW + timedelta(minutes=5)
        assert await store.outbox.mark_retry(row.id, "HTTP 503" + "x" * 5000, retry_at)
    async with transaction(session_factory) as store:
        assert await store.outbox.claim_due(NOW + timedelta(minutes=4), "w1", LEASE, 10) == []
        [row] = await store.outbox.claim_due(retry_at, "w1", LEASE, 10)
        assert row.attempts == 2 and row.last_error is not None
        assert row.last_error.startswith("HTTP 503") and len(row.last_error) == 1000
        assert await store.outbox.mark_failed(row.id, "gave up")
        assert not await store.outbox.mark_retry(row.id, "late", retry_at)
    async with transaction(session_factory) as store:
        failed = await store.outbox.get_by_key("r")
        assert failed is not None and failed.status == OUTBOX_FAILED
        assert await store.outbox.claim_due(NOW + timedelta(days=1), "w1", LEASE, 10) == []
        assert await store.outbox.pending_count() == 0


async def test_delete_pending_for_keeps_sent_rows_and_others(session_factory: Factory) -> None:
    async with transaction(session_factory) as store:
        await store.outbox.enqueue([item("a1"), item("a2"), item("b1", user="bob")], now=NOW)
        [first, *_] = await store.outbox.claim_due(NOW, "w", LEASE, 1)
        await store.outbox.mark_sent([(first.id, "p")], NOW)
        assert await store.outbox.delete_pending_for("alice") == 1
        assert [r.idempotency_key for r in await store.outbox.list_for("alice")] == ["a1"]
        assert [r.idempotency_key for r in await store.outbox.list_for("bob")] == ["b1"]


async def test_prune_drops_old_finished_rows(session_factory: Factory) -> None:
    async with transaction(session_factory) as store:
        await store.outbox.enqueue([item("old"), item("pending")], now=NOW)
        claimed = await store.outbox.claim_due(NOW, "w", LEASE, 1)
        await store.outbox.mark_sent([(claimed[0].id, "p")], NOW)
        assert await store.outbox.prune(NOW + timedelta(days=30)) == 1
        assert await store.outbox.get_by_key(claimed[0].idempotency_key) is None
        assert await store.outbox.pending_count() == 1
