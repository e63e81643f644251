"""The REST client's transport rules, against a scripted HTTP server on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from calendar_bot.mattermost.chat import MattermostChat
from calendar_bot.mattermost.errors import (
    MattermostForbidden,
    MattermostNotFound,
    MattermostUnavailable,
)
from calendar_bot.mattermost.ratelimit import TokenBucket
from calendar_bot.mattermost.render import Renderer
from calendar_bot.mattermost.rest import MattermostClient
from calendar_bot.mattermost.signing import ContextSigner
from calendar_bot.views.message import OutMessage

TOKEN = "bot-token-never-shown"
BOT = "bot0000000000000000000000a"


@dataclass
class Script:
    """Responses to hand out in order before the normal answer."""

    faults: list[web.Response] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    posts: dict[str, dict[str, object]] = field(default_factory=dict)


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Script]]:
    script = Script()

    async def handle(request: web.Request) -> web.StreamResponse:
        script.seen.append((request.method, request.path_qs, request.headers["Authorization"]))
        if script.faults:
            return script.faults.pop(0)
        if request.path == "/api/v4/users/me":
            return web.json_response({"id": BOT, "username": "calendar"})
        if request.path == "/api/v4/posts" and request.method == "POST":
            data = await request.json()
            pending = data["pending_post_id"]
            # Mattermost's pending-post de-duplication, in miniature.
            post = script.posts.setdefault(
                pending, {"id": f"p{len(script.posts):025}", "message": data["message"]}
            )
            return web.json_response(post, status=201)
        if request.path.startswith("/api/v4/users/username/"):
            return web.json_response(
                {"id": "api.user.missing", "message": "not found", "status_code": 404},
                status=404,
            )
        if request.path == "/api/v4/channels/direct":
            return web.json_response({"id": "dm" + "0" * 24}, status=201)
        return web.json_response(
            {"id": "api.context.permissions.app_error", "message": "no", "status_code": 403},
            status=403,
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    async with TestServer(app, host="127.0.0.1") as srv:
        yield str(srv.make_url("")).rstrip("/"), script


def client(base: str) -> MattermostClient:
    return MattermostClient(
        base, TOKEN, limiter=TokenBucket(rate=1000, burst=100), backoff_base=0.01, timeout=5
    )


async def test_retries_5xx_and_keeps_one_pending_post_id(server: tuple[str, Script]) -> None:
    base, script = server
    async with client(base) as mm:
        await mm.get_me()
        script.faults = [web.Response(status=503), web.Response(status=502)]
        post = await mm.create_post("c" * 26, "hello", pending_post_id=f"{BOT}:k1")
        again = await mm.create_post("c" * 26, "hello", pending_post_id=f"{BOT}:k1")
    assert post["id"] == again["id"] and len(script.posts) == 1
    assert [m for m, p, _ in script.seen].count("POST") == 4
    assert all(auth == f"Bearer {TOKEN}" for _, _, auth in script.seen)


async def test_429_waits_for_retry_after_and_delivers(server: tuple[str, Script]) -> None:
    base, script = server
    async with client(base) as mm:
        await mm.get_me()
        script.faults = [
            web.Response(status=429, text="limit exceeded", headers={"Retry-After": "0.3"}),
            web.Response(status=429, text="limit exceeded", headers={"X-Ratelimit-Reset": "0.2"}),
        ]
        start = time.monotonic()
        post = await mm.create_post("c" * 26, "hi")
        elapsed = time.monotonic() - start
    assert post["message"] == "hi" and len(script.posts) == 1
    assert elapsed >= 0.45


async def test_errors_are_typed_and_hold_no_token(server: tuple[str, Script]) -> None:
    base, _ = server
    async with client(base) as mm:
        assert await mm.get_user_by_username("nobody") is None
        with pytest.raises(MattermostForbidden) as forbidden:
            await mm.get_post("x" * 26)
        with pytest.raises(MattermostNotFound):
            await mm.request("GET", "/users/username/nobody")
    assert forbidden.value.status == 403
    assert forbidden.value.error_id == "api.context.permissions.app_error"
    assert TOKEN not in str(forbidden.value)


async def test_persistent_5xx_gives_up_with_unavailable(server: tuple[str, Script]) -> None:
    base, script = server
    async with client(base) as mm:
        script.faults = [web.Response(status=500) for _ in range(10)]
        with pytest.raises(MattermostUnavailable) as failed:
            await mm.get_user("u" * 26)
    assert failed.value.status == 500 and len(script.seen) == 5


async def test_network_error_is_unavailable() -> None:
    mm = MattermostClient("http://127.0.0.1:9", TOKEN, max_attempts=2, backoff_base=0.01)
    async with mm:
        with pytest.raises(MattermostUnavailable) as failed:
            await mm.get_me()
    assert TOKEN not in str(failed.value)


async def test_direct_channel_is_cached(server: tuple[str, Script]) -> None:
    base, script = server
    async with client(base) as mm:
        first = await mm.create_direct_channel(BOT, "u" * 26)
        second = await mm.create_direct_channel(BOT, "u" * 26)
    assert first == second
    assert [p for _, p, _ in script.seen].count("/api/v4/channels/direct") == 1


async def test_the_chat_posts_into_a_stored_dm_channel_without_a_lookup(
    server: tuple[str, Script],
) -> None:
    base, script = server
    async with client(base) as mm:
        chat = MattermostChat(mm, Renderer(ContextSigner("k"), "https://bot.example/mm"))
        chat.remember_dm_channel("u" * 26, "stored" + "0" * 20)
        chat.remember_dm_channel("u" * 26, "other" + "0" * 21)  # the first one known stays
        ref = await chat.send_dm("u" * 26, OutMessage("hi"))
        assert ref.channel_id == "stored" + "0" * 20
        assert await chat.dm_channel("v" * 26) == await chat.dm_channel("v" * 26)
    # Only the user nothing was stored for needed a lookup, and only once.
    assert [p for _, p, _ in script.seen].count("/api/v4/channels/direct") == 1


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(ValueError):
        MattermostClient("ftp://x", TOKEN)
