"""The create-meeting wizard end to end: the happy path written to Radicale, typed formats,
every validation error keeping its step, Cancel on every step, Edit, and stale buttons.

The wizard is one post, its card, edited in place: `Person.shown` reads it as it stands after
each answer."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import icalendar
import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import Credentials
from calendar_bot.i18n import t
from calendar_bot.views.formatting import format_date, format_duration
from tests.e2e.harness import Person, Post, World, full_text
from tests.e2e.journeys import (
    LOCALES,
    TODAY,
    TOMORROW,
    at,
    calendar_text,
    fixed_world,
    labels,
    refetch,
    rows_mentioning,
)

__all__ = ["fixed_world"]

STEPS = ("title", "date", "time", "duration", "attendees", "description", "location")


def prompt_of(locale: str, step: str) -> str:
    return t(locale, f"wizard.{step}.prompt")


def error_line(locale: str, code: str, **params: object) -> str:
    return t(locale, "wizard.error_line", text=t(locale, f"wizard.error.{code}", **params))


async def start(person: Person, locale: str) -> Post:
    await person.say("создать" if locale == "ru" else "new")
    return await person.next_bot_post(prompt_of(locale, "title"))


def expected(locale: str, step: str) -> str:
    """What the card shows at `step`; "created" and "cancelled" are the results."""
    if step == "confirm":
        return t(locale, "wizard.summary.heading")
    if step in ("created", "cancelled"):
        return t(locale, f"wizard.{step}")
    return prompt_of(locale, step)


async def answer(person: Person, locale: str, text: str, next_step: str) -> Post:
    await person.say(text)
    return await person.shown(expected(locale, next_step))


async def pick(person: Person, card: Post, locale: str, label: str, next_step: str) -> Post:
    await person.click(card, label)
    return await person.shown(expected(locale, next_step))


async def reach(person: Person, locale: str, step: str) -> Post:
    """A fresh wizard brought to `step` with plain valid answers."""
    prompt = await start(person, locale)
    inputs = {
        "title": "Sync",
        "date": "tomorrow",
        "time": "10:00",
        "duration": "30",
        "attendees": "nobody@example.test",
        "description": "Notes",
        "location": "Room 1",
    }
    order = [*STEPS, "confirm"]
    for index, current in enumerate(order[: order.index(step)]):
        prompt = await answer(person, locale, inputs[current], order[index + 1])
    return prompt


def the_event(world: World, creds: Credentials, calendar: str, title: str) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(calendar_text(world, creds, calendar))
    found = [e for e in cal.walk("VEVENT") if str(e.get("SUMMARY")) == title]
    assert len(found) == 1, [str(e.get("SUMMARY")) for e in cal.walk("VEVENT")]
    event = found[0]
    assert isinstance(event, icalendar.Event)
    return event


@pytest.mark.parametrize("locale", LOCALES)
async def test_happy_path_creates_the_meeting(fixed_world: World, locale: str) -> None:
    world = fixed_world
    uma, creds, calendar = await world.person("uma", locale=locale)
    bob = world.emulator.create_user("bob_the_builder", email="bob@example.test")
    await world.connect(uma, creds)

    title_prompt = await start(uma, locale)
    assert labels(title_prompt) == [t(locale, "common.cancel")]
    date_prompt = await answer(uma, locale, "Quarterly planning", "date")
    assert date_prompt["id"] == title_prompt["id"]  # the same card, edited in place
    assert t(locale, "wizard.answered.title", value="Quarterly planning") in full_text(date_prompt)
    tomorrow_label = t(
        locale, "wizard.date.tomorrow", date=format_date(TOMORROW, locale, today=TODAY)
    )
    assert labels(date_prompt)[:3] == [
        t(locale, "wizard.date.today", date=format_date(TODAY, locale, today=TODAY)),
        tomorrow_label,
        t(locale, "wizard.date.after", date=format_date(TODAY + timedelta(2), locale, today=TODAY)),
    ]
    time_prompt = await pick(uma, date_prompt, locale, tomorrow_label, "time")
    assert time_prompt["id"] == title_prompt["id"]  # the click's answer edited the card
    assert t(locale, "common.cancel") in labels(time_prompt)
    duration_prompt = await answer(uma, locale, "9:30", "duration")
    assert labels(duration_prompt) == [
        *(format_duration(m, locale) for m in (15, 30, 45, 60, 90)),
        t(locale, "common.cancel"),
    ]
    attendees_prompt = await answer(uma, locale, "1ч30" if locale == "ru" else "1h30", "attendees")
    assert labels(attendees_prompt) == [
        t(locale, "wizard.attendees.nobody"),
        t(locale, "common.cancel"),
    ]
    description_prompt = await answer(
        uma, locale, f"@{bob['username']}, Carol@Example.test", "description"
    )
    location_prompt = await answer(uma, locale, "Budget and hiring", "location")
    assert location_prompt["id"] == description_prompt["id"] == title_prompt["id"]
    summary = await pick(uma, location_prompt, locale, t(locale, "common.skip"), "confirm")
    text = full_text(summary)
    assert t(locale, "wizard.summary.title", value="Quarterly planning") in text
    assert (
        t(locale, "wizard.summary.date", value=format_date(TOMORROW, locale, today=TODAY)) in text
    )
    assert t(locale, "wizard.summary.time", start="09:30", end="11:00") in text
    assert t(locale, "wizard.summary.duration", value=format_duration(90, locale)) in text
    assert "carol@example.test" in text
    assert t(locale, "wizard.summary.location", value=t(locale, "wizard.summary.none")) in text
    assert t(locale, "wizard.summary.calendar", value="Work") in text
    assert labels(summary) == [  # no video link template configured: no "Add video link"
        t(locale, "wizard.create"),
        t(locale, "wizard.edit"),
        t(locale, "wizard.find"),  # there are attendees
        t(locale, "common.cancel"),
    ]

    created = await pick(uma, summary, locale, t(locale, "wizard.create"), "created")
    assert created["id"] == title_prompt["id"]  # the result, in the same card
    assert "Quarterly planning" in full_text(created)
    assert t(locale, "wizard.summary.time", start="09:30", end="11:00") in full_text(created)
    assert not labels(created)

    event = the_event(world, creds, calendar, "Quarterly planning")
    assert event.decoded("DTSTART") == at(TOMORROW, 9, 30)
    assert event.decoded("DTEND") == at(TOMORROW, 11)
    invited = {str(a).lower().removeprefix("mailto:") for a in event.get("ATTENDEE", [])}
    assert {"bob@example.test", "carol@example.test"} <= invited
    assert str(event.get("DESCRIPTION")) == "Budget and hiring"
    assert str(event.get("ORGANIZER")).lower() == f"mailto:{creds.username}"
    # The wizard is over: no conversation state is left.
    assert not [r for r in await rows_mentioning(world, uma.id) if r[0] == "conversation_state"]


@pytest.mark.parametrize(
    ("date_text", "day", "time_text", "at_time", "duration_text", "minutes"),
    [
        ("25.12", date(2026, 12, 25), "9", "09:00", "45", 45),
        ("завтра", TOMORROW, "930", "09:30", "1ч30", 90),
        ("fri", date(2026, 12, 4), "14:05", "14:05", "1h", 60),
        ("пт", date(2026, 12, 4), "18:00", "18:00", "1440", 1440),
        ("03.12.2026", date(2026, 12, 3), "23:59", "23:59", "1", 1),
        ("next friday", date(2026, 12, 11), "2pm", "14:00", "30", 30),
        ("5 декабря", date(2026, 12, 5), "14-00", "14:00", "30", 30),
        ("в пятницу", date(2026, 12, 4), "2:30pm", "14:30", "30", 30),
        ("1 января", date(2027, 1, 1), "в 9", "09:00", "30", 30),
    ],
)
async def test_typed_formats(
    fixed_world: World,
    date_text: str,
    day: date,
    time_text: str,
    at_time: str,
    duration_text: str,
    minutes: int,
) -> None:
    world = fixed_world
    vera, creds, _ = await world.person("vera", locale="en")
    await world.connect(vera, creds)
    await start(vera, "en")
    await answer(vera, "en", "Formats", "date")
    await answer(vera, "en", date_text, "time")
    await answer(vera, "en", time_text, "duration")
    await answer(vera, "en", duration_text, "attendees")
    prompt = await answer(vera, "en", "x@example.test", "description")
    prompt = await pick(vera, prompt, "en", t("en", "common.skip"), "location")
    summary = full_text(await pick(vera, prompt, "en", t("en", "common.skip"), "confirm"))
    assert t("en", "wizard.summary.date", value=format_date(day, "en", today=TODAY)) in summary
    begins = datetime.combine(day, time.fromisoformat(at_time))
    end = (begins + timedelta(minutes=minutes)).strftime("%H:%M")
    assert t("en", "wizard.summary.time", start=at_time, end=end) in summary
    assert t("en", "wizard.summary.duration", value=format_duration(minutes, "en")) in summary


@pytest.mark.parametrize("locale", LOCALES)
async def test_every_validation_error_keeps_the_step(fixed_world: World, locale: str) -> None:
    world = fixed_world
    wanda, creds, calendar = await world.person("wanda", locale=locale)
    await world.connect(wanda, creds)

    async def wrong(text: str, step: str, code: str, **params: object) -> None:
        await wanda.say(text)
        post = await wanda.shown(prompt_of(locale, step))
        if code == "time.past":  # the clock runs: compare up to the current time
            expected = error_line(locale, code, now="NOW").split("NOW")[0] + "12:0"
        else:
            expected = error_line(locale, code, **params)
        assert expected in full_text(post), (text, full_text(post))
        assert t(locale, "common.cancel") in labels(post)

    await start(wanda, locale)
    await wrong("x" * 201, "title", "title.too_long", max=200)
    await answer(wanda, locale, "Checked", "date")
    await wrong("someday", "date", "date.invalid")
    await wrong("31.02", "date", "date.no_such_day")
    await wrong("01.01.2020", "date", "date.past")
    await answer(wanda, locale, "сегодня" if locale == "ru" else "today", "time")
    await wrong("noon", "time", "time.invalid")
    await wrong("25:00", "time", "time.range")
    await wrong("10:00", "time", "time.past")  # 10:00 today is before 12:00
    await answer(wanda, locale, "15:00", "duration")
    await wrong("forever", "duration", "duration.invalid")
    await wrong("0", "duration", "duration.range")
    await wrong("1441", "duration", "duration.range")
    await answer(wanda, locale, "30", "attendees")
    await wrong("@no_such_person", "attendees", "attendees.unknown", names="`no_such_person`")
    await wrong("not-an-email", "attendees", "attendees.invalid", names="`not-an-email`")
    await answer(wanda, locale, "ok@example.test", "description")
    await wrong("d" * 4001, "description", "description.too_long", max=4000)
    await answer(wanda, locale, "Fine", "location")
    await wrong("l" * 501, "location", "location.too_long", max=500)
    summary = await answer(wanda, locale, "Room 7", "confirm")
    assert t(locale, "wizard.summary.time", start="15:00", end="15:30") in full_text(summary)
    await pick(wanda, summary, locale, t(locale, "wizard.create"), "created")
    event = the_event(world, creds, calendar, "Checked")
    assert event.decoded("DTSTART") == at(TODAY, 15)
    assert str(event.get("LOCATION")) == "Room 7"


@pytest.mark.parametrize("locale", LOCALES)
async def test_cancel_on_every_step(fixed_world: World, locale: str) -> None:
    world = fixed_world
    xena, creds, calendar = await world.person("xena", locale=locale)
    await world.connect(xena, creds)
    for step in (*STEPS, "confirm"):
        prompt = await reach(xena, locale, step)
        cancelled = await pick(xena, prompt, locale, t(locale, "common.cancel"), "cancelled")
        assert cancelled["id"] == prompt["id"] and not labels(cancelled), step
        state = [r for r in await rows_mentioning(world, xena.id) if r[0] == "conversation_state"]
        assert not state, step
    # Typed too.
    await reach(xena, locale, "time")
    await xena.say("отмена" if locale == "ru" else "cancel")
    await xena.shown(t(locale, "wizard.cancelled"))
    assert "Sync" not in calendar_text(world, creds, calendar)


async def test_edit_from_the_summary(fixed_world: World) -> None:
    world = fixed_world
    yuri, creds, calendar = await world.person("yuri", locale="en")
    await world.connect(yuri, creds)
    summary = await reach(yuri, "en", "confirm")
    await yuri.click(summary, t("en", "wizard.edit"))
    picker = await refetch(yuri, summary)
    assert picker["message"] == t("en", "wizard.edit.prompt")
    title_card = await pick(yuri, picker, "en", t("en", "wizard.field.title"), "title")
    # Editing one field shows the others as answered.
    assert t("en", "wizard.answered.location", value="Room 1") in full_text(title_card)
    summary = await answer(yuri, "en", "Renamed sync", "confirm")
    assert summary["id"] == picker["id"]
    assert t("en", "wizard.summary.title", value="Renamed sync") in full_text(summary)
    assert t("en", "wizard.summary.location", value="Room 1") in full_text(summary)
    await pick(yuri, summary, "en", t("en", "wizard.create"), "created")
    event = the_event(world, creds, calendar, "Renamed sync")
    assert event.decoded("DTSTART") == at(TOMORROW, 10)


async def test_a_new_wizard_replaces_a_stale_one(fixed_world: World) -> None:
    world = fixed_world
    zara, creds, calendar = await world.person("zara", locale="en")
    await world.connect(zara, creds)
    old = await reach(zara, "en", "duration")
    menu_post = next(p for p in await zara.bot_posts() if t("en", "connected.hint") in p["message"])
    await zara.click(menu_post, t("en", "menu.create"))  # the menu button starts afresh
    fresh = await zara.next_bot_post(prompt_of("en", "title"))
    stale = await refetch(zara, old)
    assert not labels(stale)  # the replaced wizard's buttons are removed
    # A click on the removed button (a client with an old copy of the post) is refused.
    action = next(a for a in old["props"]["attachments"][0]["actions"] if a["name"] == "15 min")
    with pytest.raises(AssertionError, match="404"):
        await zara.call("POST", f"/posts/{old['id']}/actions/{action['id']}", {})
    # The new wizard starts from the title, not from the old draft's duration.
    assert (await answer(zara, "en", "Fresh one", "date"))["id"] == fresh["id"]
    summary = await reach_rest(zara)
    await pick(zara, summary, "en", t("en", "wizard.create"), "created")
    assert the_event(world, creds, calendar, "Fresh one")
    assert "SUMMARY:Sync" not in calendar_text(world, creds, calendar)


async def reach_rest(person: Person) -> Post:
    await answer(person, "en", "tomorrow", "time")
    await answer(person, "en", "11:00", "duration")
    prompt = await answer(person, "en", "60", "attendees")
    prompt = await pick(person, prompt, "en", t("en", "wizard.attendees.nobody"), "description")
    prompt = await pick(person, prompt, "en", t("en", "common.skip"), "location")
    return await pick(person, prompt, "en", t("en", "common.skip"), "confirm")


async def test_quick_picks(fixed_world: World) -> None:
    world = fixed_world
    tess, creds, calendar = await world.person("tess", locale="ru")
    await world.connect(tess, creds)
    await start(tess, "ru")
    date_prompt = await answer(tess, "ru", "Quick", "date")
    today_label = t("ru", "wizard.date.today", date=format_date(TODAY, "ru"))
    time_prompt = await pick(tess, date_prompt, "ru", today_label, "time")
    # At 12:0x on a Monday with an empty calendar: the next free half-hours, none past.
    picks = labels(time_prompt)
    assert picks == [
        *(t("ru", "wizard.time.at", time=at_) for at_ in ("12:30", "13:00", "13:30", "14:00")),
        t("ru", "common.cancel"),
    ]
    duration_prompt = await pick(tess, time_prompt, "ru", picks[1], "duration")
    prompt = await pick(tess, duration_prompt, "ru", format_duration(45, "ru"), "attendees")
    prompt = await pick(tess, prompt, "ru", t("ru", "wizard.attendees.nobody"), "description")
    prompt = await pick(tess, prompt, "ru", t("ru", "common.skip"), "location")
    summary = await pick(tess, prompt, "ru", t("ru", "common.skip"), "confirm")
    assert t("ru", "wizard.summary.time", start="13:00", end="13:45") in full_text(summary)
    await pick(tess, summary, "ru", t("ru", "wizard.create"), "created")
    event = the_event(world, creds, calendar, "Quick")
    assert event.decoded("DTSTART") == at(TODAY, 13)
    assert event.decoded("DTEND") == at(TODAY, 13, 45)
    assert not event.get("ATTENDEE")


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_command_at_the_title_step_says_the_wizard_still_waits(
    fixed_world: World, locale: str
) -> None:
    world = fixed_world
    yana, creds, _ = await world.person(f"yana{locale}", locale=locale)
    await world.connect(yana, creds)
    await start(yana, locale)
    await yana.say("сегодня" if locale == "ru" else "today")
    await yana.shown(t(locale, "list.empty_today"))
    await yana.shown(t(locale, "wizard.still_open", number=1, total=7))
    await answer(yana, locale, "Planning", "date")  # the next words are the title, as told


async def test_list_commands_mid_wizard_and_an_abandoned_wizard(fixed_world: World) -> None:
    world = fixed_world
    ugo, creds, calendar = await world.person("ugo", locale="en")
    await world.connect(ugo, creds)
    await reach(ugo, "en", "time")
    # "today" is not a time: it shows the list and the wizard waits, and says so.
    await ugo.say("today")
    await ugo.shown(t("en", "list.empty_today"))
    await ugo.shown(t("en", "wizard.still_open", number=3, total=7))
    await answer(ugo, "en", "15:00", "duration")

    # A day later the half-done wizard no longer swallows what is typed.
    assert isinstance(world.bot.clock, ManualClock)
    world.bot.clock.advance(timedelta(hours=25))
    await ugo.say("45")
    await ugo.shown(t("en", "unknown.text"))
    assert not [r for r in await rows_mentioning(world, ugo.id) if r[0] == "conversation_state"]
    assert "SUMMARY:Sync" not in calendar_text(world, creds, calendar)
