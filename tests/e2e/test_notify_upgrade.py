"""An upgrade with notices still queued: outbox rows written by the release before typed
notices (tests/data/outbox) still go out after the upgrade, each once, as the message it
always made (tests/unit/test_notices.py shows they decode into the same notices)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.domain.zones import zone
from calendar_bot.records import OutboxItem
from calendar_bot.services.delivery import render_row
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import World, drain_outbox, full_text, start_world, stop_world, wait_baseline
from tests.support.servers import CalDAVServer

ROWS = Path(__file__).parents[1] / "data" / "outbox" / "rows_before_typed_notices.json"
START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600)
    yield w
    await stop_world(w)


async def test_rows_queued_before_the_upgrade_are_delivered_once_each(world: World) -> None:
    gina, creds, _calendar = await world.person("gina", locale="en")
    await world.connect(gina, creds)
    user = await wait_baseline(world, gina)
    await world.bot.delivery.run_once()
    await gina.skip_to_end()
    stored = json.loads(ROWS.read_text(encoding="utf-8"))["rows"]
    now = world.bot.clock.now()
    # One minute apart, oldest first: each row is a post of its own.
    items = [
        OutboxItem(
            mm_user_id=gina.id,
            idempotency_key=f"{row['key']}:{gina.id}",
            kind=row["kind"],
            payload=row["payload"],
            due_at=now - timedelta(minutes=len(stored) - index),
        )
        for index, row in enumerate(stored)
    ]
    async with transaction(world.bot.sessions) as store:
        assert await store.outbox.enqueue(items, now=now) == len(items)

    await drain_outbox(world)
    await drain_outbox(world)  # nothing left to post: nothing is posted twice

    async with transaction(world.bot.sessions) as store:
        keys = {item.idempotency_key for item in items}
        rows = [r for r in await store.outbox.list_for(gina.id) if r.idempotency_key in keys]
    assert [r.status for r in rows] == ["sent"] * len(items)
    posts = (await gina.bot_posts())[gina.seen :]
    assert len(posts) == len(items)
    assert zone(user.settings.timezone).key == "Europe/Moscow"
    for row, post in zip(rows, posts, strict=True):
        (message,) = render_row(row, user, now, "UTC")
        assert full_text(post).startswith(message.text)
        assert row.post_id == post["id"]
    headlines = "\n".join(full_text(p).splitlines()[0] for p in posts)
    for expected in ("**New meeting:** Review", "Weekly", "invited", "Meeting moved", "Soon"):
        assert expected in headlines
