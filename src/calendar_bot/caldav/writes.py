"""iCalendar for writes: a new event, the user's own PARTSTAT, a cancellation.

Times are written in UTC (Mail.ru rejects a TZID without its VTIMEZONE), except a new
recurring meeting's: its DTSTART/DTEND carry the person's zone, with the VTIMEZONE, so a
weekly 10:00 stays 10:00 across a DST change and BYDAY means the person's weekdays; its
UNTIL is UTC (RFC 5545 3.3.10). Every change
carries a fresh DTSTAMP, and an instance of a series is changed through an override
(RECURRENCE-ID) so the rest of the series stays as it was.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from calendar_bot.caldav.icalvalues import address_email, recurrence_id_text
from calendar_bot.caldav.repair import fix_overrides
from calendar_bot.domain.model import NewEvent, Occurrence, PartStat
from calendar_bot.ports import CalendarError, NotFound

PRODID = "-//calendar-bot//CalDAV adapter//EN"


def _address(email: str, name: str, **params: str) -> icalendar.vCalAddress:
    addr = icalendar.vCalAddress(f"mailto:{email}")
    if name:
        addr.params["CN"] = name
    for key, value in params.items():
        addr.params[key.replace("_", "-").upper()] = value
    return addr


def _zone_of(tz: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(tz) if tz else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def video_description(event: NewEvent) -> str:
    """The description as written: the video link on its first line, then the text."""
    if not event.video_url:
        return event.description
    if not event.description.strip():
        return event.video_url
    return f"{event.video_url}\n\n{event.description}"


def build_event(
    event: NewEvent, uid: str, organizer_email: str, now: datetime, tz: str = ""
) -> str:
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    vevent = icalendar.Event()
    stamp = now.astimezone(UTC).replace(microsecond=0)
    vevent.add("UID", uid)
    vevent.add("DTSTAMP", stamp)
    vevent.add("CREATED", stamp)
    vevent.add("LAST-MODIFIED", stamp)
    vevent.add("SEQUENCE", 0)
    zone = _zone_of(tz) if event.rrule else None
    if zone is not None:
        vevent.add("DTSTART", event.start.astimezone(zone))
        vevent.add("DTEND", event.end.astimezone(zone))
    else:
        vevent.add("DTSTART", event.start.astimezone(UTC))
        vevent.add("DTEND", event.end.astimezone(UTC))
    if event.rrule:
        vevent.add("RRULE", icalendar.vRecur.from_ical(event.rrule))
    vevent.add("SUMMARY", event.title)
    vevent.add("STATUS", "CONFIRMED")
    vevent.add("TRANSP", "OPAQUE")
    description = video_description(event)
    if description:
        vevent.add("DESCRIPTION", description)
    if event.location:
        vevent.add("LOCATION", event.location)
    if event.video_url:
        vevent.add("URL", event.video_url)
        # RFC 7986: the bot's own link is the meeting's join link (views' Join button)
        vevent.add("CONFERENCE", event.video_url, parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    organizer = (event.organizer_email or organizer_email).strip().lower()
    if organizer:
        vevent.add("ORGANIZER", _address(organizer, event.organizer_name))
    others = [a for a in event.attendees if a.email and a.email.lower() != organizer]
    if others and organizer:
        vevent.add(
            "ATTENDEE",
            _address(
                organizer,
                event.organizer_name,
                ROLE="CHAIR",
                PARTSTAT="ACCEPTED",
                CUTYPE="INDIVIDUAL",
            ),
        )
    for attendee in others:
        vevent.add(
            "ATTENDEE",
            _address(
                attendee.email.lower(),
                attendee.name,
                ROLE=attendee.role or "REQ-PARTICIPANT",
                PARTSTAT="NEEDS-ACTION",
                RSVP="TRUE",
                CUTYPE="INDIVIDUAL",
            ),
        )
    if event.reminder_minutes is not None and event.reminder_minutes >= 0:
        alarm = icalendar.Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", event.title or "Reminder")
        alarm.add("TRIGGER", timedelta(minutes=-event.reminder_minutes))
        vevent.add_component(alarm)
    cal.add_component(vevent)
    if zone is not None:
        cal.add_missing_timezones()
    return str(cal.to_ical().decode())


# ---- changes to an existing object ----------------------------------------------------------


def load_calendar(text: str) -> icalendar.Calendar:
    try:
        return icalendar.Calendar.from_ical(text)
    except Exception as exc:
        raise CalendarError(
            f"the event on the server is unreadable ({type(exc).__name__})"
        ) from None


def events_of(cal: icalendar.Calendar, uid: str) -> list[icalendar.cal.Component]:
    events = [c for c in cal.subcomponents if c.name == "VEVENT" and str(c.get("UID", "")) == uid]
    if not events:
        # events without a UID were given a synthetic one when read; fall back to them all
        events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    if not events:
        raise NotFound("the event is no longer in this resource")
    # the same Exchange override quirks the reader fixes, or an instance would not be found
    fix_overrides(events)
    return events


def rid_of(component: icalendar.cal.Component) -> str:
    rid = component.get("RECURRENCE-ID")
    if rid is None:
        return ""
    return recurrence_id_text(rid.dt, UTC)


def instance_of(
    cal: icalendar.Calendar, events: list[icalendar.cal.Component], occurrence: Occurrence
) -> icalendar.cal.Component:
    """The override for this occurrence; created from the master when missing."""
    for event in events:
        if rid_of(event) == occurrence.recurrence_id:
            return event
    master = next((e for e in events if "RECURRENCE-ID" not in e), None)
    if master is None:
        raise NotFound("the series master is missing")
    override = copy.deepcopy(master)
    for name in (
        "RRULE",
        "RDATE",
        "EXDATE",
        "EXRULE",
        "RECURRENCE-ID",
        "DTSTART",
        "DTEND",
        "DURATION",
    ):
        override.pop(name, None)
    if occurrence.all_day:
        day = datetime.strptime(occurrence.recurrence_id, "%Y%m%d").date()
        override.add("RECURRENCE-ID", day)
        override.add("DTSTART", occurrence.start.date())
        override.add("DTEND", max(occurrence.end.date(), occurrence.start.date() + timedelta(1)))
    else:
        original = datetime.strptime(occurrence.recurrence_id, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        override.add("RECURRENCE-ID", original)
        override.add("DTSTART", occurrence.start.astimezone(UTC))
        override.add("DTEND", occurrence.end.astimezone(UTC))
    cal.add_component(override)
    events.append(override)
    return override


def _targets(
    cal: icalendar.Calendar, occurrence: Occurrence, whole_series: bool
) -> list[icalendar.cal.Component]:
    events = events_of(cal, occurrence.uid)
    if whole_series or not occurrence.recurrence_id:
        return events
    return [instance_of(cal, events, occurrence)]


def _touch(event: icalendar.cal.Component, now: datetime) -> None:
    event.pop("DTSTAMP", None)
    event.add("DTSTAMP", now.astimezone(UTC).replace(microsecond=0))


def _attendees(event: icalendar.cal.Component) -> list[icalendar.vCalAddress]:
    value = event.get("ATTENDEE")
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def with_partstat(
    text: str,
    occurrence: Occurrence,
    user_email: str,
    partstat: PartStat,
    now: datetime,
    *,
    whole_series: bool = False,
) -> str:
    cal = load_calendar(text)
    me = user_email.strip().lower()
    for event in _targets(cal, occurrence, whole_series):
        mine = [a for a in _attendees(event) if address_email(a) == me]
        if not mine:
            # not invited by name (a list, a forward): answer as an added attendee
            event.add("ATTENDEE", _address(me, "", PARTSTAT=partstat.value, ROLE="REQ-PARTICIPANT"))
        for attendee in mine:
            attendee.params["PARTSTAT"] = partstat.value
            attendee.params.pop("RSVP", None)
        _touch(event, now)
    return str(cal.to_ical().decode())


def with_cancellation(
    text: str, occurrence: Occurrence, now: datetime, *, whole_series: bool = False
) -> str:
    cal = load_calendar(text)
    for event in _targets(cal, occurrence, whole_series):
        event.pop("STATUS", None)
        event.add("STATUS", "CANCELLED")
        try:
            sequence = int(str(event.get("SEQUENCE", 0)))
        except ValueError:
            sequence = 0
        event.pop("SEQUENCE", None)
        event.add("SEQUENCE", sequence + 1)
        _touch(event, now)
    return str(cal.to_ical().decode())


def organizer_of(text: str, uid: str) -> str:
    cal = load_calendar(text)
    for event in events_of(cal, uid):
        if event.get("ORGANIZER") is not None:
            return address_email(event["ORGANIZER"])
    return ""
