"""Issue 22, item 3: a meeting that comes back is announced again. Deleted then put back,
cancelled then confirmed, moved away and back: each version is its own notice, while a second
poll of the same version still says nothing (exactly once). On SQLite and PostgreSQL, whose
outbox drops a repeated idempotency key."""

from __future__ import annotations

import pytest

from calendar_bot.i18n import t
from tests.e2e.harness import World, vcalendar, vevent, wait_baseline
from tests.e2e.test_notify_changes import msk, only, step


@pytest.fixture
def world(clocked_world: World) -> World:
    return clocked_world


async def test_a_meeting_that_comes_back_is_announced_each_time(world: World) -> None:
    alice, creds, calendar = await world.person("alice", locale="en")
    await world.connect(alice, creds)
    await wait_baseline(world, alice)
    await alice.skip_to_end()
    put = world.radicale.put_ics
    sync = vcalendar(vevent("sync", "Sync", msk(1, 14), msk(1, 15)))
    new = t("en", "notify.new", title="Sync")
    cancelled = t("en", "notify.cancelled", title="Sync")

    put(creds, calendar, sync, "sync")
    only(await step(world, alice), new)
    world.radicale.delete(creds, calendar + "sync.ics")
    only(await step(world, alice), cancelled)
    put(creds, calendar, sync, "sync")  # put back, exactly as it was
    only(await step(world, alice), new)

    off = vcalendar(vevent("sync", "Sync", msk(1, 14), msk(1, 15), status="CANCELLED"))
    put(creds, calendar, off, "sync")
    only(await step(world, alice), cancelled)
    put(creds, calendar, sync, "sync")  # confirmed again
    only(await step(world, alice), new)
    put(creds, calendar, off, "sync")  # and once more
    only(await step(world, alice), cancelled)
    put(creds, calendar, sync, "sync")
    only(await step(world, alice), new)

    moved = t("en", "notify.moved", title="Sync")
    put(creds, calendar, vcalendar(vevent("sync", "Sync", msk(1, 16), msk(1, 17))), "sync")
    only(await step(world, alice), moved)
    put(creds, calendar, sync, "sync")  # back to 14:00
    only(await step(world, alice), moved)
    put(creds, calendar, vcalendar(vevent("sync", "Sync", msk(1, 16), msk(1, 17))), "sync")
    only(await step(world, alice), moved)  # and to 16:00 again
