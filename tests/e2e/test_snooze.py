"""Snoozing a reminder (issue 18, item 1), end to end: the menu under a reminder, one more
reminder at the chosen moment exactly once however often it is picked, none if the meeting
moved or was cancelled meanwhile; ru and en."""

from __future__ import annotations

from datetime import datetime

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import Credentials
from calendar_bot.i18n import t, tn
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import (
    Person,
    Post,
    World,
    drain_outbox,
    full_text,
    restart_bot,
    sync_and_deliver,
    vcalendar,
    vevent,
    wait_baseline,
    wait_tick,
)
from tests.e2e.journeys import ephemeral
from tests.e2e.test_notify_reminders import msk, world

__all__ = ["world"]  # the reminder tests' world: ManualClock at START, hourly polls


async def at_mark(world: World, person: Person, moment: datetime) -> list[str]:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.set(moment)
    await wait_tick(world, moment)
    await drain_outbox(world)
    posts = (await person.bot_posts())[person.seen :]
    person.seen += len(posts)
    return [full_text(p) for p in posts]


async def reminder_post(world: World, person: Person, locale: str) -> Post:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.set(msk(8, 45))
    await wait_tick(world, msk(8, 45))
    await drain_outbox(world)
    return await person.next_bot_post(tn(locale, "plural.in_minutes", 15))


async def snooze_rows(world: World, person: Person) -> list[tuple[str, str]]:
    async with transaction(world.bot.sessions) as store:
        rows = await store.outbox.list_for(person.id)
    return [(r.status, r.last_error or "") for r in rows if r.kind == "snooze"]


async def setup(world: World, name: str, locale: str) -> tuple[Person, Credentials, str]:
    person, creds, calendar = await world.person(name, locale=locale)
    event = vcalendar(vevent("p", "Planning", msk(9), msk(9, 30)))
    world.radicale.put_ics(creds, calendar, event, "p")
    await world.connect(person, creds)
    await wait_baseline(world, person)
    await drain_outbox(world)
    await person.skip_to_end()
    return person, creds, calendar


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_snoozed_once_however_often_picked(world: World, locale: str) -> None:
    sam, _, _ = await setup(world, f"sam{locale}", locale)
    reminder = await reminder_post(world, sam, locale)
    placeholder = t(locale, "snooze.placeholder")
    await sam.click(reminder, placeholder, "5")
    said = t(locale, "snooze.set", title="Planning", time="08:50")
    await ephemeral(sam, said)
    await sam.click(reminder, placeholder, "5")  # again, the same minute: no second row
    assert await snooze_rows(world, sam) == [("pending", "")]

    assert await at_mark(world, sam, msk(8, 49)) == []
    got = await at_mark(world, sam, msk(8, 50))
    assert len(got) == 1 and "Planning" in got[0], got
    assert tn(locale, "plural.in_minutes", 10) in got[0]
    assert [s for s, _ in await snooze_rows(world, sam)] == ["sent"]
    for minute in (51, 55):
        assert await at_mark(world, sam, msk(8, minute)) == []


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_snooze_is_dropped_if_the_meeting_moves_or_is_cancelled(
    world: World, locale: str
) -> None:
    ivy, creds, calendar = await setup(world, f"ivy{locale}", locale)
    reminder = await reminder_post(world, ivy, locale)
    placeholder = t(locale, "snooze.placeholder")
    await ivy.click(reminder, placeholder, "before1")
    await ephemeral(ivy, t(locale, "snooze.set", title="Planning", time="08:59"))
    # Moved to 10:00 meanwhile: the 08:59 reminder would be wrong; none comes.
    moved = vcalendar(vevent("p", "Planning", msk(10), msk(10, 30), sequence=1))
    world.radicale.put_ics(creds, calendar, moved, "p")
    await sync_and_deliver(world, ivy)
    await ivy.skip_to_end()  # the "moved" notice
    assert await at_mark(world, ivy, msk(8, 59)) == []
    (row,) = await snooze_rows(world, ivy)
    assert row[0] == "failed" and row[1].startswith("obsolete")

    # Snoozed again for the new time, then cancelled: nothing either.
    got = await at_mark(world, ivy, msk(9, 45))
    assert len(got) == 1
    (again,) = (await ivy.bot_posts())[-1:]
    await ivy.click(again, placeholder, "start")
    await ephemeral(ivy, t(locale, "snooze.set", title="Planning", time="10:00"))
    off = vcalendar(vevent("p", "Planning", msk(10), msk(10, 30), status="CANCELLED", sequence=2))
    world.radicale.put_ics(creds, calendar, off, "p")
    await sync_and_deliver(world, ivy)
    await ivy.skip_to_end()
    assert await at_mark(world, ivy, msk(10)) == []
    assert [s for s, _ in await snooze_rows(world, ivy)] == ["failed", "failed"]


async def test_too_late_is_said_not_queued(world: World) -> None:
    """A pick made after its moment passed (an old reminder clicked late)."""
    zoe, _, _ = await setup(world, "zoe", "en")
    reminder = await reminder_post(world, zoe, "en")
    await at_mark(world, zoe, msk(8, 59))
    await zoe.click(reminder, t("en", "snooze.placeholder"), "before1")
    await ephemeral(zoe, t("en", "snooze.too_late", title="Planning", time="09:00"))
    assert await snooze_rows(world, zoe) == []


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_snooze_outlives_a_restart_once(world: World, locale: str) -> None:
    """Picked, then the bot is redeployed before its moment (and once more after it came):
    it comes once, at its minute. The SIGKILL variant: tests/integration/test_snooze_kill.py."""
    rob, _, _ = await setup(world, f"rob{locale}", locale)
    reminder = await reminder_post(world, rob, locale)
    await rob.click(reminder, t(locale, "snooze.placeholder"), "10")
    await ephemeral(rob, t(locale, "snooze.set", title="Planning", time="08:55"))
    await restart_bot(world)
    assert await at_mark(world, rob, msk(8, 54)) == []
    got = await at_mark(world, rob, msk(8, 55))
    assert len(got) == 1 and tn(locale, "plural.in_minutes", 5) in got[0], got
    await restart_bot(world)
    for minute in (56, 58):
        assert await at_mark(world, rob, msk(8, minute)) == []
    assert [s for s, _ in await snooze_rows(world, rob)] == ["sent"]
