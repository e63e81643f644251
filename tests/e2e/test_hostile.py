"""Hostile calendars cost the bot bounded time and memory (issue 21), through the real
pipeline: each object of the issue's table is PUT into a connected person's Radicale
calendar, their calendar is polled, the notices are delivered and the week is rendered,
while another person's new meeting is the canary.

The poll runs under an address-space cap a few hundred megabytes above what the process
already has, so code that would expand a per-second rule in full fails here with a
MemoryError or a timeout instead of taking gigabytes of the machine.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import Credentials
from calendar_bot.i18n import t, tn
from calendar_bot.views.notices import NOTICE_SEPARATOR
from calendar_bot.views.split import POST_LIMIT
from tests.e2e.harness import (
    Person,
    Post,
    World,
    connect_to_server,
    drain_outbox,
    full_text,
    start_world,
    stop_world,
    stored_user,
    sync_and_deliver,
    vcalendar,
    vevent,
    wait_baseline,
)
from tests.e2e.journeys import open_option
from tests.support import hostile
from tests.support.hostile import address_space_cap
from tests.support.servers import CalDAVServer

START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # Monday 08:00 in Moscow
POLL_SECONDS = 2.0  # the bound for the poll of the hostile calendar
RSS_GROWTH = 50 * 2**20  # and for the process's memory
CAP_HEADROOM = 400 * 2**20  # address space the poll may add before allocations fail
GIVE_UP = 30.0  # an unbounded expansion is stopped here rather than waited for


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600)
    yield w
    await stop_world(w)


class PeakRss:
    """The process's resident size, sampled every few milliseconds on a thread."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.start = self.peak = self._process.memory_info().rss
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)

    @property
    def growth(self) -> int:
        return self.peak - self.start


async def fresh_posts(person: Person) -> list[Post]:
    posts = (await person.bot_posts())[person.seen :]
    person.seen += len(posts)
    return posts


async def connect(world: World, person: Person, creds: Credentials, server: str) -> None:
    await connect_to_server(person, creds, server)
    await wait_baseline(world, person)
    await sync_and_deliver(world, person)
    await person.skip_to_end()


def cut_line(reason: str) -> str:
    return t(
        "en",
        "cut.notice",
        events=tn("en", "plural.cut.events", 1),
        reasons=t("en", f"cut.reason.{reason}"),
    )


EXPECTED_CUT = {
    "lines-100000": "too_big",
    "minutely": "every_minute",
    "count-1000000": "every_second",
    "secondly": "every_second",
}


@pytest.mark.parametrize("row", hostile.ROWS, ids=[r.name for r in hostile.ROWS])
async def test_a_hostile_object_costs_a_bounded_poll(world: World, row: hostile.Row) -> None:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    alice, alice_creds, alice_calendar = await world.person("alice", locale="en")
    bob, bob_creds, bob_calendar = await world.person("bob", locale="en")
    tomorrow = START + timedelta(days=1, hours=6)  # 14:00 in Moscow
    text = (
        hostile.attendees(f"hostile-{row.name}", tomorrow, me=alice_creds.username)
        if row.name.startswith("attendees")
        else row.build(f"hostile-{row.name}", tomorrow)
    )
    # Both connect through a proxy in front of Radicale that serves the objects Radicale
    # will not store in place of a placeholder (see hostile.Row); the rest are PUT as is.
    marker = f"HOSTILE-{uuid.uuid4().hex}"
    with hostile.substitute(world.radicale.base_url, {marker: text}) as server:
        await connect(world, alice, alice_creds, server)
        await connect(world, bob, bob_creds, server)
        if row.radicale_stores:
            world.radicale.put_ics(alice_creds, alice_calendar, text, "hostile")
        else:
            placeholder = vevent(marker, "placeholder", tomorrow, tomorrow, location=marker)
            world.radicale.put_ics(alice_creds, alice_calendar, vcalendar(placeholder), "hostile")
        await _poll_and_render(world, row, alice, bob, bob_creds, bob_calendar, tomorrow)


async def _poll_and_render(
    world: World,
    row: hostile.Row,
    alice: Person,
    bob: Person,
    bob_creds: Credentials,
    bob_calendar: str,
    tomorrow: datetime,
) -> None:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    canary = vevent("canary", "Canary", tomorrow, tomorrow + timedelta(hours=1))
    world.radicale.put_ics(bob_creds, bob_calendar, vcalendar(canary), "canary")
    clock.advance(timedelta(minutes=1))

    user = await stored_user(world, alice)
    gc.collect()
    with PeakRss() as rss, address_space_cap(CAP_HEADROOM):
        began = time.perf_counter()
        outcome = await asyncio.wait_for(world.bot.sync.sync_user(user), GIVE_UP)
        took = time.perf_counter() - began
    print(f"{row.name}: poll {took:.2f} s, RSS +{rss.growth / 2**20:.1f} MB")  # -s shows it
    assert outcome.ok and outcome.complete, outcome
    assert took < POLL_SECONDS, f"the poll took {took:.2f} s"
    assert rss.growth < RSS_GROWTH, f"RSS grew by {rss.growth / 2**20:.0f} MB"

    # The other person's notice is unaffected.
    await sync_and_deliver(world, bob)
    [bob_post] = await fresh_posts(bob)
    assert t("en", "notify.new", title="Canary") in full_text(bob_post)

    # What the person is told: the event once (no notice per occurrence), and for a cut
    # series one line saying why, once.
    await drain_outbox(world)
    # Notices due in one minute share a post: count notices.
    posts = [n for p in await fresh_posts(alice) for n in full_text(p).split(NOTICE_SEPARATOR)]
    reason = EXPECTED_CUT.get(row.name)
    series = row.name in ("minutely", "count-1000000", "secondly")
    if reason is not None:
        assert len(posts) == 2, posts
        assert sum(cut_line(reason) in p for p in posts) == 1, posts
        new = t(
            "en",
            "notify.new_series" if series else "notify.new",
            title="Spam" if series else "Hostile",
        )
        assert sum(new in p for p in posts) == 1, posts
    else:
        assert len(posts) == 1, posts
        assert not any("could not be shown" in p for p in posts), posts
    clock.advance(timedelta(minutes=1))
    await sync_and_deliver(world, alice)
    assert await fresh_posts(alice) == [], "a second poll said something again"

    # Rendering: the week fits in a few posts; a cut series shows once a day, marked.
    await alice.say("week")
    week = await alice.next_bot_post(t("en", "table.time"))
    await asyncio.sleep(0.3)  # a long week may come in more parts
    parts = [week, *await fresh_posts(alice)]
    assert all(len(p["message"]) <= POST_LIMIT for p in parts)
    if series:
        assert len(parts) == 1
        assert full_text(week).count("Spam") == 7  # one a day
        assert t("en", "list.cut_marker") in full_text(week)
    if row.name.startswith("attendees"):
        # the invitation was seen though the person is the 20,001st attendee, and the
        # details card counts the attendees instead of listing them all
        assert t("en", "notify.invitation", title="Town hall") in posts[0]
        await open_option(alice, week, "Town hall")
        card = await alice.next_bot_post(t("en", "details.title", title="Town hall"))
        assert t("en", "details.attendees", count=20_001) in full_text(card)
        assert len(card["message"]) < POST_LIMIT // 2
        await asyncio.sleep(0.3)
        assert await fresh_posts(alice) == []
