"""iCalendar edits of a meeting the person organizes: move, rename, new length, cancel, for
one occurrence, this and the following ones, or the whole series. Pure: text in, text out.

- One occurrence: a RECURRENCE-ID override (created from the master when missing) carries the
  new time, title or length. Cancelling one occurrence adds an EXDATE to the master and drops
  its override: every server and client expands an EXDATE the same way, while a
  STATUS:CANCELLED override is shown as a live meeting by some clients and left in the
  time-range results of others; with RFC 6638 implicit scheduling both make the server send
  the attendees a CANCEL for that instance.
- This and following: the series is split. The old master's RRULE ends (UNTIL) just before
  this occurrence (a COUNT becomes that UNTIL); a new series with a new UID starts here with
  the rest of the COUNT, the EXDATEs, RDATEs and overrides from here on, and the change
  applied as for a whole series. Cancelling this and following only ends the old series.
- The whole series: the master and every override. A move shifts every instance by the same
  wall-clock step in the series' own zone (RECURRENCE-IDs, EXDATEs, RDATEs and UNTIL with
  them, a weekly BYDAY by the days it crossed).
Every changed component gets SEQUENCE+1, a fresh DTSTAMP and LAST-MODIFIED. Times keep the
form they had (TZID, UTC or floating); new overrides are written in UTC as writes.py does.

Before editing, the occurrence on the server is compared with the one the person saw: when
the part the change is about differs (it moved, was renamed, was cancelled), `Changed`
says what it is now and nothing is written. Anything else (an attendee's answer, a new
location) does not stop the change.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr

from calendar_bot.caldav.icalvalues import as_list, recurrence_id_text, text_of
from calendar_bot.caldav.writes import PRODID, events_of, instance_of, load_calendar, rid_of
from calendar_bot.domain.edits import (
    CancelMeeting,
    ChangedFacts,
    EventEdit,
    Move,
    Rename,
    Resize,
    Scope,
)
from calendar_bot.domain.model import Occurrence
from calendar_bot.domain.text import clean_location
from calendar_bot.ports import CalendarError, ChangedMeanwhile, NotFound, RuleTooComplex

Component = Any  # icalendar components: properties read dynamically (.dt, .dts, vRecur)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True, slots=True)
class Edited:
    text: str  # the object as it is to be written back
    new_series: str = ""  # "this and following": the new series' object ("" otherwise)
    new_uid: str = ""


def apply_edit(
    text: str,
    occurrence: Occurrence,
    edit: EventEdit,
    scope: Scope,
    now: datetime,
    tz: ZoneInfo,
    *,
    new_uid: str = "",
) -> Edited:
    """The object `text` with `edit` applied to `occurrence` over `scope`. Raises
    ChangedMeanwhile when the occurrence is no longer what the person saw, NotFound when it
    is gone. `new_uid` names the new series of a "this and following" split."""
    cal = load_calendar(text)
    events: list[Component] = events_of(cal, occurrence.uid)
    master: Component | None = next((e for e in events if "RECURRENCE-ID" not in e), None)
    check(events, master, occurrence, edit, tz)
    series = bool(occurrence.recurrence_id) and master is not None and _rules(master)
    if not series:
        scope = Scope.THIS
    first = _instant(master["DTSTART"].dt, tz) if master is not None else None
    if scope is Scope.FOLLOWING and first is not None and _rid_instant(occurrence) <= first:
        scope = Scope.SERIES  # from the first one on: that is the whole series
    stamp = now.astimezone(UTC).replace(microsecond=0)
    if scope is Scope.SERIES and master is not None:
        _edit_series(events, master, occurrence, edit, stamp, tz)
        return Edited(_dump(cal))
    if scope is Scope.FOLLOWING and master is not None:
        if not new_uid:
            raise ValueError("a split needs the new series' UID")
        rest = _split(cal, events, master, occurrence, stamp, tz, new_uid)
        if isinstance(edit, CancelMeeting):
            return Edited(_dump(cal))  # the old series ends here; nothing follows
        new_events = [c for c in rest.subcomponents if c.name == "VEVENT"]
        new_master = next(e for e in new_events if "RECURRENCE-ID" not in e)
        _edit_series(new_events, new_master, occurrence, edit, stamp, tz)
        return Edited(_dump(cal), _dump(rest), new_uid)
    if series and isinstance(edit, CancelMeeting) and master is not None:
        _exclude(cal, events, master, occurrence, stamp, tz)
        return Edited(_dump(cal))
    target = instance_of(cal, events, occurrence) if series else events[0]
    _edit_one(target, edit, tz)
    _bump(target, stamp)
    return Edited(_dump(cal))


# ---- is it still what the person saw? ----------------------------------------------------


def current_facts(
    events: list[Component], master: Component | None, occurrence: Occurrence, tz: ZoneInfo
) -> tuple[datetime, datetime, str, bool] | ChangedFacts:
    """(start, end, title, cancelled) of the occurrence on the server, or ChangedFacts when
    it is no longer one (excluded, or the series no longer has it)."""
    if not occurrence.recurrence_id:
        event = master or events[0]
        return _facts(event, tz)
    for event in events:
        if rid_of(event) == occurrence.recurrence_id:
            return _facts(event, tz)
    if master is None:
        raise NotFound("the series master is missing")
    rid = _rid_instant(occurrence)
    excluded = {recurrence_id_text(value, tz) for value in _date_values(master, "EXDATE")}
    if occurrence.recurrence_id in excluded:
        return ChangedFacts("cancelled")
    if not _is_instance(master, rid, tz):
        return ChangedFacts("moved")
    start, end, title, cancelled = _facts(master, tz)
    return rid, rid + (end - start), title, cancelled


def check(
    events: list[Component],
    master: Component | None,
    occurrence: Occurrence,
    edit: EventEdit,
    tz: ZoneInfo,
) -> None:
    facts = current_facts(events, master, occurrence, tz)
    if isinstance(facts, ChangedFacts):
        raise ChangedMeanwhile(facts)
    start, end, title, cancelled = facts
    if cancelled:
        raise ChangedMeanwhile(ChangedFacts("cancelled", start, end, title))
    if isinstance(edit, Move | Resize) and (start, end) != (occurrence.start, occurrence.end):
        raise ChangedMeanwhile(ChangedFacts("moved", start, end, title))
    if isinstance(edit, Rename) and title != occurrence.title:
        raise ChangedMeanwhile(ChangedFacts("renamed", start, end, title))


def _facts(event: Component, tz: ZoneInfo) -> tuple[datetime, datetime, str, bool]:
    start = _instant(event["DTSTART"].dt, tz)
    end = start + _length(event, tz)
    cancelled = text_of(event, "STATUS").strip().upper() == "CANCELLED"
    return start, end, clean_location(text_of(event, "SUMMARY")), cancelled


# ---- one component ------------------------------------------------------------------------


def _edit_one(event: Component, edit: EventEdit, tz: ZoneInfo) -> None:
    match edit:
        case Move(start):
            length = _length(event, tz)
            _set_time(event, "DTSTART", start, tz)
            if "DTEND" in event:
                _set_time(event, "DTEND", start + length, tz)
        case Resize(minutes):
            start = _instant(event["DTSTART"].dt, tz)
            event.pop("DURATION", None)
            _set_time(event, "DTEND", start + timedelta(minutes=minutes), tz, like="DTSTART")
        case Rename(title):
            event.pop("SUMMARY", None)
            event.add("SUMMARY", title)
        case CancelMeeting():
            event.pop("STATUS", None)
            event.add("STATUS", "CANCELLED")


def _bump(event: Component, stamp: datetime) -> None:
    try:
        sequence = int(str(event.get("SEQUENCE", 0)))
    except ValueError:
        sequence = 0
    for name, value in (("SEQUENCE", sequence + 1), ("DTSTAMP", stamp), ("LAST-MODIFIED", stamp)):
        event.pop(name, None)
        event.add(name, value)


# ---- a whole series -----------------------------------------------------------------------


def _edit_series(
    events: list[Component],
    master: Component,
    occurrence: Occurrence,
    edit: EventEdit,
    stamp: datetime,
    tz: ZoneInfo,
) -> None:
    if isinstance(edit, Move):
        _shift_series(events, master, occurrence.start, edit.start, tz)
    else:
        for event in events:
            _edit_one(event, edit, tz)
    for event in events:
        _bump(event, stamp)


def _shift_series(
    events: list[Component], master: Component, old: datetime, new: datetime, tz: ZoneInfo
) -> None:
    """Every instance by the wall-clock step from `old` to `new` in the series' zone."""
    zone = _zone_of(master["DTSTART"].dt, tz)
    step = _wall(new, zone) - _wall(old, zone)
    days = (_wall(new, zone).date() - _wall(old, zone).date()).days
    for event in events:
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
            if name in event:
                value = event[name].dt
                event.pop(name)
                event.add(name, _shifted(value, step, zone))
        for name in ("EXDATE", "RDATE"):
            values = _date_values(event, name)
            if values:
                event.pop(name)
                event.add(name, [_shifted(v, step, zone) for v in values])
        rule = event.get("RRULE")
        if rule is not None:
            rule = copy.deepcopy(rule)
            if "UNTIL" in rule:
                rule["UNTIL"] = [_shifted(u, step, zone) for u in rule["UNTIL"]]
            _follow_start(rule, days, _wall(old, zone), _wall(new, zone))
            event.pop("RRULE")
            event.add("RRULE", rule)


