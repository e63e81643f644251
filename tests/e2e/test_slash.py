"""/calendar, registered by the bot at start: the answer goes to the DM, as a typed command."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from calendar_bot.i18n import t
from calendar_bot.views.onboarding import APP_PASSWORD_URL
from tests.e2e.harness import World, full_text, restart_bot, start_world, stop_world
from tests.e2e.journeys import LOCALES, TOMORROW, at, event_ics, labels, slash, start_fixed_world
from tests.support.servers import CalDAVServer


@pytest.fixture
async def slash_world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_fixed_world(radicale, tmp_path, slash=True)
    yield w
    await stop_world(w)


@pytest.mark.parametrize("locale", LOCALES)
async def test_slash_commands_answer_in_the_dm(slash_world: World, locale: str) -> None:
    world = slash_world
    assert [c.data["trigger"] for c in world.emulator.store.commands.values()] == ["calendar"]
    olly, creds, calendar = await world.person("olly", locale=locale)
    world.radicale.put_ics(creds, calendar, event_ics("Retro", at(TOMORROW, 16), at(TOMORROW, 17)))

    # In a channel, the answer goes to the DM, and the channel is told where it went.
    town = world.emulator.create_channel("town-square", [olly.id])["id"]
    answer = await slash(olly, "/calendar", town)
    assert answer["text"] == t(locale, "command.sent_to_dm")
    await olly.next_bot_post(APP_PASSWORD_URL)
    answer = await slash(olly, "/calendar week")
    await olly.next_bot_post(t(locale, "not_connected.text"))

    await world.connect(olly, creds)
    answer = await slash(olly, "/calendar tomorrow")
    assert answer["text"] == ""  # typed in the DM itself: no note that the answer is there
    post = await olly.next_bot_post(t(locale, "table.time"))
    assert "Retro" in full_text(post)

    await slash(olly, "/calendar " + ("помощь" if locale == "ru" else "help"))
    await olly.next_bot_post(t(locale, "help.text")[:40])
    await slash(olly, "/calendar new")
    await olly.next_bot_post(t(locale, "wizard.title.prompt"))
    await slash(olly, "/calendar gibberish")
    await olly.next_bot_post(t(locale, "unknown.text"))
    await slash(olly, "/calendar")
    menu = await olly.next_bot_post(t(locale, "menu.prompt"))
    assert t(locale, "menu.today") in labels(menu)


async def test_calendar_survives_restarts_without_a_duplicate(slash_world: World) -> None:
    """The second start finds its command instead of creating another (which the server
    refuses with 400), so the token is known and `/calendar` is still answered."""
    world = slash_world
    first = [c.token for c in world.emulator.store.commands.values()]
    await restart_bot(world)
    await restart_bot(world)
    assert [c.token for c in world.emulator.store.commands.values()] == first
    assert not [
        r for r in world.emulator.requests if r.path == "/api/v4/commands" and r.status >= 400
    ]
    olly, _, _ = await world.person("olly", locale="en")
    answer = await slash(olly, "/calendar")
    assert answer["text"] == ""  # answered, in the DM where it was typed
    await olly.next_bot_post(APP_PASSWORD_URL)


async def test_a_bot_that_may_not_create_commands_still_serves_dms(
    radicale: CalDAVServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A real server's default: the bot is no team admin, so `POST /commands` is 403. The bot
    says once what the admin must do and serves DMs, buttons and dialogs as before."""
    caplog.set_level(logging.WARNING, logger="calendar_bot")
    world = await start_world(radicale, tmp_path, slash=True, members_manage_commands=False)
    try:
        assert world.emulator.store.commands == {}
        lines = [r.getMessage() for r in caplog.records if "/calendar" in r.getMessage()]
        assert len(lines) == 1, lines
        assert "MM_SLASH_COMMAND_TOKEN" in lines[0]
        assert f"{world.bot.settings.MM_ACTIONS_URL}/commands" in lines[0]
        olly, creds, _ = await world.person("olly", locale="en")
        await world.connect(olly, creds)  # greeting, button, dialog, verification
    finally:
        await stop_world(world)
