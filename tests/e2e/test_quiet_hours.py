"""Issue 18, items 2, 3 and 5, end to end on a manual clock: several leads chosen on the
settings card (updated in place), each reminder on its minute once; change notices found in
quiet hours gathered into one post at their end, across a restart, none before; a muted
calendar tells nothing and reminds of nothing but is still listed; the digest only on working
days when chosen. ru and en."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import Credentials
from calendar_bot.i18n import t, tn
from tests.e2e.harness import (
    Person,
    Post,
    World,
    buttons,
    drain_outbox,
    full_text,
    restart_bot,
    sync_and_deliver,
    vcalendar,
    vevent,
    wait_baseline,
    wait_tick,
)
from tests.e2e.journeys import refetch
from tests.e2e.test_notify_reminders import msk, world

__all__ = ["world"]  # the reminder tests' world: ManualClock at START, hourly polls


def set_clock(world: World, moment: datetime) -> None:
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.set(moment)


async def fresh(person: Person) -> list[str]:
    posts = (await person.bot_posts())[person.seen :]
    person.seen += len(posts)
    return [full_text(p) for p in posts]


async def at_mark(world: World, person: Person, moment: datetime) -> list[str]:
    set_clock(world, moment)
    await wait_tick(world, moment)
    await drain_outbox(world)
    return await fresh(person)


async def connected(
    world: World, name: str, locale: str, *events: str, calendars: tuple[str, ...] = ()
) -> tuple[Person, Credentials, str, dict[str, str]]:
    person, creds, work = await world.person(f"{name}{locale}", locale=locale)
    for event in events:  # each under its UID, so a test can move it later
        uid = re.search(r"^UID:(.+?)\r?$", event, re.MULTILINE)
        world.radicale.put_ics(creds, work, vcalendar(event), uid.group(1) if uid else "")
    more = {name: world.radicale.make_calendar(creds, name=name) for name in calendars}
    await world.connect(person, creds)
    await wait_baseline(world, person)
    await drain_outbox(world)
    await person.skip_to_end()
    return person, creds, work, more


async def settings_card(person: Person, locale: str) -> Post:
    await person.say("settings" if locale == "en" else "настройки")
    return await person.next_bot_post(t(locale, "settings.title"))


async def choose(person: Person, card: Post, placeholder: str, option: str, locale: str) -> Post:
    """Pick `option` in the card's menu: the card is answered in place (the same post)."""
    await person.click(card, placeholder, option)
    after = await refetch(person, card)
    assert after["id"] == card["id"]
    assert t(locale, "settings.saved") in after["message"]
    return after


async def flip(person: Person, card: Post, label: str) -> Post:
    await person.click(card, label)
    return await refetch(person, card)