# Rule parts that fix a day no simple step can carry: a series using them moves only in a
# calendar app.
_FIXED_DAY_PARTS = ("BYYEARDAY", "BYWEEKNO", "BYSETPOS")


def _follow_start(rule: Any, days: int, old: datetime, new: datetime) -> None:
    """The rule's parts that name the start's weekday, month day, month, hour or minute
    follow it from `old` to `new` (wall times). A part that cannot follow exactly (an
    ordinal weekday such as "2TU", several month days, a year day) refuses the move rather
    than write a series that repeats on other days than the person moved it to."""
    if days and any(part in rule for part in _FIXED_DAY_PARTS):
        raise RuleTooComplex("the series' rule cannot follow the move")
    if days % 7 and "BYDAY" in rule:
        if any(str(d)[:-2] for d in rule["BYDAY"]):
            raise RuleTooComplex("an ordinal weekday cannot follow the move")
        rule["BYDAY"] = [_weekday_plus(d, days) for d in rule["BYDAY"]]
    for part, before, after in (
        ("BYMONTHDAY", old.day, new.day),
        ("BYMONTH", old.month, new.month),
        ("BYHOUR", old.hour, new.hour),
        ("BYMINUTE", old.minute, new.minute),
    ):
        if part in rule and before != after:
            if [int(v) for v in rule[part]] != [before]:
                raise RuleTooComplex(f"{part} cannot follow the move")
            rule[part] = [after]


