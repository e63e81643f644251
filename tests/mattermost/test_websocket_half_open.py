"""The listener on a half-open link: its pings go unanswered, it reconnects asking to resume,
and the server, still counting the old connection active, answers with a new `hello`
(platform `RemoveInactiveByConnectionID`). The bot must take that as a gap and fetch what it
missed over REST."""

from __future__ import annotations

import asyncio

import aiohttp

from calendar_bot.mattermost.rest import MattermostClient
from calendar_bot.mattermost.websocket import WebSocketListener
from mm_sandbox import Emulator
from tests.e2e.harness import eventually
from tests.mattermost.echo_dispatcher import EchoDispatcher


async def test_a_fresh_hello_after_a_half_open_link_resyncs(emulator: Emulator) -> None:
    bot, token = emulator.create_bot("calendar")
    alice = emulator.create_user("alice")
    dm = emulator.dm_channel_id(alice["id"], bot["id"])
    alice_token = emulator.login_token(alice["id"])
    dispatcher = EchoDispatcher()
    client = MattermostClient(emulator.base_url, token, backoff_base=0.02)
    listener = WebSocketListener(
        client, dispatcher, ping_interval=0.6, backoff_base=0.05, backoff_max=0.2
    )
    await listener.start()
    try:
        await asyncio.wait_for(listener.connected_event.wait(), 10)
        async with aiohttp.ClientSession() as http:

            async def say(text: str) -> None:
                async with http.post(
                    f"{emulator.base_url}/api/v4/posts",
                    json={"channel_id": dm, "message": text},
                    headers={"Authorization": f"Bearer {alice_token}"},
                ) as response:
                    assert response.status == 201

            await say("before")
            await eventually(lambda: len(dispatcher.messages) == 1, what="the first message")
            first_id = emulator.hub.live_connections(bot["id"])[0].connection_id
            reconnects = listener.state.reconnects
            emulator.faults.freeze_websockets()
            await say("while frozen")  # never sent on the frozen socket
            await eventually(lambda: listener.state.reconnects > reconnects, what="a reconnect")
            await eventually(lambda: len(dispatcher.messages) == 2, what="the missed message")
        live = emulator.hub.live_connections(bot["id"])
        assert first_id not in {c.connection_id for c in live if not c.frozen}
        assert listener.state.resyncs >= 1
        assert [m.text for m in dispatcher.messages] == ["before", "while frozen"]
    finally:
        emulator.faults.clear()
        await listener.stop()
        await client.close()
