"""iCalendar -> parsed series: parse one calendar object, once per (href, etag).

The text is repaired first (repair.py), parsed (ical_reader.py: icalendar's own tree, read
faster), and split into series, one per UID, each in a small calendar of its own with the
time zones; expansion.py turns them into occurrences over a window, redone when the window
moves while the parse is cached by the caller. Malformed input never raises out of here: a
broken event is skipped and logged (its UID only, never a secret), the rest parse.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import icalendar

from calendar_bot.caldav.ical_reader import read_calendars
from calendar_bot.caldav.icalvalues import as_list, dt_value, recurrence_id_text
from calendar_bot.caldav.limits import ATTENDEE_COUNT, Budget, ExtraAttendees
from calendar_bot.caldav.repair import repair, repair_series
from calendar_bot.domain.model import Cut, PartStat

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Series:
    """One UID's components in a small calendar of their own (with the time zones)."""

    uid: str
    calendar: icalendar.Calendar
    recurring: bool
    cancelled_by_method: bool
    # RANGE=THISANDFUTURE overrides: their RECURRENCE-ID (UTC form) -> DTSTART - RECURRENCE-ID.
    # recurring-ical-events stamps every instance they shift with the override's own
    # RECURRENCE-ID; the shift gives each its original start back, keeping keys unique.
    range_shifts: dict[str, timedelta]
    cut: Cut | None = None  # the object was read in part (limits.py)
    rrule: str = ""  # the master's one RRULE, for the words under a new series
    # the answers of attendees beyond the listed ones (limits.MAX_LISTED_ATTENDEES), by e-mail
    more_partstats: dict[str, PartStat] = field(default_factory=dict)


class BrokenObject(Exception):
    """An object whose events cannot all be read: unknown, not gone."""


@dataclass(frozen=True, slots=True)
class ParsedObject:
    """A parsed calendar resource: its series, ready to expand."""

    series: tuple[Series, ...]
    readable: bool = True  # False: the text could not be parsed at all

    @property
    def uids(self) -> tuple[str, ...]:
        return tuple(s.uid for s in self.series)


def parse_object(text: str, label: str = "") -> ParsedObject:
    """Parse one iCalendar object (a CalDAV resource or a file). Never raises."""
    repaired = repair(text, Budget())
    try:
        calendars = read_calendars(repaired.text)
    except Exception as exc:
        log.warning("unreadable calendar object %s: %s", label, type(exc).__name__)
        return ParsedObject((), readable=False)
    if repaired.cut is not None:
        log.info("calendar object %s read in part: %s", label, repaired.cut.value)
    series: list[Series] = []
    ordinal = 0
    for cal in calendars:
        extras: dict[int, ExtraAttendees] = {}
        for comp in cal.walk("VEVENT"):
            extra = repaired.extra.get(ordinal)
            ordinal += 1
            if extra is not None:
                # the count travels with the event into every instance expanded from it
                comp[ATTENDEE_COUNT] = str(len(as_list(comp.get("ATTENDEE"))) + extra.count)
                extras[id(comp)] = extra
        series.extend(_split_series(cal, label, repaired.cut, extras))
    return ParsedObject(tuple(series))


def _synthetic_uid(event: icalendar.cal.Component) -> str:
    """A stable UID for an event without one, so it can still be keyed across polls."""
    names = ("DTSTART", "SUMMARY", "DTEND", "LOCATION", "DESCRIPTION", "RRULE")
    raw = "|".join(str(event.get(name, "")) for name in names)
    for start in as_list(event.get("DTSTART")):  # a broken event may have two
        raw += "|" + start.to_ical().decode(errors="replace")
    return "nouid-" + hashlib.sha256(raw.encode()).hexdigest()[:20]


def _split_series(
    cal: icalendar.Calendar,
    label: str,
    cut: Cut | None = None,
    extras: dict[int, ExtraAttendees] | None = None,
) -> list[Series]:
    method = str(cal.get("METHOD", "")).upper()
    timezones = [c for c in cal.subcomponents if c.name == "VTIMEZONE"]
    groups: dict[str, list[icalendar.cal.Component]] = {}
    for comp in cal.subcomponents:
        if comp.name != "VEVENT":
            continue
        uid = str(comp.get("UID", "")).strip()
        if not uid:
            uid = _synthetic_uid(comp)
            comp["UID"] = uid
        groups.setdefault(uid, []).append(comp)
    out: list[Series] = []
    for uid, events in groups.items():
        try:
            repair_series(events)
        except Exception as exc:  # repairs are best effort; expansion decides what is broken
            log.info("could not repair uid=%s in %s: %s", uid[:80], label, type(exc).__name__)
        small = icalendar.Calendar()
        for key in ("VERSION", "PRODID", "X-WR-TIMEZONE"):
            if key in cal:
                small[key] = cal[key]
        for tz in timezones:
            small.add_component(tz)
        for event in events:
            small.add_component(event)
        recurring = any("RRULE" in e or "RDATE" in e or "RECURRENCE-ID" in e for e in events)
        more: dict[str, PartStat] = {}
        for event in events:
            extra = (extras or {}).get(id(event))
            if extra is not None:
                more = {**extra.partstats, **more}  # the master's answers come first
        out.append(
            Series(
                uid,
                small,
                recurring,
                method == "CANCEL",
                _range_shifts(events),
                cut,
                _rrule_text(events),
                more,
            )
        )
    return out


def _range_shifts(events: list[icalendar.cal.Component]) -> dict[str, timedelta]:
    shifts: dict[str, timedelta] = {}
    for event in events:
        rid = event.get("RECURRENCE-ID")
        if rid is None or str(rid.params.get("RANGE", "")).upper() != "THISANDFUTURE":
            continue
        original, start = dt_value(rid), dt_value(event.get("DTSTART"))
        if isinstance(original, datetime) and isinstance(start, datetime):
            try:
                shifts[recurrence_id_text(original, UTC)] = start - original
            except TypeError:  # one naive, one aware: no reliable shift
                continue
    return shifts


def _rrule_text(events: list[icalendar.cal.Component]) -> str:
    """The series' RRULE as text ("FREQ=WEEKLY;BYDAY=MO,WE"), or "" when it has none or
    several (then no one rule says how it repeats)."""
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    rules = [r for e in masters for r in as_list(e.get("RRULE"))]
    if len(rules) != 1:
        return ""
    try:
        return str(rules[0].to_ical().decode("utf-8"))
    except (AttributeError, UnicodeDecodeError, ValueError):
        return ""
