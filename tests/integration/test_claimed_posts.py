"""The claim that lets one replica, and only one, answer a post every replica heard: two
claimers over one real database (SQLite and PostgreSQL) stand in for two replicas."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from calendar_bot.clock import SystemClock
from calendar_bot.inbound import IncomingMessage, next_reply_key, replying_to
from calendar_bot.inbound_claims import ClaimedPosts
from tests.mattermost.echo_dispatcher import EchoDispatcher

Factory = async_sessionmaker[AsyncSession]


def post(post_id: str, user: str = "u1") -> IncomingMessage:
    return IncomingMessage(
        user_id=user, channel_id="dm", post_id=post_id, text="help", is_dm=True, mentions_bot=False
    )


def claimer(session_factory: Factory, database_kind: str) -> tuple[ClaimedPosts, EchoDispatcher]:
    inner = EchoDispatcher()
    wrapped = ClaimedPosts(inner, session_factory, SystemClock(), hold=database_kind == "postgres")
    return wrapped, inner


async def test_a_post_heard_by_two_replicas_is_handled_once(
    session_factory: Factory, database_kind: str
) -> None:
    first, first_inner = claimer(session_factory, database_kind)
    second, second_inner = claimer(session_factory, database_kind)
    posts = [post(f"p{n}", user=f"u{n % 3}") for n in range(20)]
    await asyncio.gather(*(r.on_message(p) for p in posts for r in (first, second)))
    handled = [m.post_id for m in first_inner.messages + second_inner.messages]
    assert sorted(handled) == sorted(p.post_id for p in posts)


# The held claim is PostgreSQL's: SQLite serves one process.
@pytest.mark.parametrize(
    "database_kind", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_replica_dying_mid_post_leaves_it_to_the_other(
    session_factory: Factory, database_kind: str
) -> None:
    """PostgreSQL: the claim is held until the post is handled. The holder dies (its
    transaction rolls back, as when its connection drops); the other, waiting, takes it."""
    dying, dying_inner = claimer(session_factory, database_kind)
    survivor, survivor_inner = claimer(session_factory, database_kind)
    entered = asyncio.Event()

    async def hang(_: IncomingMessage) -> None:
        entered.set()
        await asyncio.Event().wait()  # mid-way through its answer, forever

    dying_inner.reply = hang
    holder = asyncio.create_task(dying.on_message(post("p1")))
    await asyncio.wait_for(entered.wait(), 10)
    waiter = asyncio.create_task(survivor.on_message(post("p1")))
    await asyncio.sleep(0.3)
    assert not waiter.done(), "the other replica did not wait for the claim's holder"
    holder.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await holder
    await asyncio.wait_for(waiter, 10)
    assert [m.post_id for m in survivor_inner.messages] == ["p1"]
    # Handled now: a third replica hearing it late does nothing.
    late, late_inner = claimer(session_factory, database_kind)
    await late.on_message(post("p1"))
    assert late_inner.messages == []


async def test_replies_to_one_post_get_the_same_keys_every_time() -> None:
    assert next_reply_key() == ""
    for _ in range(2):  # handled, then handled anew after a crash
        with replying_to("post1"):
            keys = [next_reply_key(), next_reply_key()]
        assert keys == ["reply:post1:0", "reply:post1:1"]
    assert next_reply_key() == ""


async def test_work_that_outlives_the_handling_is_not_keyed_as_a_reply() -> None:
    later: list[str] = []
    with replying_to("post2"):
        task = asyncio.create_task(asyncio.sleep(0.01))
        task.add_done_callback(lambda _: later.append(next_reply_key()))
    await task
    await asyncio.sleep(0)
    assert later == [""]