def option_value(card: Post, placeholder: str, text_part: str) -> str:
    for action in buttons(card):
        if action.get("name") == placeholder:
            for option in action.get("options") or []:
                if text_part in option["text"]:
                    return str(option["value"])
    raise AssertionError(f"no option {text_part!r} in {placeholder!r}")


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_several_leads_from_the_card_each_on_its_minute_once(
    world: World, locale: str
) -> None:
    """1 h, 10 min and at the start (15 min switched off): three reminders at the right
    minutes, once each, saying the real time left."""
    review = vevent("r", "Review", msk(10), msk(10, 30))
    lea, _, _, _ = await connected(world, "lea", locale, review)
    card = await settings_card(lea, locale)
    menu = t(locale, "settings.reminder.placeholder")
    for lead in ("60", "10", "15"):  # on, on, off
        card = await choose(lea, card, menu, lead, locale)
    hour, ten = t(locale, "duration.hours", hours=1), t(locale, "duration.minutes", minutes=10)
    leads = ", ".join([hour, ten, t(locale, "settings.lead.start")])
    assert t(locale, "settings.reminders", value=leads) in card["message"]

    got: dict[str, list[str]] = {}
    for moment in (msk(8, 59), msk(9), msk(9, 1), msk(9, 45), msk(9, 49), msk(9, 50)):
        got[f"{moment:%H:%M}"] = await at_mark(world, lea, moment)
    got["10:00"] = await at_mark(world, lea, msk(10))
    for moment in (msk(10, 1), msk(10, 10)):
        assert await at_mark(world, lea, moment) == []
    in_hour = t(
        locale,
        "remind.in_duration",
        duration=t(locale, "duration.hours", hours=1),
    )
    assert {k: len(v) for k, v in got.items()} == {
        "08:59": 0,
        "09:00": 1,
        "09:01": 0,
        "09:45": 0,  # 15 minutes was switched off
        "09:49": 0,
        "09:50": 1,
        "10:00": 1,
    }
    assert in_hour in got["09:00"][0]
    assert tn(locale, "plural.in_minutes", 10) in got["09:50"][0]
    assert t(locale, "remind.now", title="Review") in got["10:00"][0]


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_changes_at_night_come_as_one_post_at_the_end_of_quiet_hours(
    world: World, locale: str
) -> None:
    """Quiet 22:00-08:00: a new meeting at 23:00 and a move at 02:00 (a restart between)
    tell nothing at night and come together, once, at 08:00; a meeting starting at 07:30
    gets no reminder, as the person did not ask for reminders in quiet hours."""
    standup = vevent("s", "Standup", msk(12, day=1), msk(12, 30, day=1))
    early = vevent("e", "Early call", msk(7, 30, day=1), msk(7, 45, day=1))
    nia, creds, work, _ = await connected(world, "nia", locale, standup, early)
    card = await settings_card(nia, locale)
    card = await choose(nia, card, t(locale, "settings.quiet.placeholder"), "22-8", locale)
    quiet = t(locale, "settings.quiet.reminders_off")
    assert t(locale, "settings.quiet", value=f"22:00–08:00, {quiet}") in card["message"]
    assert any(t(locale, "settings.quiet_reminders.on") == a.get("name") for a in buttons(card))

    assert await at_mark(world, nia, msk(22, 59)) == []
    set_clock(world, msk(23))
    planning = vevent("p", "Planning", msk(15, day=1), msk(16, day=1))
    world.radicale.put_ics(creds, work, vcalendar(planning))
    await sync_and_deliver(world, nia)
    assert await fresh(nia) == []

    await restart_bot(world, lambda: set_clock(world, msk(2, day=1)))
    moved = vcalendar(vevent("s", "Standup", msk(13, day=1), msk(13, 30, day=1), sequence=1))
    world.radicale.put_ics(creds, work, moved, "s")
    await sync_and_deliver(world, nia)
    assert await fresh(nia) == []
    for moment in (msk(7, 15, day=1), msk(7, 30, day=1), msk(7, 59, day=1)):
        assert await at_mark(world, nia, moment) == []  # no reminder of the 07:30 call

    got = await at_mark(world, nia, msk(8, day=1))
    assert len(got) == 1, got
    assert "Planning" in got[0] and "Standup" in got[0]
    assert t(locale, "notify.moved", title="Standup") in got[0]
    for moment in (msk(8, 1, day=1), msk(8, 30, day=1)):
        assert await at_mark(world, nia, moment) == []


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_a_muted_calendar_tells_and_reminds_nothing_but_is_listed(
    world: World, locale: str
) -> None:
    work_meeting = vevent("w", "Work sync", msk(10), msk(10, 30))
    ola, creds, _, more = await connected(
        world, "ola", locale, work_meeting, calendars=("Holidays",)
    )
    card = await settings_card(ola, locale)
    placeholder = t(locale, "settings.mute.placeholder")
    holidays = option_value(card, placeholder, "Holidays")
    card = await choose(ola, card, placeholder, holidays, locale)
    assert "🔕 " in card["message"] and "Holidays" in card["message"]
    assert option_value(card, placeholder, "🔕 Holidays")
    assert option_value(card, placeholder, "🔔 Work")

    party = vevent("h", "Office party", msk(10, 15), msk(11))
    world.radicale.put_ics(creds, more["Holidays"], vcalendar(party))
    await sync_and_deliver(world, ola)
    assert await fresh(ola) == []  # no "new meeting"
    await ola.say("today" if locale == "en" else "сегодня")
    listed = await ola.next_bot_post("Work sync")
    assert "Office party" in full_text(listed)
    await ola.skip_to_end()

    seen: list[str] = []
    for moment in (msk(9, 45), msk(10), msk(10, 15)):
        seen += await at_mark(world, ola, moment)
    assert len(seen) == 2 and all("Work sync" in s for s in seen), seen
    # (the start notice lists what comes next, the party included: no reminder of it)
    reminded = re.findall(r"^(?:⏰|🔔) \*\*(.+?)\*\*", "\n".join(seen), re.MULTILINE)
    assert reminded == ["Work sync", "Work sync"]


@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_the_digest_on_working_days_only_when_chosen(world: World, locale: str) -> None:
    """Friday's digest comes, Saturday's does not, Monday's does."""
    events = [
        vevent(f"d{day}", f"Meeting {day}", msk(12, day=day), msk(13, day=day)) for day in (4, 5, 7)
    ]
    uma, _, _, _ = await connected(world, "uma", locale, *events)
    card = await settings_card(uma, locale)
    card = await flip(uma, card, t(locale, "settings.digest_work_days.on"))
    assert t(locale, "settings.digest.work_days_only") in card["message"]

    morning = t(locale, "digest.morning")
    got: dict[int, list[str]] = {}
    for day in (4, 5, 7):
        await at_mark(world, uma, msk(8, 58, day=day))
        # the 09:01 tick runs after every job of 09:00 (one minute's jobs run in turn)
        posts = await at_mark(world, uma, msk(9, day=day))
        posts += await at_mark(world, uma, msk(9, 1, day=day))
        got[day] = [p for p in posts if morning in p]
    assert [len(got[d]) for d in (4, 5, 7)] == [1, 0, 1], got
    assert "Meeting 4" in got[4][0] and "Meeting 7" in got[7][0]
