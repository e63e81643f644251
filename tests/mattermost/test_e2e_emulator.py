"""The adapter end to end against the local Mattermost emulator: a person's client is played
through the standard endpoints with the person's own token."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from calendar_bot.inbound import ActionClick, DialogSubmission, IncomingMessage
from calendar_bot.mattermost.chat import MattermostChat
from calendar_bot.mattermost.ratelimit import TokenBucket
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.rest import MattermostClient
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.mattermost.web import create_app
from calendar_bot.mattermost.websocket import WebSocketListener
from calendar_bot.views.dialog import Dialog, DialogElement
from calendar_bot.views.message import Block, Button, OutMessage
from mm_sandbox.limits import RateLimit
from mm_sandbox.server import Emulator
from tests.mattermost.echo_dispatcher import EchoDispatcher
from tests.support.openapi import exchange_problems


@dataclass
class World:
    em: Emulator
    base: str
    alice: dict[str, Any]
    alice_token: str
    bot_id: str
    dm: str
    dispatcher: EchoDispatcher
    chat: MattermostChat
    listener: WebSocketListener
    user_http: aiohttp.ClientSession
    command_token: dict[str, str]

    async def as_alice(self, method: str, path: str, body: Any = None) -> Any:
        """Alice's client; it waits out a 429 like the web app does."""
        for _ in range(50):
            async with self.user_http.request(
                method,
                f"{self.base}/api/v4{path}",
                json=body,
                headers={"Authorization": f"Bearer {self.alice_token}"},
            ) as response:
                if response.status == 429:
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                    continue
                assert response.status < 300, await response.text()
                return await response.json()
        raise AssertionError("alice stayed rate limited")

    async def say(self, text: str) -> str:
        post = await self.as_alice("POST", "/posts", {"channel_id": self.dm, "message": text})
        return str(post["id"])

    def assert_spec_valid(self) -> None:
        recorded = [r for r in self.em.requests if r.path.startswith("/api/v4/")]
        problems = [p for r in recorded for p in exchange_problems(r)]
        assert problems == []

    def bot_posts(self) -> list[dict[str, Any]]:
        return [p for p in self.em.posts_in_channel(self.dm) if p["user_id"] == self.bot_id]


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
async def world() -> AsyncIterator[World]:
    em = Emulator()
    base = await em.start()
    alice = em.create_user("alice", email="alice@example.com", locale="en", timezone="Asia/Tokyo")
    bot, token = em.create_bot("calendar")
    sock = free_socket()
    renderer = Renderer(ContextSigner("e2e-secret"), f"http://127.0.0.1:{sock.getsockname()[1]}")
    client = MattermostClient(
        base, token, limiter=TokenBucket(rate=200, burst=50), backoff_base=0.02
    )
    chat = MattermostChat(client, renderer)
    dispatcher = EchoDispatcher()

    async def reply(message: IncomingMessage) -> None:
        out = OutMessage(
            f"echo: {message.text}",
            (Block(text="menu", buttons=(Button("Form", "form", {"n": "1"}),)),),
        )
        await chat.send_dm(message.user_id, out, idempotency_key=f"reply:{message.post_id}")

    async def click(event: ActionClick) -> None:
        if event.action == "form":
            dialog = Dialog(
                title="New meeting",
                action="meeting.create",
                elements=(DialogElement("title", "Title", "text"),),
                submit_label="Create",
                payload={"draft": "d1"},
            )
            assert await chat.open_dialog(event.trigger_id, dialog, event.user_id)

    dispatcher.reply = reply
    dispatcher.on_click = click
    command_token: dict[str, str] = {}
    app = create_app(dispatcher, renderer, command_token=lambda: command_token.get("token"))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    listener = WebSocketListener(
        client, dispatcher, ping_interval=5, backoff_base=0.05, backoff_max=0.4
    )
    await listener.start()
    async with asyncio.timeout(10):
        await listener.connected_event.wait()
    user_http = aiohttp.ClientSession()
    world = World(
        em=em,
        base=base,
        alice=alice,
        alice_token=em.login_token(alice["id"]),
        bot_id=bot["id"],
        dm=em.dm_channel_id(alice["id"], bot["id"]),
        dispatcher=dispatcher,
        chat=chat,
        listener=listener,
        user_http=user_http,
        command_token=command_token,
    )
    try:
        yield world
    finally:
        await user_http.close()
        await listener.stop()
        await client.close()
        await runner.cleanup()
        await em.stop()


