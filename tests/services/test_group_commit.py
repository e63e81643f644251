"""GroupCommit (services/sync.py): the stores of several polls in one transaction, and one
bad store does not undo the others'."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from calendar_bot.records import OwnMarks, TouchedQuery
from calendar_bot.services.sync import GroupCommit, PollRead, PollReads, SyncOutcome

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


class FakeUsers:
    def __init__(self, known: set[str]) -> None:
        self.known = known
        self.reads: list[list[str]] = []

    async def get_many(self, ids: list[str]) -> dict[str, str]:
        self.reads.append(list(ids))
        return {i: f"row-{i}" for i in ids if i in self.known}


class FakeSnapshot:
    """Each calendar's stored rows are its query's first object href (a stand-in)."""

    def __init__(self) -> None:
        self.reads: list[list[TouchedQuery]] = []

    async def load_touched(self, queries: Sequence[TouchedQuery]) -> list[list[str]]:
        self.reads.append(list(queries))
        return [sorted(q.objects) for q in queries]


class FakeOwnEvents:
    def __init__(self) -> None:
        self.reads: list[dict[str, datetime]] = []

    async def marks(self, at: Mapping[str, datetime]) -> dict[str, OwnMarks]:
        self.reads.append(dict(at))
        return {user: OwnMarks(frozenset({f"own-{user}"}), frozenset()) for user in at}


class FakeDatabase:
    """Writes are kept only when the transaction's block ends without raising."""

    def __init__(self, known: set[str]) -> None:
        self.users = FakeUsers(known)
        self.snapshot = FakeSnapshot()
        self.own_events = FakeOwnEvents()
        self.committed: list[str] = []
        self.transactions = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        self.transactions += 1
        store = SimpleNamespace(
            users=self.users, snapshot=self.snapshot, own_events=self.own_events, writes=[]
        )
        yield store
        self.committed.extend(store.writes)


def read(user: str) -> PollRead:
    return PollRead(
        user, NOW, [TouchedQuery(user, "/cal/", frozenset({f"/cal/{user}.ics"}), frozenset())]
    )


Work = Callable[[Any, Any, PollReads, Any], Awaitable[SyncOutcome]]


def writing(user: str, seen: dict[str, Any]) -> Work:
    async def work(store: Any, fresh: Any, reads: PollReads, writes: Any) -> SyncOutcome:
        seen[user] = (fresh, reads.touched[(user, "/cal/")], reads.marks[user].made)
        store.writes.append(user)
        return SyncOutcome(ok=True, changes=1)

    return work


async def failing(store: Any, fresh: Any, reads: PollReads, writes: Any) -> SyncOutcome:
    store.writes.append("bad")
    raise RuntimeError("a bad store")


async def test_stores_arriving_together_share_one_transaction_and_one_read() -> None:
    db = FakeDatabase({"a", "b"})
    writes = GroupCommit(db.transaction, wait=0.01)
    seen: dict[str, Any] = {}
    users = ("a", "b", "gone")
    outcomes = await asyncio.gather(*(writes.run(read(u), writing(u, seen)) for u in users))
    assert all(o.ok and o.changes == 1 for o in outcomes)
    assert db.transactions == 1
    assert db.users.reads == [["a", "b", "gone"]]
    # what the stores read, read once for all of them: each sees its own
    assert db.snapshot.reads == [[q for u in users for q in read(u).queries]]
    assert db.own_events.reads == [{u: NOW for u in users}]
    assert seen == {
        "a": ("row-a", ["/cal/a.ics"], {"own-a"}),
        "b": ("row-b", ["/cal/b.ics"], {"own-b"}),
        "gone": (None, ["/cal/gone.ics"], {"own-gone"}),  # None: the row is gone
    }
    assert db.committed == ["a", "b", "gone"]


async def test_a_failing_store_is_its_own_and_the_others_are_stored() -> None:
    db = FakeDatabase({"a", "b", "c"})
    writes = GroupCommit(db.transaction, wait=0.01)
    seen: dict[str, Any] = {}
    outcomes = await asyncio.gather(
        writes.run(read("a"), writing("a", seen)),
        writes.run(read("b"), failing),
        writes.run(read("c"), writing("c", seen)),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], RuntimeError)
    assert isinstance(outcomes[0], SyncOutcome) and isinstance(outcomes[2], SyncOutcome)
    assert db.committed == ["a", "c"]  # the batch rolled back, then each alone


async def test_a_caller_that_gave_up_before_its_turn_has_nothing_stored() -> None:
    db = FakeDatabase({"a", "b"})
    writes = GroupCommit(db.transaction, wait=0.05)
    seen: dict[str, Any] = {}
    gone = asyncio.create_task(writes.run(read("a"), writing("a", seen)))
    kept = asyncio.create_task(writes.run(read("b"), writing("b", seen)))
    await asyncio.sleep(0)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert (await kept).ok
    assert db.committed == ["b"]


async def test_a_batch_is_stored_at_once_when_every_poll_under_way_has_handed_its_store() -> None:
    """No waiting for stores that cannot come: the wait (here far longer than the test may
    take) is cut short once every poll inside polling() is waiting for the commit."""
    db = FakeDatabase({"a", "b", "c"})
    writes = GroupCommit(db.transaction, wait=60)
    seen: dict[str, Any] = {}
    fetched, still_fetching = asyncio.Event(), asyncio.Event()

    async def poll(user: str, *, stores: bool = True) -> SyncOutcome | None:
        with writes.polling():
            await fetched.wait()  # every poll under way before any store is handed
            if not stores:
                await still_fetching.wait()
                return None  # nothing to store (an unchanged calendar)
            return await writes.run(read(user), writing(user, seen))

    a = asyncio.create_task(poll("a"))
    b = asyncio.create_task(poll("b"))
    quiet = asyncio.create_task(poll("c", stores=False))
    await asyncio.sleep(0)
    fetched.set()
    await asyncio.sleep(0.05)
    assert not a.done() and db.transactions == 0  # "c" may yet hand a store
    still_fetching.set()
    outcomes = await asyncio.wait_for(asyncio.gather(a, b, quiet), timeout=5)
    assert [o.ok for o in outcomes if o is not None] == [True, True]
    assert db.transactions == 1 and db.committed == ["a", "b"]
