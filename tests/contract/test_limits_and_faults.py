"""Rate limiting like the server's limiter, and the fault switches tests use."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

import aiohttp

from mm_sandbox import Emulator, RateLimit, RecordedRequest
from tests.contract.conftest import World
from tests.contract.harness import Client
from tests.support.emulator import EmulatorFactory, assert_contract, contract_problems


async def test_limiter_answers_429_with_headers(
    make_emulator: EmulatorFactory, http: aiohttp.ClientSession
) -> None:
    clock = [1_800_000_000.0]
    emulator = await make_emulator(
        rate_limit=RateLimit(per_sec=10, max_burst=4), now=lambda: clock[0]
    )
    user = emulator.create_user("alice")
    client = Client(http, emulator.base_url, emulator.login_token(user["id"]))
    first = await client.get("/users/me")
    assert first.status == 200
    assert first.headers["X-Ratelimit-Limit"] == "5"  # MaxBurst + 1
    assert first.headers["X-Ratelimit-Remaining"] == "4"
    for _ in range(4):
        assert (await client.get("/users/me")).status == 200
    limited = await client.get("/users/me")
    assert limited.status == 429
    assert limited.body == "limit exceeded"
    assert limited.headers["Content-Type"].startswith("text/plain")
    assert limited.headers["X-Ratelimit-Remaining"] == "0"
    assert limited.headers["Retry-After"] == "1"  # seconds from now, rounded up
    assert int(limited.headers["X-Ratelimit-Reset"]) >= 1
    clock[0] += 0.1  # one emission interval later one more request fits
    assert (await client.get("/users/me")).status == 200
    emulator.faults.rate_limit(None)
    for _ in range(10):
        reply = await client.get("/users/me")
        assert reply.status == 200
        assert "X-Ratelimit-Limit" not in reply.headers
    assert_contract(emulator)


async def test_default_limits_are_the_servers(
    make_emulator: EmulatorFactory, http: aiohttp.ClientSession
) -> None:
    emulator = await make_emulator(rate_limit=RateLimit(), now=lambda: 1_800_000_000.0)
    user = emulator.create_user("alice")
    client = Client(http, emulator.base_url, emulator.login_token(user["id"]))
    statuses = [(await client.get("/users/me")).status for _ in range(102)]
    assert statuses[:101] == [200] * 101
    assert statuses[101] == 429


async def test_fail_next_by_prefix(world: World) -> None:
    world.emulator.faults.fail_next(2, status=503, path_prefix="/api/v4/posts")
    assert (await world.bot.get("/users/me")).status == 200  # other paths unaffected
    body = {"channel_id": world.dm_id, "message": "x"}
    first = await world.bot.post("/posts", body)
    assert first.status == 503
    assert first.body["status_code"] == 503
    assert (await world.bot.post("/posts", body)).status == 503
    assert (await world.bot.post("/posts", body)).status == 201
    assert len(world.emulator.posts_in_channel(world.dm_id)) == 1
    world.emulator.faults.fail_next(1, status=500)
    assert (await world.bot.get("/users/me")).status == 500


async def test_delay(world: World) -> None:
    world.emulator.faults.delay(0.3)
    started = time.monotonic()
    assert (await world.bot.get("/users/me")).status == 200
    assert time.monotonic() - started >= 0.29  # the loop's clock may round a hair early
    world.emulator.faults.delay(0)


async def test_drop_websockets_closes_every_socket(world: World) -> None:
    sockets = [await world.bot.websocket(), await world.alice.websocket()]
    for socket in sockets:
        await socket.event("hello")
    assert world.emulator.live_websockets() == 2
    world.emulator.faults.drop_websockets()
    for socket in sockets:
        assert await socket.closed()
    assert world.emulator.live_websockets() == 0


async def test_the_contract_check_catches_a_bad_response(emulator: Emulator) -> None:
    """The harness is not vacuous: a response off the spec is reported."""
    emulator.requests.append(
        RecordedRequest(
            method="GET",
            path="/api/v4/users/me",
            query={},
            body=None,
            status=200,
            response={"id": "x", "create_at": "yesterday"},
            route="/api/v4/users/{user_id}",
            content_type="application/json",
        )
    )
    problems = contract_problems(emulator)
    assert len(problems) == 1
    assert "create_at" in problems[0]
    emulator.requests.clear()  # the planted record has served its purpose


async def test_module_entry_point_prints_the_url() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mm_sandbox",
        "--port",
        "0",
        "--bot",
        "calbot",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert line.startswith("Mattermost emulator: http://127.0.0.1:")
        url = line.split(": ", 1)[1].strip()
        bot_line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        token = bot_line.rsplit("token=", 1)[1].strip()
        async with aiohttp.ClientSession() as session:
            me: Any = await (
                await session.get(
                    url + "/api/v4/users/me", headers={"Authorization": f"Bearer {token}"}
                )
            ).json()
        assert me["username"] == "calbot"
    finally:
        process.terminate()
        await process.wait()
