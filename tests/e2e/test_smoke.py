from __future__ import annotations

from tests.e2e.harness import World, full_text


async def test_connect_and_today(world: World) -> None:
    alice, creds, _ = await world.person("alice")
    await world.connect(alice, creds)
    await alice.say("сегодня")
    post = await alice.next_bot_post()
    assert "Сегодня" in full_text(post) or "сегодня" in full_text(post).lower()
