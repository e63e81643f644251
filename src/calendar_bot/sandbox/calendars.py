"""What the side panel does to a demo calendar, over plain CalDAV HTTP against the embedded
Radicale: make calendars, list events, add, move and cancel (delete) one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urljoin

import aiohttp
import icalendar

from calendar_bot.caldav.davxml import (
    DISPLAYNAME,
    MalformedMultistatus,
    calendar_data,
    is_calendar,
    parse_multistatus,
)
from calendar_bot.sandbox.demo import DEMO_ZONE, DemoCalendar, DemoUser, event_ics

_LIST_CALENDARS = (
    '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:">'
    "<D:prop><D:resourcetype/><D:displayname/></D:prop></D:propfind>"
)
_ALL_EVENTS = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
    "</C:comp-filter></C:filter></C:calendar-query>"
)


class SandboxRequestError(Exception):
    """A panel request the calendar refused or that names nothing; the text is safe to show."""


@dataclass(frozen=True)
class PanelEvent:
    href: str
    calendar: str
    uid: str
    summary: str
    start: str  # ISO, in the demo zone
    end: str
    all_day: bool
    recurring: bool

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _local_iso(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(DEMO_ZONE).isoformat(timespec="minutes")
    return value.isoformat()


class DemoCalendars:
    """CalDAV calls as one demo user, straight to the embedded Radicale."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")

    def home(self, user: DemoUser) -> str:
        return f"{self.base_url}/{user.email}/"

    def _auth(self, user: DemoUser) -> aiohttp.BasicAuth:
        return aiohttp.BasicAuth(user.email, user.caldav_password)

    async def seed(self, user: DemoUser, calendars: list[DemoCalendar]) -> bool:
        """Create the demo calendars and fill them, unless this data dir already has them."""
        created = False
        for calendar in calendars:
            url = f"{self.home(user)}{calendar.slug}/"
            body = (
                '<?xml version="1.0" encoding="utf-8"?>'
                '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'
                ' xmlns:A="http://apple.com/ns/ical/"><D:set><D:prop>'
                f"<D:displayname>{calendar.name}</D:displayname>"
                f"<A:calendar-color>{calendar.color}</A:calendar-color>"
                "<C:supported-calendar-component-set><C:comp name='VEVENT'/>"
                "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"
            )
            async with self.http.request(
                "MKCALENDAR",
                url,
                data=body.encode(),
                headers={"Content-Type": "application/xml"},
                auth=self._auth(user),
            ) as response:
                if response.status not in (200, 201):
                    continue  # already there: keep what the person did last time
            created = True
            for name, ics in calendar.events.items():
                await self._put(user, url + name, ics)
        return created

    async def _put(self, user: DemoUser, url: str, ics: str, etag: str = "") -> None:
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag:
            headers["If-Match"] = etag
        async with self.http.put(
            url, data=ics.encode(), headers=headers, auth=self._auth(user)
        ) as response:
            if response.status not in (200, 201, 204):
                raise SandboxRequestError(f"the calendar answered {response.status}")

    async def calendar_urls(self, user: DemoUser) -> list[tuple[str, str]]:
        """(url, display name) of every calendar in the user's home."""
        async with self.http.request(
            "PROPFIND",
            self.home(user),
            data=_LIST_CALENDARS.encode(),
            headers={"Depth": "1", "Content-Type": "application/xml"},
            auth=self._auth(user),
        ) as response:
            body = await response.read()
        if response.status != 207:
            return []
        try:
            listing = parse_multistatus(body)
        except MalformedMultistatus:
            return []
        found: list[tuple[str, str]] = []
        for item in listing.responses:
            if is_calendar(item):
                name = item.text(DISPLAYNAME) or item.href.rstrip("/").rsplit("/")[-1]
                found.append((urljoin(self.base_url + "/", item.href), name))
        return sorted(found)

    async def events(self, user: DemoUser) -> list[PanelEvent]:
        out: list[PanelEvent] = []
        for url, name in await self.calendar_urls(user):
            async with self.http.request(
                "REPORT",
                url,
                data=_ALL_EVENTS.encode(),
                headers={"Depth": "1", "Content-Type": "application/xml"},
                auth=self._auth(user),
            ) as response:
                body = await response.read()
            if response.status != 207:
                continue
            try:
                listing = parse_multistatus(body)
            except MalformedMultistatus:
                continue
            for item in listing.responses:
                data = calendar_data(item)
                if data:
                    href = urljoin(self.base_url + "/", item.href)
                    out.extend(_panel_events(href, name, data))
        return sorted(out, key=lambda e: (e.start, e.summary))

    async def add(self, user: DemoUser, summary: str, start: datetime, minutes: int) -> str:
        calendars = await self.calendar_urls(user)
        if not calendars:
            raise SandboxRequestError("no calendar to add to")
        work = next((url for url, _ in calendars if url.rstrip("/").endswith("/work")), None)
        uid = f"sandbox-{uuid.uuid4().hex}"
        url = f"{work or calendars[0][0]}{uid}.ics"
        await self._put(
            user, url, event_ics(uid, summary, start, start + timedelta(minutes=minutes))
        )
        return url

    def _own(self, user: DemoUser, href: str) -> str:
        if not unquote(href).startswith(self.home(user)) or not href.endswith(".ics"):
            raise SandboxRequestError("unknown event")
        return href

    async def move(self, user: DemoUser, href: str, minutes: int) -> None:
        """Shift a one-off meeting; a series is left alone (its instances have their own IDs)."""
        url = self._own(user, href)
        async with self.http.get(url, auth=self._auth(user)) as response:
            if response.status != 200:
                raise SandboxRequestError("unknown event")
            etag = response.headers.get("ETag", "")
            calendar = icalendar.Calendar.from_ical(await response.read())
        shift = timedelta(minutes=minutes)
        for event in calendar.walk("VEVENT"):
            if event.get("RRULE") or event.get("RECURRENCE-ID"):
                raise SandboxRequestError("a recurring series cannot be moved here")
            start = event.decoded("DTSTART")
            end = event.decoded("DTEND") if event.get("DTEND") else start
            if not isinstance(start, datetime) and minutes % (24 * 60):
                # A date plus an hour is the same date: say so rather than change nothing.
                raise SandboxRequestError("an all-day event moves by whole days")
            event.pop("DTSTART")
            event.pop("DTEND", None)
            event.add("DTSTART", start + shift)
            event.add("DTEND", end + shift)
            sequence = int(event.get("SEQUENCE", 0)) + 1
            event.pop("SEQUENCE", None)
            event.add("SEQUENCE", sequence)
        await self._put(user, url, calendar.to_ical().decode(), etag)

    async def cancel(self, user: DemoUser, href: str) -> None:
        url = self._own(user, href)
        async with self.http.delete(url, auth=self._auth(user)) as response:
            if response.status not in (200, 204):
                raise SandboxRequestError("unknown event")


def _panel_events(href: str, calendar: str, data: str) -> list[PanelEvent]:
    try:
        parsed = icalendar.Calendar.from_ical(data)
    except ValueError:
        return []
    out: list[PanelEvent] = []
    for event in parsed.walk("VEVENT"):
        if event.get("RECURRENCE-ID"):
            continue  # the panel lists a series once, by its master
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND") if event.get("DTEND") else start
        out.append(
            PanelEvent(
                href=href,
                calendar=calendar,
                uid=str(event.get("UID", "")),
                summary=str(event.get("SUMMARY", "")),
                start=_local_iso(start),
                end=_local_iso(end),
                all_day=not isinstance(start, datetime),
                recurring=bool(event.get("RRULE")),
            )
        )
    return out
