"""Privacy between connected people (issue #17's acceptance): with two connected users, nothing
of one user's meeting except busy intervals ever appears in the other's posts, in the bot's
logs at DEBUG, or in its metrics — while the other looks for a time with them, lists their
own days and walks the wizard."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from calendar_bot.i18n import t
from calendar_bot.logging_setup import setup_logging
from tests.e2e.harness import World, full_text, wait_baseline
from tests.e2e.journeys import LOCALES, TOMORROW, at, event_ics, fixed_world

__all__ = ["fixed_world"]

# Everything of Bob's meeting that must stay Bob's.
SECRETS = (
    "Layoffs of the Falcon team",
    "Boardroom Nine",
    "severance-plan.pdf",
    "hr.partner@example.test",
    "bob-secret-uid-7731",
)


def bobs_meeting() -> str:
    text = event_ics(
        SECRETS[0],
        at(TOMORROW, 11),
        at(TOMORROW, 12),
        uid=SECRETS[4],
        location=SECRETS[1],
        description=f"Read {SECRETS[2]} first",
        attendees=((SECRETS[3], "ACCEPTED"),),
    )
    return text


@pytest.mark.parametrize("locale", LOCALES)
async def test_nothing_of_a_colleagues_meeting_but_busy_time_reaches_the_other(
    fixed_world: World, locale: str, caplog: pytest.LogCaptureFixture
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("DEBUG")  # the bot's own logging, as `LOG_LEVEL=DEBUG` runs it
    root.addHandler(caplog.handler)
    try:
        await _journey(fixed_world, locale, caplog)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


async def _journey(world: World, locale: str, caplog: pytest.LogCaptureFixture) -> None:
    uma, uma_creds, _ = await world.person("uma", locale=locale)
    bob, bob_creds, bob_cal = await world.person("bob", locale=locale)
    world.radicale.put_ics(bob_creds, bob_cal, bobs_meeting())
    await world.connect(uma, uma_creds)
    await world.connect(bob, bob_creds)
    await wait_baseline(world, bob)

    bob_name = bob.user["username"]
    find = "найди час с @{} завтра" if locale == "ru" else "find 1h with @{} tomorrow"
    await uma.say(find.format(bob_name))
    answer = await uma.next_bot_post(t(locale, "find.best"))
    assert "11:00–" not in full_text(answer) and "11:30–" not in full_text(answer)  # busy...
    await uma.say("завтра" if locale == "ru" else "tomorrow")
    await uma.next_bot_post()
    await uma.say("создать" if locale == "ru" else "new")
    await uma.shown(t(locale, "wizard.title.prompt"))

    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{world.bot.settings.HTTP_PORT}/metrics") as response,
    ):
        assert response.status == 200
        metrics = await response.text()

    seen_by_uma = [full_text(p) for p in await uma.bot_posts()]
    seen_by_uma += [str(e.get("message", "")) for e in uma.ephemerals]
    logged = [f"{r.getMessage()} {r.args!r} {r.__dict__.get('extra', '')}" for r in caplog.records]
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG was on
    for secret in SECRETS:
        # ...and nothing else of it: not the title, place, file, attendee or UID
        assert not [text for text in seen_by_uma if secret in text], secret
        assert not [line for line in logged if secret in line], secret
        assert secret not in metrics, secret
    # Bob himself sees his meeting: the check above is about Uma, not a bot that shows nothing.
    await bob.say("завтра" if locale == "ru" else "tomorrow")
    assert SECRETS[0] in full_text(await bob.next_bot_post(SECRETS[0]))