async def wait_until(predicate: Any, what: str, deadline: float = 15.0) -> None:
    """Poll a condition on the emulator's state with a deadline."""
    end = asyncio.get_running_loop().time() + deadline
    while True:
        if predicate():
            return
        assert asyncio.get_running_loop().time() < end, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_dm_is_received_and_answered(world: World) -> None:
    post_id = await world.say("hello bot")
    await wait_until(lambda: len(world.bot_posts()) == 1, "a reply")
    [event] = world.dispatcher.messages
    assert (event.post_id, event.text, event.is_dm, event.user_id) == (
        post_id,
        "hello bot",
        True,
        world.alice["id"],
    )
    [answer] = world.bot_posts()
    assert answer["message"] == "echo: hello bot"
    assert answer["props"]["attachments"][0]["actions"][0]["name"] == "Form"
    profile = await world.chat.get_user(world.alice["id"])
    assert (profile.username, profile.email, profile.timezone) == (
        "alice",
        "alice@example.com",
        "Asia/Tokyo",
    )


async def test_button_click_and_dialog_round_trip(world: World) -> None:
    await world.say("start")
    await wait_until(lambda: len(world.bot_posts()) == 1, "a reply")
    [post] = world.bot_posts()
    action_id = post["props"]["attachments"][0]["actions"][0]["id"]
    clicked = await world.as_alice("POST", f"/posts/{post['id']}/actions/{action_id}", {})
    assert clicked["status"] == "OK"
    updated = world.em.post(post["id"])
    assert updated["message"] == "clicked form 1"
    [click] = [a for a in world.dispatcher.actions if isinstance(a, ActionClick)]
    assert (click.user_id, click.post_id, click.payload) == (
        world.alice["id"],
        post["id"],
        {"n": "1"},
    )

    [opened] = world.em.dialogs(world.alice["id"])
    dialog = opened["dialog"]
    assert dialog["callback_id"] == "meeting.create"
    submitted = {
        "url": opened["url"],
        "callback_id": dialog["callback_id"],
        "state": dialog["state"],
        "channel_id": world.dm,
        "team_id": "",
        "submission": {"title": "Planning"},
        "cancelled": False,
    }
    rejected = await world.as_alice(
        "POST", "/actions/dialogs/submit", submitted | {"submission": {"title": ""}}
    )
    assert rejected == {"errors": {"title": "required"}}
    accepted = await world.as_alice("POST", "/actions/dialogs/submit", submitted)
    assert accepted == {}
    _, submission = world.dispatcher.dialogs
    assert isinstance(submission, DialogSubmission)
    assert submission.submission == {"title": "Planning"}
    assert submission.payload == {"draft": "d1"} and submission.user_id == world.alice["id"]
    assert world.em.problems == []
    world.assert_spec_valid()


async def test_forged_click_through_the_server_changes_nothing(world: World) -> None:
    await world.say("start")
    await wait_until(lambda: len(world.bot_posts()) == 1, "a reply")
    [post] = world.bot_posts()
    mallory = world.em.create_user("mallory")
    # Mallory cannot click in Alice's DM through the server, so she calls the bot directly
    # with a context she copied from Alice's post but her own user id.
    context = post["props"]["attachments"][0]["actions"][0]["integration"]["context"]
    url = post["props"]["attachments"][0]["actions"][0]["integration"]["url"]
    async with world.user_http.post(
        url, json={"user_id": mallory["id"], "post_id": post["id"], "context": context}
    ) as response:
        status = response.status
    assert status == 403  # refused before anything is looked up
    assert world.em.post(post["id"])["message"] == "echo: start"
    assert not any(isinstance(a, ActionClick) for a in world.dispatcher.actions)


