"""What keeps the gateway small with many users: answers from the caller's snapshot, a
bounded object cache, one connection pool per server without cookies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.domain.model import ExpansionScope, TimeWindow
from calendar_bot.ports import AtStoredTags, Delta, Full
from tests.caldav.conftest import opened_gateway
from tests.caldav.samples import WINDOW, single
from tests.caldav.test_delta import merged
from tests.caldav.test_sync import TZ, Account, is_unchanged, titles
from tests.support.servers import CalDAVServer


@pytest.fixture
async def small_gateway() -> AsyncIterator[CalDAVGateway]:
    async with opened_gateway(cached_calendars=1) as gw:
        yield gw


async def test_unchanged_calendar_in_the_callers_snapshot_is_not_expanded(
    caldav_server: CalDAVServer, small_gateway: CalDAVGateway
) -> None:
    acct = Account(caldav_server, small_gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    caldav_server.put_ics(acct.creds, work, single("w1", "Standup"))
    await acct.discover()
    first = await acct.poll()
    assert titles(first, work) == ["Standup"]

    same = await small_gateway.sync(
        acct.creds, acct.calendars, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
    )
    assert same.requests == 1 and same.complete
    for fetch in same.calendars:  # Xandikos adds a default calendar of its own
        assert isinstance(fetch, AtStoredTags)

    # another window than the snapshot's: expanded again
    later = TimeWindow(WINDOW.start + timedelta(days=1), WINDOW.end + timedelta(days=1))
    moved = await small_gateway.sync(
        acct.creds, acct.calendars, ExpansionScope(later, acct.email, TZ), snapshot_window=WINDOW
    )
    assert moved.complete and all(isinstance(f, Full | Delta) for f in moved.calendars)
    assert titles(moved, work) == ["Standup"]

    # changed tags: fetched and expanded
    caldav_server.put_ics(acct.creds, work, single("w2", "Review", "20261202T100000Z"))
    changed = await small_gateway.sync(
        acct.creds, acct.calendars, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
    )
    assert changed.complete
    fetch = next(f for f in changed.calendars if f.calendar.href == work)
    assert isinstance(fetch, Full | Delta) and not is_unchanged(fetch)
    # Xandikos's extra calendar evicted this one from the one-calendar cache: then only
    # what changed since the snapshot comes back (a delta, see test_delta.py)
    got = merged(first, fetch) if isinstance(fetch, Delta) else fetch.occurrences
    assert [o.title for o in got] == ["Standup", "Review"]


async def test_a_calendar_whose_cache_was_dropped_is_fetched_whole_and_right(
    caldav_server: CalDAVServer, small_gateway: CalDAVGateway
) -> None:
    one, two = Account(caldav_server, small_gateway), Account(caldav_server, small_gateway)
    cal_one = caldav_server.make_calendar(one.creds, "Work")
    cal_two = caldav_server.make_calendar(two.creds, "Work")
    caldav_server.put_ics(one.creds, cal_one, single("a", "A"))
    caldav_server.put_ics(two.creds, cal_two, single("b", "B"))
    for acct in (one, two):
        await acct.discover()
        await acct.poll()  # the second poll evicts the first user's cache (bound: 1)
    caldav_server.put_ics(one.creds, cal_one, single("c", "C", "20261202T100000Z"))
    again = await one.poll()
    assert again.complete
    assert titles(again, cal_one) == ["A", "C"]


async def test_users_of_one_server_share_a_pool_and_no_cookies(
    caldav_server: CalDAVServer, small_gateway: CalDAVGateway
) -> None:
    one, two = Account(caldav_server, small_gateway), Account(caldav_server, small_gateway)
    for acct in (one, two):
        caldav_server.make_calendar(acct.creds, "Work")
        await acct.discover()
    transports = {id(c.session._transport.client()) for c in small_gateway.clients}
    assert len(transports) == 1
    shared = next(iter(small_gateway.clients)).session._transport
    assert shared._session is None  # Basic only: aiohttp (and its cookie jar) never made
    # each user still reads only their own home, with their own login
    assert all(ref.href.startswith(caldav_server.home_url(one.creds)) for ref in one.calendars)
    assert all(ref.href.startswith(caldav_server.home_url(two.creds)) for ref in two.calendars)


async def test_a_cookie_set_for_one_user_is_never_sent_for_another() -> None:
    from aiohttp import web

    from calendar_bot.caldav.http import DavSession, Transport
    from tests.support.servers import free_port

    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie", ""))
        response = web.Response(status=207, text="<multistatus xmlns='DAV:'/>")
        response.set_cookie("session", "belongs-to-the-first-user")
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    transport = Transport(2, 5)
    try:
        first = DavSession("first", "pw1", transport)
        second = DavSession("second", "pw2", transport)
        url = f"http://127.0.0.1:{port}/x/"
        assert (await first.request("PROPFIND", url)).status == 207
        assert (await second.request("PROPFIND", url)).status == 207
    finally:
        await transport.close()
        await runner.cleanup()
    assert seen == ["", ""]
