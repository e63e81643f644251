"""Cheap change detection and fetching against real servers, with counted requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from calendar_bot.caldav import CalDAVGateway, clients, expansion, fetch, ical
from calendar_bot.caldav.http import HttpResult
from calendar_bot.domain.model import (
    CalendarRef,
    Credentials,
    EventStatus,
    ExpansionScope,
    Occurrence,
    TimeWindow,
)
from calendar_bot.ports import CalendarFetch, Delta, Failed, Full, Gone, SyncResult
from tests.caldav.samples import WINDOW, single, weekly_series
from tests.support.servers import CalDAVServer, Proxy

TZ = "Europe/Moscow"


class Account:
    def __init__(self, server: CalDAVServer, gateway: CalDAVGateway) -> None:
        self.server = server
        self.gateway = gateway
        self.creds: Credentials = server.new_user()
        self.email = server.email_of(self.creds)
        self.calendars: list[CalendarRef] = []

    async def discover(self) -> None:
        _, self.calendars = await self.gateway.discover(self.creds)

    async def poll(self, window: TimeWindow = WINDOW) -> SyncResult:
        result = await self.gateway.sync(
            self.creds, self.calendars, ExpansionScope(window, self.email, TZ)
        )
        self.calendars = [f.calendar for f in result.calendars]
        return result


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every calendar object the fetcher parses (by label) from now on."""
    parsed: list[str] = []
    real_parse = ical.parse_object

    def counting(text: str, label: str = "") -> ical.ParsedObject:
        parsed.append(label)
        return real_parse(text, label)

    monkeypatch.setattr(fetch, "parse_object", counting)
    return parsed


def occurrences(result: SyncResult, href: str) -> tuple[Occurrence, ...]:
    fetch_ = next(f for f in result.calendars if f.calendar.href == href)
    assert isinstance(fetch_, Full | Delta), fetch_
    return fetch_.occurrences


def titles(result: SyncResult, href: str) -> list[str]:
    return [o.title for o in occurrences(result, href)]


def is_unchanged(fetch_: CalendarFetch) -> bool:
    """A whole fetch whose change check saw nothing new since the caller's tags."""
    return isinstance(fetch_, Full) and fetch_.unchanged


