"""A password that stops working: one DM with a Reconnect button, polling paused for that
user (no requests, no error loop, no repeated message) until they reconnect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import Credentials
from calendar_bot.i18n import t
from tests.e2e.harness import (
    Person,
    World,
    buttons,
    connect_to_server,
    drain_outbox,
    full_text,
    start_world,
    stop_world,
    stored_user,
    sync_and_deliver,
    wait_baseline,
)
from tests.support.servers import CalDAVServer, Proxy

START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=60)
    yield w
    await stop_world(w)


def set_password(world: World, login: str, password: str) -> None:
    """Change a login's password on the running Radicale (it re-reads its htpasswd file)."""
    users = world.radicale.data_dir / "users"
    kept = [line for line in users.read_text().splitlines() if not line.startswith(f"{login}:")]
    users.write_text("".join(f"{line}\n" for line in [*kept, f"{login}:{password}"]))


async def reconnect_posts(person: Person) -> list[str]:
    marker = t("en", "reconnect.button")
    return [full_text(p) for p in await person.bot_posts() if marker in str(buttons(p))]


async def polls_after(world: World, minutes: int) -> int:
    """Let `minutes` pass, one poll cycle each (what the poll loop does): users polled."""
    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    polled = 0
    for _ in range(minutes):
        clock.advance(timedelta(minutes=1))
        polled += await world.bot.sync.poll_due()
        await drain_outbox(world)
    return polled


async def test_broken_password_one_message_and_polling_paused(world: World, proxy: Proxy) -> None:
    frank, creds, _calendar = await world.person("frank", locale="en")
    await connect_to_server(frank, creds, proxy.url)
    await wait_baseline(world, frank)
    await drain_outbox(world)
    await frank.skip_to_end()
    before = len(proxy.hits)
    await polls_after(world, 2)
    assert len(proxy.hits) > before  # polled while the password works

    set_password(world, creds.username, "changed-elsewhere")
    outcome = await sync_and_deliver(world, frank)
    assert outcome.needs_reconnect
    [message] = await reconnect_posts(frank)
    assert creds.username in message
    user = await stored_user(world, frank)
    assert user.needs_reconnect and user.reconnect_notified

    # Paused: an hour of poll cycles neither polls this user nor says anything again.
    hits = len(proxy.hits)
    assert await polls_after(world, 60) == 0
    outcome = await sync_and_deliver(world, frank)  # even a direct sync does not hammer
    assert outcome.needs_reconnect
    assert len(proxy.hits) == hits
    assert len(await reconnect_posts(frank)) == 1

    # Reconnect with the new password: polling resumes.
    set_password(world, creds.username, "the-new-one")
    post = (await frank.bot_posts())[-1]
    assert t("en", "reconnect.button") in str(buttons(post))
    await frank.click(post, t("en", "reconnect.button"))
    renewed = Credentials(creds.base_url, creds.username, "the-new-one")
    await frank.submit_dialog(
        {
            "email": renewed.username,
            "password": renewed.password,
            "server": "other",
            "url": proxy.url,
        }
    )
    await frank.next_bot_post(creds.username)
    user = await stored_user(world, frank)
    assert not user.needs_reconnect and not user.reconnect_notified
    await polls_after(world, 2)
    assert len(proxy.hits) > hits

    # A second breakage later is a new incident: one new message, again only one.
    set_password(world, creds.username, "broken-again")
    assert (await sync_and_deliver(world, frank)).needs_reconnect
    await polls_after(world, 5)
    assert len(await reconnect_posts(frank)) == 2
