"""Issue #17 items 4 and 5 and the rest of item 1, end to end in ru and en: a repeating
meeting made through the wizard (Edit -> Repeat, typed) and through a sentence, with its RRULE
in the server's copy and its occurrences in the next poll; the calendar chosen among two, and
remembered; the video link from VIDEO_LINK_TEMPLATE (off: no button, and the sentence says
so); "find a time with them" on the card, whose pick fills the date and time."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
import pytest

from calendar_bot.domain.recurrence import Frequency, Recurrence
from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from calendar_bot.views.formatting import format_date
from calendar_bot.views.wizard import describe_recurrence
from tests.e2e.harness import Person, Post, World, full_text, sync_and_deliver, wait_baseline
from tests.e2e.journeys import (
    LOCALES,
    TODAY,
    TOMORROW,
    at,
    calendar_text,
    event_ics,
    fixed_world,
    labels,
)
from tests.e2e.test_wizard_flow import expected, reach, the_event

__all__ = ["fixed_world"]

WEDNESDAY = date(2026, 12, 2)  # TODAY is Monday 30 November, 12:00 in Moscow
TEMPLATE = "https://meet.jit.si/{room}"


async def click(person: Person, card: Post, label: str, shows: str) -> Post:
    await person.click(card, label)
    return await person.shown(shows)


async def occurrences(world: World, person: Person, title: str) -> list[object]:
    """The person's stored meetings called `title`, after one poll."""
    await sync_and_deliver(world, person)
    async with transaction(world.bot.sessions) as store:
        stored = await store.snapshot.load(person.id)
    return sorted((o for o in stored if o.title == title), key=lambda o: o.start)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_weekly_meeting_through_the_wizard(fixed_world: World, locale: str) -> None:
    world = fixed_world
    uma, creds, calendar = await world.person("uma", locale=locale)
    await world.connect(uma, creds)

    summary = await reach(uma, locale, "confirm")  # "Sync", tomorrow (Tuesday) 10:00, 30 min
    picker = await click(uma, summary, t(locale, "wizard.edit"), t(locale, "wizard.edit.prompt"))
    question = await click(
        uma, picker, t(locale, "wizard.field.repeat"), t(locale, "wizard.repeat.prompt")
    )
    assert t(locale, "wizard.repeat.none") in labels(question)
    assert t(locale, "wizard.repeat.biweekly") in labels(question)
    typed = (
        "по понедельникам и средам до 1 марта"
        if locale == "ru"
        else "every Monday and Wednesday until March 1"
    )
    await uma.say(typed)
    summary = await uma.shown(expected(locale, "confirm"))
    rule = Recurrence(Frequency.WEEKLY, weekdays=(0, 2), until=date(2027, 3, 1))
    text = full_text(summary)
    assert t(locale, "wizard.summary.repeat", value=describe_recurrence(rule, locale)) in text
    # The first meeting is one of the rule's: Tuesday became Wednesday.
    assert t(locale, "wizard.summary.date", value=format_date(WEDNESDAY, locale, today=TODAY)) in (
        text
    )

    await click(uma, summary, t(locale, "wizard.create"), t(locale, "wizard.created"))
    event = the_event(world, creds, calendar, "Sync")
    rrule = event["RRULE"]
    assert rrule["FREQ"] == ["WEEKLY"] and rrule["BYDAY"] == ["MO", "WE"]
    # UNTIL in UTC: the end of 1 March in Moscow.
    assert "UNTIL=20270301T205959Z" in calendar_text(world, creds, calendar)
    assert event["DTSTART"].params.get("TZID") == "Europe/Moscow"
    assert event.decoded("DTSTART") == at(WEDNESDAY, 10)

    found = await occurrences(world, uma, "Sync")
    days = [o.start.date() for o in found]  # type: ignore[attr-defined]
    assert days[:4] == [WEDNESDAY, date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 14)]
    assert all(o.rrule for o in found)  # type: ignore[attr-defined]


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_repeating_meeting_from_a_sentence(fixed_world: World, locale: str) -> None:
    world = fixed_world
    uma, creds, calendar = await world.person("uma", locale=locale)
    await world.connect(uma, creds)
    before = len(await uma.bot_posts())

    said, title, rule, first = (
        (
            "каждый понедельник в 10 на 30 минут «Стендап»",
            "Стендап",
            Recurrence(Frequency.WEEKLY, weekdays=(0,)),
            date(2026, 12, 7),
        )
        if locale == "ru"
        else (
            "every 2 weeks 10 times tomorrow 10am 30m Sync",
            "Sync",
            Recurrence(Frequency.WEEKLY, interval=2, count=10),
            TOMORROW,
        )
    )
    await uma.say(said)
    card = await uma.shown(expected(locale, "confirm"))
    assert t(locale, "wizard.summary.repeat", value=describe_recurrence(rule, locale)) in (
        full_text(card)
    )
    await click(uma, card, t(locale, "wizard.create"), t(locale, "wizard.created"))
    assert len(await uma.bot_posts()) - before == 1  # the card alone: no "not supported" note

    event = the_event(world, creds, calendar, title)
    expected_rule = "FREQ=WEEKLY;BYDAY=MO" if locale == "ru" else "FREQ=WEEKLY;COUNT=10;INTERVAL=2"
    assert event["RRULE"].to_ical().decode() == expected_rule
    found = await occurrences(world, uma, title)
    assert all(o.rrule for o in found)  # type: ignore[attr-defined]
    days = [o.start.date() for o in found]  # type: ignore[attr-defined]
    # Every Monday, or every other week (the next one may fall beyond the horizon the bot
    # keeps, which moves by a per-user phase): as many as fit, from the first, none between.
    step = timedelta(days=7 if locale == "ru" else 14)
    assert days[0] == first and len(days) >= (2 if locale == "ru" else 1)
    assert days == [first + step * n for n in range(len(days))]


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_calendar_is_chosen_and_remembered(fixed_world: World, locale: str) -> None:
    world = fixed_world
    uma, creds, work = await world.person("uma", locale=locale)
    home = world.radicale.make_calendar(creds, name="Home")
    await world.connect(uma, creds)
    await wait_baseline(world, uma)

    summary = await reach(uma, locale, "confirm")
    assert t(locale, "wizard.summary.calendar", value="Work") in full_text(summary) or (
        t(locale, "wizard.summary.calendar", value="Home") in full_text(summary)
    )
    picker = await click(uma, summary, t(locale, "wizard.edit"), t(locale, "wizard.edit.prompt"))
    question = await click(
        uma, picker, t(locale, "wizard.field.calendar"), t(locale, "wizard.calendar.prompt")
    )
    home_label = next(name for name in labels(question) if name.endswith("Home"))
    summary = await click(uma, question, home_label, expected(locale, "confirm"))
    assert t(locale, "wizard.summary.calendar", value="Home") in full_text(summary)
    await click(uma, summary, t(locale, "wizard.create"), t(locale, "wizard.created"))
    assert "SUMMARY:Sync" in calendar_text(world, creds, home)
    assert "SUMMARY:Sync" not in calendar_text(world, creds, work)

    # The next meeting goes to the last used calendar unless chosen otherwise.
    summary = await reach(uma, locale, "confirm")
    assert t(locale, "wizard.summary.calendar", value="Home") in full_text(summary)


