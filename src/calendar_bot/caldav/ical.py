"""iCalendar -> domain: parse one calendar object and expand it over a time window.

Parsing (the expensive part) happens once per (href, etag) and is cached by the caller;
expansion is cheap and redone when the window moves. Malformed input never raises out of
here: a broken event is skipped and logged (its UID only, never a secret), the rest parse.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from calendar_bot.caldav.density import day_firsts, judge
from calendar_bot.caldav.limits import (
    ATTENDEE_COUNT,
    MAX_LINE_CHARS,
    Budget,
    ExtraAttendees,
    LineGate,
    logical_lines,
)
from calendar_bot.domain.links import find_join_link
from calendar_bot.domain.model import (
    Attendee,
    Cut,
    EventStatus,
    Occurrence,
    PartStat,
    TimeWindow,
)
from calendar_bot.domain.text import clean_description, clean_location
from calendar_bot.domain.zones import zone_of

log = logging.getLogger(__name__)

_MAX_ABSOLUTE_LEAD = 7 * 24 * 60


@dataclass(frozen=True, slots=True)
class _Series:
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

    series: tuple[_Series, ...]
    readable: bool = True  # False: the text could not be parsed at all

    @property
    def uids(self) -> tuple[str, ...]:
        return tuple(s.uid for s in self.series)


_KNOWN_PROPERTIES = frozenset(
    [
        "BEGIN",
        "END",
        "VERSION",
        "PRODID",
        "CALSCALE",
        "METHOD",
        "UID",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "DURATION",
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "ORGANIZER",
        "ATTENDEE",
        "RRULE",
        "RDATE",
        "EXDATE",
        "EXRULE",
        "RECURRENCE-ID",
        "SEQUENCE",
        "STATUS",
        "CLASS",
        "PRIORITY",
        "TRANSP",
        "URL",
        "CREATED",
        "LAST-MODIFIED",
        "CATEGORIES",
        "COMMENT",
        "CONTACT",
        "GEO",
        "RELATED-TO",
        "RESOURCES",
        "ATTACH",
        "REQUEST-STATUS",
        "TRIGGER",
        "ACTION",
        "REPEAT",
        "TZID",
        "TZNAME",
        "TZOFFSETFROM",
        "TZOFFSETTO",
        "TZURL",
        "CONFERENCE",
        "COLOR",
        "IMAGE",
        "NAME",
        "REFRESH-INTERVAL",
        "SOURCE",
        "DUE",
        "COMPLETED",
        "PERCENT-COMPLETE",
        "FREEBUSY",
        "ACKNOWLEDGED",
        "LAST-MODIFIED",
        "STRUCTURED-DATA",
    ]
)
_TEXT_PROPERTIES = ("DESCRIPTION", "COMMENT", "SUMMARY", "LOCATION", "X-ALT-DESC")
_NAME = re.compile(r"^([A-Za-z0-9-]+)[;:]")
_DATE_VALUE_WITH_TZID = re.compile(
    r";TZID=(\"[^\"]*\"|[^;:]*)(?=[^:]*VALUE=DATE[:;])|"
    r"(?<=VALUE=DATE);TZID=(\"[^\"]*\"|[^;:]*)",
    re.IGNORECASE,
)
_TRAILING_T = re.compile(r"^((?:DTSTART|DTEND|RECURRENCE-ID)[^:]*:\d{8}T\d{6})T$", re.IGNORECASE)
_QUOTED_VALUE = re.compile(r';TZID="([^":]*):(\d{8}T\d{6}Z?)"$')
_EMPTY_DATE_LIST = re.compile(r"^(EXDATE|RDATE)[^:]*:\s*$", re.IGNORECASE)
_BAD_TRIGGER = re.compile(r"^(TRIGGER[^:]*:)([+]?)P(T?)-", re.IGNORECASE)


def _repair_line(line: str) -> str:
    upper = line.upper()
    if upper.startswith("RRULE") and " " in line:
        line = line.replace(" ", "")
    if ";TZID=:" in upper:
        line = re.sub(";TZID=:", ";TZID=X-BLANK:", line, flags=re.IGNORECASE)
    elif upper == "TZID:":
        line = "TZID:X-BLANK"
    if "VALUE=DATE" in upper and "TZID=" in upper and "VALUE=DATE-TIME" not in upper:
        line = _DATE_VALUE_WITH_TZID.sub("", line)
    line = _TRAILING_T.sub(r"\1", line)
    line = _QUOTED_VALUE.sub(r";TZID=\1:\2", line)
    return _BAD_TRIGGER.sub(r"\1-P\3", line)


@dataclass(frozen=True, slots=True)
class Repaired:
    """An object's text made readable, and what of it was left out (see limits.py)."""

    text: str
    cut: Cut | None = None
    extra: dict[int, ExtraAttendees] = field(default_factory=dict)  # by VEVENT ordinal