async def test_unchanged_poll_costs_exactly_one_request(
    caldav_server: CalDAVServer, gateway: CalDAVGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    home = caldav_server.make_calendar(acct.creds, "Home")
    caldav_server.put_ics(acct.creds, work, single("w1", "Standup"))
    caldav_server.put_ics(acct.creds, home, single("h1", "Dentist", "20261203T070000Z"))
    await acct.discover()
    first = await acct.poll()
    assert first.complete and first.requests > 1

    parsed = count_parses(monkeypatch)
    second = await acct.poll()

    assert second.requests == 1
    assert second.complete
    assert all(is_unchanged(f) for f in second.calendars)
    assert parsed == []  # nothing re-parsed
    assert titles(second, work) == ["Standup"] and titles(second, home) == ["Dentist"]
    assert [f.occurrences for f in second.calendars] == [f.occurrences for f in first.calendars]


async def test_an_unchanged_home_listing_is_not_read_again(
    caldav_server: CalDAVServer, gateway: CalDAVGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    await acct.discover()
    await acct.poll()
    reads: list[int] = []
    real = clients.read_home_listing

    def counting(result: HttpResult) -> list[CalendarRef]:
        reads.append(len(result.body))
        return real(result)

    monkeypatch.setattr(clients, "read_home_listing", counting)
    again = await acct.poll()
    assert reads == [] and again.complete and all(f.unchanged for f in again.calendars)

    caldav_server.put_ics(acct.creds, work, single("w2", "New one"))  # new ctag / sync-token
    changed = await acct.poll()
    assert len(reads) == 1
    assert changed.complete and titles(changed, work) == ["New one"]


async def test_changed_event_is_picked_up_and_only_it_is_parsed(
    caldav_server: CalDAVServer, gateway: CalDAVGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    other = caldav_server.make_calendar(acct.creds, "Other")
    hrefs = [
        caldav_server.put_ics(
            acct.creds, work, single(f"e{i}", f"Event {i}", f"2026120{i}T100000Z")
        )
        for i in range(1, 6)
    ]
    await acct.discover()
    await acct.poll()

    caldav_server.put_ics(
        acct.creds,
        work,
        single("e3", "Event 3 moved", "20261203T140000Z"),
        hrefs[2].rsplit("/", 1)[1],
    )
    parsed = count_parses(monkeypatch)
    result = await acct.poll()

    assert result.complete
    by_href = {f.calendar.href: f for f in result.calendars}
    assert is_unchanged(by_href[other]) and not is_unchanged(by_href[work])
    moved = [o for o in by_href[work].occurrences if o.uid == "e3"]
    assert [(o.title, o.start) for o in moved] == [
        ("Event 3 moved", datetime(2026, 12, 3, 14, tzinfo=UTC))
    ]
    assert len(by_href[work].occurrences) == 5
    assert len(parsed) == 1 and parsed[0].endswith(hrefs[2].rsplit("/", 1)[1])
    # a changed calendar costs the listing, one change query and one multiget
    assert result.requests <= 4


async def test_deleted_event_disappears_on_a_complete_fetch(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    keep = caldav_server.put_ics(acct.creds, work, single("keep", "Keep"))
    gone = caldav_server.put_ics(acct.creds, work, single("gone", "Gone", "20261202T100000Z"))
    await acct.discover()
    assert sorted(titles(await acct.poll(), work)) == ["Gone", "Keep"]

    caldav_server.delete(acct.creds, gone)
    result = await acct.poll()

    assert result.complete
    assert titles(result, work) == ["Keep"]
    assert keep


async def test_new_event_after_a_refused_sync_token_falls_back_to_a_full_listing(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    caldav_server.put_ics(acct.creds, work, single("a", "A"))
    await acct.discover()
    await acct.poll()
    # Radicale answers a bad token with 403, Xandikos with 412: both must end in a resync.
    for client in gateway.clients:
        for state in client.calendars.values():
            state.sync_token = "http://radicale.org/ns/sync/bogus" if state.sync_token else ""
    caldav_server.put_ics(acct.creds, work, single("b", "B", "20261202T100000Z"))
    result = await acct.poll()
    assert result.complete
    assert titles(result, work) == ["A", "B"]


async def test_moving_window_reexpands_with_one_multiget(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    caldav_server.put_ics(
        acct.creds,
        work,
        single("daily", "Daily", "20261130T080000Z", "RRULE:FREQ=DAILY;COUNT=30"),
    )
    await acct.discover()
    first = await acct.poll()
    assert len(titles(first, work)) == 13  # Nov 30 .. Dec 12 inside Nov 29 .. Dec 13

    later = TimeWindow(WINDOW.start + timedelta(days=2), WINDOW.end + timedelta(days=2))
    moved = await acct.poll(later)

    # Parsed objects are not kept (memory): the home listing, then one multiget to re-parse.
    assert moved.requests == 2 and moved.complete
    occ = occurrences(moved, work)
    assert len(occ) == 14  # Dec 1 .. Dec 14
    assert occ[0].start == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert occ[-1].start == datetime(2026, 12, 14, 8, tzinfo=UTC)
    assert {o.recurrence_id for o in occ} >= {"20261214T080000Z"}


async def test_cancelled_and_moved_instances_of_a_series(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    href = caldav_server.put_ics(acct.creds, work, weekly_series("series-1", acct.email.upper()))
    await acct.discover()
    window = TimeWindow(datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 12, 28, tzinfo=UTC))
    result = await acct.poll(window)

    occ = occurrences(result, work)
    assert [(o.recurrence_id, o.start.isoformat(), o.status) for o in occ] == [
        ("20261130T100000Z", "2026-11-30T10:00:00+00:00", EventStatus.CONFIRMED),
        ("20261207T100000Z", "2026-12-07T15:00:00+00:00", EventStatus.CONFIRMED),
        ("20261214T100000Z", "2026-12-14T10:00:00+00:00", EventStatus.CANCELLED),
    ]  # Dec 21 is an EXDATE
    first = occ[0]
    assert first.recurring and first.event_href == href
    assert first.alarm_minutes == (10,)
    assert first.organizer is not None and first.organizer.email == "boss@example.test"
    assert first.my_partstat is not None and first.my_partstat.value == "NEEDS-ACTION"
    assert not first.i_am_organizer
    assert {a.email for a in first.attendees} == {acct.email.lower(), "other@example.test"}
    assert occ[1].title == "Weekly sync (moved)"


async def test_calendar_removed_from_home_is_reported_gone(
    caldav_server: CalDAVServer, gateway: CalDAVGateway
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    keep = caldav_server.make_calendar(acct.creds, "Keep")
    caldav_server.put_ics(acct.creds, work, single("a", "A"))
    await acct.discover()
    await acct.poll()

    caldav_server.delete(acct.creds, work)
    result = await acct.poll()

    by_href = {f.calendar.href: f for f in result.calendars}
    assert isinstance(by_href[work], Gone)
    assert not isinstance(by_href[keep], Gone | Failed)


async def test_server_without_sync_tokens_uses_etag_listings(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    proxy.hide_sync = True
    acct = Account(server, gateway)
    work = server.make_calendar(acct.creds, "Work")
    first_href = server.put_ics(acct.creds, work, single("a", "A"))
    await acct.discover()
    assert all(c.sync_token == "" and c.ctag for c in acct.calendars)
    await acct.poll()

    unchanged = await acct.poll()
    assert unchanged.requests == 1 and all(is_unchanged(f) for f in unchanged.calendars)

    server.put_ics(acct.creds, work, single("b", "B", "20261202T100000Z"))
    server.delete(acct.creds, first_href)
    proxy.hits.clear()
    changed = await acct.poll()

    assert changed.complete
    assert titles(changed, work) == ["B"]
    reports = [p for m, p in proxy.hits if m == "REPORT"]
    assert len(reports) == 2  # an etag listing and a multiget of the one new object


async def test_server_refusing_sync_collection_is_not_asked_forever(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    proxy.refuse_sync = True  # tokens are listed, but sync-collection is refused
    acct = Account(server, gateway)
    work = server.make_calendar(acct.creds, "Work")
    server.put_ics(acct.creds, work, single("a", "A"))
    await acct.discover()
    await acct.poll()

    costs = []
    for n in range(3):
        server.put_ics(acct.creds, work, single(f"n{n}", f"N{n}", f"2026120{n + 2}T100000Z"))
        result = await acct.poll()
        assert result.complete
        assert titles(result, work) == ["A"] + [f"N{i}" for i in range(n + 1)]
        costs.append(result.requests)
    # listing + refused sync + etag listing + multiget, twice; then the sync is skipped
    assert costs == [4, 4, 3]


async def test_window_moving_by_minutes_reuses_the_expansion(
    caldav_server: CalDAVServer, gateway: CalDAVGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    caldav_server.put_ics(acct.creds, work, single("early", "Early", "20261201T060000Z"))
    caldav_server.put_ics(acct.creds, work, single("later", "Later", "20261201T090000Z"))
    await acct.discover()
    start = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    await acct.poll(TimeWindow(start, start + timedelta(days=7)))

    expansions: list[str] = []
    real_expand = expansion.expand

    def counting(parsed: ical.ParsedObject, scope: ExpansionScope, **kw: Any) -> list[Occurrence]:
        expansions.append(kw["event_href"])
        return real_expand(parsed, scope, **kw)

    monkeypatch.setattr(fetch, "expand", counting)
    # two hours later "Early" (06:00-07:00) has ended and drops out of the window
    later = await acct.poll(
        TimeWindow(start + timedelta(hours=2, minutes=1), start + timedelta(days=7))
    )

    assert later.requests == 1 and expansions == []
    assert titles(later, work) == ["Later"]
