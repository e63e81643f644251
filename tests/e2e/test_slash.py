"""/calendar, registered by the bot at start: the answer goes to the DM, as a typed command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from calendar_bot.i18n import t
from calendar_bot.views.onboarding import APP_PASSWORD_URL
from tests.e2e.harness import World, full_text, stop_world
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

    # A stranger gets the greeting.
    answer = await slash(olly, "/calendar")
    assert answer["text"] == t(locale, "command.sent_to_dm")
    await olly.next_bot_post(APP_PASSWORD_URL)
    answer = await slash(olly, "/calendar week")
    await olly.next_bot_post(t(locale, "not_connected.text"))

    await world.connect(olly, creds)
    answer = await slash(olly, "/calendar tomorrow")
    assert answer["text"] == t(locale, "command.sent_to_dm")
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
