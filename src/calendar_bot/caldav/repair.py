"""Repair: broken iCalendar text made readable, a public step of its own before parsing.

`repair` fixes what would make a whole object unreadable (stray whitespace, a bare VEVENT,
unescaped multi-line text, producer bugs, a truncated file), within the limits of limits.py;
`repair_series` fixes, in place, what would make one UID's parsed components expand wrongly
(time zones named by display names, Exchange's overrides). Both are best effort.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import icalendar

from calendar_bot.caldav.icalvalues import as_list, dt_value
from calendar_bot.caldav.limits import (
    MAX_LINE_CHARS,
    Budget,
    ExtraAttendees,
    LineGate,
    logical_lines,
)
from calendar_bot.domain.model import Cut

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


def repair_series(events: list[icalendar.cal.Component]) -> None:
    """Fix one UID's components in place: values whose TZID icalendar could not resolve get
    the zone their label names, and Exchange's override quirks (`fix_overrides`)."""
    for event in events:
        _resolve_unknown_tzids(event)
    fix_overrides(events)


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
        for prop in as_list(event.get(name)):
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


def fix_overrides(events: list[icalendar.cal.Component]) -> None:
    """Exchange quirks in overrides: RECURRENCE-ID at local midnight of the instance's day
    (so it matches no instance), and an empty SUMMARY that means "as the series"."""
    master = next((e for e in events if "RECURRENCE-ID" not in e), None)
    if master is None or master.get("DTSTART") is None:
        return
    master_start = dt_value(master.get("DTSTART"))
    for event in events:
        if event is master or "RECURRENCE-ID" not in event:
            continue
        if not str(event.get("SUMMARY", "")).strip() and master.get("SUMMARY"):
            event["SUMMARY"] = master["SUMMARY"]
        rid = dt_value(event.get("RECURRENCE-ID"))
        if (
            isinstance(rid, datetime)
            and isinstance(master_start, datetime)
            and rid.time() == time(0)
            and master_start.time() != time(0)
        ):
            fixed = datetime.combine(rid.date(), master_start.time(), tzinfo=rid.tzinfo)
            event.pop("RECURRENCE-ID", None)
            event.add("RECURRENCE-ID", fixed)
