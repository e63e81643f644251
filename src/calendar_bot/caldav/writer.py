"""Writes to a user's calendars: a new event, the user's own answer (RSVP), a
cancellation, a change of a meeting the user organizes. Each read-modify-write carries the
etag it read (If-Match) and is tried again when the event changed in between (412);
writes.py and edits.py build the iCalendar."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from calendar_bot.caldav import edits, writes
from calendar_bot.caldav.clients import ClientCache, UserClient
from calendar_bot.caldav.errors import check_read, check_write
from calendar_bot.domain.edits import EventEdit, Scope, can_edit
from calendar_bot.domain.model import Credentials, NewEvent, Occurrence, PartStat, new_event_uid
from calendar_bot.domain.zones import zone
from calendar_bot.ports import Forbidden, NotFound, WriteConflict

EDIT_ATTEMPTS = 3  # a read and a conditional write, again after each 412

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
        href = _object_href(calendar_href, uid)
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
        """Change a meeting the user organizes (edits.py builds it). The object is read, the
        change checked against what the person saw and applied, and written with If-Match;
        on 412 all of it again on the fresh object (an attendee's answer or another client's
        edit of something else does not stop it; a move, rename or cancellation by someone
        else raises ChangedMeanwhile). A split ("this and following") writes the shortened
        series first, then the new one (If-None-Match); should the new one fail, the old one
        is put back as it was."""
        if not can_edit(occurrence):
            raise Forbidden("only the organizer can change this event")
        if not occurrence.event_href:
            raise NotFound("the occurrence does not say where its event is stored")
        zone_info: ZoneInfo = zone(tz, "UTC")
        href = occurrence.event_href

        async def work(client: UserClient) -> None:
            for attempt in range(EDIT_ATTEMPTS):
                got = await client.session.request("GET", href)
                check_read(
                    got.status, ok=200, gone="the event is gone", request="reading the event"
                )
                text = got.body.decode("utf-8", errors="replace")
                result = edits.apply_edit(
                    text, occurrence, edit, scope, self._now(), zone_info, new_uid=new_uid
                )
                headers = {"Content-Type": "text/calendar; charset=utf-8"}
                if got.etag:
                    headers["If-Match"] = got.etag
                put = await client.session.request("PUT", href, result.text.encode(), headers)
                if put.status == 412:
                    log.info("event changed under us (attempt %d); re-reading", attempt + 1)
                    continue
                check_write(put.status)
                if result.new_series:
                    await self._put_new_series(client, occurrence, result, text, put.etag)
                return
            raise WriteConflict("the event kept changing on the server; try again")

        await self._clients.run(credentials, work)

    async def _put_new_series(
        self, client: UserClient, occurrence: Occurrence, result: edits.Edited, old: str, etag: str
    ) -> None:
        target = _object_href(occurrence.calendar_href, result.new_uid)
        put = await client.session.request(
            "PUT",
            target,
            result.new_series.encode(),
            {"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"},
        )
        try:
            check_write(put.status)
        except Exception:
            headers = {"Content-Type": "text/calendar; charset=utf-8"}
            if etag:
                headers["If-Match"] = etag
            back = await client.session.request("PUT", occurrence.event_href, old.encode(), headers)
            log.warning("the new series could not be written; old one restored: %s", back.status)
            raise

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


def _object_href(calendar_href: str, uid: str) -> str:
    return calendar_href.rstrip("/") + "/" + quote(uid.replace("/", "_"), safe="@._-") + ".ics"