def repair(text: str, budget: Budget | None = None) -> Repaired:
    """Fix what would make the whole object unreadable: stray whitespace, a bare VEVENT,
    unescaped multi-line text, common producer bugs, missing END lines of a truncated file,
    text after END:VCALENDAR. Reads within the limits of limits.py, in one bounded pass."""
    gate = LineGate(budget or Budget())
    lines: list[str] = []
    for raw, overlong in logical_lines(text.lstrip("\ufeff \t\r\n")):
        name = _NAME.match(raw)
        # A property line: a known name, an X- name, or any all-caps name (properties are
        # written upper-case in practice, "Passcode: 123" in a pasted text is not).
        known = name is not None and (
            name.group(1).upper() in _KNOWN_PROPERTIES
            or name.group(1).upper().startswith("X-")
            or name.group(1).isupper()
        )
        if not known and lines and _NAME.match(lines[-1]) is not None:
            prev = _NAME.match(lines[-1])
            if prev is not None and prev.group(1).upper() in _TEXT_PROPERTIES:
                # a producer wrote raw newlines into a TEXT value (seen from Exchange)
                if len(lines[-1]) < MAX_LINE_CHARS:
                    lines[-1] += "\\n" + raw
                continue
        if raw.strip() and not _EMPTY_DATE_LIST.match(raw):
            admitted = gate.admit(raw, overlong)
            if gate.stopped:
                break
            if admitted is not None:
                lines.append(_repair_line(admitted.rstrip()))
    if not lines or lines[0].upper() != "BEGIN:VCALENDAR":
        lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//calendar-bot//repair//EN",
            *lines,
            "END:VCALENDAR",
        ]
    upper = [line.upper() for line in lines]
    if "END:VCALENDAR" in upper and not gate.stopped:
        lines = lines[: len(upper) - upper[::-1].index("END:VCALENDAR")]
    else:
        stack: list[str] = []
        for line in upper:
            kind, _, comp = line.partition(":")
            if kind == "BEGIN":
                stack.append(comp)
            elif kind == "END" and stack and stack[-1] == comp:
                stack.pop()
        lines.extend(f"END:{comp}" for comp in reversed(stack))
    return Repaired("\r\n".join(lines) + "\r\n", gate.cut, gate.extra)


def parse_object(text: str, label: str = "") -> ParsedObject:
    """Parse one iCalendar object (a CalDAV resource or a file). Never raises."""
    repaired = repair(text, Budget())
    try:
        calendars = icalendar.Calendar.from_ical(repaired.text, multiple=True)
    except Exception as exc:
        log.warning("unreadable calendar object %s: %s", label, type(exc).__name__)
        return ParsedObject((), readable=False)
    if repaired.cut is not None:
        log.info("calendar object %s read in part: %s", label, repaired.cut.value)
    series: list[_Series] = []
    ordinal = 0
    for cal in calendars:
        extras: dict[int, ExtraAttendees] = {}
        for comp in cal.walk("VEVENT"):
            extra = repaired.extra.get(ordinal)
            ordinal += 1
            if extra is not None:
                # the count travels with the event into every instance expanded from it
                comp[ATTENDEE_COUNT] = str(len(_as_list(comp.get("ATTENDEE"))) + extra.count)
                extras[id(comp)] = extra
        series.extend(_split_series(cal, label, repaired.cut, extras))
    return ParsedObject(tuple(series))


def _synthetic_uid(event: icalendar.cal.Component) -> str:
    """A stable UID for an event without one, so it can still be keyed across polls."""
    names = ("DTSTART", "SUMMARY", "DTEND", "LOCATION", "DESCRIPTION", "RRULE")
    raw = "|".join(str(event.get(name, "")) for name in names)
    start = event.get("DTSTART")
    if start is not None:
        raw += "|" + start.to_ical().decode(errors="replace")
    return "nouid-" + hashlib.sha256(raw.encode()).hexdigest()[:20]