async def test_one_calendar_offers_no_calendar_choice(fixed_world: World) -> None:
    world = fixed_world
    uma, creds, _ = await world.person("uma", locale="en")
    await world.connect(uma, creds)
    summary = await reach(uma, "en", "confirm")
    picker = await click(uma, summary, t("en", "wizard.edit"), t("en", "wizard.edit.prompt"))
    assert t("en", "wizard.field.repeat") in labels(picker)
    assert t("en", "wizard.field.calendar") not in labels(picker)


@pytest.mark.parametrize("locale", LOCALES)
async def test_video_link_off_then_on(fixed_world: World, locale: str) -> None:
    world = fixed_world
    uma, creds, calendar = await world.person("uma", locale=locale)
    await world.connect(uma, creds)

    # Off (the default): a sentence asking for video is told so, and there is no button.
    said = (
        "завтра в 15 на 30 минут «Созвон» с видео"
        if locale == "ru"
        else "tomorrow 3pm 30m Call with video"
    )
    await uma.say(said)
    await uma.next_bot_post(t(locale, "sentence.no_video"))
    await uma.shown(expected(locale, "confirm"))
    summary = await reach(uma, locale, "confirm")
    assert t(locale, "wizard.video.add") not in labels(summary)

    # On: the summary offers it; the link is a random room of the template.
    world.bot.ctx.video_link_template = TEMPLATE
    summary = await reach(uma, locale, "confirm")
    summary = await click(
        uma, summary, t(locale, "wizard.video.add"), t(locale, "wizard.summary.video", url="")
    )
    assert t(locale, "wizard.video.remove") in labels(summary)
    link = next(
        word for word in full_text(summary).split() if word.startswith("https://meet.jit.si/")
    )
    assert len(link.rsplit("/", 1)[1]) >= 16
    await click(uma, summary, t(locale, "wizard.create"), t(locale, "wizard.created"))
    event = the_event(world, creds, calendar, "Sync")
    assert str(event["DESCRIPTION"]).splitlines()[0] == link
    assert str(event["URL"]) == link
    (found,) = await occurrences(world, uma, "Sync")
    assert found.join_url == link  # type: ignore[attr-defined]  # the Join button has it

    # A sentence "with video" gets one made, and no note.
    before = len(await uma.bot_posts())
    await uma.say(said)
    card = await uma.shown(expected(locale, "confirm"))
    assert "https://meet.jit.si/" in full_text(card)
    assert len(await uma.bot_posts()) == before + 1


