"""Issue #16: the wizard reads the person's own calendar (the stored snapshot). The time
quick picks are the next free half-hours in working hours (09:00–19:00, Mon–Fri): busy
half-hours, the past and weekends are skipped; declined and all-day meetings do not block.
The summary names a meeting of theirs the chosen slot overlaps, by time and title, with the
next-day mark on an end after midnight."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from calendar_bot.i18n import t
from calendar_bot.views.formatting import format_date, format_duration, weekday_short
from tests.e2e.harness import Person, Post, World, full_text, wait_baseline
from tests.e2e.journeys import (
    LOCALES,
    TODAY,
    TOMORROW,
    at,
    event_ics,
    fixed_world,
    labels,
)
from tests.e2e.test_wizard_flow import expected

__all__ = ["fixed_world"]

SATURDAY = date(2026, 12, 5)  # TODAY is Monday 30 November, 12:00 in Moscow


def pick_times(card: Post, locale: str) -> list[str]:
    prefix = t(locale, "wizard.time.at", time="")
    return [name.removeprefix(prefix) for name in labels(card) if name.startswith(prefix)]


async def with_calendar(world: World, locale: str) -> tuple[Person, str]:
    """A connected person whose calendar has, stored in the snapshot:
    today 13:00–14:00 accepted, tomorrow 09:00–10:15 their own, 10:30–11:00 declined, an
    all-day event tomorrow, and a night deploy tomorrow 23:00 – Wednesday 01:00 they organise."""
    person, creds, calendar = await world.person(f"cal{locale}", locale=locale)
    me = creds.username
    events = [
        event_ics(
            "Lunch talk",
            at(TODAY, 13),
            at(TODAY, 14),
            organizer="boss@example.test",
            attendees=((me, "ACCEPTED"),),
        ),
        event_ics("Planning", at(TOMORROW, 9), at(TOMORROW, 10, 15)),
        event_ics(
            "Declined thing",
            at(TOMORROW, 10, 30),
            at(TOMORROW, 11),
            organizer="boss@example.test",
            attendees=((me, "DECLINED"),),
        ),
        event_ics("Holiday", TOMORROW, TOMORROW + timedelta(days=1)),
        event_ics(
            "Night deploy",
            at(TOMORROW, 23),
            at(TOMORROW + timedelta(days=1), 1),
            organizer=me,
            attendees=(("ops@example.test", "ACCEPTED"),),
        ),
    ]
    for n, ics in enumerate(events):
        world.radicale.put_ics(creds, calendar, ics, name=f"e{n}")
    await world.connect(person, creds)
    await wait_baseline(world, person)
    return person, me


async def to_time_step(person: Person, locale: str, day_text: str) -> Post:
    await person.say("создать" if locale == "ru" else "new")
    await person.next_bot_post(t(locale, "wizard.title.prompt"))
    await person.say("Check")
    await person.shown(expected(locale, "date"))
    await person.say(day_text)
    return await person.shown(expected(locale, "time"))


async def to_summary(person: Person, locale: str, time_text: str, minutes: int) -> Post:
    await person.say(time_text)
    card = await person.shown(expected(locale, "duration"))
    await person.click(card, format_duration(minutes, locale))
    card = await person.shown(expected(locale, "attendees"))
    await person.click(card, t(locale, "wizard.attendees.nobody"))
    card = await person.shown(expected(locale, "description"))
    await person.click(card, t(locale, "common.skip"))
    card = await person.shown(expected(locale, "location"))
    await person.click(card, t(locale, "common.skip"))
    return await person.shown(expected(locale, "confirm"))


@pytest.mark.parametrize("locale", LOCALES)
async def test_time_picks_skip_busy_past_and_weekends(fixed_world: World, locale: str) -> None:
    world = fixed_world
    person, _ = await with_calendar(world, locale)

    # Today, Monday 12:0x: from 12:30 on (never the past), 13:00–14:00 is taken.
    card = await to_time_step(person, locale, TODAY.strftime("%d.%m"))
    assert pick_times(card, locale) == ["12:30", "14:00", "14:30", "15:00"]
    assert t(locale, "wizard.time.free") in full_text(card)
    await person.say("отмена" if locale == "ru" else "cancel")
    await person.shown(t(locale, "wizard.cancelled"))

    # Tomorrow: 09:00–10:15 is taken; the declined 10:30 and the all-day event do not count.
    card = await to_time_step(person, locale, TOMORROW.strftime("%d.%m"))
    assert pick_times(card, locale) == ["10:30", "11:00", "11:30", "12:00"]
    # A pick goes on like a typed time.
    await person.click(card, t(locale, "wizard.time.at", time="11:00"))
    card = await person.shown(expected(locale, "duration"))
    answered = f"{format_date(TOMORROW, locale, today=TODAY)}, 11:00"
    assert t(locale, "wizard.answered.date", value=answered) in full_text(card)
    await person.say("отмена" if locale == "ru" else "cancel")
    await person.shown(t(locale, "wizard.cancelled"))

    # Saturday: no working hours, no picks, and the card does not offer any.
    card = await to_time_step(person, locale, SATURDAY.strftime("%d.%m"))
    assert pick_times(card, locale) == []
    assert labels(card) == [t(locale, "common.cancel")]
    assert t(locale, "wizard.time.none_free") in full_text(card)
    assert t(locale, "wizard.time.free") not in full_text(card)
    # A typed time still works on a day off.
    summary = await to_summary(person, locale, "11:00", 30)
    assert t(locale, "wizard.conflict", time="", title="").split("**")[1] not in full_text(summary)


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_summary_names_an_overlapping_meeting(fixed_world: World, locale: str) -> None:
    world = fixed_world
    person, _ = await with_calendar(world, locale)

    # 09:30 for an hour overlaps their own Planning (09:00–10:15).
    await to_time_step(person, locale, TOMORROW.strftime("%d.%m"))
    summary = await to_summary(person, locale, "09:30", 60)
    text = full_text(summary)
    line = t(locale, "wizard.conflict", time="09:00–10:15", title="«Planning»")
    assert line in text
    assert "Declined thing" not in text and "Holiday" not in text
    assert labels(summary)[0] == t(locale, "wizard.create")  # a warning, not a refusal
    await person.click(summary, t(locale, "common.cancel"))
    await person.shown(t(locale, "wizard.cancelled"))

    # 10:30 overlaps only the declined one: no conflict line.
    await to_time_step(person, locale, TOMORROW.strftime("%d.%m"))
    summary = await to_summary(person, locale, "10:30", 30)
    marker = t(locale, "wizard.conflict", time="", title="").split("**")[1]
    assert marker not in full_text(summary)
    await person.click(summary, t(locale, "common.cancel"))
    await person.shown(t(locale, "wizard.cancelled"))

    # 23:30 overlaps the night deploy they organise: its end after midnight is marked.
    await to_time_step(person, locale, TOMORROW.strftime("%d.%m"))
    summary = await to_summary(person, locale, "23:30", 30)
    wednesday = TOMORROW + timedelta(days=1)
    end = t(locale, "time.next_day", time="01:00", weekday=weekday_short(wednesday, locale))
    line = t(locale, "wizard.conflict", time=f"23:00–{end}", title="«Night deploy»")
    assert line in full_text(summary)
