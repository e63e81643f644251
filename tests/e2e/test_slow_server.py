"""Acceptance (issue 22): with one user's server trickling 1 byte per 2 s, every other user's
change is announced within one cycle. The bot's own poll loop runs (a manual clock makes the
users due; the loop looks for due users every few seconds of real time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from calendar_bot.clock import ManualClock
from tests.e2e.harness import (
    World,
    connect_to_server,
    drain_outbox,
    eventually,
    full_text,
    start_world,
    stop_world,
    vcalendar,
    vevent,
    wait_baseline,
)
from tests.support.servers import CalDAVServer, Fault, Proxy

START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
DEADLINE = 3  # POLL_USER_DEADLINE for this test: one cycle is CHECK_INTERVAL = 60 s


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(
        radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=60, POLL_USER_DEADLINE=DEADLINE
    )
    yield w
    await stop_world(w)


def meeting(uid: str, title: str) -> str:
    start = START + timedelta(days=1, hours=5)
    return vcalendar(vevent(uid, title, start, start + timedelta(hours=1)))


async def test_one_trickling_server_does_not_delay_anybody_elses_news(
    world: World, proxy: Proxy
) -> None:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    slow, slow_creds, _ = await world.person("slow", locale="en")
    await connect_to_server(slow, slow_creds, proxy.url)
    others = []
    for name in ("ann", "bob"):
        person, creds, calendar = await world.person(name, locale="en")
        await world.connect(person, creds)
        others.append((person, creds, calendar))
    for person in [slow, *(p for p, _, _ in others)]:
        await wait_baseline(world, person)
    await drain_outbox(world)
    for person in [slow, *(p for p, _, _ in others)]:
        await person.skip_to_end()

    slow_path = urlsplit(world.radicale.home_url(slow_creds)).path
    proxy.trickle_seconds = 2.0
    proxy.fault(slow_path, Fault.TRICKLE)
    seen = len(proxy.hits)
    clock.advance(timedelta(minutes=1))  # a cycle: everybody is due; the slow poll starts
    await eventually(
        lambda: any(path.startswith(slow_path) for _, path in proxy.hits[seen:]),
        within=20,
        what="the poll of the slow user's server",
    )

    for person, creds, calendar in others:
        world.radicale.put_ics(creds, calendar, meeting(f"news-{person.id}", "Budget review"))
    clock.advance(timedelta(minutes=1))  # the next cycle
    # One cycle is 60 s of the bot's clock; in real time the loop needs its few seconds of
    # pause plus the slow user's deadline. The trickle alone would take many minutes.
    for person, _, _ in others:
        post = await person.next_bot_post("Budget review", within=DEADLINE + 15)
        assert "Budget review" in full_text(post)
