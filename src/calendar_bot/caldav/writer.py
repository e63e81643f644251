"""Writes to a user's calendars: a new event, the user's own answer (RSVP), a
cancellation. Each read-modify-write carries the etag it read (If-Match) and is tried once
more when the event changed in between (412); writes.py builds the iCalendar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from calendar_bot.caldav import writes
from calendar_bot.caldav.clients import ClientCache, UserClient
from calendar_bot.caldav.errors import check_read, check_write
from calendar_bot.domain.model import Credentials, NewEvent, Occurrence, PartStat, new_event_uid
from calendar_bot.ports import Forbidden, NotFound, WriteConflict

log = logging.getLogger(__name__)


class Writer:
    def __init__(self, clients: ClientCache, now: Callable[[], datetime]) -> None:
        self._clients = clients
        self._now = now

    async def create_event(
        self, credentials: Credentials, calendar_href: str, event: NewEvent, tz: str
    ) -> str:
        """PUT a new event (times in UTC; a recurring one's in `tz`, with its VTIMEZONE)."""
        uid = event.uid or new_event_uid()
        href = calendar_href.rstrip("/") + "/" + quote(uid.replace("/", "_"), safe="@._-") + ".ics"
        organizer = event.organizer_email or (
            credentials.username if "@" in credentials.username else ""
        )
        body = writes.build_event(event, uid, organizer, self._now(), tz).encode()

        async def work(client: UserClient) -> str:
            result = await client.session.request(
                "PUT",
                href,
                body,
                {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"},
            )
            check_write(result.status)
            return uid

        return await self._clients.run(credentials, work)

    async def set_partstat(
        self,
        credentials: Credentials,
        occurrence: Occurrence,
        user_email: str,
        partstat: PartStat,
        *,
        whole_series: bool = False,
    ) -> None:
        """The user's own PARTSTAT, for this occurrence (an override is added for an
        instance of a series) or, with whole_series, for every component of the event."""
        now = self._now()
        await self._modify(
            credentials,
            occurrence,
            lambda text: writes.with_partstat(
                text, occurrence, user_email, partstat, now, whole_series=whole_series
            ),
        )

    async def cancel_event(
        self, credentials: Credentials, occurrence: Occurrence, *, whole_series: bool = False
    ) -> None:
        """STATUS:CANCELLED and SEQUENCE+1; only for an event the user organizes (or one
        without an organizer, a personal event)."""
        if occurrence.organizer is not None and not occurrence.i_am_organizer:
            raise Forbidden("only the organizer can cancel this event")
        now = self._now()
        await self._modify(
            credentials,
            occurrence,
            lambda text: writes.with_cancellation(text, occurrence, now, whole_series=whole_series),
        )

    async def _modify(
        self, credentials: Credentials, occurrence: Occurrence, change: Callable[[str], str]
    ) -> None:
        if not occurrence.event_href:
            raise NotFound("the occurrence does not say where its event is stored")

        async def work(client: UserClient) -> None:
            for attempt in range(2):
                got = await client.session.request("GET", occurrence.event_href)
                check_read(
                    got.status, ok=200, gone="the event is gone", request="reading the event"
                )
                text = got.body.decode("utf-8", errors="replace")
                headers = {"Content-Type": "text/calendar; charset=utf-8"}
                if got.etag:
                    headers["If-Match"] = got.etag
                put = await client.session.request(
                    "PUT", occurrence.event_href, change(text).encode(), headers
                )
                if put.status == 412:
                    log.info("event changed under us (attempt %d); re-reading", attempt + 1)
                    continue
                check_write(put.status)
                return
            raise WriteConflict("the event kept changing on the server; try again")

        await self._clients.run(credentials, work)
