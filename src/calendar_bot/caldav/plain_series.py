"""The instances of a plain recurring series, found without recurring_ical_events.

Most recurring meetings are one event with one rule ("every Monday", "daily, 10 times"),
maybe with a few dates taken out. recurring_ical_events answers those by building its whole
model of a series and a copy of the event per instance (about half of a changed object's
expansion); here the same instances come from the rule directly, with dateutil as
recurring_ical_events itself uses it, and the same handling of what it adds around it:

- DTSTART is always an instance (unless it is after UNTIL), whether the rule matches it;
- an EXDATE takes out an instance that has its moment in UTC or its local wall time;
- an instance lasts as long as the event (DTEND - DTSTART, or DURATION), in local time.

Anything else, or anything in doubt, is not plain (`plain_master` answers None) and goes
to recurring_ical_events: overrides (RECURRENCE-ID), RDATE, several rules, dates or floating
times, a rule part beyond the common ones, X-WR-TIMEZONE (which recurring_ical_events
applies), pytz zones, an end before the start. tests/unit/test_plain_series.py compares
both on the corpus and on generated series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
from dateutil.rrule import rrule, rrulestr

from calendar_bot.caldav.icalvalues import as_list, dt_value

# rule parts whose meaning dateutil and recurring_ical_events share without adjustment
_PLAIN_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST"}
)


@dataclass(frozen=True, slots=True)
class PlainSeries:
    """A series of one event and one rule: its event, its rule and its instances' length."""

    master: icalendar.cal.Component
    start: datetime  # DTSTART, aware
    rule: rrule
    duration: timedelta
    excluded: frozenset[datetime]  # EXDATEs as naive UTC and naive local wall times

    def starts(self, start: datetime, end: datetime) -> list[datetime]:
        """The instances' starts (in DTSTART's zone) of those that overlap [start, end),
        and maybe a few more just before (the caller filters exactly), in order."""
        found = set(self.rule.between(start - self.duration, end, inc=True))
        until = self.rule._until  # dateutil keeps UNTIL only here
        if start - self.duration <= self.start <= end and (until is None or self.start <= until):
            found.add(self.start)
        return sorted(s for s in found if not self._is_excluded(s))

    def _is_excluded(self, moment: datetime) -> bool:
        return (
            moment.astimezone(UTC).replace(tzinfo=None) in self.excluded
            or moment.replace(tzinfo=None) in self.excluded
        )


def plain_master(calendar: icalendar.Calendar) -> PlainSeries | None:
    """The series in `calendar` (one UID's small calendar, ical.py) as a PlainSeries, or
    None when it is not plain (see the module docstring)."""
    if "X-WR-TIMEZONE" in calendar:
        return None
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    if len(events) != 1:
        return None
    master = events[0]
    rules = as_list(master.get("RRULE"))
    if len(rules) != 1 or "RDATE" in master or "RECURRENCE-ID" in master:
        return None
    start = dt_value(master.get("DTSTART"))
    if not _zoned(start):
        return None
    duration = _duration(master, start)
    if duration is None:
        return None
    excluded = _excluded(master)
    if excluded is None:
        return None
    rule = _rule(rules[0], start)
    if rule is None:
        return None
    return PlainSeries(master, start, rule, duration, excluded)


def _zoned(value: object) -> bool:
    """An aware datetime in a zone recurring_ical_events does not adjust (pytz it does)."""
    return (
        isinstance(value, datetime)
        and value.tzinfo is not None
        and not hasattr(value.tzinfo, "localize")
    )


def _duration(master: icalendar.cal.Component, start: datetime) -> timedelta | None:
    if "DTEND" in master:
        end = dt_value(master.get("DTEND"))
        if not _zoned(end):
            return None
        length: timedelta = end - start
    elif "DURATION" in master:
        length = dt_value(master.get("DURATION"))
        if not isinstance(length, timedelta):
            return None
    else:
        length = timedelta(0)
    return length if length >= timedelta(0) else None


def _excluded(master: icalendar.cal.Component) -> frozenset[datetime] | None:
    out: set[datetime] = set()
    for prop in as_list(master.get("EXDATE")):
        for value in getattr(prop, "dts", ()):
            moment = getattr(value, "dt", None)
            if not _zoned(moment):
                return None
            assert isinstance(moment, datetime)
            out.add(moment.astimezone(UTC).replace(tzinfo=None))
            out.add(moment.replace(tzinfo=None))
    return frozenset(out)


def _rule(value: Any, start: datetime) -> rrule | None:
    """`value`: icalendar's vRecur."""
    if not set(value) <= _PLAIN_PARTS:
        return None
    try:
        count = value.get("COUNT")
        if count is not None and int(count[0]) < 1:
            return None
        parsed = rrulestr(value.to_ical().decode(), dtstart=start, cache=True)
    except (ValueError, TypeError, IndexError, UnicodeDecodeError):
        return None  # recurring_ical_events mends some of these (UNTIL without a zone)
    return parsed if isinstance(parsed, rrule) else None
