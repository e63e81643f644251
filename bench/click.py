"""Interactive latency: a button click to the bot's reply, with a real Radicale behind.

    python -m bench.click [--rounds 20]

The whole bot (tests/e2e/harness: BotApp, the emulator, Radicale) runs here; a person clicks
through the emulator's POST /posts/{id}/actions/{action_id}, exactly as a Mattermost client
does. Two clicks are timed per round:
- "open": a meeting picked in a list's menu -> the details post appears (no CalDAV: the
  details come from the stored snapshot);
- "rsvp": Accept / Decline on the details -> the post is updated with the answer (the bot
  reads the event from Radicale and writes it back).
Time inside the CalDAV gateway is measured around each of its calls. Prints JSON last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from tests.e2e.harness import Person, Post, World, full_text, stop_world
from tests.e2e.journeys import (
    TOMORROW,
    at,
    event_ics,
    open_option,
    refetch,
    start_fixed_world,
)
from tests.support.servers import run_radicale

from calendar_bot.i18n import t

T = TypeVar("T")


async def wait_for(probe: Callable[[], Awaitable[T | None]], within: float = 20.0) -> T:
    deadline = time.monotonic() + within
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError("no reply in time")
        await asyncio.sleep(0.002)


def instrument(world: World) -> list[tuple[float, float]]:
    """(start, end) of every CalDAV gateway call from now on."""
    spans: list[tuple[float, float]] = []
    gateway = world.bot.gateway
    real = gateway.clients.run

    async def timed(credentials: Any, work: Any) -> Any:
        started = time.perf_counter()
        try:
            return await real(credentials, work)
        finally:
            spans.append((started, time.perf_counter()))

    gateway.clients.run = timed  # type: ignore[method-assign]
    return spans


def caldav_within(spans: list[tuple[float, float]], start: float, end: float) -> float:
    return sum(min(e, end) - max(s, start) for s, e in spans if e > start and s < end)


async def new_post(person: Person, contains: str) -> Post:
    async def probe() -> Post | None:
        fresh = (await person.bot_posts())[person.seen :]
        for index, post in enumerate(fresh):
            if contains in full_text(post):
                person.seen += index + 1
                return post
        return None

    return await wait_for(probe)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def run(rounds: int) -> dict[str, Any]:
    with run_radicale() as radicale:
        tmp = Path(tempfile.mkdtemp(prefix="bench-click-"))
        world = await start_fixed_world(radicale, tmp)
        try:
            person, creds, calendar = await world.person("clicker", locale="en")
            radicale.put_ics(
                creds,
                calendar,
                event_ics(
                    "Design review",
                    at(TOMORROW, 10),
                    at(TOMORROW, 11),
                    uid="bench-click-1",
                    organizer="boss@example.test",
                    attendees=((creds.username, "NEEDS-ACTION"), ("ann@example.test", "ACCEPTED")),
                    location="Room 4",
                ),
                name="bench-click-1",
            )
            await world.connect(person, creds)
            spans = instrument(world)
            opens: list[float] = []
            rsvps: list[float] = []
            rsvp_caldav: list[float] = []
            beyond: list[float] = []
            answers = ("rsvp.accept", "rsvp.decline")
            for r in range(rounds):
                await person.say("tomorrow")
                listing = await new_post(person, t("en", "table.time"))
                started = time.perf_counter()
                await open_option(person, listing, "Design review")
                details = await new_post(person, t("en", "details.title", title="Design review"))
                opens.append(time.perf_counter() - started)

                label = t("en", answers[r % 2])
                before = details["message"]
                started = time.perf_counter()
                await person.click(details, label)

                async def updated(post: Post = details, old: str = before) -> Post | None:
                    fresh = await refetch(person, post)
                    return fresh if fresh["message"] != old else None

                await wait_for(updated)
                ended = time.perf_counter()
                rsvps.append(ended - started)
                in_caldav = caldav_within(spans, started, ended)
                rsvp_caldav.append(in_caldav)
                beyond.append(ended - started - in_caldav)
        finally:
            await stop_world(world)
    ms = 1000.0
    return {
        "rounds": rounds,
        "open_p50_ms": round(_pct(opens, 0.5) * ms, 1),
        "open_p95_ms": round(_pct(opens, 0.95) * ms, 1),
        "rsvp_p50_ms": round(_pct(rsvps, 0.5) * ms, 1),
        "rsvp_p95_ms": round(_pct(rsvps, 0.95) * ms, 1),
        "rsvp_caldav_p50_ms": round(_pct(rsvp_caldav, 0.5) * ms, 1),
        "rsvp_caldav_p95_ms": round(_pct(rsvp_caldav, 0.95) * ms, 1),
        "rsvp_beyond_caldav_p95_ms": round(_pct(beyond, 0.95) * ms, 1),
        "rsvp_caldav_share": round(sum(rsvp_caldav) / max(sum(rsvps), 1e-9), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rounds))), flush=True)


if __name__ == "__main__":
    main()
