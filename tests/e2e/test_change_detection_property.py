"""Property over the change-detection cache (issue 20): whatever happens to a calendar's objects
between two stored polls, the second stored poll brings the snapshot to what the server holds
and announces what changed, even when polls whose results were never stored (a poll overtaken
by the baseline or a reconnect, a failed transaction) ran in between and left the gateway's
cache ahead of the stored snapshot.

Random walks (seeded, so a failure replays) over real Radicale, the real bot, its store and
its gateway; the truth is a full fetch by a second gateway that shares nothing with the bot.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.clock import ManualClock
from calendar_bot.domain.model import Credentials, ExpansionScope, Occurrence
from calendar_bot.ports import Full
from calendar_bot.services.context import sync_window, window_phase
from calendar_bot.storage.repositories import transaction
from calendar_bot.storage.tables import outbox
from tests.caldav.conftest import opened_gateway
from tests.e2e.harness import (
    Person,
    World,
    start_world,
    stop_world,
    stored_user,
    sync_and_deliver,
    vcalendar,
    vevent,
)
from tests.support.servers import CalDAVServer

START = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
SEEDS = range(6)
STEPS = 12
POOL = 5  # events e0..e4 come and go in the person's calendar


@dataclass
class Walk:
    world: World
    person: Person
    credentials: Credentials
    calendar: str
    truth_gateway: CalDAVGateway
    rng: random.Random
    live: dict[str, tuple[datetime, str, str]]  # uid -> (start, title, status) on the server

    def put(self, uid: str, start: datetime, title: str, status: str = "") -> None:
        ics = vcalendar(vevent(uid, title, start, start + timedelta(minutes=30), status=status))
        self.world.radicale.put_ics(self.credentials, self.calendar, ics, uid)
        self.live[uid] = (start, title, status)

    def change(self) -> str:
        """One random change to the calendar's objects; says what it was."""
        uid = f"e{self.rng.randrange(POOL)}"
        start = START + timedelta(hours=self.rng.randrange(2, 24 * 6), minutes=15)
        if uid not in self.live:
            self.put(uid, start, f"Meeting {uid}")
            return f"add {uid}"
        old_start, title, status = self.live[uid]
        kind = self.rng.choice(["move", "retitle", "delete", "cancel"])
        if kind == "move":
            self.put(uid, start, title, status)
        elif kind == "retitle":
            self.put(uid, old_start, title + "!", status)
        elif kind == "cancel":
            self.put(uid, old_start, title, "" if status else "CANCELLED")
        else:
            self.world.radicale.delete(self.credentials, f"{self.calendar}{uid}.ics")
            del self.live[uid]
        return f"{kind} {uid}"

    async def lost_poll(self) -> None:
        """A poll of the bot's own gateway whose result is never stored."""
        user = await stored_user(self.world, self.person)
        async with transaction(self.world.bot.sessions) as store:
            known = await store.calendars.list_for(user.mm_user_id)
        window = sync_window(self.world.bot.clock.now(), window_phase(user.mm_user_id))
        await self.world.bot.gateway.sync(
            self.credentials,
            known,
            ExpansionScope(window, user.email, "Europe/Moscow"),
            snapshot_window=window,
        )

    async def stored(self) -> Shape:
        async with transaction(self.world.bot.sessions) as store:
            (ref,) = await store.calendars.list_for(self.person.id)
            rows = await store.snapshot.load_calendar(self.person.id, ref.href)
        return _shape(rows)

    async def truth(self) -> Shape:
        window = sync_window(self.world.bot.clock.now(), window_phase(self.person.id))
        result = await self.truth_gateway.sync(
            self.credentials, [], ExpansionScope(window, self.credentials.username, "Europe/Moscow")
        )
        (fetch,) = result.calendars  # the person's one calendar, listed as "added"
        assert isinstance(fetch, Full), fetch
        return _shape(fetch.occurrences)

    async def changes_enqueued(self) -> int:
        async with self.world.bot.sessions() as session:
            rows = await session.execute(
                outbox.select().where(
                    outbox.c.mm_user_id == self.person.id, outbox.c.kind == "change"
                )
            )
            return len(rows.all())


Shape = set[tuple[Any, ...]]


def _shape(occurrences: list[Occurrence] | tuple[Occurrence, ...]) -> Shape:
    return {(o.uid, o.recurrence_id, o.start, o.title, o.cancelled) for o in occurrences}


def _live(shape: Shape) -> Shape:
    """What a person is told about: meetings that are on (a cancelled one that is retitled,
    moved or deleted is not news)."""
    return {row for row in shape if not row[-1]}


@pytest.fixture
async def world(radicale: CalDAVServer, tmp_path: Path) -> AsyncIterator[World]:
    # Polls only when the test says so.
    w = await start_world(radicale, tmp_path, clock=ManualClock(START), CHECK_INTERVAL=3600)
    yield w
    await stop_world(w)


@pytest.mark.parametrize("seed", SEEDS)
async def test_every_change_between_two_polls_is_seen_by_the_second(
    world: World, seed: int
) -> None:
    person, credentials, calendar = await world.person("walker")
    await world.connect(person, credentials)
    assert (await stored_user(world, person)).baseline_done
    async with opened_gateway() as truth_gateway:
        walk = Walk(world, person, credentials, calendar, truth_gateway, random.Random(seed), {})
        history: list[str] = []
        for _ in range(STEPS):
            before = await walk.stored()
            enqueued = await walk.changes_enqueued()
            for _ in range(walk.rng.randrange(1, 3)):
                history.append(walk.change())
            if walk.rng.random() < 0.6:
                history.append("lost poll")
                await walk.lost_poll()
            assert isinstance(world.bot.clock, ManualClock)
            world.bot.clock.advance(timedelta(minutes=1))
            await sync_and_deliver(world, person)
            history.append("poll")
            after, truth = await walk.stored(), await walk.truth()
            assert after == truth, f"seed {seed}: the snapshot missed a change after {history}"
            if _live(after) != _live(before):
                assert await walk.changes_enqueued() > enqueued, (
                    f"seed {seed}: a change was stored but not announced after {history}"
                )
