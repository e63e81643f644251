"""Meeting lists: Today, Now and next, Tomorrow, Week — as buttons and as typed commands,
in the user's time zone, all-day events as all-day, cancelled meetings left out, long lists
split under the post limit, an empty day said so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from calendar_bot.domain.model import Credentials
from calendar_bot.i18n import t, tn
from calendar_bot.views.split import POST_LIMIT
from tests.e2e.harness import Person, World, eventually, full_text
from tests.e2e.journeys import (
    LOCALES,
    TODAY,
    TOMORROW,
    at,
    event_ics,
    fixed_world,
    labels,
    menu_options,
    refetch,
)

__all__ = ["fixed_world"]


def _seed(world: World, creds: Credentials, calendar: str) -> None:
    put = world.radicale.put_ics
    put(creds, calendar, event_ics("Standup", at(TODAY, 14), at(TODAY, 14, 30)))
    put(creds, calendar, event_ics("Right now", at(TODAY, 11, 30), at(TODAY, 12, 30)))
    put(creds, calendar, event_ics("Offsite", TODAY, TOMORROW))
    put(
        creds,
        calendar,
        event_ics("Called off", at(TODAY, 16), at(TODAY, 17), status="CANCELLED"),
    )
    put(creds, calendar, event_ics("Review", at(TOMORROW, 10), at(TOMORROW, 11)))
    put(
        creds,
        calendar,
        event_ics(
            "Invited",
            at(TODAY, 18),
            at(TODAY, 19),
            organizer="boss@example.test",
            attendees=((creds.username, "ACCEPTED"),),
        ),
    )
    put(
        creds,
        calendar,
        event_ics("Planning", at(TODAY + timedelta(days=3), 9), at(TODAY + timedelta(days=3), 10)),
    )
    put(
        creds,
        calendar,
        event_ics(
            "Next month", at(TODAY + timedelta(days=20), 9), at(TODAY + timedelta(days=20), 10)
        ),
    )


async def _connected(world: World, locale: str, timezone: str = "Europe/Moscow") -> Person:
    person, creds, calendar = await world.person("lena", locale=locale, timezone=timezone)
    _seed(world, creds, calendar)
    await world.connect(person, creds)
    return person


@pytest.mark.parametrize("locale", LOCALES)
async def test_today_by_button_and_by_word(fixed_world: World, locale: str) -> None:
    lena = await _connected(fixed_world, locale)
    menu = (await lena.bot_posts())[-1]
    await lena.click(menu, t(locale, "menu.today"))
    heading = t(locale, "table.time")
    post = await lena.next_bot_post(heading)
    text = full_text(post)
    assert tn(locale, "plural.meetings", 4) in text
    none, accepted = t(locale, "status.none"), t(locale, "status.accepted")
    assert f"| 14:00–14:30 | Standup | {none} |" in text
    assert f"| 18:00–19:00 | Invited | {accepted} |" in text
    assert "11:30–12:30" in text
    assert t(locale, "time.all_day") in text and "Offsite" in text
    assert "Called off" not in text  # cancelled
    assert "Review" not in text  # tomorrow
    assert {o["text"].split(" · ")[-1] for o in menu_options(post)} == {
        "Offsite",
        "Right now",
        "Standup",
        "Invited",
    }

    word = "сегодня" if locale == "ru" else "today"
    await lena.say(word)
    again = await lena.next_bot_post(heading)
    assert full_text(again) == text


async def test_times_follow_the_profile_time_zone(fixed_world: World) -> None:
    lena = await _connected(fixed_world, "en", timezone="Asia/Yekaterinburg")  # MSK+2
    await lena.say("today")
    text = full_text(await lena.next_bot_post(t("en", "table.time")))
    assert "| 16:00–16:30 | Standup |" in text


@pytest.mark.parametrize("locale", LOCALES)
async def test_now_and_next(fixed_world: World, locale: str) -> None:
    lena = await _connected(fixed_world, locale)
    await lena.say("сейчас" if locale == "ru" else "now")
    post = await lena.next_bot_post(t(locale, "now.current"))
    text = full_text(post)
    assert text.index("Right now") < text.index(t(locale, "now.next")) < text.index("Standup")
    assert "Offsite" not in text and "Called off" not in text
    assert t(locale, "now.title", time="@").split("@")[0] + "12:0" in text  # the clock runs
    assert [o["text"] for o in menu_options(post)] == [
        "11:30 · Right now",
        "14:00 · Standup",
        "18:00 · Invited",
    ]

    menu = next(p for p in await lena.bot_posts() if t(locale, "menu.now") in labels(p))
    await lena.click(menu, t(locale, "menu.now"))
    by_button = await lena.next_bot_post(t(locale, "now.current"))
    assert menu_options(by_button) == menu_options(post)


@pytest.mark.parametrize("locale", LOCALES)
async def test_tomorrow_and_week(fixed_world: World, locale: str) -> None:
    lena = await _connected(fixed_world, locale)
    menu = (await lena.bot_posts())[-1]
    await lena.click(menu, t(locale, "menu.tomorrow"))
    tomorrow = full_text(await lena.next_bot_post(t(locale, "table.time")))
    assert "| 10:00–11:00 | Review |" in tomorrow
    assert "Standup" not in tomorrow

    await lena.say("неделя" if locale == "ru" else "week")
    week = await lena.next_bot_post(t(locale, "week.today"))
    text = full_text(week)
    await lena.click(menu, t(locale, "menu.week"))
    assert full_text(await lena.next_bot_post(t(locale, "week.today"))) == text
    for title in ("Standup", "Right now", "Offsite", "Review", "Planning"):
        assert title in text, title
    assert "Called off" not in text and "Next month" not in text
    assert text.index("Standup") < text.index("Review") < text.index("Planning")
    assert t(locale, "week.free_day") in text  # Tuesday+1 has nothing
    assert tn(locale, "plural.meetings", 6) in text


@pytest.mark.parametrize("locale", LOCALES)
async def test_an_empty_day_says_so(fixed_world: World, locale: str) -> None:
    world = fixed_world
    mila, creds, _ = await world.person("mila", locale=locale)
    await world.connect(mila, creds)
    await mila.say("завтра" if locale == "ru" else "tomorrow")
    post = await mila.next_bot_post(t(locale, "list.empty_tomorrow"))
    assert not menu_options(post)
    await mila.say("today")
    await mila.next_bot_post(t(locale, "list.empty_today"))
    await mila.say("week")
    await mila.next_bot_post(t(locale, "week.empty"))


async def test_a_long_week_is_split_under_the_post_limit(fixed_world: World) -> None:
    world = fixed_world
    nina, creds, calendar = await world.person("nina", locale="en")
    long_title = "Quarterly alignment with a deliberately long and descriptive title " * 2
    long_title = long_title.strip()
    for offset in range(2):
        start = at(TODAY, 14 + offset)
        world.radicale.put_ics(
            creds,
            calendar,
            event_ics(
                f"{long_title} {offset}",
                start,
                start + timedelta(minutes=30),
                rrule="FREQ=HOURLY;INTERVAL=2;COUNT=70",
            ),
        )
    await world.connect(nina, creds)
    await nina.skip_to_end()
    await nina.say("week")

    async def parts() -> list[str] | None:
        fresh = [full_text(p) for p in (await nina.bot_posts())[nina.seen :]]
        rows = sum(text.count(long_title) for text in fresh)
        return fresh if rows >= 140 else None

    from tests.e2e.harness import eventually

    texts: list[str] = await eventually(parts, within=30, what="the whole week")
    assert len(texts) >= 2
    for text in texts:
        assert len(text) <= POST_LIMIT
        assert t("en", "table.time") in text  # each part repeats the table header
    assert sum(text.count(long_title) for text in texts) == 140
    posts = (await nina.bot_posts())[-len(texts) :]
    assert all(menu_options(p) for p in posts)
    assert all(labels(p) for p in posts)


@pytest.mark.parametrize("locale", LOCALES)
async def test_help_by_word(fixed_world: World, locale: str) -> None:
    world = fixed_world
    sam, creds, _ = await world.person("sam", locale=locale)
    await world.connect(sam, creds)
    await sam.say("помощь" if locale == "ru" else "help")
    post = await sam.next_bot_post(t(locale, "help.text"))
    assert t(locale, "menu.today") in labels(post)
    await sam.say("what?")
    unknown = await sam.next_bot_post(t(locale, "unknown.text"))
    assert t(locale, "menu.create") in labels(unknown)


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_list_walks_to_the_next_day_in_place_and_any_typed_date(
    fixed_world: World, locale: str
) -> None:
    world = fixed_world
    nika, creds, calendar = await world.person(f"nika{locale}", locale=locale)
    world.radicale.put_ics(
        creds, calendar, event_ics("Kickoff", at(TOMORROW, 11), at(TOMORROW, 12))
    )
    await world.connect(nika, creds)
    await nika.say("сегодня" if locale == "ru" else "today")
    listing = await nika.next_bot_post(t(locale, "list.empty_today"))
    before = len(await nika.bot_posts())

    await nika.click(listing, t(locale, "list.next", label=t(locale, "list.tomorrow")))
    moved_on = await refetch(nika, listing)
    assert "Kickoff" in full_text(moved_on)  # the same post now shows tomorrow
    assert len(await nika.bot_posts()) == before  # and no new post
    await nika.click(moved_on, t(locale, "list.other_date"))
    hint = t(locale, "list.other_date.hint")
    await eventually(lambda: any(hint in e["message"] for e in nika.ephemerals), what="the hint")

    typed = TOMORROW.strftime("%d.%m")
    await nika.say(typed)
    again = await nika.next_bot_post("Kickoff")
    assert t(locale, "list.other_date") in labels(again)