async def test_every_bot_request_is_spec_valid(world: World) -> None:
    await world.say("one")
    await wait_until(lambda: len(world.bot_posts()) == 1, "a reply")
    [post] = world.bot_posts()
    await world.chat.update_post(post["id"], OutMessage("edited"), world.alice["id"])
    assert world.em.post(post["id"])["message"] == "edited"
    assert await world.chat.get_user_by_username("alice") is not None
    assert await world.chat.get_user_by_username("nobody") is None
    assert await world.chat.delete_post(post["id"])
    recorded = [r for r in world.em.requests if r.path.startswith("/api/v4/")]
    routes = {(r.method, r.route) for r in recorded}
    for expected in (
        ("GET", "/api/v4/users/{user_id}"),
        ("GET", "/api/v4/users/username/{username}"),
        ("POST", "/api/v4/channels/direct"),
        ("POST", "/api/v4/posts"),
        ("PUT", "/api/v4/posts/{post_id}/patch"),
        ("DELETE", "/api/v4/posts/{post_id}"),
    ):
        assert expected in routes, expected
    world.assert_spec_valid()


async def test_survives_socket_drops_and_rate_limits_without_loss_or_duplicates(
    world: World,
) -> None:
    em = world.em
    em.faults.rate_limit(RateLimit(per_sec=4, max_burst=2, vary_by_user=True))
    sent: list[str] = []

    async def say_and_wait(text: str) -> None:
        sent.append(text)
        await world.say(text)

    await say_and_wait("m0")
    for round_ in range(3):
        await wait_until(
            lambda: len(world.bot_posts()) == len(sent), f"replies before drop {round_}"
        )
        reconnects = world.listener.state.reconnects
        if round_ < 2:
            em.faults.drop_websockets()  # a network blip: the server keeps the queue
        else:
            em.faults.restart_websockets()  # the server forgot us: resync over REST
        # Alice keeps writing while the bot is away.
        await say_and_wait(f"m{round_ + 1}a")
        await say_and_wait(f"m{round_ + 1}b")
        await wait_until(
            lambda before=reconnects: world.listener.state.reconnects > before, "a reconnect"
        )
    await wait_until(lambda: len(world.bot_posts()) >= len(sent), "every reply")
    await world.listener.drain()
    replies = sorted(p["message"] for p in world.bot_posts())
    assert replies == sorted(f"echo: {t}" for t in sent)
    handled = [m.post_id for m in world.dispatcher.messages]
    assert len(handled) == len(set(handled)) == len(sent)
    assert world.listener.state.resyncs >= 1
    bot_limited = [
        r
        for r in em.requests
        if r.status == 429
        and isinstance(r.body, dict)
        and str(r.body.get("pending_post_id", "")).startswith(world.bot_id)
    ]
    assert bot_limited, "the rate limit never bit the bot: the test proves nothing"
    world.assert_spec_valid()


async def test_slash_command_round_trip(world: World) -> None:
    command = await world.chat.client.register_slash_command(
        world.em.team_id,
        "calendar",
        world.chat.renderer.actions_url.removesuffix("/actions") + "/commands",
        description="Calendar",
    )
    world.command_token["token"] = command["token"]
    answer = await world.as_alice(
        "POST", "/commands/execute", {"channel_id": world.dm, "command": "/calendar today"}
    )
    assert answer["text"] == "echo today"
    [event] = world.dispatcher.commands
    assert (event.user_id, event.channel_id, event.text) == (world.alice["id"], world.dm, "today")
    assert event.trigger_id
    [ephemeral] = world.em.ephemerals(world.alice["id"])
    assert ephemeral["message"] == "echo today"
    world.command_token["token"] = "rotated"  # a stale token is refused
    async with world.user_http.post(
        f"{world.base}/api/v4/commands/execute",
        json={"channel_id": world.dm, "command": "/calendar today"},
        headers={"Authorization": f"Bearer {world.alice_token}"},
    ) as refused:
        assert refused.status == 500
    assert len(world.dispatcher.commands) == 1
    world.assert_spec_valid()
