"""Days as the user sees them: local-day bounds, a day's meetings, now-and-next, the digest.

Timed meetings belong to every local day they touch (one that ends at midnight does not
touch the next day; one of no length belongs to the day it is on). All-day events are dates, not
moments (the model stores them from midnight UTC), so they belong to the dates they cover
whatever the user's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calendar_bot.domain.model import Occurrence, TimeWindow
from calendar_bot.domain.zones import as_zone


def local_midnight(day: date, tz: ZoneInfo | str) -> datetime:
    """The first moment of `day` in `tz`, in UTC.

    UTC on purpose: Python compares and subtracts datetimes sharing one tzinfo by wall
    clock, which is wrong across a DST change.
    """
    return datetime.combine(day, time(0), as_zone(tz)).astimezone(UTC)


def day_bounds(day: date, tz: ZoneInfo | str) -> TimeWindow:
    """[local midnight, next local midnight) in UTC: 23 or 25 hours long on DST days."""
    return TimeWindow(local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz))


def all_day_dates(occurrence: Occurrence) -> tuple[date, date]:
    """First and last day of an all-day event (its end is exclusive, at midnight UTC)."""
    first = occurrence.start_date
    last = max(first, occurrence.end.date() - timedelta(days=1))
    return first, last


def occurrence_days(occurrence: Occurrence, tz: ZoneInfo | str) -> tuple[date, date]:
    """The first and last local day an occurrence touches (all-day ones by date)."""
    if occurrence.all_day:
        return all_day_dates(occurrence)
    zone = as_zone(tz)
    start = occurrence.start.astimezone(zone)
    end = occurrence.end.astimezone(zone)
    last = end.date()
    if end.time() == time(0) and end > start:
        last -= timedelta(days=1)  # ends at midnight: it does not touch the next day
    return start.date(), max(start.date(), last)


def touches_day(occurrence: Occurrence, day: date, tz: ZoneInfo | str) -> bool:
    first, last = occurrence_days(occurrence, tz)
    return first <= day <= last


def _order(occurrence: Occurrence) -> tuple[bool, datetime, str, str, str, str]:
    # The title as written (capitals first), then the snapshot's own order: a list reads
    # the same however its meetings were gathered.
    return (
        not occurrence.all_day,
        occurrence.start,
        occurrence.title,
        occurrence.calendar_href,
        occurrence.uid,
        occurrence.recurrence_id,
    )


def sort_for_display(occurrences: Iterable[Occurrence]) -> list[Occurrence]:
    """All-day events first, then by start and title."""
    return sorted(occurrences, key=_order)


def occurrences_on(
    occurrences: Iterable[Occurrence], day: date, tz: ZoneInfo | str
) -> list[Occurrence]:
    """The meetings that touch local `day` (all-day ones by date), cancelled ones left out,
    all-day first then by start: what Today, Tomorrow, a week's day and the digest list."""
    zone = as_zone(tz)
    return sort_for_display(o for o in occurrences if not o.cancelled and touches_day(o, day, zone))


@dataclass(frozen=True, slots=True)
class NowAndNext:
    now: tuple[Occurrence, ...]  # timed meetings under way
    next: tuple[Occurrence, ...]  # timed meetings starting later today (local day)
    all_day: tuple[Occurrence, ...]  # today's all-day events, shown apart


def now_and_next(
    occurrences: Iterable[Occurrence], now: datetime, tz: ZoneInfo | str
) -> NowAndNext:
    """What is on right now and what is still to come before the end of the local day."""
    zone = as_zone(tz)
    today = now.astimezone(zone).date()
    todays = occurrences_on(occurrences, today, zone)
    current = tuple(o for o in todays if not o.all_day and o.start <= now < o.end)
    upcoming = tuple(o for o in todays if not o.all_day and o.start > now)
    return NowAndNext(current, upcoming, tuple(o for o in todays if o.all_day))


def week_days(today: date, *, days: int = 7) -> list[date]:
    """The days of a "week" view: today and the following days (a rolling week)."""
    return [today + timedelta(days=offset) for offset in range(days)]


def week_agenda(
    occurrences: Iterable[Occurrence], today: date, tz: ZoneInfo | str, *, days: int = 7
) -> list[tuple[date, list[Occurrence]]]:
    """Each day of the rolling week with its meetings (days without any are kept)."""
    items = list(occurrences)
    return [(day, occurrences_on(items, day, tz)) for day in week_days(today, days=days)]


def digest_due(
    now: datetime, tz: ZoneInfo | str, hour: int, last_sent_day: date | None
) -> date | None:
    """The local day whose digest is due now, or None.

    Due from `hour`:00 local time until the end of that day, once per day: a bot that was
    down at nine still sends today's digest when it comes back, but never yesterday's.
    """
    local = now.astimezone(as_zone(tz))
    today = local.date()
    if local.hour < hour:
        return None
    if last_sent_day is not None and last_sent_day >= today:
        return None
    return today


def next_digest_at(now: datetime, tz: ZoneInfo | str, hour: int) -> datetime:
    """The next moment strictly after `now` at which a digest falls due (`hour`:00 local)."""
    zone = as_zone(tz)
    day = now.astimezone(zone).date()
    while True:
        moment = datetime.combine(day, time(hour), zone).astimezone(UTC)
        if moment > now:
            return moment
        day += timedelta(days=1)
