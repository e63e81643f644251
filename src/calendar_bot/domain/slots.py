"""Find a time together: the best few slots for a meeting of several people (issue #17).

Each person brings their zone, working hours and free/busy, or no free/busy at all (not
connected to the bot: "unknown availability"). A slot is a candidate when it lies inside
every person's working hours; candidates are ranked by how many people with known
availability are busy then (fewest first), then by start (earliest first), and picked so
that no two overlap. Every slot names the people in conflict, so "the best there is" can be
offered honestly when nobody is free at once.

Candidates start on the organizer's (the first person's) :00 and :30.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from calendar_bot.domain.availability import (
    HALF_HOUR,
    Busy,
    WorkingHours,
    ceil_half_hour,
    merge,
    overlapping,
)

MAX_SLOTS = 5
MAX_CANDIDATES = 31 * 48  # a month of half-hours: the search never runs away


@dataclass(frozen=True, slots=True)
class Person:
    key: str  # the username (or e-mail) the answer names them by
    zone: ZoneInfo
    hours: WorkingHours = field(default_factory=WorkingHours)
    busy: tuple[Busy, ...] | None = ()  # None: availability unknown (not connected)

    @property
    def known(self) -> bool:
        return self.busy is not None


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    conflicts: tuple[str, ...] = ()  # keys of the people busy then

    @property
    def free_for_all(self) -> bool:
        return not self.conflicts


@dataclass(frozen=True, slots=True)
class SlotSearch:
    slots: tuple[Slot, ...]
    unknown: tuple[str, ...]  # people whose availability is unknown
    outside_hours: bool = False  # no moment fits everyone's working hours at all


def find_slots(
    people: Sequence[Person],
    *,
    duration: timedelta,
    start: datetime,
    end: datetime,
    now: datetime,
    limit: int = MAX_SLOTS,
) -> SlotSearch:
    """Up to `limit` best slots of `duration` within [start, end), none before `now`."""
    if not people:
        raise ValueError("at least the organizer")
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    organizer_zone = people[0].zone
    busy = {p.key: merge(p.busy) for p in people if p.busy is not None}
    unknown = tuple(p.key for p in people if p.busy is None)
    candidates: list[Slot] = []
    moment = ceil_half_hour(max(start, now), organizer_zone)
    for _ in range(MAX_CANDIDATES):
        if moment + duration > end:
            break
        slot_end = moment + duration
        if all(p.hours.contains(moment, slot_end, p.zone) for p in people):
            conflicts = tuple(key for key, b in busy.items() if overlapping(moment, slot_end, b))
            candidates.append(Slot(moment, slot_end, conflicts))
        moment = (moment.astimezone(UTC) + HALF_HOUR).astimezone(organizer_zone)
    candidates.sort(key=lambda s: (len(s.conflicts), s.start))
    picked: list[Slot] = []
    for slot in candidates:
        if len(picked) >= limit:
            break
        if not any(slot.start < p.end and slot.end > p.start for p in picked):
            picked.append(slot)
    picked.sort(key=lambda s: (len(s.conflicts), s.start))
    return SlotSearch(tuple(picked), unknown, outside_hours=not candidates)


def conflicts_at(start: datetime, end: datetime, people: Sequence[Person]) -> tuple[str, ...]:
    """Who of `people` (with known availability) is busy during a proposed [start, end)."""
    return tuple(p.key for p in people if p.busy is not None and overlapping(start, end, p.busy))


def day_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in `zone`: a search range from days."""
    begin = datetime.combine(first, datetime.min.time(), zone)
    finish = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    return begin.astimezone(UTC), finish.astimezone(UTC)
