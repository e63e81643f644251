"""Reminders and the daily digest, end to end, driven by the bot's own minute scheduler on a
manual clock: on time, with Join for video meetings, none for cancelled / declined / all-day
meetings, the event's VALARM honoured, late ones after downtime still sent (marked) while the
meeting has not started, nothing ever twice — across restarts too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import Credentials
from calendar_bot.i18n import t, tn
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.tables import OUTBOX_PENDING, outbox
from tests.e2e.harness import (
    Person,
    Post,
    World,
    drain_outbox,
    full_text,
    restart_bot,
    start_world,
    stop_world,
    stored_user,
    sync_and_deliver,
    vcalendar,
    vevent,
    wait_baseline,
    wait_tick,
)
from tests.support.servers import CalDAVServer

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # Monday 08:00 in Moscow
BOSS = "boss@example.test"
JOIN = "https://meet.jit.si/calendar-bot-standup"


def msk(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute, tzinfo=MSK) + timedelta(days=day)


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600)
    yield w
    await stop_world(w)


def clock_of(world: World) -> ManualClock:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    return clock


async def fresh_posts(person: Person) -> list[Post]:
    posts = (await person.bot_posts())[person.seen :]
    person.seen += len(posts)
    return posts


async def at_mark(world: World, person: Person, moment: datetime) -> list[str]:
    """Move the clock to a minute mark, let the scheduler tick and the outbox drain:
    the texts the person got."""
    clock_of(world).set(moment)
    await wait_tick(world, moment)
    await drain_outbox(world)
    return [full_text(p) for p in await fresh_posts(person)]


async def connect(world: World, person: Person, creds: Credentials) -> None:
    await world.connect(person, creds)
    await wait_baseline(world, person)
    await drain_outbox(world)
    await person.skip_to_end()


def soon(title: str, minutes: int) -> str:
    return t("en", "remind.soon", title=title, in_minutes=tn("en", "plural.in_minutes", minutes))


def now_(title: str) -> str:
    return t("en", "remind.now", title=title)


async def test_reminders_before_and_at_start_only_for_the_right_meetings(world: World) -> None:
    carol, creds, calendar = await world.person("carol", locale="en")
    me = creds.username
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("s", "Standup", msk(8, 30), msk(8, 45), url=JOIN)))
    off = vevent("c", "Called off", msk(8, 30), msk(9), status="CANCELLED")
    put(creds, calendar, vcalendar(off))
    no = vevent(
        "d",
        "Declined one",
        msk(8, 30),
        msk(9),
        organizer=BOSS,
        attendees=[(BOSS, "ACCEPTED"), (me, "DECLINED")],
    )
    put(creds, calendar, vcalendar(no))
    put(creds, calendar, vcalendar(vevent("h", "Holiday", date(2026, 11, 30), date(2026, 12, 1))))
    # Its own alarms: 25 minutes before, and 15 (the same lead as the user's setting: once).
    alarmed = vevent("a", "Alarmed", msk(8, 40), msk(9), alarms=(25, 15))
    put(creds, calendar, vcalendar(alarmed))
    await connect(world, carol, creds)

    assert await at_mark(world, carol, msk(8, 14)) == []
    got = await at_mark(world, carol, msk(8, 15))
    assert len(got) == 1, got  # two reminders at one minute: one post
    assert soon("Standup", 15) in got[0] and soon("Alarmed", 25) in got[0]
    got = await at_mark(world, carol, msk(8, 25))
    assert len(got) == 1 and soon("Alarmed", 15) in got[0], got

    clock_of(world).set(msk(8, 30))
    await wait_tick(world, msk(8, 30))
    await drain_outbox(world)
    posts = await fresh_posts(carol)
    assert len(posts) == 1 and now_("Standup") in full_text(posts[0])
    # Join is a link button: Mattermost renders it as a link in the post.
    assert f"({JOIN})" in full_text(posts[0]) and t("en", "details.join") in full_text(posts[0])

    got = await at_mark(world, carol, msk(8, 40))
    assert len(got) == 1 and now_("Alarmed") in got[0], got
    assert t("en", "details.join") not in " ".join(got)
    # Nothing for the cancelled, the declined or the all-day meeting, ever, and nothing twice.
    for minute in (41, 50, 59):
        assert await at_mark(world, carol, msk(8, minute)) == []
    every = " ".join(full_text(p) for p in await carol.bot_posts())
    assert "Called off" not in every and "Declined one" not in every and "Holiday" not in every


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_fifteen_minute_jumps_still_bring_each_reminder_once(
    world: World, locale: str
) -> None:
    """A tick a quarter of an hour late (a slow host, a sandbox fast-forward) skips nothing:
    the reminder before a start comes marked late, and the start notice too while the
    meeting is on, saying since when."""
    fay, creds, calendar = await world.person(f"fay{locale}", locale=locale)
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("p", "Planning", msk(8, 30), msk(9, 30))))
    await connect(world, fay, creds)
    assert await at_mark(world, fay, msk(8, 14)) == []

    got = await at_mark(world, fay, msk(8, 29))
    minute = tn(locale, "plural.in_minutes", 1)
    assert len(got) == 1 and minute in got[0] and t(locale, "remind.late") in got[0], got
    got = await at_mark(world, fay, msk(8, 44))
    on_since = t(locale, "remind.started", title="Planning", time="08:30")
    assert len(got) == 1 and on_since in got[0] and t(locale, "remind.late") in got[0], got
    for moment in (msk(8, 50), msk(8, 59)):
        assert await at_mark(world, fay, moment) == []


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_what_is_due_at_one_minute_comes_as_one_post_exactly_once(
    world: World, locale: str
) -> None:
    """The digest and two reminders at 09:00: one post; a worker that dies after posting it
    and before marking the rows sent does not post it again."""
    gleb, creds, calendar = await world.person(f"gleb{locale}", locale=locale)
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("r1", "Review", msk(9, 15), msk(10))))
    put(creds, calendar, vcalendar(vevent("r2", "Retro", msk(9, 15), msk(9, 45))))
    await connect(world, gleb, creds)
    assert await at_mark(world, gleb, msk(8, 59)) == []
    clock_of(world).set(msk(9))
    posts = [await gleb.next_bot_post(t(locale, "digest.morning"))]
    await wait_tick(world, msk(9))
    await drain_outbox(world)
    posts += await fresh_posts(gleb)
    assert len(posts) == 1, [full_text(p) for p in posts]
    text = full_text(posts[0])
    assert t(locale, "digest.morning") in text
    for title in ("Review", "Retro"):
        in_15 = t(
            locale, "remind.soon", title=title, in_minutes=tn(locale, "plural.in_minutes", 15)
        )
        assert text.count(in_15) == 1, text

    # A worker posted that and died before marking the rows sent: their lease runs out and
    # the next worker finds the post by any row's key instead of posting again.
    async with transaction(world.bot.sessions) as store:
        await store.session.execute(
            update(outbox)
            .where(outbox.c.mm_user_id == gleb.id)
            .values(status=OUTBOX_PENDING, post_id=None, sent_at=None, claimed_until=None)
        )
    await drain_outbox(world)
    assert await fresh_posts(gleb) == []
    async with transaction(world.bot.sessions) as store:
        rows = await store.outbox.list_for(gleb.id)
    assert len(rows) == 3 and {r.post_id for r in rows} == {posts[0]["id"]}
    assert all(r.status == "sent" and r.attempts == 2 for r in rows)


async def test_late_reminders_after_downtime_once_across_restarts(world: World) -> None:
    dave, creds, calendar = await world.person("dave", locale="en")
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("m", "Missed", msk(8, 20), msk(8, 30))))
    put(creds, calendar, vcalendar(vevent("l", "Later", msk(8, 40), msk(9))))
    await connect(world, dave, creds)
    assert await at_mark(world, dave, msk(8, 4)) == []

    # The bot is down from 08:04 to 08:32: "Missed" started meanwhile, "Later" has not.
    clock = clock_of(world)
    await restart_bot(world, lambda: clock.set(msk(8, 32) + timedelta(seconds=10)))
    await wait_tick(world, msk(8, 32))
    await drain_outbox(world)
    got = [full_text(p) for p in await fresh_posts(dave)]
    assert len(got) == 1, got
    assert soon("Later", 8) in got[0] and t("en", "remind.late") in got[0]
    assert "Missed" not in " ".join(got)

    await restart_bot(world)  # a second restart in the same minute repeats nothing
    await wait_tick(world, msk(8, 32))
    await drain_outbox(world)
    assert await fresh_posts(dave) == []
    got = await at_mark(world, dave, msk(8, 40))
    assert len(got) == 1 and now_("Later") in got[0] and t("en", "remind.late") not in got[0]
    async with transaction(world.bot.sessions) as store:
        rows = [r for r in await store.outbox.list_for(dave.id) if r.kind == "reminder"]
    assert len(rows) == 2 and all(r.status == "sent" and r.post_id for r in rows)


async def test_daily_digest_once_per_day_across_restarts(world: World) -> None:
    erin, creds, calendar = await world.person("erin", locale="en")
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("x", "Roadmap", msk(12), msk(13))))
    put(creds, calendar, vcalendar(vevent("y", "Review", msk(16), msk(17))))
    await connect(world, erin, creds)

    assert await at_mark(world, erin, msk(8, 59)) == []
    clock_of(world).set(msk(9))
    post = await erin.next_bot_post("Roadmap")
    text = full_text(post)
    assert "Review" in text and "12:00" in text and "|" in text  # the same table as "Today"
    await drain_outbox(world)
    assert await fresh_posts(erin) == []

    await restart_bot(world)
    for moment in (msk(9, 1), msk(10), msk(23, 59)):
        clock_of(world).set(moment)
        await wait_tick(world, moment)
        await drain_outbox(world)
    await restart_bot(world)
    await wait_tick(world, msk(23, 59))
    digests = [p for p in await erin.bot_posts() if "Roadmap" in full_text(p)]
    assert len(digests) == 1

    # Tuesday has no meetings: no digest, unless the person asked for one on free days.
    async with transaction(world.bot.sessions) as store:
        user = await stored_user(world, erin)
        await store.users.update_settings(
            erin.id,
            replace(user.settings, digest_when_empty=False),
            now=clock_of(world).now(),
        )
    await erin.skip_to_end()
    got = await at_mark(world, erin, msk(9, day=1))
    await sync_and_deliver(world, erin)
    assert [g for g in got if "Roadmap" in g or "Today" in g] == []
    async with transaction(world.bot.sessions) as store:
        await store.users.update_settings(
            erin.id, replace(user.settings, digest_when_empty=True), now=clock_of(world).now()
        )
    got = await at_mark(world, erin, msk(9, day=2))
    assert len(got) == 1 and "no meetings" in got[0], got


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_reminder_opens_its_meeting(world: World, locale: str) -> None:
    hana, creds, calendar = await world.person(f"hana{locale}", locale=locale)
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("o", "Onboarding", msk(8, 30), msk(9), url=JOIN)))
    await connect(world, hana, creds)
    clock_of(world).set(msk(8, 15))
    reminder = await hana.next_bot_post("Onboarding")
    await hana.click(reminder, t(locale, "details.open"))
    details = await hana.next_bot_post(t(locale, "details.title", title="Onboarding"))
    assert "08:30–09:00" in full_text(details)
