"""The listener's protocol rules against a scripted WebSocket + REST server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from calendar_bot.mattermost.ratelimit import TokenBucket
from calendar_bot.mattermost.rest import MattermostClient
from calendar_bot.mattermost.websocket import WebSocketListener
from tests.mattermost.echo_dispatcher import EchoDispatcher

BOT = "bot" + "0" * 23
ALICE = "alice" + "0" * 21
DM = "dm" + "0" * 24
TOWN = "town" + "0" * 22


def post(post_id: str, user: str, text: str, create_at: int, channel: str = DM) -> dict[str, Any]:
    return {
        "id": post_id,
        "create_at": create_at,
        "update_at": create_at,
        "delete_at": 0,
        "user_id": user,
        "channel_id": channel,
        "root_id": "",
        "message": text,
        "type": "",
        "props": {},
    }


def posted(p: dict[str, Any], seq: int, channel_type: str = "D", **extra: str) -> dict[str, Any]:
    return {
        "event": "posted",
        "data": {"post": json.dumps(p), "channel_type": channel_type, "team_id": "", **extra},
        "broadcast": {"channel_id": p["channel_id"]},
        "seq": seq,
    }


def hello(connection_id: str) -> dict[str, Any]:
    return {"event": "hello", "data": {"connection_id": connection_id}, "seq": 0}


@dataclass
class Script:
    # One list of frames per connection, in order; a connection closes after its frames
    # unless `hold` says to keep it open.
    connections: list[list[dict[str, Any]]] = field(default_factory=list)
    hold: bool = True
    answer_pings: bool = True
    channel_posts: list[dict[str, Any]] = field(default_factory=list)
    upgrades: list[dict[str, str]] = field(default_factory=list)
    since_asked: list[str] = field(default_factory=list)


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[str, Script]]:
    script = Script()

    async def me(request: web.Request) -> web.Response:
        return web.json_response({"id": BOT, "username": "calendar"})

    async def channel_posts(request: web.Request) -> web.Response:
        script.since_asked.append(request.query.get("since", ""))
        posts = {p["id"]: p for p in script.channel_posts}
        return web.json_response({"order": list(posts)[::-1], "posts": posts})

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        assert request.headers["Authorization"] == "Bearer tok"
        script.upgrades.append(dict(request.query))
        ws = web.WebSocketResponse(autoping=script.answer_pings)
        await ws.prepare(request)
        frames = script.connections.pop(0) if script.connections else []
        for frame in frames:
            await ws.send_json(frame)
        if script.hold:
            async for msg in ws:
                if msg.type == WSMsgType.CLOSE:
                    break
        await ws.close()
        return ws

    app = web.Application()
    app.router.add_get("/api/v4/users/me", me)
    app.router.add_get("/api/v4/channels/{channel_id}/posts", channel_posts)
    app.router.add_get("/api/v4/websocket", websocket)
    async with TestServer(app, host="127.0.0.1") as srv:
        yield str(srv.make_url("")).rstrip("/"), script


async def run_listener(
    base: str, dispatcher: EchoDispatcher, ping: float = 5.0
) -> tuple[WebSocketListener, MattermostClient]:
    client = MattermostClient(base, "tok", limiter=TokenBucket(rate=500, burst=100))
    listener = WebSocketListener(
        client, dispatcher, ping_interval=ping, backoff_base=0.02, backoff_max=0.1
    )
    await listener.start()
    return listener, client


async def test_filters_own_posts_and_reads_dm_and_mentions(scripted: tuple[str, Script]) -> None:
    base, script = scripted
    script.connections = [
        [
            hello("conn1"),
            posted(post("p1", BOT, "mine", 1000), 1),
            posted(post("p2", ALICE, "hi", 1001), 2),
            posted(
                post("p3", ALICE, "@calendar hey", 1002, TOWN),
                3,
                "O",
                mentions=json.dumps([BOT]),
            ),
            posted(post("p4", ALICE, "joined", 1003) | {"type": "system_join_channel"}, 4),
        ]
    ]
    dispatcher = EchoDispatcher()
    listener, client = await run_listener(base, dispatcher)
    try:
        await dispatcher.wait_for(lambda: len(dispatcher.messages) == 2)
        await listener.drain()
    finally:
        await listener.stop()
        await client.close()
    dm, channel = dispatcher.messages
    assert (dm.post_id, dm.is_dm, dm.mentions_bot) == ("p2", True, False)
    assert (channel.post_id, channel.is_dm, channel.mentions_bot) == ("p3", False, True)
    assert listener.state.resyncs == 0


async def test_sequence_gap_triggers_rest_resync_without_duplicates(
    scripted: tuple[str, Script],
) -> None:
    base, script = scripted
    script.connections = [
        [
            hello("conn1"),
            posted(post("p1", ALICE, "one", 1000), 1),
            # seq 2 is lost on the way: p2 must come from REST; p1 must not come twice.
            posted(post("p3", ALICE, "three", 1002), 3),
        ]
    ]
    script.channel_posts = [
        post("p1", ALICE, "one", 1000),
        post("p2", ALICE, "two", 1001),
        post("p3", ALICE, "three", 1002),
    ]
    dispatcher = EchoDispatcher()
    listener, client = await run_listener(base, dispatcher)
    try:
        await dispatcher.wait_for(lambda: len(dispatcher.messages) == 3)
        await listener.drain()
    finally:
        await listener.stop()
        await client.close()
    assert sorted(m.post_id for m in dispatcher.messages) == ["p1", "p2", "p3"]
    assert listener.state.resyncs == 1
    assert script.since_asked == ["999"]


async def test_reconnect_resumes_and_fresh_hello_resyncs(scripted: tuple[str, Script]) -> None:
    base, script = scripted
    script.hold = False  # every connection ends after its frames: a drop
    script.connections = [
        [hello("conn1"), posted(post("p1", ALICE, "one", 1000), 1)],
        [posted(post("p2", ALICE, "two", 1001), 2)],  # resumed: replay, no hello
        [hello("conn2")],  # the server forgot conn1: events may be lost
    ]
    script.channel_posts = [post("p3", ALICE, "three", 1002)]
    dispatcher = EchoDispatcher()
    listener, client = await run_listener(base, dispatcher)
    try:
        await dispatcher.wait_for(lambda: len(dispatcher.messages) == 3)
    finally:
        await listener.stop()
        await client.close()
    assert [m.post_id for m in dispatcher.messages] == ["p1", "p2", "p3"]
    assert script.upgrades[0] == {}
    assert script.upgrades[1] == {"connection_id": "conn1", "sequence_number": "2"}
    assert script.upgrades[2] == {"connection_id": "conn1", "sequence_number": "3"}
    assert listener.state.resyncs == 1


async def test_a_dead_link_is_noticed_by_own_pings(scripted: tuple[str, Script]) -> None:
    base, script = scripted
    script.answer_pings = False  # a half-open link: the server never pongs
    script.connections = [[hello("conn1")], [hello("conn1")]]
    dispatcher = EchoDispatcher()
    listener, client = await run_listener(base, dispatcher, ping=0.2)
    try:
        end = asyncio.get_running_loop().time() + 10
        while len(script.upgrades) < 2:
            assert asyncio.get_running_loop().time() < end, "no reconnect after a dead link"
            await asyncio.sleep(0.02)
    finally:
        await listener.stop()
        await client.close()
    assert listener.state.reconnects >= 1


async def test_slow_handler_does_not_stall_other_users(scripted: tuple[str, Script]) -> None:
    base, script = scripted
    # A Bob whose messages land on another worker than Alice's (users are sharded by id).
    bob = next(
        b
        for b in (f"bob{i:023}" for i in range(100))
        if zlib.crc32(b.encode()) % 2 != zlib.crc32(ALICE.encode()) % 2
    )
    script.connections = [
        [
            hello("conn1"),
            posted(post("p1", ALICE, "slow", 1000), 1),
            posted(post("p2", bob, "fast", 1001, "dm2" + "0" * 23), 2),
        ]
    ]
    release = asyncio.Event()
    dispatcher = EchoDispatcher()

    async def reply(message: Any) -> None:
        if message.text == "slow":
            await release.wait()

    dispatcher.reply = reply
    client = MattermostClient(base, "tok")
    listener = WebSocketListener(client, dispatcher, workers=2, backoff_base=0.02)
    await listener.start()
    try:
        await dispatcher.wait_for(lambda: any(m.text == "fast" for m in dispatcher.messages))
        assert not release.is_set()
        assert [m.text for m in dispatcher.messages] == ["slow", "fast"]
    finally:
        release.set()
        await listener.stop()
        await client.close()
