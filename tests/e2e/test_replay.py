"""A captured callback sent again to the real bot is refused and changes nothing."""

from __future__ import annotations

import aiohttp

from calendar_bot.views import actions, common
from tests.e2e.harness import Person, World, eventually


def trigger_for(world: World, user_id: str) -> str:
    """A trigger id the server made for a click of this user (captured, say, on the way)."""
    return world.emulator.context.triggers.issue(user_id)[1]


async def count_after(person: Person, before: int) -> int | None:
    count = len(await person.bot_posts())
    return count if count > before else None


async def test_replayed_click_is_refused(world: World) -> None:
    alice, creds, _ = await world.person("alice")
    await world.connect(alice, creds)
    before = len(await alice.bot_posts())
    body = {
        "user_id": alice.id,
        "channel_id": alice.channel_id,
        "post_id": "",
        "trigger_id": trigger_for(world, alice.id),
        "context": world.bot.renderer.signer.sign(actions.MENU_TODAY, alice.id),
    }
    url = f"http://127.0.0.1:{world.bot.http_port}/actions"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=body) as first:
            assert first.status == 200
            assert "ephemeral_text" not in await first.json()
        posted = await eventually(
            lambda: count_after(alice, before), what="the Today list after the first click"
        )
        async with http.post(url, json=body) as replay:
            assert replay.status == 200
            answer = await replay.json()
    assert answer == {"ephemeral_text": common.button_expired("ru").text}
    assert len(await alice.bot_posts()) == posted  # nothing was posted for the replay
