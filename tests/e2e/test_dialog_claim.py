"""A dialog submitted twice at the same instant is handled once: the submission is claimed
(one atomic insert) before it is handled, not marked used afterwards."""

from __future__ import annotations

import asyncio

from calendar_bot.i18n import t
from tests.e2e.harness import World, full_text


async def test_simultaneous_double_submit_connects_once(world: World) -> None:
    alice, creds, _ = await world.person("alice", locale="en")
    await alice.say("hello")
    greeting = await alice.next_bot_post()
    await alice.click(greeting, "")  # Connect calendar: the dialog opens
    values = {"email": creds.username, "password": creds.password, "server": "mailru", "url": ""}
    first, second = await asyncio.gather(alice.submit_dialog(values), alice.submit_dialog(values))
    # "Connected" is posted once the silent first sync is done, after the answer.
    connected = t("en", "connected.title_email", email=creds.username)
    await alice.next_bot_post(connected)
    while world.bot.dispatcher.background:  # a second connect would be running there
        await asyncio.gather(*world.bot.dispatcher.background)
    posts = [p for p in await alice.bot_posts() if connected in full_text(p)]
    assert len(posts) == 1
    answers = sorted([first, second], key=lambda answer: bool(answer))
    assert not answers[0]  # the one that went through closed the dialog
    assert answers[1] == {"error": t("en", "stale.text")}