def _split_series(
    cal: icalendar.Calendar,
    label: str,
    cut: Cut | None = None,
    extras: dict[int, ExtraAttendees] | None = None,
) -> list[_Series]:
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
    out: list[_Series] = []
    for uid, events in groups.items():
        try:
            for event in events:
                _resolve_unknown_tzids(event)
            fix_overrides(events)
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
            _Series(
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


# Outlook writes display names ("(UTC-05:00) Eastern Time (US & Canada)") as TZIDs, often
# without a VTIMEZONE. Keywords of the common ones; else the fixed offset in the label.
_DISPLAY_NAME_ZONES = (
    ("eastern time", "America/New_York"),
    ("central time", "America/Chicago"),
    ("mountain time", "America/Denver"),
    ("pacific time", "America/Los_Angeles"),
    ("sydney", "Australia/Sydney"),
    ("brisbane", "Australia/Brisbane"),
    ("moscow", "Europe/Moscow"),
    ("москва", "Europe/Moscow"),
    ("berlin", "Europe/Berlin"),
    ("paris", "Europe/Paris"),
    ("prague", "Europe/Prague"),
    ("london", "Europe/London"),
    ("dublin", "Europe/Dublin"),
    ("helsinki", "Europe/Helsinki"),
    ("kyiv", "Europe/Kyiv"),
    ("minsk", "Europe/Minsk"),
    ("istanbul", "Europe/Istanbul"),
    ("yekaterinburg", "Asia/Yekaterinburg"),
    ("екатеринбург", "Asia/Yekaterinburg"),
    ("novosibirsk", "Asia/Novosibirsk"),
    ("tokyo", "Asia/Tokyo"),
    ("beijing", "Asia/Shanghai"),
    ("brasília", "America/Sao_Paulo"),
    ("brasilia", "America/Sao_Paulo"),
)
_LABEL_OFFSET = re.compile(r"\((?:UTC|GMT)\s*([+-])(\d{1,2}):?(\d{2})?\)", re.IGNORECASE)
_TIME_PROPS = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")


def _zone_for_label(label: str) -> tzinfo | None:
    lowered = label.lower()
    for keyword, name in _DISPLAY_NAME_ZONES:
        if keyword in lowered:
            return ZoneInfo(name)
    match = _LABEL_OFFSET.search(label)
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    return timezone(sign * timedelta(minutes=minutes), label[:40])


def _resolve_unknown_tzids(event: icalendar.cal.Component) -> None:
    """Give naive values whose TZID icalendar could not resolve the zone the label names."""
    for name in _TIME_PROPS:
        for prop in _as_list(event.get(name)):
            try:
                values = getattr(prop, "dts", None) or [prop]
            except Exception:  # a broken value list: left for the expansion to judge
                values = []
            for value in values:
                tzid = str(getattr(value, "params", {}).get("TZID", "") or "")
                if not tzid:
                    tzid = str(getattr(prop, "params", {}).get("TZID", "") or "")
                dt = getattr(value, "dt", None)
                if tzid and isinstance(dt, datetime) and dt.tzinfo is None:
                    zone = _zone_for_label(tzid)
                    if zone is not None:
                        value.dt = dt.replace(tzinfo=zone)


def _range_shifts(events: list[icalendar.cal.Component]) -> dict[str, timedelta]:
    shifts: dict[str, timedelta] = {}
    for event in events:
        rid = event.get("RECURRENCE-ID")
        if rid is None or str(rid.params.get("RANGE", "")).upper() != "THISANDFUTURE":
            continue
        original, start = _dt(rid), _dt(event.get("DTSTART"))
        if isinstance(original, datetime) and isinstance(start, datetime):
            try:
                shifts[recurrence_id_text(original, UTC)] = start - original
            except TypeError:  # one naive, one aware: no reliable shift
                continue
    return shifts


def fix_overrides(events: list[icalendar.cal.Component]) -> None:
    """Exchange quirks in overrides: RECURRENCE-ID at local midnight of the instance's day
    (so it matches no instance), and an empty SUMMARY that means "as the series"."""
    master = next((e for e in events if "RECURRENCE-ID" not in e), None)
    if master is None or master.get("DTSTART") is None:
        return
    master_start = _dt(master.get("DTSTART"))
    for event in events:
        if event is master or "RECURRENCE-ID" not in event:
            continue
        if not str(event.get("SUMMARY", "")).strip() and master.get("SUMMARY"):
            event["SUMMARY"] = master["SUMMARY"]
        rid = _dt(event.get("RECURRENCE-ID"))
        if (
            isinstance(rid, datetime)
            and isinstance(master_start, datetime)
            and rid.time() == time(0)
            and master_start.time() != time(0)
        ):
            fixed = datetime.combine(rid.date(), master_start.time(), tzinfo=rid.tzinfo)
            event.pop("RECURRENCE-ID", None)
            event.add("RECURRENCE-ID", fixed)


# ---- expansion ------------------------------------------------------------------------------


def _dt(prop: Any) -> Any:
    """The Python value of a date/time/duration property (untyped in icalendar's stubs)."""
    return getattr(prop, "dt", None)


def _as_utc(value: date | datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=UTC)


def recurrence_id_text(value: date | datetime, zone: tzinfo) -> str:
    if isinstance(value, datetime):
        return _as_utc(value, zone).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")


def address_email(value: Any) -> str:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _person(prop: Any) -> Attendee:
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


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(event: icalendar.cal.Component, name: str) -> str:
    value = event.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)


