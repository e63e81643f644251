"""The Mattermost emulator as a pytest fixture, and the contract check for what it recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from mm_sandbox import Emulator
from tests.support.openapi import exchange_problems

EmulatorFactory = Callable[..., Awaitable[Emulator]]


def contract_problems(emulator: Emulator) -> list[str]:
    """Every spec problem in the emulator's recorded traffic, plus what a real server would
    only have logged (such as an invalid dialog)."""
    problems: list[str] = []
    for recorded in emulator.requests:
        if recorded.status == 404 and not recorded.route:
            continue  # an unknown path: nothing in the spec to compare with
        problems.extend(exchange_problems(recorded))
    problems.extend(emulator.problems)
    return problems


def assert_contract(emulator: Emulator) -> None:
    """Fail if any request or response of this test broke the OpenAPI contract."""
    problems = contract_problems(emulator)
    assert not problems, "contract violations:\n" + "\n".join(problems)


@pytest.fixture
async def make_emulator() -> AsyncIterator[EmulatorFactory]:
    """Start emulators with custom settings (rate_limit=, now=, ws_auth_timeout=, ...)."""
    started: list[Emulator] = []

    async def factory(**kwargs: Any) -> Emulator:
        emulator = Emulator(**kwargs)
        await emulator.start()
        started.append(emulator)
        return emulator

    yield factory
    for emulator in started:
        await emulator.stop()


@pytest.fixture
async def emulator(make_emulator: EmulatorFactory) -> Emulator:
    """A fresh emulator on 127.0.0.1, stopped after the test; `emulator.base_url` is its URL."""
    return await make_emulator()
