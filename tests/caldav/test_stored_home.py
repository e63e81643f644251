"""The calendar home a poll found is handed back (SyncResult.found_home) for the caller to
store; given back in the credentials after a restart, the first poll lists it at once: one
request for an unchanged user, not two (principal, then home). A stored home that no longer
answers is looked up again."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from calendar_bot.caldav import CalDAVGateway
from calendar_bot.domain.model import ExpansionScope
from calendar_bot.ports import AtStoredTags
from tests.caldav.conftest import opened_gateway
from tests.caldav.samples import WINDOW, single
from tests.caldav.test_sync import TZ, Account
from tests.support.servers import CalDAVServer


@pytest.fixture
async def restarted() -> AsyncIterator[CalDAVGateway]:
    async with opened_gateway() as gw:
        yield gw


async def test_a_stored_home_makes_the_first_poll_after_a_restart_one_request(
    caldav_server: CalDAVServer, gateway: CalDAVGateway, restarted: CalDAVGateway
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    caldav_server.put_ics(acct.creds, work, single("a", "A"))
    await acct.discover()
    first = await acct.poll()
    assert first.found_home  # not the one the caller passed (none): the caller stores it
    stored = dataclasses.replace(acct.creds, home_url=first.found_home)
    again = await gateway.sync(stored, acct.calendars, ExpansionScope(WINDOW, acct.email, TZ))
    assert again.found_home == ""  # the caller has it: nothing new to store

    # A restart without the home (the principal stored, as connecting stores it): principal
    # and home, as before.
    principal, _ = await gateway.discover(acct.creds)
    known = dataclasses.replace(acct.creds, principal_url=principal)
    cold = await restarted.sync(
        known, acct.calendars, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
    )
    assert cold.requests == 2 and cold.found_home == first.found_home
    # With the stored home in the credentials: the home listing alone.
    creds = dataclasses.replace(known, home_url=first.found_home)
    async with opened_gateway() as fresh:
        warm = await fresh.sync(
            creds, acct.calendars, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
        )
    assert warm.complete and warm.requests == 1 and warm.found_home == ""
    assert all(isinstance(f, AtStoredTags) for f in warm.calendars)


async def test_a_stored_home_that_no_longer_answers_is_looked_up_again(
    caldav_server: CalDAVServer, gateway: CalDAVGateway, restarted: CalDAVGateway
) -> None:
    acct = Account(caldav_server, gateway)
    work = caldav_server.make_calendar(acct.creds, "Work")
    caldav_server.put_ics(acct.creds, work, single("a", "A"))
    await acct.discover()
    first = await acct.poll()
    moved = first.found_home.rstrip("/") + "-gone/"
    creds = dataclasses.replace(acct.creds, home_url=moved)
    result = await restarted.sync(
        creds, acct.calendars, ExpansionScope(WINDOW, acct.email, TZ), snapshot_window=WINDOW
    )
    assert result.complete
    assert result.found_home == first.found_home  # the caller stores the real one again
    assert work in [f.calendar.href for f in result.calendars]
