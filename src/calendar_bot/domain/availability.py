"""Free/busy: working hours, busy intervals, and the checks built on them.

Privacy by type: `Busy` holds a start and an end and nothing else, so a slot search over
other people's calendars cannot carry a title, location or attendee by mistake. Only the
person's own meetings (`own_conflicts`) are looked at with their details.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from calendar_bot.domain.model import EventStatus, Occurrence, PartStat, UserSettings

HALF_HOUR = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Busy:
    """A busy interval, aware, end exclusive."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("aware datetimes only")

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.end and end > self.start


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """When a person takes meetings, in their own zone. Default 09:00–19:00, Mon–Fri."""

    start: time = time(9)
    end: time = time(19)
    weekdays: frozenset[int] = frozenset(range(5))  # 0 = Monday

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("working hours must end after they start")
        if not self.weekdays <= frozenset(range(7)):
            raise ValueError("weekdays are 0..6")

    def window(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        """That day's working window as aware instants, or None on a day off."""
        if day.weekday() not in self.weekdays:
            return None
        return _local(day, self.start, zone), _local(day, self.end, zone)

    def contains(self, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
        """Whether [start, end) lies inside one working window of the person."""
        day = start.astimezone(zone).date()
        window = self.window(day, zone)
        return window is not None and window[0] <= start and end <= window[1]


def working_hours(settings: UserSettings) -> WorkingHours:
    """A person's working hours as they set them (default 09:00–19:00, Mon–Fri)."""
    return WorkingHours(
        time(settings.work_start), time(settings.work_end), frozenset(settings.work_days)
    )


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    # Through UTC and back so a wall time skipped by DST lands on a real instant.
    return datetime.combine(day, at, zone).astimezone(UTC).astimezone(zone)


def merge(intervals: Iterable[Busy]) -> tuple[Busy, ...]:
    """Sorted, with overlapping and touching intervals joined."""
    out: list[Busy] = []
    for item in sorted(intervals, key=lambda b: (b.start, b.end)):
        if out and item.start <= out[-1].end:
            if item.end > out[-1].end:
                out[-1] = Busy(out[-1].start, item.end)
        else:
            out.append(item)
    return tuple(out)


def is_busy_for(occurrence: Occurrence) -> bool:
    """Whether a meeting in the person's own calendar makes them busy: not cancelled, not
    declined, not all-day (a holiday or a birthday does not block the day), not transparent
    by being a mere invitation not answered yet."""
    if occurrence.status is EventStatus.CANCELLED or occurrence.all_day:
        return False
    return occurrence.i_am_organizer or occurrence.my_partstat in (
        None,  # the person's own event, no attendees
        PartStat.ACCEPTED,
        PartStat.TENTATIVE,
    )


def busy_from(occurrences: Iterable[Occurrence]) -> tuple[Busy, ...]:
    """A person's free/busy from their snapshot: intervals only, merged."""
    return merge(Busy(o.start, o.end) for o in occurrences if is_busy_for(o))


def own_conflicts(
    start: datetime, end: datetime, occurrences: Iterable[Occurrence]
) -> tuple[Occurrence, ...]:
    """The person's own meetings a proposed [start, end) overlaps (the summary card's
    "conflicts with …" line): accepted or organised ones, and their own events."""
    return tuple(
        o
        for o in sorted(occurrences, key=lambda o: (o.start, o.uid))
        if is_busy_for(o) and o.start < end and o.end > start
    )


def overlapping(start: datetime, end: datetime, busy: Sequence[Busy]) -> tuple[Busy, ...]:
    return tuple(b for b in busy if b.overlaps(start, end))


def ceil_half_hour(moment: datetime, zone: ZoneInfo) -> datetime:
    """The first :00 or :30 of the zone's wall clock at or after `moment`."""
    local = moment.astimezone(zone)
    floor = local.replace(minute=local.minute - local.minute % 30, second=0, microsecond=0)
    if floor < local:
        floor = (floor.astimezone(UTC) + HALF_HOUR).astimezone(zone)
    return floor


def free_half_hours(
    day: date,
    zone: ZoneInfo,
    *,
    now: datetime,
    busy: Sequence[Busy] = (),
    hours: WorkingHours | None = None,
    duration: timedelta = HALF_HOUR,
) -> tuple[datetime, ...]:
    """The starts of that day's free half-hours within working hours, sorted, never in the
    past: each start leaves `duration` free and inside the hours (the wizard's time quick
    picks, issue #16). A day off gives none."""
    window = (hours or WorkingHours()).window(day, zone)
    if window is None:
        return ()
    merged = merge(busy)
    moment = ceil_half_hour(max(window[0], now), zone)
    out: list[datetime] = []
    while moment + duration <= window[1]:
        if not overlapping(moment, moment + duration, merged):
            out.append(moment)
        moment = (moment.astimezone(UTC) + HALF_HOUR).astimezone(zone)
    return tuple(out)


def next_free_half_hours(
    now: datetime,
    zone: ZoneInfo,
    *,
    busy: Sequence[Busy] = (),
    hours: WorkingHours | None = None,
    count: int = 4,
    duration: timedelta = HALF_HOUR,
    days: int = 14,
) -> tuple[datetime, ...]:
    """The next `count` free half-hours from now on, over up to `days` days."""
    today = now.astimezone(zone).date()
    out: list[datetime] = []
    for ahead in range(days):
        out.extend(
            free_half_hours(
                today + timedelta(days=ahead),
                zone,
                now=now,
                busy=busy,
                hours=hours,
                duration=duration,
            )
        )
        if len(out) >= count:
            break
    return tuple(out[:count])
