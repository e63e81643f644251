"""A mention of the bot in a team channel, as a real server delivers it (`posted` with
`mentions`): the bot answers in the person's DM, never in the channel, and never with
calendar data where others can read it."""

from __future__ import annotations

import pytest

from calendar_bot.i18n import t
from calendar_bot.views.onboarding import APP_PASSWORD_URL
from tests.e2e.harness import World, eventually, full_text
from tests.e2e.journeys import LOCALES, TODAY, at, event_ics, fixed_world, labels

__all__ = ["fixed_world"]


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_mention_in_a_channel_is_answered_in_the_dm(
    fixed_world: World, locale: str
) -> None:
    world = fixed_world
    jana, creds, calendar = await world.person("jana", locale=locale)
    world.radicale.put_ics(
        creds, calendar, event_ics("Secret review", at(TODAY, 15), at(TODAY, 16))
    )
    channel = world.emulator.create_channel("planning", [jana.id, world.bot_user["id"]])
    bot = world.bot_user["username"]

    async def in_channel(text: str) -> None:
        await jana.call("POST", "/posts", {"channel_id": channel["id"], "message": text})

    # A stranger gets the greeting, in the DM.
    await in_channel(f"@{bot} hi")
    greeting = await jana.next_bot_post(APP_PASSWORD_URL)
    assert labels(greeting)[0] == t(locale, "greeting.connect")

    # Connected: a pointer to the DM, not the meetings.
    await world.connect(jana, creds)
    await in_channel(f"@{bot} " + ("сегодня" if locale == "ru" else "today"))
    pointer = await jana.next_bot_post(t(locale, "dm_only.text", bot=bot))
    assert "Secret review" not in full_text(pointer)
    await in_channel("lunch, anyone?")  # no mention: no answer
    await in_channel("@channel the stand-up moves to 11")  # everyone, not a question to the bot
    await in_channel(f"@{bot} hello again")
    await jana.next_bot_post(t(locale, "dm_only.text", bot=bot))

    def bot_posts_in_channel() -> list[str]:
        return [
            p["message"]
            for p in world.emulator.posts_in_channel(channel["id"])
            if p["user_id"] == world.bot_user["id"]
        ]

    await eventually(lambda: len(world.emulator.posts_in_channel(channel["id"])) == 5)
    assert bot_posts_in_channel() == []
    dm_texts = [full_text(p) for p in (await jana.bot_posts())]
    assert sum(t(locale, "dm_only.text", bot=bot) in text for text in dm_texts) == 2
