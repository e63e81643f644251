"""Which reminders fall due between two scheduler ticks.

The rule, precisely. For each occurrence and each lead L (the user's `leads`: the reminder
lead and/or 0 for "at the start", plus the event's own VALARM leads, deduplicated; negative
leads ignored), fire_at = start - L.
A reminder is due at tick `now` (previous tick `last_tick`) when

    last_tick < fire_at <= now          it fell in this tick's interval, and
    now < start            for L > 0:   a "starts in 15 minutes" after the start is noise;
    now < end              for L = 0:   the start notice is worth sending while the meeting
                                        is on (at least a minute, for zero-length events).

So after downtime or a late tick (`last_tick` long ago) everything whose meeting has not
started yet is still sent, once, flagged `late` when fire_at is more than a minute before now;
and a meeting that started inside the gap but is still in progress gets its start notice,
flagged late too. Exactly-once
is the outbox's job: the reminder's key (domain.notice_keys) is stable per (user, occurrence,
start, lead), and it contains the start, so a moved meeting is reminded again at its new time.

Skipped: cancelled meetings, meetings the user declined, timed meetings that start inside
the user's quiet hours unless they asked for reminders then (domain/quiet.py), and all-day
events unless the user asked for them (`remind_all_day`; their start is then local midnight
of the first day in the user's time zone, not the UTC midnight the model stores).

Cheap by design: one pass, no sorting unless asked, a few comparisons per occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime

from calendar_bot.domain.model import (
    Occurrence,
    OccurrenceKey,
    PartStat,
    UserSettings,
)
from calendar_bot.domain.quiet import quiet_reminder_skipped
from calendar_bot.domain.zones import as_zone

# The longest lead we remind with (settings and VALARMs): beyond a day it is not a reminder.
MAX_LEAD_MINUTES = 24 * 60
AT_START_GRACE = timedelta(minutes=1)
LATE_AFTER = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Reminder:
    user_id: str
    occurrence: Occurrence
    lead: int  # minutes before start; 0 is "at the start"
    start: datetime  # the start the reminder is about (local midnight for all-day events)
    fire_at: datetime
    late: bool  # fire_at is more than a minute before now: the bot was down or slow

    @property
    def key(self) -> OccurrenceKey:
        return self.occurrence.key


def _leads(occurrence: Occurrence, settings: UserSettings) -> frozenset[int]:
    return frozenset(m for m in (*settings.leads, *occurrence.alarm_minutes) if m >= 0)


def valid_lead(minutes: int) -> bool:
    """A "N minutes before" lead a person may choose (0, "at the start", is a switch)."""
    return 0 < minutes <= MAX_LEAD_MINUTES


def reminder_start(occurrence: Occurrence, settings: UserSettings) -> datetime | None:
    """The moment reminders count back from, or None when the occurrence gets none."""
    if occurrence.cancelled or occurrence.my_partstat is PartStat.DECLINED:
        return None
    if occurrence.all_day:
        if not settings.remind_all_day:
            return None
        local = datetime.combine(occurrence.start_date, dtime(0), as_zone(settings.timezone))
        return local.astimezone(UTC)
    return occurrence.start


def _due(
    fire_at: datetime, start: datetime, end: datetime, lead: int, last_tick: datetime, now: datetime
) -> bool:
    if not last_tick < fire_at <= now:
        return False
    return now < max(end, start + AT_START_GRACE) if lead == 0 else now < start


def due_reminders(
    occurrences: Iterable[Occurrence],
    settings: UserSettings,
    *,
    last_tick: datetime | None,
    now: datetime,
    user_id: str = "",
) -> list[Reminder]:
    """The reminders of one user due at `now`; `last_tick` None means "just this minute"."""
    since = last_tick if last_tick is not None else now - timedelta(minutes=1)
    due: list[Reminder] = []
    max_lead = timedelta(minutes=settings.reminder_lead or 0)
    quiet = settings.quiet_hours is not None and not settings.quiet_reminders
    for occurrence in occurrences:
        # Fast path for the thousands of meetings nowhere near now.
        if not occurrence.all_day and occurrence.start <= since:
            continue  # every fire_at is at or before start, so at or before since
        if not occurrence.alarm_minutes and occurrence.start - max_lead > now + timedelta(days=2):
            continue
        start = reminder_start(occurrence, settings)
        if start is None:
            continue
        if quiet and not occurrence.all_day and quiet_reminder_skipped(start, settings):
            continue
        end = start + occurrence.duration
        for lead in sorted(_leads(occurrence, settings), reverse=True):
            fire_at = start - timedelta(minutes=lead)
            if not _due(fire_at, start, end, lead, since, now):
                continue
            due.append(
                Reminder(
                    user_id=user_id,
                    occurrence=occurrence,
                    lead=lead,
                    start=start,
                    fire_at=fire_at,
                    late=now - fire_at > LATE_AFTER,
                )
            )
    due.sort(key=lambda r: (r.fire_at, r.start, r.key.uid, r.key.recurrence_id))
    return due
