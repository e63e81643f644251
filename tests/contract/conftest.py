"""Fixtures for the contract suite: a bot, a user, their DM, and an integration endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from mm_sandbox import Emulator
from tests.contract.harness import Client, Integration
from tests.support.emulator import EmulatorFactory, assert_contract


@dataclass
class World:
    emulator: Emulator
    bot_id: str
    bot: Client
    alice_id: str
    alice: Client
    dm_id: str


@pytest.fixture
async def make_emulator(make_emulator: EmulatorFactory) -> AsyncIterator[EmulatorFactory]:
    """In this suite every emulator's whole traffic must match the spec, whatever the test."""
    started: list[Emulator] = []

    async def factory(**kwargs: Any) -> Emulator:
        emulator = await make_emulator(**kwargs)
        started.append(emulator)
        return emulator

    yield factory
    for emulator in started:
        assert_contract(emulator)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def world(emulator: Emulator, http: aiohttp.ClientSession) -> AsyncIterator[World]:
    """A bot and a user with a DM channel. Every exchange of the test must match the spec."""
    bot_user, bot_token = emulator.create_bot("calbot", "Calendar")
    alice = emulator.create_user("alice", timezone="Europe/Moscow")
    bot = Client(http, emulator.base_url, bot_token)
    created = await bot.post("/channels/direct", [bot_user["id"], alice["id"]])
    assert created.status == 201
    yield World(
        emulator,
        bot_user["id"],
        bot,
        alice["id"],
        Client(http, emulator.base_url, emulator.login_token(alice["id"])),
        created.body["id"],
    )
    assert_contract(emulator)


@pytest.fixture
async def integration() -> AsyncIterator[Integration]:
    endpoint = Integration()
    await endpoint.start()
    yield endpoint
    await endpoint.stop()