def _weekday_plus(byday: str, days: int) -> str:
    text = str(byday)
    return _WEEKDAYS[(_WEEKDAYS.index(text[-2:].upper()) + days) % 7]


# ---- cancel one occurrence ----------------------------------------------------------------


def _exclude(
    cal: icalendar.Calendar,
    events: list[Component],
    master: Component,
    occurrence: Occurrence,
    stamp: datetime,
    tz: ZoneInfo,
) -> None:
    for event in events:
        if event is not master and rid_of(event) == occurrence.recurrence_id:
            cal.subcomponents.remove(event)
    values = _date_values(master, "EXDATE")
    master.pop("EXDATE", None)
    rid = _like(master["DTSTART"].dt, _rid_instant(occurrence), tz)
    master.add("EXDATE", [*values, rid])
    _bump(master, stamp)


# ---- this and following: split the series -------------------------------------------------


def _split(
    cal: icalendar.Calendar,
    events: list[Component],
    master: Component,
    occurrence: Occurrence,
    stamp: datetime,
    tz: ZoneInfo,
    new_uid: str,
) -> icalendar.Calendar:
    """End the old series before `occurrence`; the calendar of the new series from it on."""
    rid = _rid_instant(occurrence)
    first = master["DTSTART"].dt
    rule = copy.deepcopy(master["RRULE"]) if "RRULE" in master else None
    before = _count_before(master, rid, tz) if rule is not None and "COUNT" in rule else 0

    new_master = copy.deepcopy(master)
    new_master.pop("UID")
    new_master.add("UID", new_uid)
    length = _length(master, tz)
    _set_time(new_master, "DTSTART", rid, tz)
    if "DTEND" in new_master:
        _set_time(new_master, "DTEND", rid + length, tz)
    for name in ("EXDATE", "RDATE"):
        values = _date_values(master, name)
        master.pop(name, None)
        new_master.pop(name, None)
        old = [v for v in values if _instant(v, tz) < rid]
        new = [v for v in values if _instant(v, tz) >= rid]
        if old:
            master.add(name, old)
        if new:
            new_master.add(name, new)
    if rule is not None:
        old_rule = copy.deepcopy(rule)
        old_rule.pop("COUNT", None)
        old_rule["UNTIL"] = [_until_before(first, rid, tz)]
        master.pop("RRULE")
        master.add("RRULE", old_rule)
        if "COUNT" in rule:
            rule["COUNT"] = [max(1, int(rule["COUNT"][0]) - before)]
        new_master.pop("RRULE")
        new_master.add("RRULE", rule)
    _bump(master, stamp)

    rest = icalendar.Calendar()
    rest.add("PRODID", PRODID)
    rest.add("VERSION", "2.0")
    for component in cal.subcomponents:
        if component.name == "VTIMEZONE":
            rest.add_component(copy.deepcopy(component))
    rest.add_component(new_master)
    for event in events:
        if event is master or "RECURRENCE-ID" not in event:
            continue
        if _instant(event["RECURRENCE-ID"].dt, tz) >= rid:
            cal.subcomponents.remove(event)
            event.pop("UID")
            event.add("UID", new_uid)
            rest.add_component(event)
    if not any(c.name == "VTIMEZONE" for c in rest.subcomponents):
        rest.add_missing_timezones()  # Mail.ru refuses a TZID without its VTIMEZONE
    return rest


