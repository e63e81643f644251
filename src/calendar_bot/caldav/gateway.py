"""CalDAVGateway: the CalendarGateway port over real CalDAV servers, a facade over
clients.py (one session and cache per user), polling.py (sync) and writer.py (writes).

Requests run in the event loop (aiohttp), over one connection pool shared by every user
(see http.py) that bounds how many run at once; parsing and expanding iCalendar runs in a
small thread pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TypeVar

from calendar_bot.caldav import davxml
from calendar_bot.caldav.addresses import AddressPolicy
from calendar_bot.caldav.clients import ClientCache, UserClient
from calendar_bot.caldav.discovery import list_calendars
from calendar_bot.caldav.errors import check_read
from calendar_bot.caldav.http import Transport
from calendar_bot.caldav.polling import Poller
from calendar_bot.caldav.traits import ServerBook
from calendar_bot.caldav.writer import Writer
from calendar_bot.domain.edits import EventEdit, Scope
from calendar_bot.domain.model import (
    CalendarRef,
    Credentials,
    ExpansionScope,
    NewEvent,
    Occurrence,
    PartStat,
    TimeWindow,
)
from calendar_bot.ports import (
    AuthFailed,
    CalendarError,
    NotCalDAV,
    NotFound,
    ServerUnreachable,
    SyncResult,
)

T = TypeVar("T")


class CalDAVGateway:
    """`max_connections` bounds concurrent CalDAV requests; `timeout` bounds each connect
    and read; `poll_deadline` bounds one user's whole poll (every request of a `sync`, to
    the last byte: a server trickling its answer never trips `timeout`); `cached_calendars`
    bounds how many calendars keep their fetched objects in memory; `parse_threads` run the
    iCalendar parsing and expansion; `addresses` says which servers may be reached (None:
    any, for tools and tests; the bot always passes one)."""

    def __init__(
        self,
        max_connections: int = 16,
        timeout: float = 20,
        *,
        now: Callable[[], datetime] | None = None,
        poll_deadline: float | None = None,
        cached_calendars: int = 1000,
        parse_threads: int = 2,
        addresses: AddressPolicy | None = None,
    ) -> None:
        self._transport = Transport(max_connections, timeout, addresses)
        self._cpu = ThreadPoolExecutor(max_workers=parse_threads, thread_name_prefix="ical")
        self.clients = ClientCache(self._transport, cached_calendars)
        self.servers = ServerBook()  # what each server supports, learnt once
        clock = now or (lambda: datetime.now(UTC))
        self._polling = Poller(self.clients, self._offload, self.servers, clock, poll_deadline)
        self._writer = Writer(self.clients, clock)

    async def _offload(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._cpu, work)

    def forget(self, credentials: Credentials) -> None:
        self.clients.forget(credentials)

    async def close(self) -> None:
        self.clients.clear()
        await self._transport.close()
        self._cpu.shutdown(wait=False, cancel_futures=True)

    async def discover(self, credentials: Credentials) -> tuple[str, list[CalendarRef]]:
        async def work(client: UserClient) -> tuple[str, list[CalendarRef]]:
            client.home_url = ""  # discovery always looks again (a moved home, a new server)
            client.home_unconfirmed = False
            try:
                home = await client.ensure_home(credentials)
                calendars = await list_calendars(client.session, home)
            except (AuthFailed, ServerUnreachable, NotFound):
                raise
            except CalendarError as exc:
                raise NotCalDAV(str(exc)) from None
            return client.principal_url, calendars

        try:
            return await self.clients.run(credentials, work)
        except AuthFailed:
            self.forget(credentials)  # do not keep a session for a refused login
            raise

    async def sync(
        self,
        credentials: Credentials,
        known: Sequence[CalendarRef],
        scope: ExpansionScope,
        *,
        snapshot_window: TimeWindow | None = None,
    ) -> SyncResult:
        """Poll the `known` calendars and any calendar listed in the home that is not among
        them (a calendar added since connecting): see polling.py."""
        return await self._polling.sync(credentials, known, scope, snapshot_window=snapshot_window)

    async def create_event(
        self, credentials: Credentials, calendar_href: str, event: NewEvent, tz: str
    ) -> str:
        return await self._writer.create_event(credentials, calendar_href, event, tz)

    async def set_partstat(
        self,
        credentials: Credentials,
        occurrence: Occurrence,
        user_email: str,
        partstat: PartStat,
        *,
        whole_series: bool = False,
    ) -> None:
        await self._writer.set_partstat(
            credentials, occurrence, user_email, partstat, whole_series=whole_series
        )

    async def cancel_event(
        self, credentials: Credentials, occurrence: Occurrence, *, whole_series: bool = False
    ) -> None:
        await self._writer.cancel_event(credentials, occurrence, whole_series=whole_series)

    async def edit_event(
        self,
        credentials: Credentials,
        occurrence: Occurrence,
        edit: EventEdit,
        scope: Scope,
        tz: str,
        *,
        new_uid: str = "",
    ) -> None:
        await self._writer.edit_event(credentials, occurrence, edit, scope, tz, new_uid=new_uid)

    async def raw_report(
        self, credentials: Credentials, calendar_href: str, window: TimeWindow
    ) -> str:
        """The raw multistatus XML of a time-range REPORT (the request carries the login in
        a header only; the answer holds no credential)."""

        async def work(client: UserClient) -> str:
            result = await client.session.request(
                "REPORT",
                calendar_href,
                davxml.calendar_query(window.start, window.end, data=True),
                {"Depth": "1"},
            )
            check_read(result.status, ok=207, gone="the calendar is gone", request="the REPORT")
            return result.body.decode("utf-8", errors="replace")

        return await self.clients.run(credentials, work)
