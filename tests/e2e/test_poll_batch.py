"""The poll loop at scale: an unchanged user costs one CalDAV request and no transaction of
its own; a change is still announced once; a change made while a user was disconnected is
announced after they reconnect (the tags stored at connect never vouch for an old snapshot)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import UserSettings
from tests.e2e.harness import (
    World,
    connect_to_server,
    drain_outbox,
    full_text,
    start_world,
    stop_world,
    stored_user,
    vcalendar,
    vevent,
    wait_baseline,
)
from tests.support.servers import CalDAVServer, Proxy

START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=60)
    yield w
    await stop_world(w)


async def one_cycle(world: World) -> int:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=1))
    polled = await world.bot.sync.poll_due()
    await drain_outbox(world)
    return polled


def meeting(uid: str, title: str) -> str:
    start = START + timedelta(days=1, hours=5)
    return vcalendar(vevent(uid, title, start, start + timedelta(hours=1)))


async def test_unchanged_costs_one_request_and_a_change_is_announced(
    world: World, proxy: Proxy
) -> None:
    ann, creds, calendar = await world.person("ann", locale="en")
    await connect_to_server(ann, creds, proxy.url)
    await wait_baseline(world, ann)
    await one_cycle(world)
    await ann.skip_to_end()

    before = len(proxy.hits)
    assert await one_cycle(world) == 1
    assert proxy.hits[before:] == [("PROPFIND", proxy.hits[before][1])]
    user = await stored_user(world, ann)
    assert user.last_poll_at == world.bot.clock.now()
    assert user.next_poll_at == world.bot.clock.now() + timedelta(minutes=1)

    world.radicale.put_ics(creds, calendar, meeting("batch-1", "Budget review"))
    assert await one_cycle(world) == 1
    post = await ann.next_bot_post("Budget review")
    assert "Budget review" in full_text(post)
    await one_cycle(world)
    assert not [p for p in (await ann.bot_posts())[ann.seen :] if "Budget" in full_text(p)]


async def test_a_change_made_while_disconnected_is_announced_after_reconnect(
    world: World, proxy: Proxy
) -> None:
    bob, creds, calendar = await world.person("bob", locale="en")
    await connect_to_server(bob, creds, proxy.url)
    await wait_baseline(world, bob)
    await one_cycle(world)
    await bob.skip_to_end()

    # Changed on the server, then the same account connected again before any poll saw it.
    world.radicale.put_ics(creds, calendar, meeting("offline-1", "Quarterly planning"))
    result = await world.bot.dispatcher.bot.accounts.connect(
        bob.id,
        email=creds.username,
        password=creds.password,
        server_url=proxy.url,
        settings=UserSettings(locale="en"),
    )
    assert result.ok
    assert (await stored_user(world, bob)).baseline_done  # same account: not a new baseline
    await one_cycle(world)
    await bob.next_bot_post("Quarterly planning")
