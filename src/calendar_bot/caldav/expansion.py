"""Expansion: a parsed object's series into the occurrences that overlap a window.

Cheap next to parsing (ical.py), so it is redone whenever the window moves. A series over the
limits of density.py is cut to the first instance of each local day; a broken event is
skipped and logged (its UID only), the rest expand.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta, tzinfo

import icalendar
import recurring_ical_events

from calendar_bot.caldav.density import day_firsts, judge
from calendar_bot.caldav.ical import BrokenObject, ParsedObject, Series, parse_object
from calendar_bot.caldav.icalvalues import (
    alarm_minutes,
    as_list,
    as_utc,
    conference_text,
    description_of,
    dt_value,
    person,
    recurrence_id_text,
    status_of,
    text_of,
)
from calendar_bot.caldav.limits import ATTENDEE_COUNT, Budget
from calendar_bot.caldav.plain_series import PlainSeries, plain_master
from calendar_bot.domain.links import find_join_link
from calendar_bot.domain.model import Cut, ExpansionScope, Occurrence, TimeWindow
from calendar_bot.domain.text import clean_location
from calendar_bot.domain.zones import zone_of

log = logging.getLogger(__name__)


def _instance_to_occurrence(
    event: icalendar.cal.Component,
    series: Series,
    calendar_href: str,
    event_href: str,
    user_email: str,
    zone: tzinfo,
    cut: Cut | None = None,
) -> Occurrence:
    start_raw = dt_value(event.get("DTSTART"))
    all_day = not isinstance(start_raw, datetime)
    start = as_utc(start_raw, zone)
    end_prop = event.get("DTEND")
    if end_prop is not None:
        end = as_utc(dt_value(end_prop), zone)
    elif isinstance(dt_value(event.get("DURATION")), timedelta):
        end = start + dt_value(event.get("DURATION"))
    else:
        end = start + (timedelta(days=1) if all_day else timedelta(0))
    if end < start:
        end = start
    organizer = person(event["ORGANIZER"]) if event.get("ORGANIZER") is not None else None
    attendees = tuple(person(a) for a in as_list(event.get("ATTENDEE")))
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
        original = dt_value(rid) if rid is not None else start_raw
        if all_day and isinstance(original, datetime):
            original = original.date()  # Exchange writes all-day RECURRENCE-IDs as midnight
        recurrence_id = recurrence_id_text(original, zone)
        shift = series.range_shifts.get(recurrence_id)
        if shift is not None and isinstance(start_raw, datetime):
            recurrence_id = recurrence_id_text(start_raw - shift, zone)
    location = clean_location(text_of(event, "LOCATION"))
    description = description_of(event)
    try:
        sequence = int(str(event.get("SEQUENCE", 0)))
    except ValueError:
        sequence = 0
    return Occurrence(
        calendar_href=calendar_href,
        uid=series.uid,
        recurrence_id=recurrence_id,
        title=clean_location(text_of(event, "SUMMARY")),
        start=start,
        end=end,
        all_day=all_day,
        status=status_of(event, series.cancelled_by_method),
        organizer=organizer,
        attendees=attendees,
        my_partstat=my_partstat,
        location=location,
        description=description,
        join_url=find_join_link(
            text_of(event, "URL"), location, description, conference=conference_text(event)
        ),
        alarm_minutes=alarm_minutes(event, start, end, series.recurring),
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
    series: Series,
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


def _plain_occurrences(
    plain: PlainSeries,
    series: Series,
    start: datetime,
    end: datetime,
    calendar_href: str,
    event_href: str,
    user_email: str,
    zone: tzinfo,
) -> list[Occurrence]:
    """A plain series' instances over [start, end) (plain_series.py): the event read once,
    each instance its copy at its own time, as recurring_ical_events' copies would read."""
    moments = plain.starts(start, end)
    if not moments:
        return []
    event = _instance_to_occurrence(
        plain.master, series, calendar_href, event_href, user_email, zone
    )
    out: list[Occurrence] = []
    for moment in moments:
        begin = as_utc(moment, zone)
        finish = max(as_utc(moment + plain.duration, zone), begin)
        out.append(
            dataclasses.replace(
                event,
                start=begin,
                end=finish,
                recurrence_id=recurrence_id_text(moment, zone),
                alarm_minutes=alarm_minutes(plain.master, begin, finish, series.recurring),
            )
        )
    return out


def _at(master: icalendar.cal.Component, moment: datetime) -> icalendar.cal.Component:
    """A copy of `master` as its instance at `moment` (same length)."""
    instance = master.copy()
    start = dt_value(master.get("DTSTART"))
    end = dt_value(master.get("DTEND"))
    for name in ("DTSTART", "DTEND", "RRULE", "RDATE", "EXDATE", "DURATION"):
        instance.pop(name, None)
    instance.add("DTSTART", moment)
    if isinstance(start, datetime) and isinstance(end, datetime):
        with contextlib.suppress(TypeError):  # one naive, one aware: no length
            instance.add("DTEND", moment + (end - start))
    elif isinstance(dt_value(master.get("DURATION")), timedelta):
        instance.add("DURATION", dt_value(master.get("DURATION")))
    instance.subcomponents = list(master.subcomponents)
    return instance


def expand(
    parsed: ParsedObject,
    scope: ExpansionScope,
    *,
    calendar_href: str,
    event_href: str,
    strict: bool = False,
) -> list[Occurrence]:
    """The occurrences of a parsed object that overlap the scope's window. Never raises, unless
    `strict`: then an object that is unreadable, or none of whose events can be expanded,
    raises BrokenObject (a poll must not read a broken event as a deleted one). An object
    with some events that expand and some that do not gives what expands: an invitation
    with one broken part is still announced."""
    if strict and not parsed.readable:
        raise BrokenObject(event_href)
    window, user_email = scope.window, scope.user_email
    zone = zone_of(scope.default_tz)
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
            plain = plain_master(series.calendar)
            if plain is not None and judge(plain.master, query_start, query_end, zone) is None:
                found = _plain_occurrences(
                    plain,
                    series,
                    query_start,
                    query_end,
                    calendar_href,
                    event_href,
                    user_email,
                    zone,
                )
            else:
                cut, instances = _instances(series, window, query_start, query_end, zone, budget)
                found = [
                    _instance_to_occurrence(
                        instance, series, calendar_href, event_href, user_email, zone, cut
                    )
                    for instance in instances
                ]
            out.extend(occ for occ in found if overlaps(occ, window, zone))
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
        ExpansionScope(window, user_email, default_tz),
        calendar_href=calendar_href,
        event_href=event_href,
    )
