"""Team channels: create, join, and the `posted` event of a mention there."""

from __future__ import annotations

import json

from tests.contract.conftest import World


async def test_a_mention_in_a_public_channel_reaches_the_mentioned_member(world: World) -> None:
    team_id = world.emulator.team_id
    created = await world.alice.post(
        "/channels",
        {"team_id": team_id, "name": "planning", "display_name": "Planning", "type": "O"},
    )
    assert created.status == 201
    channel = created.body
    assert (channel["type"], channel["team_id"]) == ("O", team_id)
    joined = await world.alice.post(f"/channels/{channel['id']}/members", {"user_id": world.bot_id})
    assert (joined.status, joined.body["user_id"]) == (201, world.bot_id)
    again = await world.alice.post(
        "/channels", {"team_id": team_id, "name": "planning", "display_name": "P", "type": "O"}
    )
    assert (again.status, again.body["id"]) == (
        400,
        "store.sql_channel.save_channel.exists.app_error",
    )

    bot_ws = await world.bot.websocket()
    await bot_ws.event("hello")
    await world.alice.post("/posts", {"channel_id": channel["id"], "message": "lunch?"})
    plain = await bot_ws.event("posted")
    assert "mentions" not in plain["data"]
    await world.alice.post(
        "/posts", {"channel_id": channel["id"], "message": "@calbot, what is on today?"}
    )
    mention = await bot_ws.event("posted")
    data = mention["data"]
    assert (data["channel_type"], data["channel_display_name"]) == ("O", "Planning")
    assert (data["channel_name"], data["team_id"]) == ("planning", team_id)
    assert json.loads(data["mentions"]) == [world.bot_id]
    assert json.loads(data["post"])["channel_id"] == channel["id"]
    await bot_ws.close()


async def test_at_channel_mentions_every_member(world: World) -> None:
    channel = world.emulator.create_channel("general", [world.alice_id, world.bot_id])
    bot_ws = await world.bot.websocket()
    await bot_ws.event("hello")
    await world.alice.post("/posts", {"channel_id": channel["id"], "message": "@channel hi"})
    posted = await bot_ws.event("posted")
    assert json.loads(posted["data"]["mentions"]) == [world.bot_id]
    await bot_ws.close()
