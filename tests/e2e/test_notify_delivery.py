"""Delivery: a Mattermost that fails keeps the notifications queued, in order per user; they
go out, each once, with its post id recorded, when it recovers (retried with backoff)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.clock import ManualClock
from calendar_bot.i18n import t
from calendar_bot.storage.repositories import transaction
from tests.e2e.harness import (
    World,
    drain_outbox,
    eventually,
    full_text,
    start_world,
    stop_world,
    vcalendar,
    vevent,
    wait_baseline,
)
from tests.support.servers import CalDAVServer

MSK = ZoneInfo("Europe/Moscow")
START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


def msk(hour: int) -> datetime:
    return datetime(2026, 12, 1, hour, 0, tzinfo=MSK)


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600)
    yield w
    await stop_world(w)


async def test_a_failing_mattermost_delays_but_never_loses_or_repeats(world: World) -> None:
    gina, creds, calendar = await world.person("gina", locale="en")
    await world.connect(gina, creds)
    user = await wait_baseline(world, gina)
    await drain_outbox(world)
    await gina.skip_to_end()
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("a", "Alpha", msk(10), msk(11))), "a")
    put(creds, calendar, vcalendar(vevent("b", "Bravo", msk(12), msk(13))), "b")

    # Mattermost answers 503 to every post for a while: longer than the client's own retries.
    world.emulator.faults.fail_next(5, 503, "/api/v4/posts")
    await world.bot.sync.sync_user(user)
    world.bot.delivery.wakeup.set()

    async def rows() -> list[tuple[str, int, str | None, str | None]]:
        async with transaction(world.bot.sessions) as store:
            found = await store.outbox.list_for(gina.id)
        return [(r.status, r.attempts, r.last_error, r.post_id) for r in found]

    await eventually(
        lambda: _first_failed(rows()), within=30, what="the first delivery attempt to fail"
    )
    # Held back: the failed rows (Alpha and Bravo, due in one minute, tried as one post) wait
    # for their backoff; a newer notification that arrives meanwhile waits behind, untried.
    put(creds, calendar, vcalendar(vevent("c", "Charlie", msk(14), msk(15))), "c")
    await world.bot.sync.sync_user(user)
    assert await world.bot.delivery.run_once() == 0
    assert (await gina.bot_posts())[gina.seen :] == []
    pending = await rows()
    assert [status for status, *_ in pending] == ["pending"] * 3
    assert [attempts for _, attempts, *_ in pending][2] == 0  # never tried out of order

    clock = world.bot.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(seconds=30))  # past the backoff
    await drain_outbox(world)
    posts = (await gina.bot_posts())[gina.seen :]
    text = "\n".join(full_text(p) for p in posts)
    places = [text.index(t("en", "notify.new", title=title)) for title in ("Alpha", "Bravo")]
    places.append(text.index(t("en", "notify.new", title="Charlie")))
    assert places == sorted(places)  # in order
    for title in ("Alpha", "Bravo", "Charlie"):
        assert text.count(t("en", "notify.new", title=title)) == 1  # once each
    assert len(posts) == 1  # all three due in one minute: one post
    final = await rows()
    assert all(status == "sent" for status, *_ in final)
    assert {post_id for *_, post_id in final} == {posts[0]["id"]}


async def _first_failed(rows: object) -> bool:
    found = await rows  # type: ignore[misc]
    return bool(found) and found[0][1] >= 1 and found[0][2] is not None


async def test_an_invitation_gets_a_post_of_its_own_so_its_answer_replaces_only_it(
    world: World,
) -> None:
    gina, creds, calendar = await world.person("gina", locale="en")
    await world.connect(gina, creds)
    user = await wait_baseline(world, gina)
    await drain_outbox(world)
    await gina.skip_to_end()
    put = world.radicale.put_ics
    put(creds, calendar, vcalendar(vevent("a", "Alpha", msk(10), msk(11))), "a")
    put(creds, calendar, vcalendar(vevent("b", "Bravo", msk(12), msk(13))), "b")
    invited = vevent(
        "i",
        "Interview",
        msk(14),
        msk(15),
        organizer="boss@example.test",
        attendees=((creds.username, "NEEDS-ACTION"),),
    )
    put(creds, calendar, vcalendar(invited), "i")

    await world.bot.sync.sync_user(user)
    await drain_outbox(world)
    posts = (await gina.bot_posts())[gina.seen :]
    assert len(posts) == 2  # the two new meetings as one post, the invitation alone after it
    joined, invitation = posts
    assert "Alpha" in full_text(joined) and "Bravo" in full_text(joined)
    assert "Interview" not in full_text(joined)
    assert "Interview" in full_text(invitation)

    await gina.click(invitation, t("en", "rsvp.accept"))
    await gina.shown(t("en", "rsvp.done.accepted", title="", when="").partition("**")[0])
    after = {p["id"]: full_text(p) for p in await gina.bot_posts()}
    assert after[joined["id"]] == full_text(joined)  # the other notices are left as they were
    assert "Interview" in after[invitation["id"]]
