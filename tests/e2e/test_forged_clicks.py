"""Forged button clicks and dialog submissions cost the bot nothing: they are refused before
any lookup (no GET /users/{id} through the shared Mattermost rate limit), answer 4xx (an
unknown user id too, never 500) and leave no traceback in the log."""

from __future__ import annotations

import asyncio
import logging
import secrets
import string

import aiohttp
import pytest

from calendar_bot.mattermost.signing import ContextSigner
from tests.e2e.harness import World

ALPHABET = string.ascii_lowercase + string.digits


def some_user_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(26))


def forged_bodies(known_user: str) -> list[tuple[str, dict[str, object]]]:
    guessed = ContextSigner("guessed-secret")
    bodies: list[tuple[str, dict[str, object]]] = []
    for i in range(60):
        user = known_user if i % 3 == 0 else some_user_id()
        context: object = (
            guessed.sign("menu.today", user)
            if i % 2
            else {"a": "menu.today", "u": user, "p": {}, "e": 1, "s": "x"}
        )
        bodies.append(("actions", {"user_id": user, "trigger_id": "x", "context": context}))
        bodies.append(
            (
                "dialogs",
                {
                    "type": "dialog_submission",
                    "callback_id": "connect.submit",
                    "state": guessed.sign_state("connect.submit", user),
                    "user_id": user,
                    "submission": {"email": "a@b.c", "password": "x"},
                },
            )
        )
    return bodies


async def test_forged_callbacks_are_refused_before_any_lookup(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    alice, _, _ = await world.person("alice")
    caplog.set_level(logging.INFO)
    before = len(world.emulator.requests)
    base = f"http://127.0.0.1:{world.bot.http_port}"

    async def send(http: aiohttp.ClientSession, path: str, body: dict[str, object]) -> int:
        async with http.post(f"{base}/{path}", json=body) as response:
            await response.read()
            return response.status

    async with aiohttp.ClientSession() as http:
        statuses = await asyncio.gather(
            *(send(http, path, body) for path, body in forged_bodies(alice.id))
        )
    assert set(statuses) == {403}
    lookups = [
        r.path for r in world.emulator.requests[before:] if r.path.startswith("/api/v4/users")
    ]
    assert lookups == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
