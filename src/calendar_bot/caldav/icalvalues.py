"""Small readers of iCalendar values: a property's Python value, a moment in UTC, an
address, an attendee, a component's text, status and alarm leads.

Each reads one value and never raises on a malformed one (it falls back to a default)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import icalendar

from calendar_bot.domain.model import Attendee, EventStatus, PartStat
from calendar_bot.domain.text import clean_description

_MAX_ABSOLUTE_LEAD = 7 * 24 * 60


def dt_value(prop: Any) -> Any:
    """The Python value of a date/time/duration property (untyped in icalendar's stubs)."""
    return getattr(prop, "dt", None)


def as_utc(value: date | datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


def recurrence_id_text(value: date | datetime, zone: tzinfo) -> str:
    if isinstance(value, datetime):
        return as_utc(value, zone).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def address_email(value: Any) -> str:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def person(prop: Any) -> Attendee:
    params = getattr(prop, "params", {}) or {}
    partstat_raw = str(params.get("PARTSTAT", "NEEDS-ACTION")).upper()
    try:
        partstat = PartStat(partstat_raw)
    except ValueError:
        partstat = PartStat.NEEDS_ACTION
    email = address_email(prop)
    if not email and params.get("EMAIL"):
        email = address_email(params.get("EMAIL"))
    return Attendee(
        email=email,
        name=str(params.get("CN", "") or "").strip().strip('"'),
        partstat=partstat,
        role=str(params.get("ROLE", "") or "").upper(),
    )


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def text_of(event: icalendar.cal.Component, name: str) -> str:
    value = event.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def status_of(event: icalendar.cal.Component, cancelled_by_method: bool) -> EventStatus:
    if cancelled_by_method:
        return EventStatus.CANCELLED
    raw = text_of(event, "STATUS").strip().upper()
    try:
        return EventStatus(raw)
    except ValueError:
        return EventStatus.CONFIRMED


def alarm_minutes(
    event: icalendar.cal.Component, start: datetime, end: datetime, recurring: bool
) -> tuple[int, ...]:
    leads: set[int] = set()
    for alarm in event.subcomponents:
        if alarm.name != "VALARM":
            continue
        trigger = alarm.get("TRIGGER")
        if trigger is None:
            continue
        value = getattr(trigger, "dt", None)  # a malformed trigger skips that alarm only
        if isinstance(value, timedelta):
            related = str(trigger.params.get("RELATED", "START")).upper()
            fire = (end if related == "END" else start) + value
        elif isinstance(value, datetime) and not recurring:
            fire = as_utc(value, UTC)
        else:
            continue
        lead = (start - fire).total_seconds() / 60
        # an absolute trigger far from the start is a stale copy, not a reminder lead
        if 0 <= lead <= _MAX_ABSOLUTE_LEAD or (lead >= 0 and isinstance(value, timedelta)):
            leads.add(round(lead))
    return tuple(sorted(leads))


_CONFERENCE_PROPERTIES = (
    "CONFERENCE",
    "X-GOOGLE-CONFERENCE",
    "X-MICROSOFT-SKYPETEAMSMEETINGURL",
    "X-MICROSOFT-ONLINEMEETINGCONFLINK",
)


def conference_text(event: icalendar.cal.Component) -> str:
    return " ".join(str(v) for name in _CONFERENCE_PROPERTIES for v in as_list(event.get(name)))


def description_of(event: icalendar.cal.Component) -> str:
    text = text_of(event, "DESCRIPTION")
    if text.strip():
        return clean_description(text)
    alt = text_of(event, "X-ALT-DESC")
    return clean_description(alt) if alt.strip() else ""
