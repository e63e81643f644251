"""The reminder index: for each stored occurrence, a moment before which none of its
reminders fires (NULL: none will), so the minute tick reads only the rows at or past it.

A row is written with the earliest moment any reminder of it could fire, whatever the user's
settings (`earliest_reminder`); the tick that reads it moves it on to its next reminder after
that tick (`next_reminder`), computed with the user's settings by the same rule that decides
what is due (domain/reminders.py). So an occurrence is read once when written (or when the
user's settings change) and once per reminder it fires, never on the minutes in between.

Which reminders the tick can reach: a lead of at most a day for a timed meeting, and, for an
all-day event (stored at midnight UTC, reminded from the user's local midnight), a fire time
at most 38 hours before its stored start (a day's lead plus 14 hours of UTC offset). These
are the bounds the tick's day-ahead read had before the index.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from calendar_bot.domain.model import Occurrence, PartStat, UserSettings
from calendar_bot.domain.reminders import reminder_start

MAX_LEAD = timedelta(days=1)  # VALARMs and settings beyond a day are not reminders we send
ALL_DAY_MARGIN = timedelta(hours=14)  # UTC offsets run from -12:00 to +14:00


def _reach(occurrence: Occurrence) -> timedelta:
    return MAX_LEAD + ALL_DAY_MARGIN if occurrence.all_day else MAX_LEAD


def earliest_reminder(occurrence: Occurrence) -> datetime | None:
    """No reminder of this occurrence fires before this, whatever the settings; None when
    none ever fires (cancelled, or declined)."""
    if occurrence.cancelled or occurrence.my_partstat is PartStat.DECLINED:
        return None
    return occurrence.start - _reach(occurrence)


def next_reminder(
    occurrence: Occurrence, settings: UserSettings, after: datetime
) -> datetime | None:
    """The first fire time strictly after `after` of a reminder the tick can reach; None
    when there is none left."""
    start = reminder_start(occurrence, settings)
    if start is None:
        return None
    reach = _reach(occurrence)
    best: datetime | None = None
    for lead in (*settings.leads, *occurrence.alarm_minutes):
        if lead < 0:
            continue
        fire_at = start - timedelta(minutes=lead)
        if fire_at <= after or occurrence.start - fire_at > reach:
            continue
        if best is None or fire_at < best:
            best = fire_at
    return best
