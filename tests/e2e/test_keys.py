"""The encryption key at start: a key that decrypts nobody's password is a configuration
error (the bot refuses to start and changes nothing, instead of disconnecting everyone), and
the buttons posted before a key rotation keep working while the old key is listed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from calendar_bot.app import BotApp
from calendar_bot.clock import ManualClock
from calendar_bot.config import ConfigError
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.rotation import rotate_secrets
from calendar_bot.storage.tables import outbox
from calendar_bot.vault import Vault
from tests.e2e.harness import (
    World,
    drain_outbox,
    eventually,
    start_world,
    stop_world,
    stored_user,
    sync_and_deliver,
    wait_baseline,
)
from tests.support.servers import CalDAVServer

START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=60)
    yield w
    await stop_world(w)


async def start_with_key(world: World, key: str) -> BotApp:
    """Stop the running bot and start one on the same database with ENCRYPTION_KEY=`key`."""
    old = world.bot
    await old.stop()
    settings = old.settings.model_copy(update={"ENCRYPTION_KEY": SecretStr(key)})
    bot = BotApp(settings, Vault.from_setting(key), clock=old.clock)
    await bot.start()
    world.bot = bot
    return bot


async def test_a_key_that_decrypts_nobody_stops_the_start_and_changes_nothing(
    world: World,
) -> None:
    right_key = world.bot.settings.ENCRYPTION_KEY.get_secret_value()
    people = []
    for name in ("ann", "bob"):
        person, creds, _ = await world.person(name, locale="en")
        await world.connect(person, creds)
        await wait_baseline(world, person)
        people.append(person)
    await drain_outbox(world)
    async with transaction(world.bot.sessions) as store:
        rows_before = len((await store.session.execute(select(outbox.c.id))).all())

    running = world.bot
    await running.stop()
    wrong_key = Vault.generate_key()  # a valid Fernet key, just not this database's
    settings = running.settings.model_copy(update={"ENCRYPTION_KEY": SecretStr(wrong_key)})
    refused = BotApp(settings, Vault.from_setting(wrong_key), clock=running.clock)
    with pytest.raises(ConfigError, match="ENCRYPTION_KEY") as info:
        await refused.start()
    assert wrong_key not in str(info.value) and right_key not in str(info.value)

    # With the right key back, everybody is still connected and polls as before.
    bot = BotApp(running.settings, running.vault, clock=running.clock)
    await bot.start()
    world.bot = bot
    await eventually(bot.listener.is_healthy, what="the bot's WebSocket")
    for person in people:
        user = await stored_user(world, person)
        assert not user.needs_reconnect and not user.reconnect_notified
        outcome = await sync_and_deliver(world, person)
        assert outcome.ok and not outcome.needs_reconnect
    async with transaction(world.bot.sessions) as store:
        rows_after = len((await store.session.execute(select(outbox.c.id))).all())
    assert rows_after == rows_before  # no "reconnect" message was queued for anybody


async def test_buttons_from_before_a_key_rotation_still_work(world: World) -> None:
    old_key = world.bot.settings.ENCRYPTION_KEY.get_secret_value()
    ann, creds, _ = await world.person("ann", locale="en")
    await world.connect(ann, creds)  # a password stored with the old key
    await wait_baseline(world, ann)
    bob, bob_creds, _ = await world.person("bob", locale="en")
    await bob.say("hello")
    greeting = await bob.next_bot_post()  # its Connect button was signed with the old key

    new_key = Vault.generate_key()
    bot = await start_with_key(world, f"{new_key},{old_key}")
    await eventually(bot.listener.is_healthy, what="the bot's WebSocket")
    rotated, unreadable = await rotate_secrets(bot.sessions, bot.vault)
    assert (rotated, unreadable) == (1, 0)

    answer = await bob.click(greeting, "")
    assert "ephemeral_text" not in (answer or {})  # not "this button is no longer valid"
    await bob.submit_dialog(
        {"email": bob_creds.username, "password": bob_creds.password, "server": "mailru", "url": ""}
    )
    await bob.next_bot_post(bob_creds.username)
    outcome = await sync_and_deliver(world, ann)
    assert outcome.ok and not outcome.needs_reconnect
