"""Change notifications, end to end: real Radicale behind, the emulator in front, a manual
clock. Every kind of change, for single and for recurring events, is reported exactly once
with the right text; the first sync is silent; meetings made through the bot are not
announced back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import (
    Person,
    Post,
    World,
    buttons,
    full_text,
    start_world,
    stop_world,
    sync_and_deliver,
    vcalendar,
    vevent,
    wait_baseline,
)
from tests.support.servers import CalDAVServer

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # Monday 08:00 in Moscow, before the digest
BOSS = "boss@example.test"


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute, tzinfo=MSK) + timedelta(days=day)


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    # CHECK_INTERVAL at its maximum: after the baseline only the test decides when to poll.
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600)
    yield w
    await stop_world(w)


async def fresh_posts(person: Person) -> list[Post]:
    """Bot posts since the last call."""
    posts = (await person.bot_posts())[person.seen :]
    person.seen += len(posts)
    return posts


async def step(world: World, person: Person) -> list[Post]:
    """A minute passes, one poll runs, the outbox is delivered: what did the person get?
    A second poll right after must add nothing (exactly once)."""
    assert isinstance(world.bot.clock, ManualClock)
    world.bot.clock.advance(timedelta(minutes=1))
    await sync_and_deliver(world, person)
    posts = await fresh_posts(person)
    await sync_and_deliver(world, person)
    assert await fresh_posts(person) == [], "a second poll repeated a notification"
    return posts


def only(posts: list[Post], headline: str) -> Post:
    texts = [full_text(p) for p in posts]
    assert len(posts) == 1, f"expected exactly one post with {headline!r}, got {texts}"
    assert headline in texts[0], texts[0]
    return posts[0]


def labels(post: Post) -> list[str]:
    return [str(b.get("name") or "") for b in buttons(post)]


async def test_single_events_every_change_kind_once(world: World) -> None:
    alice, creds, calendar = await world.person("alice", locale="en")
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("existing", "Existing", msk(0, 12), msk(0, 13))), "e")
    await world.connect(alice, creds)
    await wait_baseline(world, alice)
    await sync_and_deliver(world, alice)
    await alice.skip_to_end()
    # The baseline said nothing about the meeting that was already there.
    assert not [p for p in await alice.bot_posts() if "Existing" in full_text(p)]

    put(creds, calendar, vcalendar(vevent("plan", "Planning", msk(0, 14), msk(0, 15))), "plan")
    post = only(await step(world, alice), t("en", "notify.new", title="Planning"))
    assert "14:00" in full_text(post)

    invite = vevent(
        "budget",
        "Budget review",
        msk(1, 11),
        msk(1, 12),
        organizer=BOSS,
        attendees=[(BOSS, "ACCEPTED"), (creds.username, "NEEDS-ACTION")],
    )
    put(creds, calendar, vcalendar(invite), "budget")
    post = only(await step(world, alice), t("en", "notify.invitation", title="Budget review"))
    assert {t("en", "rsvp.accept"), t("en", "rsvp.tentative"), t("en", "rsvp.decline")} <= set(
        labels(post)
    )

    put(creds, calendar, vcalendar(vevent("plan", "Planning", msk(0, 16), msk(0, 17))), "plan")
    post = only(await step(world, alice), t("en", "notify.moved", title="Planning"))
    text = full_text(post)
    assert "14:00" in text and "16:00" in text
    assert text.index("14:00") < text.index("16:00")  # was -> now

    put(
        creds,
        calendar,
        vcalendar(vevent("plan", "Planning v2", msk(0, 16), msk(0, 17), location="Room 7")),
        "plan",
    )
    post = only(await step(world, alice), t("en", "notify.updated", title="Planning v2"))
    assert "Planning" in full_text(post) and "Room 7" in full_text(post)

    cancelled = vevent(
        "budget",
        "Budget review",
        msk(1, 11),
        msk(1, 12),
        organizer=BOSS,
        attendees=[(BOSS, "ACCEPTED"), (creds.username, "NEEDS-ACTION")],
        status="CANCELLED",
        sequence=1,
    )
    put(creds, calendar, vcalendar(cancelled), "budget")
    only(await step(world, alice), t("en", "notify.cancelled", title="Budget review"))

    world.radicale.delete(creds, calendar + "e.ics")
    only(await step(world, alice), t("en", "notify.cancelled", title="Existing"))

    # A meeting made through the bot (its UID recorded as the creation service does) is not
    # announced back; what others do to it later is.
    async with transaction(world.bot.sessions) as store:
        await store.own_events.add(alice.id, "mine", now=world.bot.clock.now())
    put(creds, calendar, vcalendar(vevent("mine", "My own", msk(2, 10), msk(2, 11))), "mine")
    assert await step(world, alice) == []
    put(creds, calendar, vcalendar(vevent("mine", "My own", msk(2, 15), msk(2, 16))), "mine")
    only(await step(world, alice), t("en", "notify.moved", title="My own"))

    # Nothing changed: nothing said.
    assert await step(world, alice) == []


async def test_recurring_series_announced_once_and_changed_per_occurrence(world: World) -> None:
    bob, creds, calendar = await world.person("bob", locale="en")
    await world.connect(bob, creds)
    await wait_baseline(world, bob)
    await sync_and_deliver(world, bob)
    await bob.skip_to_end()
    put = world.radicale.put_ics
    first = msk(1, 10)

    def series(*overrides: str, exdates: tuple[datetime, ...] = ()) -> str:
        master = vevent(
            "daily",
            "Daily sync",
            first,
            first + timedelta(minutes=30),
            rrule="FREQ=DAILY;COUNT=10",
            exdates=exdates,
        )
        return vcalendar(master, *overrides)

    put(creds, calendar, series(), "daily")
    post = only(await step(world, bob), t("en", "notify.new_series", title="Daily sync"))
    assert "10:00" in full_text(post)
    # The series' RRULE, from the server through the snapshot and the outbox, in words.
    assert t("en", "notify.series_rule", rule=t("en", "rrule.daily")) in full_text(post)

    day3 = first + timedelta(days=2)
    moved = vevent(
        "daily",
        "Daily sync",
        day3 + timedelta(hours=1),
        day3 + timedelta(hours=1, minutes=30),
        recurrence_id=day3,
    )
    put(creds, calendar, series(moved), "daily")
    post = only(await step(world, bob), t("en", "notify.moved", title="Daily sync"))
    assert "3 Dec" in full_text(post)
    assert "10:00" in full_text(post) and "11:00" in full_text(post)

    day5 = first + timedelta(days=4)
    put(creds, calendar, series(moved, exdates=(day5,)), "daily")
    post = only(await step(world, bob), t("en", "notify.cancelled", title="Daily sync"))
    assert "5 Dec" in full_text(post)  # that occurrence, not the series

    day4 = first + timedelta(days=3)
    renamed = vevent(
        "daily", "Daily sync (demo)", day4, day4 + timedelta(minutes=30), recurrence_id=day4
    )
    put(creds, calendar, series(moved, renamed, exdates=(day5,)), "daily")
    only(await step(world, bob), t("en", "notify.updated", title="Daily sync (demo)"))

    day6 = first + timedelta(days=5)
    off = vevent(
        "daily",
        "Daily sync",
        day6,
        day6 + timedelta(minutes=30),
        recurrence_id=day6,
        status="CANCELLED",
    )
    put(creds, calendar, series(moved, renamed, off, exdates=(day5,)), "daily")
    only(await step(world, bob), t("en", "notify.cancelled", title="Daily sync"))

    invited = vevent(
        "weekly",
        "Team weekly",
        msk(2, 15),
        msk(2, 16),
        rrule="FREQ=WEEKLY;COUNT=6",
        organizer=BOSS,
        attendees=[(BOSS, "ACCEPTED"), (creds.username, "NEEDS-ACTION")],
    )
    put(creds, calendar, vcalendar(invited), "weekly")
    post = only(await step(world, bob), t("en", "notify.invitation_series", title="Team weekly"))
    assert t("en", "rsvp.accept") in labels(post)

    world.radicale.delete(creds, calendar + "daily.ics")
    only(await step(world, bob), t("en", "notify.cancelled_series", title="Daily sync"))

    assert await step(world, bob) == []
