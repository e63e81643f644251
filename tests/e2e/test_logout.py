"""Log out: after the confirmation, no row of any table of the bot's database is left for the
user — credentials, calendars, snapshot, deliveries, own events, conversation state."""

from __future__ import annotations

import pytest

from calendar_bot.i18n import t
from calendar_bot.views.onboarding import APP_PASSWORD_URL
from tests.e2e.harness import World, eventually
from tests.e2e.journeys import (
    LOCALES,
    TOMORROW,
    at,
    event_ics,
    fixed_world,
    labels,
    refetch,
    rows_mentioning,
    user_row,
)

__all__ = ["fixed_world"]


@pytest.mark.parametrize("locale", LOCALES)
async def test_logout_leaves_no_row(fixed_world: World, locale: str) -> None:
    world = fixed_world
    kate, creds, calendar = await world.person("kate", locale=locale)
    world.radicale.put_ics(creds, calendar, event_ics("Before", at(TOMORROW, 9), at(TOMORROW, 10)))
    await world.connect(kate, creds)

    # Leave traces everywhere: a snapshot, a delivery, an own event, a live wizard.
    async def baseline_done() -> bool:
        row = await user_row(world, kate.id)
        return row is not None and bool(row["baseline_done"])

    await eventually(baseline_done, what="the silent baseline")
    world.radicale.put_ics(creds, calendar, event_ics("After", at(TOMORROW, 11), at(TOMORROW, 12)))
    await kate.say("tomorrow")
    await kate.next_bot_post("After")
    await kate.say("new")
    await kate.next_bot_post(t(locale, "wizard.title.prompt"))
    tables = {name for name, _ in await rows_mentioning(world, kate.id)}
    assert {"users", "calendars", "occurrences", "conversation_state"} <= tables
    await eventually(
        lambda: _has(world, kate.id, "outbox"), within=20, what="a delivery for the new meeting"
    )

    await kate.say("выйти" if locale == "ru" else "logout")
    confirm = await kate.next_bot_post(t(locale, "logout.confirm"))
    assert labels(confirm) == [t(locale, "logout.yes"), t(locale, "logout.no")]
    await kate.click(confirm, t(locale, "logout.yes"))
    done = await refetch(kate, confirm)
    assert done["message"] == t(locale, "logout.done")
    assert not labels(done)

    assert await rows_mentioning(world, kate.id) == []
    assert await rows_mentioning(world, creds.username) == []

    # A logged-out person is a stranger again.
    await kate.say("today")
    await kate.next_bot_post(APP_PASSWORD_URL)
    assert await rows_mentioning(world, kate.id) == []


async def test_logout_from_the_menu_can_be_declined(fixed_world: World) -> None:
    world = fixed_world
    liam, creds, _ = await world.person("liam", locale="en")
    await world.connect(liam, creds)
    menu = (await liam.bot_posts())[-1]
    # A meeting of their own, so the own-events table has a row for them too.
    for text, next_prompt in (
        ("new", "wizard.title.prompt"),
        ("Own meeting", "wizard.date.prompt"),
        ("tomorrow", "wizard.time.prompt"),
        ("10:00", "wizard.duration.prompt"),
        ("30", "wizard.attendees.prompt"),
    ):
        await liam.say(text)
        prompt = await liam.shown(t("en", next_prompt))  # the wizard's card, edited
    for button, next_prompt in (
        (t("en", "wizard.attendees.nobody"), "wizard.description.prompt"),
        (t("en", "common.skip"), "wizard.location.prompt"),
        (t("en", "common.skip"), "wizard.summary.heading"),
        (t("en", "wizard.create"), "wizard.created"),
    ):
        await liam.click(prompt, button)
        prompt = await liam.shown(t("en", next_prompt))
    assert await _has(world, liam.id, "own_events")
    await liam.click(menu, t("en", "menu.logout"))
    confirm = await refetch(liam, menu)
    assert confirm["message"] == t("en", "logout.confirm")
    await liam.click(confirm, t("en", "logout.no"))
    stayed = await refetch(liam, menu)
    assert stayed["message"] == t("en", "logout.cancelled")
    assert t("en", "menu.today") in labels(stayed)
    assert await user_row(world, liam.id) is not None

    await liam.click(stayed, t("en", "menu.logout"))
    await liam.click(await refetch(liam, menu), t("en", "logout.yes"))
    assert (await refetch(liam, menu))["message"] == t("en", "logout.done")
    assert await rows_mentioning(world, liam.id) == []


async def _has(world: World, user_id: str, table: str) -> bool:
    return any(name == table for name, _ in await rows_mentioning(world, user_id))


@pytest.mark.parametrize("locale", LOCALES)
async def test_old_buttons_after_logout_keep_the_old_posts(fixed_world: World, locale: str) -> None:
    world = fixed_world
    mila, creds, _ = await world.person(f"mila{locale}", locale=locale)
    await world.connect(mila, creds)
    menu = (await mila.bot_posts())[-1]
    await mila.say("завтра" if locale == "ru" else "tomorrow")
    listing = await mila.next_bot_post(t(locale, "list.empty_tomorrow"))
    await mila.say("выйти" if locale == "ru" else "logout")
    confirm = await mila.next_bot_post(t(locale, "logout.confirm"))
    await mila.click(confirm, t(locale, "logout.yes"))
    assert await user_row(world, mila.id) is None
    before = {p["id"]: p["message"] for p in await mila.bot_posts()}

    await mila.click(menu, t(locale, "menu.week"))
    hint = await mila.next_bot_post(t(locale, "not_connected.text"))
    assert t(locale, "greeting.connect") in labels(hint)
    for post in (menu, listing):
        assert (await refetch(mila, post))["message"] == before[post["id"]]
