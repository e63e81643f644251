"""A calendar that fails mid-fetch is marked incomplete; the others stay complete.

Faults come from a real HTTP proxy in front of a real server (tests.support.servers).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.domain.model import CalendarRef, Credentials, ExpansionScope
from calendar_bot.ports import Failed, Full, SyncResult
from tests.caldav.conftest import opened_gateway
from tests.caldav.samples import WINDOW, single
from tests.support.servers import CalDAVServer, Fault, Proxy

TZ = "Europe/Moscow"


@pytest.fixture
async def gateway() -> AsyncIterator[CalDAVGateway]:
    async with opened_gateway(timeout=1.0) as gw:
        yield gw


async def setup_two(
    server: CalDAVServer, gateway: CalDAVGateway
) -> tuple[Credentials, str, str, list[CalendarRef]]:
    creds = server.new_user()
    bad = server.make_calendar(creds, "Bad")
    good = server.make_calendar(creds, "Good")
    server.put_ics(creds, bad, single("b1", "In bad"))
    server.put_ics(creds, good, single("g1", "In good"))
    _, calendars = await gateway.discover(creds)
    return creds, bad, good, calendars


def by_href(result: SyncResult) -> dict[str, object]:
    return {f.calendar.href: f for f in result.calendars}


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.HANG, Fault.TRUNCATE, Fault.NOT_FOUND])
async def test_faulty_calendar_is_incomplete_others_complete(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway, fault: Fault
) -> None:
    server, proxy = fault_proxy
    creds, bad, good, calendars = await setup_two(server, gateway)
    proxy.fault(urlsplit(bad).path, fault)

    result = await gateway.sync(
        creds, calendars, ExpansionScope(WINDOW, server.email_of(creds), TZ)
    )

    fetches = {f.calendar.href: f for f in result.calendars}
    assert not result.complete
    assert isinstance(fetches[bad], Failed)  # still listed in the home: not gone
    assert fetches[bad].error
    # a Failed fetch carries no occurrences: never a silently shorter list
    assert isinstance(fetches[good], Full)
    assert [o.title for o in fetches[good].occurrences] == ["In good"]

    # once the fault is gone, the next poll is complete again, with the right content
    proxy.clear()
    calendars = [f.calendar for f in result.calendars]
    again = await gateway.sync(creds, calendars, ExpansionScope(WINDOW, server.email_of(creds), TZ))
    fetches = {f.calendar.href: f for f in again.calendars}
    assert again.complete
    assert [o.title for o in fetches[bad].occurrences] == ["In bad"]


async def test_failure_after_a_good_poll_keeps_old_tags_and_recovers(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    creds, bad, _good, calendars = await setup_two(server, gateway)
    first = await gateway.sync(creds, calendars, ExpansionScope(WINDOW, server.email_of(creds), TZ))
    assert first.complete
    calendars = [f.calendar for f in first.calendars]
    old_tags = {c.href: (c.ctag, c.sync_token) for c in calendars}

    server.put_ics(creds, bad, single("b2", "Second", "20261202T100000Z"))
    proxy.fault(urlsplit(bad).path, Fault.TRUNCATE)
    broken = await gateway.sync(
        creds, calendars, ExpansionScope(WINDOW, server.email_of(creds), TZ)
    )
    bad_fetch = next(f for f in broken.calendars if f.calendar.href == bad)
    assert isinstance(bad_fetch, Failed)
    # the caller must not store tags this failed fetch cannot vouch for
    assert (bad_fetch.calendar.ctag, bad_fetch.calendar.sync_token) == old_tags[bad]

    proxy.clear()
    fixed = await gateway.sync(
        creds,
        [f.calendar for f in broken.calendars],
        ExpansionScope(WINDOW, server.email_of(creds), TZ),
    )
    bad_fetch = next(f for f in fixed.calendars if f.calendar.href == bad)
    assert isinstance(bad_fetch, Full)
    assert [o.title for o in bad_fetch.occurrences] == ["In bad", "Second"]


async def test_home_listing_failure_marks_everything_incomplete(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, proxy = fault_proxy
    creds, _bad, _good, calendars = await setup_two(server, gateway)
    await gateway.sync(creds, calendars, ExpansionScope(WINDOW, server.email_of(creds), TZ))
    proxy.fault(urlsplit(server.home_url(creds)).path, Fault.SERVER_ERROR)

    result = await gateway.sync(
        creds, calendars, ExpansionScope(WINDOW, server.email_of(creds), TZ)
    )

    assert len(result.calendars) == len(calendars) >= 2
    assert all(isinstance(f, Failed) for f in result.calendars)


async def test_raw_report_is_the_servers_xml_without_credentials(
    fault_proxy: tuple[CalDAVServer, Proxy], gateway: CalDAVGateway
) -> None:
    server, _proxy = fault_proxy
    creds, bad, _good, _calendars = await setup_two(server, gateway)
    raw = await gateway.raw_report(creds, bad, WINDOW)
    assert "multistatus" in raw and "UID:b1" in raw
    assert creds.password not in raw
