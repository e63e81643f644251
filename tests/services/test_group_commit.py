"""GroupCommit (services/sync.py): the stores of several polls in one transaction, and one
bad store does not undo the others'."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import pytest

from calendar_bot.services.sync import GroupCommit, SyncOutcome


class FakeUsers:
    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.reads: list[list[str]] = []

    async def get_many(self, ids: list[str]) -> dict[str, str]:
        self.reads.append(list(ids))
        return {i: f"row-{i}" for i in ids if i in self.known}


class FakeDatabase:
    """Writes are kept only when the transaction's block ends without raising."""

    def __init__(self, known: set[str]) -> None:
        self.users = FakeUsers(known)
        self.committed: list[str] = []
        self.transactions = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        self.transactions += 1
        store = SimpleNamespace(users=self.users, writes=[])
        yield store
        self.committed.extend(store.writes)


def writing(user: str, seen: dict[str, Any]) -> Callable[[Any, Any, Any], Awaitable[SyncOutcome]]:
    async def work(store: Any, fresh: Any, writes: Any) -> SyncOutcome:
        seen[user] = fresh
        store.writes.append(user)
        return SyncOutcome(ok=True, changes=1)

    return work


async def failing(store: Any, fresh: Any, writes: Any) -> SyncOutcome:
    store.writes.append("bad")
    raise RuntimeError("a bad store")


async def test_stores_arriving_together_share_one_transaction_and_one_read() -> None:
    db = FakeDatabase({"a", "b"})
    writes = GroupCommit(db.transaction, wait=0.01)
    seen: dict[str, Any] = {}
    outcomes = await asyncio.gather(*(writes.run(u, writing(u, seen)) for u in ("a", "b", "gone")))
    assert all(o.ok and o.changes == 1 for o in outcomes)
    assert db.transactions == 1
    assert db.users.reads == [["a", "b", "gone"]]
    assert seen == {"a": "row-a", "b": "row-b", "gone": None}  # None: the row is gone
    assert db.committed == ["a", "b", "gone"]


async def test_a_failing_store_is_its_own_and_the_others_are_stored() -> None:
    db = FakeDatabase({"a", "b", "c"})
    writes = GroupCommit(db.transaction, wait=0.01)
    seen: dict[str, Any] = {}
    outcomes = await asyncio.gather(
        writes.run("a", writing("a", seen)),
        writes.run("b", failing),
        writes.run("c", writing("c", seen)),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], RuntimeError)
    assert isinstance(outcomes[0], SyncOutcome) and isinstance(outcomes[2], SyncOutcome)
    assert db.committed == ["a", "c"]  # the batch rolled back, then each alone


async def test_a_caller_that_gave_up_before_its_turn_has_nothing_stored() -> None:
    db = FakeDatabase({"a", "b"})
    writes = GroupCommit(db.transaction, wait=0.05)
    seen: dict[str, Any] = {}
    gone = asyncio.create_task(writes.run("a", writing("a", seen)))
    kept = asyncio.create_task(writes.run("b", writing("b", seen)))
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert (await kept).ok
    assert db.committed == ["b"]
