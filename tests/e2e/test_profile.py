"""Language and time zone come from the Mattermost profile (automatic or manual zone),
falling back to Russian and TZ; Settings and the RAW CalDAV view."""

from __future__ import annotations

import pytest

from calendar_bot.i18n import t
from calendar_bot.views.split import POST_LIMIT
from tests.e2e.harness import Person, World, eventually, full_text, stored_user
from tests.e2e.journeys import TODAY, at, event_ics, fixed_world, labels, menu_options, refetch

__all__ = ["fixed_world"]


async def _person_with_standup(world: World, locale: str, timezone: str | dict[str, str]) -> Person:
    person, creds, calendar = await world.person("pat", locale=locale)
    zone = (
        {"useAutomaticTimezone": "false", "manualTimezone": timezone, "automaticTimezone": ""}
        if isinstance(timezone, str)
        else timezone
    )
    world.emulator.set_user(person.id, timezone=zone)
    world.radicale.put_ics(creds, calendar, event_ics("Standup", at(TODAY, 14), at(TODAY, 14, 30)))
    await world.connect(person, creds)
    return person


@pytest.mark.parametrize(
    ("locale", "timezone", "shown_locale", "start"),
    [
        (
            "en",
            {"useAutomaticTimezone": "true", "automaticTimezone": "Asia/Yekaterinburg"},
            "en",
            "16:00",
        ),
        ("en_GB", "Europe/London", "en", "11:00"),
        ("de", {"useAutomaticTimezone": "false", "manualTimezone": ""}, "ru", "14:00"),
        ("", {"useAutomaticTimezone": "true", "automaticTimezone": ""}, "ru", "14:00"),
    ],
)
async def test_locale_and_zone_from_the_profile(
    fixed_world: World,
    locale: str,
    timezone: str | dict[str, str],
    shown_locale: str,
    start: str,
) -> None:
    person = await _person_with_standup(fixed_world, locale, timezone)
    await person.say("today")
    post = await person.next_bot_post(t(shown_locale, "table.time"))
    assert f"| {start}–" in full_text(post)
    assert "Standup" in full_text(post)


async def test_settings_and_raw_caldav(fixed_world: World) -> None:
    world = fixed_world
    pat = await _person_with_standup(world, "en", "Europe/Moscow")
    menu = (await pat.bot_posts())[-1]
    await pat.click(menu, t("en", "menu.settings"))
    settings = await refetch(pat, menu)
    assert settings["message"].startswith(t("en", "settings.title"))
    assert t("en", "settings.timezone", tz="Moscow (UTC+3)") in settings["message"]
    await pat.click(settings, t("en", "settings.raw"))
    picker = await pat.next_bot_post(t("en", "raw.pick"))
    assert [o["text"] for o in menu_options(picker)] == ["Work"]
    await pat.click(picker, t("en", "raw.placeholder"), option=menu_options(picker)[0]["value"])
    raw = await pat.next_bot_post(t("en", "raw.header", calendar="Work"))
    text = raw["message"]
    assert "```xml" in text and text.rstrip().endswith("```")
    assert "multistatus" in text and "SUMMARY:Standup" in text
    assert len(text) <= POST_LIMIT


async def test_a_long_raw_answer_is_split(fixed_world: World) -> None:
    world = fixed_world
    quinn, creds, calendar = await world.person("quinn", locale="ru")
    long_text = "x" * 70
    for index in range(40):
        world.radicale.put_ics(
            creds,
            calendar,
            event_ics(
                f"Item {index}",
                at(TODAY, 15),
                at(TODAY, 16),
                description="\\n".join([long_text] * 8),
            ),
        )
    await world.connect(quinn, creds)
    await quinn.say("raw")
    picker = await quinn.next_bot_post(t("ru", "raw.pick"))
    await quinn.click(picker, t("ru", "raw.placeholder"), option=menu_options(picker)[0]["value"])
    first = await quinn.next_bot_post(t("ru", "raw.header", calendar="Work"))
    head = t("ru", "raw.part", number=1, total="@").split("@")[0]
    assert first["message"].startswith(head)
    total = int(first["message"][len(head) :].split("\n")[0].split()[0])
    assert total >= 2
    parts = [first]
    for number in range(2, total + 1):
        parts.append(await quinn.next_bot_post(t("ru", "raw.part", number=number, total=total)))
    for part in parts:
        assert len(part["message"]) <= POST_LIMIT
        assert part["message"].count("```") % 2 == 0  # every part is a closed code block
    joined = "".join(p["message"] for p in parts)
    assert all(f"SUMMARY:Item {i}" in joined for i in range(40))
    assert not labels(parts[-1])


async def test_a_profile_change_is_taken_without_a_message(fixed_world: World) -> None:
    """A new language or zone in Mattermost reaches the stored settings through the
    `user_updated` event, so reminders and the digest follow before the user writes again."""
    world = fixed_world
    pat = await _person_with_standup(world, "ru", "Europe/Moscow")
    before = await stored_user(world, pat)
    assert (before.settings.locale, before.settings.timezone) == ("ru", "Europe/Moscow")
    zone = {
        "useAutomaticTimezone": "false",
        "manualTimezone": "Asia/Tokyo",
        "automaticTimezone": "",
    }
    await pat.call("PUT", "/users/me/patch", {"locale": "en", "timezone": zone})

    async def followed() -> bool:
        user = await stored_user(world, pat)
        return (user.settings.locale, user.settings.timezone) == ("en", "Asia/Tokyo")

    await eventually(followed, what="the stored settings to follow the profile")


async def test_reminder_leads_switch_on_and_off_one_by_one(fixed_world: World) -> None:
    """Each lead in the menu (at the start too) switches itself on or off; "no reminders"
    clears them; the card says them all, updated in place."""
    world = fixed_world
    pat = await _person_with_standup(world, "en", "Europe/Moscow")
    menu = (await pat.bot_posts())[-1]
    await pat.click(menu, t("en", "menu.settings"))

    async def choose(option: str) -> tuple[tuple[int, ...], str]:
        await pat.click(await refetch(pat, menu), t("en", "settings.reminder.placeholder"), option)
        settings = (await stored_user(world, pat)).settings
        return settings.leads, (await refetch(pat, menu))["message"]

    assert (await stored_user(world, pat)).settings.leads == (15, 0)
    leads, text = await choose("30")
    assert leads == (30, 15, 0)
    assert t("en", "settings.reminders", value="30 min, 15 min, at the start") in text
    assert (await choose("0"))[0] == (30, 15)
    assert (await choose("1440"))[0] == (1440, 30, 15)
    leads, text = await choose("off")
    assert leads == ()
    assert t("en", "settings.reminders", value=t("en", "common.disabled.plural")) in text
    leads, text = await choose("0")
    assert leads == (0,)
    assert t("en", "settings.reminders", value="at the start") in text
