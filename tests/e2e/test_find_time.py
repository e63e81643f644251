"""Find a time together (issue #17 item 1), end to end: the typed request in ru and en, busy
times from the connected colleagues' snapshots (never their titles), unknown availability
for those not connected, a slot's button opening the wizard's summary filled in, Create, and
working hours set in the settings card."""

from __future__ import annotations

from pathlib import Path

import pytest

from calendar_bot.i18n import t
from calendar_bot.views.formatting import format_date
from tests.e2e.harness import World, full_text, stop_world, wait_baseline
from tests.e2e.journeys import (
    LOCALES,
    TOMORROW,
    at,
    calendar_text,
    event_ics,
    fixed_world,
    labels,
    open_option,
    refetch,
    slash,
    start_fixed_world,
)
from tests.support.servers import CalDAVServer

__all__ = ["fixed_world"]

SECRET = "Reorg of team Falcon"  # a colleague's meeting title: never shown to anyone else


def slot_label(locale: str, hour: int) -> str:
    return f"{format_date(TOMORROW, locale)} {hour:02d}:00"


@pytest.mark.parametrize("locale", LOCALES)
async def test_find_a_time_with_a_connected_colleague_and_one_not_connected(
    fixed_world: World, locale: str
) -> None:
    world = fixed_world
    uma, uma_creds, uma_cal = await world.person("uma", locale=locale)
    bob, bob_creds, bob_cal = await world.person("bob", locale=locale)
    carol = world.emulator.create_user("carol", email="carol@example.test")
    put = world.radicale.put_ics
    put(uma_creds, uma_cal, event_ics("Uma's own", at(TOMORROW, 9), at(TOMORROW, 10, 30)))
    put(bob_creds, bob_cal, event_ics(SECRET, at(TOMORROW, 10, 30), at(TOMORROW, 12)))
    await world.connect(uma, uma_creds)
    await world.connect(bob, bob_creds)
    await wait_baseline(world, uma)
    await wait_baseline(world, bob)

    ask = (
        "найди час с @{} @{} @ghost завтра"
        if locale == "ru"
        else "find 1h with @{} @{} @ghost tomorrow"
    )
    await uma.say(ask.format(bob.user["username"], carol["username"]))
    answer = await uma.next_bot_post(t(locale, "find.best"))
    text = full_text(answer).replace("\u200b", "")  # handles are shown, never mentioned

    # Busy: Uma 09:00–10:30, Bob 10:30–12:00; so everyone is free from 12:00 on, one slot an
    # hour, up to five, each inside working hours (09–19).
    assert labels(answer)[:5] == [slot_label(locale, h) for h in (12, 13, 14, 15, 16)]
    assert "09:00" not in text and "10:30–11:30" not in text
    assert SECRET not in text  # free/busy only
    assert t(locale, "find.unknown", people=f"@{carol['username']}") in text
    assert t(locale, "find.not_found", people="@ghost") in text

    await uma.click(answer, slot_label(locale, 12))
    summary = await uma.next_bot_post(t(locale, "wizard.summary.heading"))
    summary_text = full_text(summary)
    assert "12:00–13:00" in summary_text
    assert carol["username"] in summary_text
    assert t(locale, "find.default_title") in summary_text
    # The card's own "find a time" knows the same people: Bob's calendar is read, Carol's not.
    await uma.click(summary, t(locale, "wizard.find"))
    again = await uma.shown(t(locale, "wizard.find.heading"))
    unknown = t(locale, "wizard.find.unknown", people=f"@{carol['username']}")
    assert unknown in full_text(again).replace("\u200b", "")
    assert SECRET not in full_text(again)
    await uma.click(again, t(locale, "wizard.edit.back"))
    summary = await uma.shown(t(locale, "wizard.summary.heading"))
    assert "12:00–13:00" in full_text(summary)  # nothing picked: as it was
    await uma.click(summary, t(locale, "wizard.create"))
    await uma.shown(t(locale, "wizard.created"))  # the same card, now the result
    written = calendar_text(world, uma_creds, uma_cal)
    assert "carol@example.test" in written.lower()
    assert bob_creds.username.lower() in written.lower()
    for post in await uma.bot_posts():
        assert SECRET not in full_text(post)


async def test_working_hours_from_settings_bound_the_slots(fixed_world: World) -> None:
    world = fixed_world
    uma, creds, _ = await world.person("uma", locale="en")
    bob, bob_creds, _ = await world.person("bob", locale="en")
    await world.connect(uma, creds)
    await world.connect(bob, bob_creds)
    await wait_baseline(world, bob)

    await uma.say("settings")
    card = await uma.next_bot_post(t("en", "settings.title"))
    assert t("en", "settings.work", start="09:00", end="19:00", days="Mon–Fri") in full_text(card)
    await open_option(uma, card, "16:00")  # the workday's end menu: only ends are past 14:00
    saved = await refetch(uma, card)  # the card itself, updated in place
    assert t("en", "settings.saved") in full_text(saved)
    assert t("en", "settings.work", start="09:00", end="16:00", days="Mon–Fri") in full_text(saved)

    await uma.say(f"find 2h with @{bob.user['username']} tomorrow")
    answer = await uma.next_bot_post(t("en", "find.best"))
    # Two-hour slots ending by 16:00: 09, 11, 13 (Bob's hours are 09–19, Uma's 09–16).
    assert labels(answer)[:3] == [slot_label("en", h) for h in (9, 11, 13)]
    assert slot_label("en", 14) not in labels(answer)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("найди час", "find.usage"),
        ("find 1h with @anna blah-blah tomorrow", "find.not_understood"),
    ],
)
async def test_a_request_that_does_not_parse_gets_an_example(
    fixed_world: World, text: str, key: str
) -> None:
    world = fixed_world
    uma, creds, _ = await world.person("uma", locale="ru")
    await world.connect(uma, creds)
    await uma.say(text)
    await uma.next_bot_post(t("ru", key).split("`")[0])


async def test_find_through_the_slash_command(radicale: CalDAVServer, tmp_path: Path) -> None:
    world = await start_fixed_world(radicale, tmp_path, slash=True)
    try:
        uma, creds, _ = await world.person("uma", locale="en")
        bob, bob_creds, _ = await world.person("bob", locale="en")
        await world.connect(uma, creds)
        await world.connect(bob, bob_creds)
        await wait_baseline(world, bob)
        await slash(uma, f"/calendar find 30m with @{bob.user['username']} tomorrow")
        answer = await uma.next_bot_post(t("en", "find.best"))
        assert len(labels(answer)) >= 5
    finally:
        await stop_world(world)