def _until_before(first: date | datetime, rid: datetime, tz: ZoneInfo) -> date | datetime:
    """The UNTIL that ends a series just before `rid`: a day earlier for an all-day series,
    a second earlier in UTC for a timed one (floating for a floating DTSTART, RFC 5545)."""
    if not isinstance(first, datetime):
        return rid.date() - timedelta(days=1)
    last = rid - timedelta(seconds=1)
    if first.tzinfo is None:
        return last.astimezone(tz).replace(tzinfo=None)
    return last.astimezone(UTC)


def _count_before(master: Component, rid: datetime, tz: ZoneInfo) -> int:
    """How many instances the RRULE made before `rid` (a COUNT counts excluded ones too)."""
    start = _instant(master["DTSTART"].dt, tz)
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start, ignoretz=False)
    count = 0
    for moment in rule:
        if moment >= rid:
            break
        count += 1
    return count


def _is_instance(master: Component, rid: datetime, tz: ZoneInfo) -> bool:
    start = _instant(master["DTSTART"].dt, tz)
    if rid == start:
        return True
    if any(_instant(v, tz) == rid for v in _date_values(master, "RDATE")):
        return True
    if "RRULE" not in master:
        return False
    zone = _zone_of(master["DTSTART"].dt, tz)
    local_start = start.astimezone(zone)
    text = master["RRULE"].to_ical().decode()
    try:
        rule = rrulestr(text, dtstart=local_start)
    except (ValueError, TypeError):
        return True  # a rule dateutil cannot read: do not claim the instance went away
    found: datetime | None = rule.after(rid - timedelta(seconds=1), inc=True)
    return found == rid


# ---- values -------------------------------------------------------------------------------


def _rules(master: Component) -> bool:
    has: bool = "RRULE" in master or "RDATE" in master
    return has


def _rid_instant(occurrence: Occurrence) -> datetime:
    rid = occurrence.recurrence_id
    if "T" in rid:
        return datetime.strptime(rid, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return datetime.strptime(rid, "%Y%m%d").replace(tzinfo=UTC)


def _instant(value: date | datetime, tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo is not None else value.replace(tzinfo=tz)).astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _zone_of(value: date | datetime, tz: tzinfo) -> tzinfo:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.tzinfo
    return tz


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _shifted(value: date | datetime, step: timedelta, zone: tzinfo) -> date | datetime:
    if not isinstance(value, datetime):
        return value + timedelta(days=step.days)
    if value.tzinfo is None:
        return value + step
    moved = (_wall(value, zone) + step).replace(tzinfo=zone)
    return moved.astimezone(value.tzinfo)


def _like(template: date | datetime, moment: datetime, tz: tzinfo) -> date | datetime:
    """`moment` in the form of `template`: its zone, UTC, floating, or a date."""
    if not isinstance(template, datetime):
        return moment.date()
    if template.tzinfo is None:
        return moment.astimezone(tz).replace(tzinfo=None)
    return moment.astimezone(template.tzinfo)


def _set_time(event: Component, name: str, moment: datetime, tz: tzinfo, *, like: str = "") -> None:
    template = event[like or name].dt if (like or name) in event else moment
    event.pop(name, None)
    event.add(name, _like(template, moment, tz))


def _length(event: Component, tz: tzinfo) -> timedelta:
    start = event["DTSTART"].dt
    if "DTEND" in event:
        return _instant(event["DTEND"].dt, tz) - _instant(start, tz)
    if "DURATION" in event:
        duration = event["DURATION"].dt
        return duration if isinstance(duration, timedelta) else timedelta(0)
    return timedelta(0) if isinstance(start, datetime) else timedelta(days=1)


def _date_values(event: Component, name: str) -> list[Any]:
    out: list[Any] = []
    for prop in as_list(event.get(name)):
        out.extend(item.dt for item in getattr(prop, "dts", []))
    return out


def _dump(cal: icalendar.Calendar) -> str:
    try:
        return str(cal.to_ical().decode())
    except Exception as exc:
        raise CalendarError(f"the edited event cannot be written ({type(exc).__name__})") from None
