"""A sick CalDAV server never produces a false "cancelled": a 5xx, a timeout, a truncated
multistatus or a 404 on one calendar (a real fault proxy in front of a real Radicale) leaves
that calendar's snapshot as it was and reports nothing from it; the healthy calendar next to
it is still synced; the first complete fetch afterwards reports the real change, once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from calendar_bot.views.notices import NOTICE_SEPARATOR
from tests.e2e.harness import (
    Person,
    Post,
    World,
    connect_to_server,
    full_text,
    start_world,
    stop_world,
    sync_and_deliver,
    vcalendar,
    vevent,
    wait_baseline,
)
from tests.support.servers import CalDAVServer, Fault, Proxy

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # 08:00 in Moscow, before the digest


def msk(day: int, hour: int) -> datetime:
    return datetime(2026, 11, 30, hour, 0, tzinfo=MSK) + timedelta(days=day)


@pytest.fixture
def proxy(radicale: CalDAVServer) -> Iterator[Proxy]:
    p = Proxy(radicale.base_url).start()
    p.hang_seconds = 6.0
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(
        radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600, CALDAV_TIMEOUT=1.5
    )
    yield w
    await stop_world(w)


async def fresh_posts(person: Person) -> list[Post]:
    posts = (await person.bot_posts())[person.seen :]
    person.seen += len(posts)
    return posts


async def titles_in_snapshot(world: World, person: Person) -> set[str]:
    async with transaction(world.bot.sessions) as store:
        return {o.title for o in await store.snapshot.load(person.id)}


def cancellations(posts: list[Post]) -> list[str]:
    """The cancellation notices among the posts (notices due in one minute share a post)."""
    marker = t("en", "notify.cancelled", title="")
    series = t("en", "notify.cancelled_series", title="")
    notices = [n for p in posts for n in full_text(p).split(NOTICE_SEPARATOR)]
    return [n for n in notices if marker in n or series in n]


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.HANG, Fault.TRUNCATE, Fault.NOT_FOUND])
async def test_a_fault_on_one_calendar_cancels_nothing_and_loses_nothing(
    world: World, proxy: Proxy, fault: Fault
) -> None:
    alice, creds, work = await world.person("alice", locale="en")
    home = world.radicale.make_calendar(creds, name="Home")
    put = world.radicale.put_ics
    put(creds, work, vcalendar(vevent("a", "Alpha", msk(1, 10), msk(1, 11))), "a")
    put(creds, work, vcalendar(vevent("b", "Bravo", msk(1, 12), msk(1, 13))), "b")
    series = vevent("r", "Retro", msk(1, 15), msk(1, 16), rrule="FREQ=DAILY;COUNT=5")
    put(creds, work, vcalendar(series), "r")
    put(creds, home, vcalendar(vevent("c", "Charlie", msk(1, 18), msk(1, 19))), "c")

    await connect_to_server(alice, creds, proxy.url)
    await wait_baseline(world, alice)
    await sync_and_deliver(world, alice)
    await alice.skip_to_end()
    before = await titles_in_snapshot(world, alice)
    assert before == {"Alpha", "Bravo", "Retro", "Charlie"}

    # Real changes behind the fault: two meetings of the sick calendar are gone, and the
    # healthy one gets a new meeting.
    world.radicale.delete(creds, work + "a.ics")
    world.radicale.delete(creds, work + "r.ics")
    put(creds, home, vcalendar(vevent("d", "Delta", msk(2, 10), msk(2, 11))), "d")
    proxy.fault(unquote(urlsplit(work).path), fault)
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    for _ in range(2):  # a fault that lasts several polls changes nothing either
        clock.advance(timedelta(minutes=1))
        outcome = await sync_and_deliver(world, alice)
        assert outcome.ok and not outcome.complete
        posts = await fresh_posts(alice)
        assert cancellations(posts) == []
        # The healthy calendar was still synced: its news arrived, once.
        news = [p for p in posts if t("en", "notify.new", title="Delta") in full_text(p)]
        assert len(news) == (1 if _ == 0 else 0)
        # No data lost: the sick calendar's snapshot is as it was (reminders still come).
        assert await titles_in_snapshot(world, alice) == before | {"Delta"}

    # The server recovers: the first complete fetch reports the real cancellations, once.
    proxy.clear()
    clock.advance(timedelta(minutes=1))
    outcome = await sync_and_deliver(world, alice)
    assert outcome.complete
    gone = cancellations(await fresh_posts(alice))
    assert len(gone) == 2, gone
    assert any("Alpha" in g for g in gone)
    assert any(t("en", "notify.cancelled_series", title="Retro") in g for g in gone)
    assert await titles_in_snapshot(world, alice) == {"Bravo", "Charlie", "Delta"}
    clock.advance(timedelta(minutes=1))
    await sync_and_deliver(world, alice)
    assert await fresh_posts(alice) == []


async def test_a_deleted_calendar_is_dropped_quietly(world: World, proxy: Proxy) -> None:
    alice, creds, work = await world.person("alice", locale="en")
    home = world.radicale.make_calendar(creds, name="Home")
    put = world.radicale.put_ics
    put(creds, work, vcalendar(vevent("a", "Alpha", msk(1, 10), msk(1, 11))), "a")
    put(creds, home, vcalendar(vevent("c", "Charlie", msk(1, 18), msk(1, 19))), "c")
    await connect_to_server(alice, creds, proxy.url)
    await wait_baseline(world, alice)
    await sync_and_deliver(world, alice)
    await alice.skip_to_end()

    world.radicale.delete(creds, work)  # the whole calendar, not its meetings
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=1))
    await sync_and_deliver(world, alice)
    # A calendar that is gone is not "every meeting in it was cancelled".
    assert cancellations(await fresh_posts(alice)) == []
    assert await titles_in_snapshot(world, alice) == {"Charlie"}
