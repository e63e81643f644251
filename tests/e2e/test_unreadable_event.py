"""One event object the bot cannot read (not UTF-8, or over 10 MB) does not freeze its
calendar: the rest is read and announced as usual, the bad event keeps what was known about
it (no false "cancelled", its reminders stay), and the person is told once. The bad bytes
come from a real proxy in front of the real Radicale, on their way to the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import (
    World,
    connect_to_server,
    drain_outbox,
    full_text,
    start_world,
    stop_world,
    vcalendar,
    vevent,
    wait_baseline,
)
from tests.support.servers import CalDAVServer, Proxy

START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
MARK = "CORRUPT-ME"
BAD_BYTES = {
    "not_utf8": b"\xff\xfe\xfd",
    "too_large": b"x" * 10_500_000,  # one text over libxml2's 10 MB limit
}


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=60)
    yield w
    await stop_world(w)


async def one_cycle(world: World) -> None:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=1))
    await world.bot.sync.poll_due()
    await drain_outbox(world)


def event(uid: str, title: str, hours: int, *, description: str = "") -> str:
    start = START + timedelta(days=1, hours=hours)
    body = vevent(uid, title, start, start + timedelta(hours=1), alarms=[15])
    if description:
        body = body.replace("END:VEVENT", f"DESCRIPTION:{description}\r\nEND:VEVENT")
    return vcalendar(body)


@pytest.mark.parametrize("why", sorted(BAD_BYTES))
async def test_one_unreadable_event_is_isolated_and_told_once(
    world: World, proxy: Proxy, why: str
) -> None:
    ann, creds, calendar = await world.person("ann", locale="en")

    def put(uid: str, title: str, hours: int, *, description: str = "") -> None:
        """Create or replace the event `uid` (one resource per UID)."""
        ics = event(uid, title, hours, description=description)
        world.radicale.put_ics(creds, calendar, ics, name=uid)

    put("keep-1", "Standup", 1)
    put("bad-1", "Planning", 3)
    await connect_to_server(ann, creds, proxy.url)
    await wait_baseline(world, ann)
    await one_cycle(world)
    await ann.skip_to_end()

    # The organizer edits "Planning"; the server now serves it with bad bytes. A new
    # meeting arrives in the same calendar at the same time.
    proxy.rewrite = lambda body: body.replace(MARK.encode(), BAD_BYTES[why])
    put("bad-1", "Planning", 3, description=MARK)
    put("new-1", "Budget review", 5)
    await one_cycle(world)

    texts = [full_text(p) for p in (await ann.bot_posts())[ann.seen :]]
    assert any("Budget review" in text for text in texts), texts  # the rest is read
    assert not any("cancel" in text.lower() for text in texts), texts  # nothing false
    notice = t("en", "notify.unreadable", calendar="Work", reason="").split(":")[0]
    if why == "too_large":
        # A text over the XML parser's limit is shortened before parsing (caldav/limits.py,
        # the hostile-calendar bounds): the object is read in part, so nothing is unknown.
        assert not any(notice in text for text in texts), texts
    else:
        assert sum(notice in text for text in texts) == 1, texts
        assert any(t("en", f"notify.unreadable.{why}") in text for text in texts)
    async with transaction(world.bot.sessions) as store:
        titles = sorted(o.title for o in await store.snapshot.load(ann.id))
    assert titles == ["Budget review", "Planning", "Standup"]  # what was known stands

    # Another change in that calendar: announced; the person is not told again.
    await ann.skip_to_end()
    put("new-2", "Retro", 7)
    await one_cycle(world)
    texts = [full_text(p) for p in (await ann.bot_posts())[ann.seen :]]
    assert any("Retro" in text for text in texts), texts
    assert not any(notice in text for text in texts), texts

    # Repaired on the server: read again, and its real change is announced.
    await ann.skip_to_end()
    put("bad-1", "Planning", 4, description="fixed")
    await one_cycle(world)
    post = await ann.next_bot_post("Planning")
    assert "cancel" not in full_text(post).lower()
    async with transaction(world.bot.sessions) as store:
        planning = [o for o in await store.snapshot.load(ann.id) if o.title == "Planning"]
    assert [o.start for o in planning] == [START + timedelta(days=1, hours=4)]
