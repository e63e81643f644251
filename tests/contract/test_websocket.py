"""The WebSocket: hello, the posted envelope, per-connection seq, resume and auth.

`fixtures/ws_posted.json` is the real frame from the facts file; `ws_hello.json` follows its
documented example; the edited/ephemeral ones follow the documented envelope.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.contract.conftest import World
from tests.contract.harness import Client, assert_same_shape, fixture

POST_KEYS_OPTIONAL = frozenset({"mentions", "followers", "otherFile", "image"})


async def test_hello_matches_the_server(world: World) -> None:
    socket = await world.bot.websocket()
    hello = await socket.next()
    assert_same_shape(hello, fixture("ws_hello.json"))
    assert hello["seq"] == 0
    assert hello["broadcast"]["user_id"] == world.bot_id
    assert len(hello["data"]["connection_id"]) == 26
    await socket.close()


async def test_posted_envelope_reaches_every_member_including_the_sender(world: World) -> None:
    bot_ws = await world.bot.websocket()
    alice_ws = await world.alice.websocket()
    await bot_ws.event("hello")
    await alice_ws.event("hello")
    sent = await world.alice.post("/posts", {"channel_id": world.dm_id, "message": "hi"})
    for socket in (bot_ws, alice_ws):
        posted = await socket.event("posted")
        assert_same_shape(posted, fixture("ws_posted.json"), optional=POST_KEYS_OPTIONAL)
        assert posted["seq"] == 1
        assert isinstance(posted["data"]["post"], str)
        post = json.loads(posted["data"]["post"])
        assert post["id"] == sent.body["id"]
        assert_same_shape(post, json.loads(fixture("ws_posted.json")["data"]["post"]))
        assert posted["data"]["channel_type"] == "D"
        assert posted["data"]["team_id"] == ""
        assert posted["data"]["sender_name"] == "@alice"
        assert posted["broadcast"]["channel_id"] == world.dm_id
    # The other side of a DM is always mentioned; the sender is not.
    assert "mentions" not in alice_ws.frames[-1]["data"]
    assert json.loads(bot_ws.frames[-1]["data"]["mentions"]) == [world.bot_id]
    await bot_ws.close()
    await alice_ws.close()


async def test_edits_and_deletes_and_a_second_socket(world: World) -> None:
    first = await world.bot.websocket()
    second = await world.bot.websocket()
    assert (await first.next())["data"]["connection_id"] != (await second.next())["data"][
        "connection_id"
    ]
    post = await world.bot.post("/posts", {"channel_id": world.dm_id, "message": "a"})
    await world.bot.put(f"/posts/{post.body['id']}/patch", {"message": "b"})
    await world.bot.delete(f"/posts/{post.body['id']}")
    for socket in (first, second):
        assert (await socket.event("posted"))["seq"] == 1
        edited = await socket.event("post_edited")
        assert_same_shape(edited, fixture("ws_post_edited.json"))
        assert json.loads(edited["data"]["post"])["message"] == "b"
        assert edited["seq"] == 2
        deleted = await socket.event("post_deleted")
        assert json.loads(deleted["data"]["post"])["delete_at"] > 0
        assert deleted["data"]["delete_by"] == world.bot_id
        assert deleted["seq"] == 3
    await first.close()
    await second.close()


async def test_resume_replays_missed_events_without_hello(world: World) -> None:
    socket = await world.bot.websocket()
    conn_id = (await socket.next())["data"]["connection_id"]
    await world.alice.post("/posts", {"channel_id": world.dm_id, "message": "one"})
    last = await socket.event("posted")
    world.emulator.faults.drop_websockets()
    assert await socket.closed()
    # Sent while the bot is away: kept in the connection's replay buffer.
    await world.alice.post("/posts", {"channel_id": world.dm_id, "message": "two"})
    await world.alice.post("/posts", {"channel_id": world.dm_id, "message": "three"})
    resumed = await world.bot.websocket(
        f"?connection_id={conn_id}&sequence_number={last['seq'] + 1}"
    )
    replayed = [await resumed.next(), await resumed.next()]
    assert [f["event"] for f in replayed] == ["posted", "posted"]
    assert [f["seq"] for f in replayed] == [last["seq"] + 1, last["seq"] + 2]
    assert [json.loads(f["data"]["post"])["message"] for f in replayed] == ["two", "three"]
    await world.alice.post("/posts", {"channel_id": world.dm_id, "message": "four"})
    assert (await resumed.next())["seq"] == last["seq"] + 3
    await resumed.close()


async def test_sequence_gone_or_unknown_connection_gives_a_new_hello(world: World) -> None:
    socket = await world.bot.websocket()
    conn_id = (await socket.next())["data"]["connection_id"]
    await socket.close()
    for n in range(130):  # more than the 128-event replay buffer
        await world.bot.post("/posts", {"channel_id": world.dm_id, "message": f"m{n}"})
    gone = await world.bot.websocket(f"?connection_id={conn_id}&sequence_number=1")
    hello = await gone.next()
    assert hello["event"] == "hello"
    assert hello["seq"] == 0
    assert hello["data"]["connection_id"] != conn_id
    await gone.close()
    unknown = await world.bot.websocket("?connection_id=" + "z" * 26 + "&sequence_number=5")
    hello = await unknown.next()
    assert (hello["event"], hello["seq"]) == ("hello", 0)
    await unknown.close()


async def test_server_restart_forgets_connections(world: World) -> None:
    socket = await world.bot.websocket()
    conn_id = (await socket.next())["data"]["connection_id"]
    world.emulator.faults.restart_websockets()
    assert await socket.closed()
    again = await world.bot.websocket(f"?connection_id={conn_id}&sequence_number=1")
    hello = await again.next()
    assert hello["event"] == "hello"
    assert hello["data"]["connection_id"] != conn_id
    await again.close()


async def test_connection_id_without_sequence_is_closed(world: World) -> None:
    socket = await world.bot.websocket()
    conn_id = (await socket.next())["data"]["connection_id"]
    await socket.close()
    bad = await world.bot.websocket(f"?connection_id={conn_id}")
    assert await bad.closed()


async def test_challenge_auth_and_repeated_challenge(world: World) -> None:
    anonymous = Client(world.bot.session, world.bot.base_url, world.bot.token)
    socket = await anonymous.websocket(header_auth=False)
    await socket.send(
        {"seq": 1, "action": "authentication_challenge", "data": {"token": world.bot.token}}
    )
    hello = await socket.next()
    assert (hello["event"], hello["seq"]) == ("hello", 0)
    assert await socket.next() == {"status": "OK", "seq_reply": 1}

    header_socket = await world.bot.websocket()
    await header_socket.next()
    await header_socket.send(
        {"seq": 1, "action": "authentication_challenge", "data": {"token": world.bot.token}}
    )
    # Ignored without a reply: the next frame is the next event, not an OK.
    await world.bot.post("/posts", {"channel_id": world.dm_id, "message": "x"})
    assert (await header_socket.next())["event"] == "posted"
    await socket.close()
    await header_socket.close()


async def test_bad_token_and_silence_close_the_socket(world: World) -> None:
    client = Client(world.bot.session, world.bot.base_url)
    socket = await client.websocket(header_auth=False)
    await socket.send({"seq": 1, "action": "authentication_challenge", "data": {"token": "no"}})
    assert await socket.closed()
    world.emulator.hub.auth_timeout = 0.3
    idle = await client.websocket(header_auth=False)
    assert await idle.closed(within=3)


async def test_bad_seq_and_ping_replies(world: World) -> None:
    socket = await world.bot.websocket()
    await socket.next()
    await socket.send({"seq": 0, "action": "ping"})
    assert_same_shape(await socket.next(), fixture("ws_reply_bad_seq.json"))
    await socket.send({"seq": 2, "action": "ping"})
    pong = await socket.next()
    assert pong["status"] == "OK"
    assert pong["seq_reply"] == 2
    assert pong["data"]["text"] == "pong"
    await socket.ws.ping()  # protocol-level pings are answered too
    await socket.close()


async def test_server_pings_and_expects_pongs(make_emulator: Any, http: Any) -> None:
    emulator = await make_emulator(ws_ping_interval=0.2)
    bot, token = emulator.create_bot("calbot")
    url = emulator.base_url.replace("http", "ws", 1) + "/api/v4/websocket"
    async with http.ws_connect(
        url, headers={"Authorization": f"Bearer {token}"}, autoping=False
    ) as ws:
        assert json.loads((await ws.receive(5)).data)["event"] == "hello"
        ping = await ws.receive(5)
        assert ping.type == aiohttp.WSMsgType.PING
        await ws.pong(ping.data)
        # Without pongs the server gives up on the connection, like its read deadline.
        assert (await ws.receive(5)).type == aiohttp.WSMsgType.PING
        closing = await ws.receive(5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert emulator.live_websockets(bot["id"]) == 0


async def test_resuming_a_connection_still_active_gives_a_new_hello(world: World) -> None:
    """Only an inactive connection is resumed (platform `CheckConn` ->
    `RemoveInactiveByConnectionID`): while the first socket is still open, a second one
    naming its connection id starts afresh, and the first one keeps working."""
    first = await world.bot.websocket()
    conn_id = (await first.next())["data"]["connection_id"]
    second = await world.bot.websocket(f"?connection_id={conn_id}&sequence_number=1")
    hello = await second.next()
    assert (hello["event"], hello["seq"]) == ("hello", 0)
    assert hello["data"]["connection_id"] != conn_id
    await world.alice.post("/posts", {"channel_id": world.dm_id, "message": "both"})
    for socket in (first, second):
        assert json.loads((await socket.event("posted"))["data"]["post"])["message"] == "both"
    await first.close()
    await second.close()
