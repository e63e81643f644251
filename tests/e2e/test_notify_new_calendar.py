"""A calendar the person adds after connecting is picked up by the next poll: its meetings
are a silent baseline, and changes in it are announced from then on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import World, start_world, stop_world, vcalendar, vevent, wait_baseline
from tests.e2e.test_notify_changes import START, fresh_posts, msk, only, step
from tests.support.servers import CalDAVServer


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600)
    yield w
    await stop_world(w)


async def test_a_calendar_added_later_is_polled(world: World) -> None:
    alice, creds, _ = await world.person("alice", locale="en")
    await world.connect(alice, creds)
    await wait_baseline(world, alice)
    await alice.skip_to_end()

    side = world.radicale.make_calendar(creds, name="Side projects")
    world.radicale.put_ics(creds, side, vcalendar(vevent("old", "Old one", msk(1, 9), msk(1, 10))))
    assert await step(world, alice) == []  # already there when the calendar appeared: not news
    async with transaction(world.bot.sessions) as store:
        names = [c.name for c in await store.calendars.list_for(alice.id)]
        titles = [o.title for o in await store.snapshot.load(alice.id)]
    assert "Side projects" in names
    assert "Old one" in titles  # in the snapshot: its reminders will come

    world.radicale.put_ics(
        creds, side, vcalendar(vevent("new", "Kick-off", msk(2, 11), msk(2, 12)))
    )
    only(await step(world, alice), t("en", "notify.new", title="Kick-off"))
    assert await fresh_posts(alice) == []
