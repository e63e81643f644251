"""Issue 22, item 1: one empty calendar listing must not erase a person's meetings.

A well-formed PROPFIND answer of the calendar home that lists no calendars (through a proxy in
front of the real Radicale) says nothing about calendars whose own URL still answers: the
snapshot stays, nothing is announced, reminders keep coming, and after the glitch a move is a
move, not a "new meeting". A calendar that is really gone (its URL answers 404) is dropped
quietly with its tags, and if it comes back it is a new, silent calendar. On SQLite and
PostgreSQL."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import (
    Person,
    World,
    connect_to_server,
    vcalendar,
    vevent,
    wait_baseline,
)
from tests.e2e.test_notify_changes import msk, only, step
from tests.support.servers import Fault, Proxy


@pytest.fixture
def world(clocked_world: World) -> World:
    return clocked_world


async def _stored(world: World, person: Person) -> tuple[list[str], list[str]]:
    """(calendar hrefs, meeting titles) in the bot's store."""
    async with transaction(world.bot.sessions) as store:
        hrefs = [c.href for c in await store.calendars.list_for(person.id)]
        titles = sorted(o.title for o in await store.snapshot.load(person.id))
    return hrefs, titles


async def test_an_empty_listing_erases_nothing(world: World, proxy: Proxy) -> None:
    alice, creds, calendar = await world.person("alice", locale="en")
    titles = [f"Meeting {i}" for i in range(6)]
    for i, title in enumerate(titles):
        event = vevent(f"m{i}", title, msk(1, 9 + i), msk(1, 10 + i))
        world.radicale.put_ics(creds, calendar, vcalendar(event), f"m{i}")
    await connect_to_server(alice, creds, proxy.url)
    await wait_baseline(world, alice)
    await alice.skip_to_end()
    hrefs, stored = await _stored(world, alice)
    assert stored == titles

    home = urlsplit(calendar).path.rstrip("/").rsplit("/", 1)[0] + "/"
    proxy.fault(home, Fault.EMPTY_LISTING)
    assert await step(world, alice) == []
    assert await step(world, alice) == []
    assert await _stored(world, alice) == (hrefs, titles)  # nothing erased, tags kept

    proxy.clear()
    assert await step(world, alice) == []
    assert await _stored(world, alice) == (hrefs, titles)
    moved = vcalendar(vevent("m2", "Meeting 2", msk(1, 17), msk(1, 18)))
    world.radicale.put_ics(creds, calendar, moved, "m2")
    only(await step(world, alice), t("en", "notify.moved", title="Meeting 2"))


async def test_a_calendar_really_gone_is_dropped_and_comes_back_silent(
    world: World, proxy: Proxy
) -> None:
    alice, creds, calendar = await world.person("alice", locale="en")
    event = vcalendar(vevent("m0", "Meeting 0", msk(1, 9), msk(1, 10)))
    world.radicale.put_ics(creds, calendar, event, "m0")
    await connect_to_server(alice, creds, proxy.url)
    await wait_baseline(world, alice)
    await alice.skip_to_end()

    with world.radicale.session(creds) as http:
        assert http.delete(calendar).status_code in (200, 204)
    assert await step(world, alice) == []  # gone quietly: not a cancellation
    assert await _stored(world, alice) == ([], [])

    with world.radicale.session(creds) as http:  # the same calendar URL again
        assert http.request("MKCALENDAR", calendar).status_code in (200, 201)
    world.radicale.put_ics(creds, calendar, event, "m0")
    assert await step(world, alice) == []  # back: a new calendar, its meetings are not news
    hrefs, stored = await _stored(world, alice)
    assert len(hrefs) == 1 and stored == ["Meeting 0"]
    moved = vcalendar(vevent("m0", "Meeting 0", msk(1, 11), msk(1, 12)))
    world.radicale.put_ics(creds, calendar, moved, "m0")
    only(await step(world, alice), t("en", "notify.moved", title="Meeting 0"))
