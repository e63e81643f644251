"""The six failures seen on servers the adapter had never met (issue 14), each reproduced by
a real server behind a quirk proxy that behaves as the documented server does."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.caldav.traits import FILTER_TRUSTED_AFTER
from calendar_bot.domain.model import ExpansionScope
from calendar_bot.ports import AuthFailed, Delta, Full, NotCalDAV
from tests.caldav.conftest import opened_gateway
from tests.caldav.samples import WINDOW, single, vcalendar, vevent
from tests.caldav.test_sync import TZ, Account, titles
from tests.support.quirks import Quirks, QuirkServer, quirk_server
from tests.support.servers import CalDAVServer, Fault, Proxy


@pytest.fixture
def digest_server(radicale: CalDAVServer) -> Iterator[QuirkServer]:
    with quirk_server(radicale, Quirks(digest={}), "digest") as server:
        yield server


async def test_a_digest_only_server_is_not_a_wrong_password(
    digest_server: QuirkServer, gateway: CalDAVGateway
) -> None:
    acct = Account(digest_server, gateway)
    work = digest_server.make_calendar(acct.creds, "Work")
    digest_server.put_ics(acct.creds, work, single("d1", "Over Digest"))

    await acct.discover()
    result = await acct.poll()

    assert result.complete
    assert titles(result, work) == ["Over Digest"]
    assert acct.calendars[0].href == work
    # a wrong password on that server is still a wrong password
    bad = dataclasses.replace(acct.creds, password=acct.creds.password + "x")
    async with opened_gateway() as fresh:
        with pytest.raises(AuthFailed):
            await fresh.discover(bad)


async def test_digest_costs_one_extra_round_trip_once_per_session(
    digest_server: QuirkServer, gateway: CalDAVGateway
) -> None:
    acct = Account(digest_server, gateway)
    digest_server.make_calendar(acct.creds, "Work")
    await acct.discover()
    await acct.poll()

    unchanged = await acct.poll()

    assert unchanged.requests == 1  # preemptive Digest: no 401 on every request


@pytest.fixture
def forbidding_root(radicale: CalDAVServer) -> Iterator[tuple[CalDAVServer, Proxy]]:
    """Radicale behind a proxy whose /davical/ answers 403 (as DAViCal's root does to an
    authenticated PROPFIND) and whose /.well-known/caldav works (Radicale's own)."""
    proxy = Proxy(radicale.base_url).start()
    proxy.fault("/davical/", Fault.FORBIDDEN)
    try:
        yield (
            CalDAVServer(
                "radicale", proxy.url, radicale.data_dir, radicale.add_login, radicale.home_path
            ),
            proxy,
        )
    finally:
        proxy.stop()


async def test_a_403_in_discovery_moves_on_to_well_known(
    forbidding_root: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = forbidding_root
    creds = server.new_user()
    cal = server.make_calendar(creds, "Work")

    _, calendars = await gateway.discover(
        dataclasses.replace(creds, base_url=server.base_url + "/davical/")
    )

    assert [c.href for c in calendars] == [cal]
    assert ("PROPFIND", "/.well-known/caldav") in proxy.hits


async def test_when_every_candidate_refuses_the_error_says_where_and_why(
    forbidding_root: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = forbidding_root
    creds = server.new_user()
    proxy.fault("/", Fault.FORBIDDEN)

    with pytest.raises(NotCalDAV) as info:
        await gateway.discover(dataclasses.replace(creds, base_url=server.base_url + "/davical/"))

    message = str(info.value)
    assert f"{server.base_url}/davical/ answered HTTP 403" in message
    assert f"{server.base_url}/.well-known/caldav answered HTTP 403" in message
    assert creds.password not in message


@pytest.fixture
def yandex(radicale: CalDAVServer) -> Iterator[QuirkServer]:
    with quirk_server(radicale, Quirks(sync_status=507, large=3), "yandex") as server:
        yield server


async def test_a_507_from_sync_collection_falls_back_to_a_full_fetch(
    yandex: QuirkServer, gateway: CalDAVGateway
) -> None:
    acct = Account(yandex, gateway)
    work = yandex.make_calendar(acct.creds, "Work")
    for i in range(1, 5):
        yandex.put_ics(acct.creds, work, single(f"y{i}", f"Event {i}", f"2026120{i}T100000Z"))
    await acct.discover()
    await acct.poll()
    stored = list(acct.calendars)
    yandex.put_ics(acct.creds, work, single("y9", "Event 9", "20261209T100000Z"))

    for _ in range(3):  # a restarted bot: the calendar is in no cache
        async with opened_gateway() as restarted:
            result = await restarted.sync(
                acct.creds, stored, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
            )
        assert result.complete
        assert titles(result, work)[-1] == "Event 9"
        assert ("REPORT", 507) in {(m, s) for m, _, s in yandex.quirks.hits}


async def test_after_a_507_the_calendar_is_listed_by_etags_not_synced_again(
    yandex: QuirkServer, gateway: CalDAVGateway
) -> None:
    acct = Account(yandex, gateway)
    work = yandex.make_calendar(acct.creds, "Work")
    for i in range(1, 5):
        yandex.put_ics(acct.creds, work, single(f"y{i}", f"Event {i}", f"2026120{i}T100000Z"))
    await acct.discover()
    await acct.poll()

    for n in range(3):
        yandex.put_ics(acct.creds, work, single(f"z{n}", f"New {n}", "20261209T100000Z"))
        result = await gateway.sync(
            acct.creds,
            acct.calendars,
            ExpansionScope(WINDOW, acct.email, TZ),
            snapshot_window=WINDOW,
        )
        assert result.complete and f"New {n}" in titles(result, work)
        acct.calendars = [f.calendar for f in result.calendars]

    refused = [h for h in yandex.quirks.hits if h[0] == "REPORT" and h[2] == 507]
    assert len(refused) == 1  # a full fetch that poll, etag listings afterwards


@pytest.fixture(params=["davical", "radicale-as-davical"])
def davical_like(request: pytest.FixtureRequest) -> Iterator[CalDAVServer]:
    """The real DAViCal, and Radicale behind a proxy with DAViCal's two shortcuts."""
    if request.param == "davical":
        yield request.getfixturevalue("davical")
        return
    radicale: CalDAVServer = request.getfixturevalue("radicale")
    quirks = Quirks(lenient_tokens=True, time_range_omits=True)
    with quirk_server(radicale, quirks, "davical") as server:
        yield server


async def test_a_207_to_a_token_without_tombstones_still_loses_the_deleted_meeting(
    davical_like: CalDAVServer, gateway: CalDAVGateway
) -> None:
    acct = Account(davical_like, gateway)
    work = davical_like.make_calendar(acct.creds, "Work")
    keep = davical_like.put_ics(acct.creds, work, single("k", "Keep"))
    gone = davical_like.put_ics(acct.creds, work, single("g", "Gone", "20261202T100000Z"))
    await acct.discover()
    first = await acct.poll()
    assert titles(first, work) == ["Keep", "Gone"]

    davical_like.delete(acct.creds, gone)
    davical_like.put_ics(acct.creds, work, single("k", "Keep (edited)"), keep.rsplit("/", 1)[1])
    second = await acct.poll()

    assert second.complete
    assert titles(second, work) == ["Keep (edited)"]


async def test_a_restarted_bot_also_loses_the_deleted_meeting(
    davical_like: CalDAVServer, gateway: CalDAVGateway
) -> None:
    acct = Account(davical_like, gateway)
    work = davical_like.make_calendar(acct.creds, "Work")
    davical_like.put_ics(acct.creds, work, single("k", "Keep"))
    gone = davical_like.put_ics(acct.creds, work, single("g", "Gone", "20261202T100000Z"))
    await acct.discover()
    await acct.poll()
    stored = list(acct.calendars)
    davical_like.delete(acct.creds, gone)

    async with opened_gateway() as restarted:
        result = await restarted.sync(
            acct.creds, stored, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
        )

    fetch = next(f for f in result.calendars if f.calendar.href == work)
    assert isinstance(fetch, Full | Delta), fetch
    if isinstance(fetch, Full):
        assert [o.title for o in fetch.occurrences] == ["Keep"]
    else:  # a delta must name the deleted object
        assert any(h.endswith(gone.rsplit("/", 1)[1]) for h in fetch.replaced)


async def test_a_token_the_server_never_issued_does_not_hide_a_deletion(
    davical_like: CalDAVServer, gateway: CalDAVGateway
) -> None:
    """As after a server restored from a backup: our stored token means nothing to it."""
    acct = Account(davical_like, gateway)
    work = davical_like.make_calendar(acct.creds, "Work")
    davical_like.put_ics(acct.creds, work, single("k", "Keep"))
    gone = davical_like.put_ics(acct.creds, work, single("g", "Gone", "20261202T100000Z"))
    await acct.discover()
    await acct.poll()
    stored = [dataclasses.replace(c, sync_token="data:,987654321") for c in acct.calendars]
    davical_like.delete(acct.creds, gone)

    async with opened_gateway() as restarted:
        result = await restarted.sync(
            acct.creds, stored, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
        )

    fetch = next(f for f in result.calendars if f.calendar.href == work)
    assert isinstance(fetch, Full | Delta), fetch
    if isinstance(fetch, Full):
        assert [o.title for o in fetch.occurrences] == ["Keep"]
    else:
        assert any(h.endswith(gone.rsplit("/", 1)[1]) for h in fetch.replaced)


def overridden_series() -> str:
    """Weekly from 2026-09-07 with RDATEs and a THISANDFUTURE override that moves every
    instance from 2026-10-05 on to 15:00Z: the shape DAViCal leaves out of time ranges."""
    return vcalendar(
        vevent(
            "rdate-series",
            "20260907T100000Z",
            "20260907T110000Z",
            "Planning",
            "RRULE:FREQ=WEEKLY;COUNT=30",
            "RDATE:20260909T100000Z,20260916T100000Z",
        ),
        vevent(
            "rdate-series",
            "20261005T150000Z",
            "20261005T160000Z",
            "Planning (afternoon)",
            "RECURRENCE-ID;RANGE=THISANDFUTURE:20261005T100000Z",
        ),
    )


async def test_an_event_the_time_range_filter_leaves_out_is_found_by_reconciliation(
    davical_like: CalDAVServer,
) -> None:
    clock = [datetime(2026, 11, 30, 9, tzinfo=UTC)]
    async with opened_gateway(now=lambda: clock[0]) as gateway:
        acct = Account(davical_like, gateway)
        work = davical_like.make_calendar(acct.creds, "Work")
        davical_like.put_ics(acct.creds, work, single("plain", "Plain"))
        davical_like.put_ics(acct.creds, work, overridden_series())
        await acct.discover()
        first = await acct.poll()
        assert titles(first, work) == ["Plain"]  # what the server's filter answered

        clock[0] += timedelta(hours=2)  # a calendar is reconciled at least once an hour
        second = await acct.poll()
        third = await acct.poll()

    assert second.complete
    got = titles(second, work)
    assert "Plain" in got
    assert got.count("Planning") + got.count("Planning (afternoon)") == 2  # Nov 30, Dec 7
    assert titles(third, work) == got  # kept: not found anew on every poll
    assert third.requests == 1
    assert gateway.servers.of(work).time_range_filter is False


# ---- fallbacks for the fast paths, learnt once per server -----------------------------------


@pytest.fixture
def mailru(radicale: CalDAVServer) -> Iterator[QuirkServer]:
    with quirk_server(radicale, Quirks(mailru=True), "mailru") as server:
        yield server


async def test_mailru_is_read_the_way_the_original_bot_read_it_and_learnt_once(
    mailru: QuirkServer, gateway: CalDAVGateway
) -> None:
    acct = Account(mailru, gateway)
    work = mailru.make_calendar(acct.creds, "Work")
    mailru.put_ics(acct.creds, work, single("m1", "On Mail.ru"))
    await acct.discover()
    first = await acct.poll()
    assert first.complete and titles(first, work) == ["On Mail.ru"]
    traits = gateway.servers.of(work)
    assert traits.etag_listing is False and traits.data_query

    other = Account(mailru, gateway)  # another user of the same server
    cal = mailru.make_calendar(other.creds, "Work")
    mailru.put_ics(other.creds, cal, single("m2", "Also Mail.ru"))
    await other.discover()
    seen = len(mailru.quirks.hits)
    result = await other.poll()

    assert result.complete and titles(result, cal) == ["Also Mail.ru"]
    assert result.requests == 2  # home (principal) listing, calendar-query with data
    assert all(status != 400 for _, _, status in mailru.quirks.hits[seen:])


@pytest.fixture
def no_multiget(radicale: CalDAVServer) -> Iterator[QuirkServer]:
    with quirk_server(radicale, Quirks(no_multiget=True), "no-multiget") as server:
        yield server


async def test_a_refused_multiget_falls_back_to_calendar_data(
    no_multiget: QuirkServer, gateway: CalDAVGateway
) -> None:
    acct = Account(no_multiget, gateway)
    work = no_multiget.make_calendar(acct.creds, "Work")
    href = no_multiget.put_ics(acct.creds, work, single("n1", "First"))
    await acct.discover()
    first = await acct.poll()
    assert first.complete and titles(first, work) == ["First"]
    assert gateway.servers.of(work).multiget is False

    no_multiget.put_ics(acct.creds, work, single("n1", "Edited"), href.rsplit("/", 1)[1])
    no_multiget.put_ics(acct.creds, work, single("n2", "Added", "20261203T100000Z"))
    seen = len(no_multiget.quirks.hits)
    second = await acct.poll()

    assert second.complete and titles(second, work) == ["Edited", "Added"]
    assert all(status != 400 for _, _, status in no_multiget.quirks.hits[seen:])


ETAGLESS = {
    # Mail.ru as it may be: no RFC 6578, and its etag listing carries no etags
    "no-sync-collection": Quirks(no_listing_etags=True, no_sync=True),
    # sync-collection answers keep their etags; calendar-query and PROPFIND listings do not
    "sync-ok-listings-etagless": Quirks(no_listing_etags=True),
    # and sync-collection answers without etags too: a member without one is a change
    "sync-answers-etagless-too": Quirks(no_listing_etags=True, no_sync_etags=True),
}


@pytest.fixture(params=list(ETAGLESS))
def etagless(request: pytest.FixtureRequest, radicale: CalDAVServer) -> Iterator[QuirkServer]:
    """Radicale behind a proxy whose listings without calendar data carry no getetag."""
    quirks = dataclasses.replace(ETAGLESS[request.param], hits=[])
    with quirk_server(radicale, quirks, "etagless") as server:
        yield server


async def test_a_listing_without_etags_falls_back_to_calendar_data(
    etagless: QuirkServer, gateway: CalDAVGateway
) -> None:
    """Failure 1c on its own (the Mail.ru test stops at discovery on a bot without 1a): an
    etag listing that carries no etags is read with calendar-data, poll after poll."""
    acct = Account(etagless, gateway)
    work = etagless.make_calendar(acct.creds, "Work")
    first_href = etagless.put_ics(acct.creds, work, single("e1", "First"))
    await acct.discover()
    assert bool(acct.calendars[0].sync_token) is not etagless.quirks.no_sync

    first = await acct.poll()
    assert first.complete, [f.error for f in first.calendars]
    assert titles(first, work) == ["First"]
    assert gateway.servers.of(work).etag_listing is False

    etagless.put_ics(acct.creds, work, single("e1", "Edited"), first_href.rsplit("/", 1)[1])
    added = etagless.put_ics(acct.creds, work, single("e2", "Added", "20261203T100000Z"))
    second = await acct.poll()
    assert second.complete, [f.error for f in second.calendars]
    assert titles(second, work) == ["Edited", "Added"]

    etagless.delete(acct.creds, added)
    third = await acct.poll()
    assert third.complete, [f.error for f in third.calendars]
    assert titles(third, work) == ["Edited"]

    unchanged = await acct.poll()
    assert unchanged.complete and titles(unchanged, work) == ["Edited"]
    assert unchanged.requests == 1  # the home listing: no calendar read again


async def test_a_sync_answer_without_etags_still_names_the_edit_to_a_restarted_bot(
    radicale: CalDAVServer,
) -> None:
    """The delta of a calendar outside the cache: a member the sync answer lists without an
    etag is fetched and replaced, not taken for unchanged."""
    quirks = Quirks(no_listing_etags=True, no_sync_etags=True)
    with quirk_server(radicale, quirks, "etagless") as server:
        async with opened_gateway() as gateway:
            acct = Account(server, gateway)
            work = server.make_calendar(acct.creds, "Work")
            href = server.put_ics(acct.creds, work, single("e1", "First"))
            await acct.discover()
            await acct.poll()
            stored = list(acct.calendars)
        server.put_ics(acct.creds, work, single("e1", "Edited"), href.rsplit("/", 1)[1])

        async with opened_gateway() as restarted:
            result = await restarted.sync(
                acct.creds, stored, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
            )

    assert result.complete
    assert titles(result, work) == ["Edited"]
    fetch = next(f for f in result.calendars if f.calendar.href == work)
    assert isinstance(fetch, Full | Delta), fetch
    if isinstance(fetch, Delta):
        assert any(h.endswith(href.rsplit("/", 1)[1]) for h in fetch.replaced)


@pytest.fixture
def no_sync_data(radicale: CalDAVServer) -> Iterator[QuirkServer]:
    with quirk_server(radicale, Quirks(no_sync_data=True), "no-sync-data") as server:
        yield server


async def test_a_refused_sync_with_calendar_data_falls_back_to_multiget(
    no_sync_data: QuirkServer, gateway: CalDAVGateway
) -> None:
    acct = Account(no_sync_data, gateway)
    work = no_sync_data.make_calendar(acct.creds, "Work")
    href = no_sync_data.put_ics(acct.creds, work, single("n1", "First"))
    await acct.discover()
    assert titles(await acct.poll(), work) == ["First"]

    no_sync_data.put_ics(acct.creds, work, single("n1", "Edited"), href.rsplit("/", 1)[1])
    second = await acct.poll()
    assert second.complete and titles(second, work) == ["Edited"]
    assert gateway.servers.of(work).sync_data is False

    # learnt: etags only from now on, the changed objects by multiget, nothing refused
    no_sync_data.put_ics(acct.creds, work, single("n2", "Added", "20261203T100000Z"))
    seen = len(no_sync_data.quirks.hits)
    third = await acct.poll()
    assert third.complete and titles(third, work) == ["Edited", "Added"]
    assert third.requests == 3  # home listing, sync-collection, multiget
    assert all(status != 400 for _, _, status in no_sync_data.quirks.hits[seen:])


# ---- what the reconciliation costs ------------------------------------------------------------


async def test_an_unchanged_calendar_still_costs_one_request_when_its_hour_is_up(
    radicale: CalDAVServer,
) -> None:
    clock = [datetime(2026, 11, 30, 9, tzinfo=UTC)]
    async with opened_gateway(now=lambda: clock[0]) as gateway:
        acct = Account(radicale, gateway)
        work = radicale.make_calendar(acct.creds, "Work")
        radicale.put_ics(acct.creds, work, single("u1", "Unchanged"))
        await acct.discover()
        await acct.poll()
        held = list(acct.calendars)

        for _ in range(3):
            clock[0] += timedelta(hours=2)
            result = await gateway.sync(
                acct.creds, held, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
            )
            assert result.complete and result.requests == 1


async def test_a_server_whose_filter_proved_right_is_not_read_whole_every_hour(
    radicale: CalDAVServer,
) -> None:
    """Outside the cache a reconciliation reads the calendar whole; after enough of them
    found the time-range filter right, a changed calendar costs its delta again."""
    clock = [datetime(2026, 11, 30, 9, tzinfo=UTC)]
    async with opened_gateway(now=lambda: clock[0], cached_calendars=1) as gateway:
        accounts = []
        for _ in range(FILTER_TRUSTED_AFTER + 2):
            acct = Account(radicale, gateway)
            cal = radicale.make_calendar(acct.creds, "Work")
            radicale.put_ics(acct.creds, cal, single("now", "In the window"))
            radicale.put_ics(acct.creds, cal, single("old", "Last year", "20251201T100000Z"))
            await acct.discover()
            await acct.poll()
            accounts.append((acct, cal))
        clock[0] += timedelta(hours=2)
        costs = []
        for acct, cal in accounts:
            radicale.put_ics(acct.creds, cal, single("new", "Added", "20261203T100000Z"))
            result = await gateway.sync(
                acct.creds,
                acct.calendars,
                ExpansionScope(WINDOW, acct.email, TZ),
                snapshot_window=WINDOW,
            )
            assert result.complete
            acct.calendars = [f.calendar for f in result.calendars]
            costs.append(result.requests)
        assert gateway.servers.of(accounts[0][1]).time_range_filter is True

    # home listing, the whole window, the listing without range and last year's event...
    assert costs[0] >= 4
    # ...until the filter proved right: then home listing and sync-collection, which
    # carries the new object's data (no multiget)
    assert costs[-1] == 2