async def test_a_pasted_link_on_the_location_step_is_the_video_link(fixed_world: World) -> None:
    world = fixed_world
    uma, creds, calendar = await world.person("uma", locale="en")
    await world.connect(uma, creds)
    summary = await reach(uma, "en", "location")
    link = "https://video.corp.example/r/team-sync"
    await uma.say(link)
    summary = await uma.shown(expected("en", "confirm"))
    assert t("en", "wizard.summary.video", url=link) in full_text(summary)
    await click(uma, summary, t("en", "wizard.create"), t("en", "wizard.created"))
    event = the_event(world, creds, calendar, "Sync")
    assert str(event["URL"]) == link and str(event["LOCATION"]) == link
    (found,) = await occurrences(world, uma, "Sync")
    assert found.join_url == link  # type: ignore[attr-defined]  # a non-provider host too


@pytest.mark.parametrize("locale", LOCALES)
async def test_find_a_time_on_the_card(fixed_world: World, locale: str) -> None:
    world = fixed_world
    uma, creds, calendar = await world.person("uma", locale=locale)
    world.radicale.put_ics(creds, calendar, event_ics("Busy", at(TODAY, 12), at(TODAY, 14)))
    await world.connect(uma, creds)
    await wait_baseline(world, uma)

    summary = await reach(uma, locale, "confirm")  # invites nobody@example.test
    found = await click(uma, summary, t(locale, "wizard.find"), t(locale, "wizard.find.heading"))
    assert found["id"] == summary["id"]  # the same card
    text = full_text(found)
    assert "nobody@example.test" in text  # availability unknown, said so
    first = next(name for name in labels(found) if name.endswith("14:00–14:30"))
    summary = await click(uma, found, first, expected(locale, "confirm"))
    text = full_text(summary)
    assert t(locale, "wizard.summary.time", start="14:00", end="14:30") in text
    assert t(locale, "wizard.summary.date", value=format_date(TODAY, locale, today=TODAY)) in text
    await click(uma, summary, t(locale, "wizard.create"), t(locale, "wizard.created"))
    event = the_event(world, creds, calendar, "Sync")
    assert event.decoded("DTSTART") == at(TODAY, 14)
    assert isinstance(event, icalendar.Event)


async def test_find_a_time_is_offered_on_the_date_step_of_a_sentence(fixed_world: World) -> None:
    world = fixed_world
    uma, creds, _ = await world.person("uma", locale="ru")
    bob = world.emulator.create_user("bob_find", email="bob.find@example.test")
    await world.connect(uma, creds)

    await uma.say(f"созвон с @{bob['username']} на 30 минут")  # no date, no time
    card = await uma.shown(t("ru", "wizard.date.prompt"))
    assert t("ru", "wizard.find") in labels(card)
    found = await click(uma, card, t("ru", "wizard.find"), t("ru", "wizard.find.heading"))
    slot = next(name for name in labels(found) if "–" in name)
    summary = await click(uma, found, slot, expected("ru", "confirm"))
    assert slot.split(" ")[-1].split("–")[0] in full_text(summary)