def _status(event: icalendar.cal.Component, cancelled_by_method: bool) -> EventStatus:
    if cancelled_by_method:
        return EventStatus.CANCELLED
    raw = _text(event, "STATUS").strip().upper()
    try:
        return EventStatus(raw)
    except ValueError:
        return EventStatus.CONFIRMED


def _alarm_minutes(
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
            fire = _as_utc(value, UTC)
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


def _conference_text(event: icalendar.cal.Component) -> str:
    return " ".join(str(v) for name in _CONFERENCE_PROPERTIES for v in _as_list(event.get(name)))


def _description(event: icalendar.cal.Component) -> str:
    text = _text(event, "DESCRIPTION")
    if text.strip():
        return clean_description(text)
    alt = _text(event, "X-ALT-DESC")
    return clean_description(alt) if alt.strip() else ""


def _rrule_text(events: list[icalendar.cal.Component]) -> str:
    """The series' RRULE as text ("FREQ=WEEKLY;BYDAY=MO,WE"), or "" when it has none or
    several (then no one rule says how it repeats)."""
    masters = [e for e in events if "RECURRENCE-ID" not in e]
    rules = [r for e in masters for r in _as_list(e.get("RRULE"))]
    if len(rules) != 1:
        return ""
    try:
        return str(rules[0].to_ical().decode("utf-8"))
    except (AttributeError, UnicodeDecodeError, ValueError):
        return ""


def _instance_to_occurrence(
    event: icalendar.cal.Component,
    series: _Series,
    calendar_href: str,
    event_href: str,
    user_email: str,
    zone: tzinfo,
    cut: Cut | None = None,
) -> Occurrence:
    start_raw = _dt(event.get("DTSTART"))
    all_day = not isinstance(start_raw, datetime)
    start = _as_utc(start_raw, zone)
    end_prop = event.get("DTEND")
    if end_prop is not None:
        end = _as_utc(_dt(end_prop), zone)
    elif isinstance(_dt(event.get("DURATION")), timedelta):
        end = start + _dt(event.get("DURATION"))
    else:
        end = start + (timedelta(days=1) if all_day else timedelta(0))
    if end < start:
        end = start
    organizer = _person(event["ORGANIZER"]) if event.get("ORGANIZER") is not None else None
    attendees = tuple(_person(a) for a in _as_list(event.get("ATTENDEE")))
    me = user_email.strip().lower()
    my_partstat = next((a.partstat for a in attendees if me and a.email == me), None)
    if my_partstat is None and me:
        my_partstat = series.more_partstats.get(me)
    try:
        attendee_count = int(str(event.get(ATTENDEE_COUNT, 0)))
    except ValueError:
        attendee_count = 0
    recurrence_id = ""
    if series.recurring:
        rid = event.get("RECURRENCE-ID")
        original = _dt(rid) if rid is not None else start_raw
        if all_day and isinstance(original, datetime):
            original = original.date()  # Exchange writes all-day RECURRENCE-IDs as midnight
        recurrence_id = recurrence_id_text(original, zone)
        shift = series.range_shifts.get(recurrence_id)
        if shift is not None and isinstance(start_raw, datetime):
            recurrence_id = recurrence_id_text(start_raw - shift, zone)
    location = clean_location(_text(event, "LOCATION"))
    description = _description(event)
    try:
        sequence = int(str(event.get("SEQUENCE", 0)))
    except ValueError:
        sequence = 0
    return Occurrence(
        calendar_href=calendar_href,
        uid=series.uid,
        recurrence_id=recurrence_id,
        title=clean_location(_text(event, "SUMMARY")),
        start=start,
        end=end,
        all_day=all_day,
        status=_status(event, series.cancelled_by_method),
        organizer=organizer,
        attendees=attendees,
        my_partstat=my_partstat,
        location=location,
        description=description,
        join_url=find_join_link(
            _text(event, "URL"), location, description, conference=_conference_text(event)
        ),
        alarm_minutes=_alarm_minutes(event, start, end, series.recurring),
        recurring=series.recurring,
        rrule=series.rrule,
        sequence=sequence,
        event_href=event_href,
        i_am_organizer=bool(me and organizer is not None and organizer.email == me),
        attendee_count=attendee_count,
        cut=cut or series.cut,
    )


def overlaps(occ: Occurrence, window: TimeWindow, zone: tzinfo) -> bool:
    """Whether the occurrence touches the window (all-day ones by the user's local days)."""
    if not occ.all_day:
        if occ.start == occ.end:
            return window.start <= occ.start < window.end
        return window.overlaps(occ.start, occ.end)
    # an all-day event covers the user's local days, not UTC days
    first = datetime.combine(occ.start.date(), time(0), tzinfo=zone)
    last = datetime.combine(occ.end.date(), time(0), tzinfo=zone)
    return window.overlaps(first, max(last, first + timedelta(days=1)))


def _instances(
    series: _Series,
    window: TimeWindow,
    start: datetime,
    end: datetime,
    zone: tzinfo,
    budget: Budget,
) -> tuple[Cut | None, Iterable[icalendar.cal.Component]]:
    """The instances to show of one series over [start, end) (the window, widened): all of
    them, or, for a series over the limits (density.judge), the first of each local day of
    the window of its master."""
    masters = [
        e
        for e in series.calendar.walk("VEVENT")
        if "RECURRENCE-ID" not in e and ("RRULE" in e or "RDATE" in e)
    ]
    for master in masters:
        cut = judge(master, start, end, zone)
        if cut is not None:
            log.info("cut a series uid=%s: %s", series.uid[:80], cut.value)
            firsts = day_firsts(master, window.start, window.end, zone, budget)
            return cut, [_at(master, moment) for moment in firsts]
    return None, recurring_ical_events.of(series.calendar).between(start, end)


def _at(master: icalendar.cal.Component, moment: datetime) -> icalendar.cal.Component:
    """A copy of `master` as its instance at `moment` (same length)."""
    instance = master.copy()
    start = _dt(master.get("DTSTART"))
    end = _dt(master.get("DTEND"))
    for name in ("DTSTART", "DTEND", "RRULE", "RDATE", "EXDATE", "DURATION"):
        instance.pop(name, None)
    instance.add("DTSTART", moment)
    if isinstance(start, datetime) and isinstance(end, datetime):
        with contextlib.suppress(TypeError):  # one naive, one aware: no length
            instance.add("DTEND", moment + (end - start))
    elif isinstance(_dt(master.get("DURATION")), timedelta):
        instance.add("DURATION", _dt(master.get("DURATION")))
    instance.subcomponents = list(master.subcomponents)
    return instance


def expand(
    parsed: ParsedObject,
    window: TimeWindow,
    *,
    calendar_href: str,
    event_href: str,
    user_email: str,
    default_tz: str,
    strict: bool = False,
) -> list[Occurrence]:
    """The occurrences of a parsed object that overlap the window. Never raises, unless
    `strict`: then an object that is unreadable, or none of whose events can be expanded,
    raises BrokenObject (a poll must not read a broken event as a deleted one). An object
    with some events that expand and some that do not gives what expands: an invitation
    with one broken part is still announced."""
    if strict and not parsed.readable:
        raise BrokenObject(event_href)
    zone = zone_of(default_tz)
    # Floating and all-day values are compared in local terms: widen, then filter exactly.
    query_start = window.start - timedelta(days=2)
    query_end = window.end + timedelta(days=2)
    budget = Budget()
    out: list[Occurrence] = []
    expanded = failed = 0
    for series in parsed.series:
        try:
            if budget.exceeded():
                log.warning("no time left to expand uid=%s in %s", series.uid[:80], event_href)
                continue
            cut, instances = _instances(series, window, query_start, query_end, zone, budget)
            for instance in instances:
                occ = _instance_to_occurrence(
                    instance, series, calendar_href, event_href, user_email, zone, cut
                )
                if overlaps(occ, window, zone):
                    out.append(occ)
            expanded += 1
        except Exception as exc:
            failed += 1
            log.warning(
                "skipped a broken event uid=%s in %s: %s",
                series.uid[:80],
                event_href,
                type(exc).__name__,
            )
    if strict and failed and not expanded:
        raise BrokenObject(event_href)
    out.sort(key=lambda o: (o.start, o.uid, o.recurrence_id))
    return out


def occurrences_from_text(
    text: str,
    window: TimeWindow,
    *,
    calendar_href: str = "",
    event_href: str = "",
    user_email: str = "",
    default_tz: str = "UTC",
) -> list[Occurrence]:
    """Parse and expand in one go (tests, diagnostics)."""
    return expand(
        parse_object(text, event_href),
        window,
        calendar_href=calendar_href,
        event_href=event_href,
        user_email=user_email,
        default_tz=default_tz,
    )
