"""Occurrence <-> JSON: the snapshot's payload column and the notices in the outbox.

Datetimes are written as ISO 8601 in UTC and read back as aware UTC datetimes: equal
(`==`) to what went in. Fields missing from an older payload fall back to the model's
defaults, so adding a field to Occurrence never breaks stored snapshots.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from calendar_bot.domain.model import Attendee, Cut, EventStatus, Occurrence, PartStat

CODEC_VERSION = 1


class CodecError(ValueError):
    """A stored payload is not a valid occurrence."""


def _dt_out(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise CodecError("occurrence datetimes must be timezone-aware")
    return value.astimezone(UTC).isoformat()


def _dt_in(value: object) -> datetime:
    if not isinstance(value, str):
        raise CodecError("a datetime must be an ISO 8601 string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise CodecError("a stored datetime lacks its offset")
    return parsed.astimezone(UTC)


def attendee_to_json(attendee: Attendee) -> dict[str, Any]:
    return {
        "email": attendee.email,
        "name": attendee.name,
        "partstat": attendee.partstat.value,
        "role": attendee.role,
    }


def attendee_from_json(data: dict[str, Any]) -> Attendee:
    return Attendee(
        email=str(data["email"]),
        name=str(data.get("name", "")),
        partstat=PartStat(data.get("partstat", PartStat.NEEDS_ACTION.value)),
        role=str(data.get("role", "")),
    )


def occurrence_to_json(o: Occurrence) -> dict[str, Any]:
    return {
        "v": CODEC_VERSION,
        "calendar_href": o.calendar_href,
        "uid": o.uid,
        "recurrence_id": o.recurrence_id,
        "title": o.title,
        "start": _dt_out(o.start),
        "end": _dt_out(o.end),
        "all_day": o.all_day,
        "status": o.status.value,
        "organizer": attendee_to_json(o.organizer) if o.organizer is not None else None,
        "attendees": [attendee_to_json(a) for a in o.attendees],
        "my_partstat": o.my_partstat.value if o.my_partstat is not None else None,
        "location": o.location,
        "description": o.description,
        "join_url": o.join_url,
        "alarm_minutes": list(o.alarm_minutes),
        "recurring": o.recurring,
        "rrule": o.rrule,
        "sequence": o.sequence,
        "event_href": o.event_href,
        "i_am_organizer": o.i_am_organizer,
        "attendee_count": o.attendee_count,
        "cut": o.cut.value if o.cut is not None else None,
    }


def occurrence_from_json(d: dict[str, Any]) -> Occurrence:
    try:
        organizer = d.get("organizer")
        my_partstat = d.get("my_partstat")
        join_url = d.get("join_url")
        cut = d.get("cut")
        return Occurrence(
            calendar_href=str(d["calendar_href"]),
            uid=str(d["uid"]),
            recurrence_id=str(d.get("recurrence_id", "")),
            title=str(d.get("title", "")),
            start=_dt_in(d["start"]),
            end=_dt_in(d["end"]),
            all_day=bool(d.get("all_day", False)),
            status=EventStatus(d.get("status", EventStatus.CONFIRMED.value)),
            organizer=attendee_from_json(organizer) if organizer is not None else None,
            attendees=tuple(attendee_from_json(a) for a in d.get("attendees", ())),
            my_partstat=PartStat(my_partstat) if my_partstat is not None else None,
            location=str(d.get("location", "")),
            description=str(d.get("description", "")),
            join_url=str(join_url) if join_url is not None else None,
            alarm_minutes=tuple(int(m) for m in d.get("alarm_minutes", ())),
            recurring=bool(d.get("recurring", False)),
            rrule=str(d.get("rrule", "")),
            sequence=int(d.get("sequence", 0)),
            event_href=str(d.get("event_href", "")),
            i_am_organizer=bool(d.get("i_am_organizer", False)),
            attendee_count=int(d.get("attendee_count", 0)),
            cut=Cut(cut) if cut is not None else None,
        )
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"not a stored occurrence: {type(exc).__name__}") from exc
