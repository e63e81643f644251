"""A changed calendar that is not in the gateway's cache (after a restart, or evicted with
thousands of users) costs only what changed since the caller's snapshot: one sync-collection
REPORT and one multiget of the changed objects, nothing else fetched or parsed."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.domain.model import ExpansionScope, Occurrence, apply_delta, object_key
from calendar_bot.ports import CalendarFetch, Delta, Full, SyncResult
from tests.caldav.conftest import opened_gateway
from tests.caldav.samples import WINDOW, single, weekly_series
from tests.caldav.test_sync import TZ, Account, count_parses
from tests.support.servers import CalDAVServer, Proxy


def merged(previous: SyncResult, fetch: CalendarFetch) -> tuple[Occurrence, ...]:
    """What the caller stores: its snapshot of this calendar with the delta applied."""
    assert isinstance(fetch, Delta), fetch
    old = next(f for f in previous.calendars if f.calendar.href == fetch.calendar.href)
    assert isinstance(old, Full), old
    return apply_delta(old.occurrences, fetch.replaced, fetch.occurrences)


@pytest.fixture
async def restarted() -> AsyncIterator[CalDAVGateway]:
    """A second gateway: knows nothing, as after a restart."""
    async with opened_gateway() as gw:
        yield gw


async def test_changed_calendar_after_a_restart_costs_only_its_changes(
    caldav_server: CalDAVServer,
    gateway: CalDAVGateway,
    restarted: CalDAVGateway,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    hrefs = [
        caldav_server.put_ics(
            acct.creds, work, single(f"e{i}", f"Event {i}", f"2026120{i}T100000Z")
        )
        for i in range(1, 6)
    ]
    caldav_server.put_ics(acct.creds, work, weekly_series("series", acct.email))
    await acct.discover()
    before = await acct.poll()
    stored = list(acct.calendars)  # the tags that go with the snapshot `before`

    caldav_server.put_ics(  # moved
        acct.creds,
        work,
        single("e2", "Event 2 moved", "20261202T150000Z"),
        hrefs[1].rsplit("/", 1)[1],
    )
    caldav_server.delete(acct.creds, hrefs[3])  # deleted
    new = caldav_server.put_ics(acct.creds, work, single("e9", "Event 9", "20261209T100000Z"))
    # Fetch the principal and home first, so only the calendar's own requests are counted.
    await restarted.discover(acct.creds)
    parsed = count_parses(monkeypatch)
    result = await restarted.sync(
        acct.creds, stored, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
    )

    fetch = next(f for f in result.calendars if f.calendar.href == work)
    assert isinstance(fetch, Delta), fetch
    assert {object_key(h) for h in fetch.replaced} == {
        object_key(h) for h in (hrefs[1], hrefs[3], new)
    }
    assert sorted(o.title for o in fetch.occurrences) == ["Event 2 moved", "Event 9"]
    assert len(parsed) == 2  # the two changed objects, not the calendar's seven
    # home listing, sync-collection carrying the changed objects' data (Radicale; Xandikos
    # leaves the data out, so a multiget of them follows); and, once per server, a
    # sync-collection from a token no server can know (a server that answers it 207 gets
    # no delta: see traits.py)
    assert result.requests == (3 if caldav_server.kind == "radicale" else 4)
    # applied to the snapshot, it is exactly what a full fetch gives
    full = await gateway.sync(acct.creds, stored, ExpansionScope(WINDOW, acct.email, TZ))
    whole = next(f for f in full.calendars if f.calendar.href == work)
    assert merged(before, fetch) == whole.occurrences
    assert fetch.calendar.sync_token == whole.calendar.sync_token


async def polled_then_changed(server: CalDAVServer, gateway: CalDAVGateway) -> tuple[Account, str]:
    """An account whose "Work" calendar held A when polled, and holds A and B now."""
    acct = Account(server, gateway)
    work = server.make_calendar(acct.creds, "Work")
    server.put_ics(acct.creds, work, single("a", "A"))
    await acct.discover()
    await acct.poll()
    server.put_ics(acct.creds, work, single("b", "B", "20261202T100000Z"))
    return acct, work


async def test_a_refused_token_falls_back_to_the_whole_calendar(
    caldav_server: CalDAVServer, gateway: CalDAVGateway, restarted: CalDAVGateway
) -> None:
    acct, work = await polled_then_changed(caldav_server, gateway)
    bogus = [
        dataclasses.replace(c, sync_token=c.sync_token + "-not-a-token") if c.href == work else c
        for c in acct.calendars
    ]

    result = await restarted.sync(
        acct.creds, bogus, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
    )

    fetch = next(f for f in result.calendars if f.calendar.href == work)
    assert isinstance(fetch, Full)  # the whole calendar, not a delta
    assert [o.title for o in fetch.occurrences] == ["A", "B"]


async def test_without_the_callers_snapshot_there_is_no_delta(
    caldav_server: CalDAVServer, gateway: CalDAVGateway, restarted: CalDAVGateway
) -> None:
    acct, work = await polled_then_changed(caldav_server, gateway)

    result = await restarted.sync(
        acct.creds, acct.calendars, ExpansionScope(WINDOW, acct.email, TZ)
    )

    fetch = next(f for f in result.calendars if f.calendar.href == work)
    assert isinstance(fetch, Full) and [o.title for o in fetch.occurrences] == ["A", "B"]


async def test_unreadable_object_is_reported_broken_in_a_full_fetch_and_a_delta(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway, restarted: CalDAVGateway
) -> None:
    """Issue 22, item 2 at the adapter: an object whose event cannot be read is named in
    `broken` (the caller keeps its last version), never silently left out."""
    server, proxy = fault_proxy
    proxy.rewrite_report = lambda body: body.replace(b"DTSTART:20261203T100000Z", b"DTSTART:x")
    acct = Account(server, gateway)
    work = server.make_calendar(acct.creds, "Work")
    server.put_ics(acct.creds, work, single("a", "A"))
    bad = server.put_ics(acct.creds, work, single("b", "B", "20261203T100000Z"), "b")
    await acct.discover()
    full = await acct.poll()
    fetch = next(f for f in full.calendars if f.calendar.href == work)
    assert isinstance(fetch, Full | Delta) and [o.title for o in fetch.occurrences] == ["A"]
    assert {object_key(h) for h in fetch.broken} == {object_key(bad)}
    stored = list(acct.calendars)

    server.put_ics(acct.creds, work, single("b", "B again", "20261203T100000Z"), "b")
    await restarted.discover(acct.creds)
    result = await restarted.sync(
        acct.creds, stored, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
    )
    delta = next(f for f in result.calendars if f.calendar.href == work)
    assert isinstance(delta, Delta) and delta.occurrences == ()
    assert {object_key(h) for h in delta.broken} == {object_key(bad)}
