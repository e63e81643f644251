"""One user's poll has a total deadline: a server trickling its answer a byte at a time (never
idle long enough for a read timeout) costs that user an incomplete poll after the deadline,
and nobody else anything. The trickle comes from a real proxy in front of a real server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from calendar_bot.caldav import CalDAVGateway, fetch
from calendar_bot.domain.model import ExpansionScope
from calendar_bot.ports import Failed, Full
from tests.caldav.conftest import opened_gateway
from tests.caldav.samples import WINDOW, single
from tests.support.servers import CalDAVServer, Fault, Proxy

TZ = "Europe/Moscow"
DEADLINE = 3.0


@pytest.fixture
async def gateway() -> AsyncIterator[CalDAVGateway]:
    # a read timeout (5 s) longer than the trickle's pauses (2 s): only the deadline can end it
    async with opened_gateway(timeout=5.0, poll_deadline=DEADLINE) as gw:
        yield gw


async def test_a_trickling_server_costs_its_user_the_deadline_and_nobody_else(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    slow, fast = server.new_user("slow"), server.new_user("fast")
    for creds, title in ((slow, "Slow one"), (fast, "Fast one")):
        calendar = server.make_calendar(creds, "Work")
        server.put_ics(creds, calendar, single(f"uid-{title[:4]}", title))
    _, slow_calendars = await gateway.discover(slow)
    _, fast_calendars = await gateway.discover(fast)
    proxy.trickle_seconds = 2.0
    proxy.fault(urlsplit(server.home_url(slow)).path, Fault.TRICKLE)

    async def timed(coro):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        result = await coro
        return result, time.monotonic() - started

    (slow_result, slow_took), (fast_result, fast_took) = await asyncio.gather(
        timed(
            gateway.sync(slow, slow_calendars, ExpansionScope(WINDOW, server.email_of(slow), TZ))
        ),
        timed(
            gateway.sync(fast, fast_calendars, ExpansionScope(WINDOW, server.email_of(fast), TZ))
        ),
    )

    assert fast_result.complete
    assert [o.title for f in fast_result.calendars for o in f.occurrences] == ["Fast one"]
    assert fast_took < DEADLINE
    assert slow_took < DEADLINE + 2.0  # not the many minutes the trickle would take
    assert slow_result.calendars
    assert all(isinstance(f, Failed) and "timeout" in f.error for f in slow_result.calendars)

    # The deadline is per poll: once the server answers normally, the next poll is complete.
    proxy.clear()
    again = await gateway.sync(
        slow, slow_calendars, ExpansionScope(WINDOW, server.email_of(slow), TZ)
    )
    assert again.complete
    assert [o.title for f in again.calendars for o in f.occurrences] == ["Slow one"]


async def test_a_large_calendar_on_a_slow_server_gets_there_in_steps(
    fault_proxy: tuple[CalDAVServer, Proxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    """More objects than one poll's deadline can fetch: each poll keeps the batches it got,
    so the next one fetches only the rest, instead of starting over for ever."""
    server, proxy = fault_proxy
    monkeypatch.setattr(fetch, "MULTIGET_BATCH", 2)
    creds = server.new_user()
    calendar = server.make_calendar(creds, "Work")
    titles = [f"Meeting {n}" for n in range(4)]  # two multiget batches
    for n, title in enumerate(titles):
        server.put_ics(creds, calendar, single(f"m{n}", title, f"202612{n + 1:02d}T100000Z"))
    # every request takes 1 s; a poll's deadline fits the listing, the etag listing and one
    # multiget (3 s), never two (4 s)
    proxy.slow_seconds = 1.0
    async with opened_gateway(timeout=5.0, poll_deadline=3.8) as gateway:
        _, calendars = await gateway.discover(creds)
        proxy.fault(urlsplit(server.home_url(creds)).path, Fault.SLOW)
        outcomes = []
        for _ in range(4):
            result = await gateway.sync(
                creds, calendars, ExpansionScope(WINDOW, server.email_of(creds), TZ)
            )
            [got] = [f for f in result.calendars if f.calendar.href == calendar]
            outcomes.append(isinstance(got, Full))
            if isinstance(got, Full):
                break
            calendars = [f.calendar for f in result.calendars]
    assert outcomes[0] is False  # one poll cannot fetch it all
    assert outcomes[-1] is True, outcomes
    assert sorted(o.title for o in got.occurrences) == titles
