"""Changing a meeting the person organizes (issue #17, item 3): what can be changed, the
change itself, and how far it reaches in a series. Pure values; the CalDAV adapter turns
them into iCalendar edits (caldav/edits.py), the views into buttons.

- `Move(start)`: the occurrence starts at `start`, keeping its length. For a series (or
  "this and following") every instance moves by the same wall-clock shift.
- `Rename(title)`, `Resize(minutes)`: the new title, the new length from the same start.
- `CancelMeeting()`: this occurrence (an EXDATE on the master), this and following (the
  series ends before it), the whole series or a single event (STATUS:CANCELLED).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from calendar_bot.domain.availability import Busy, WorkingHours, free_half_hours
from calendar_bot.domain.model import Occurrence
from calendar_bot.domain.parsing import ParseError, ParseErrorCode, parse_date, parse_time

MAX_TITLE = 255
MAX_MINUTES = 24 * 60
QUICK_MINUTES = (15, 30, 45, 60, 90)
MOVE_PICKS = 6  # free half-hours offered to move to
MOVE_DAYS = 7  # looked for on the meeting's day and this many days after


class Scope(StrEnum):
    THIS = "this"  # this occurrence only (a RECURRENCE-ID override, or the event itself)
    FOLLOWING = "following"  # this and the following ones: the series is split here
    SERIES = "series"  # the whole series: the master is edited


class What(StrEnum):
    """Which change a button starts: the card asks for its value next."""

    MOVE = "move"
    RENAME = "rename"
    DURATION = "duration"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class Move:
    start: datetime  # aware


@dataclass(frozen=True, slots=True)
class Rename:
    title: str


@dataclass(frozen=True, slots=True)
class Resize:
    minutes: int


@dataclass(frozen=True, slots=True)
class CancelMeeting:
    pass


EventEdit = Move | Rename | Resize | CancelMeeting


@dataclass(frozen=True, slots=True)
class ChangedFacts:
    """What the server holds for the occurrence when the person's change no longer fits it:
    `why` is "moved", "renamed" or "cancelled"; the rest is the occurrence now (when known)."""

    why: str
    start: datetime | None = None
    end: datetime | None = None
    title: str = ""


def can_edit(occurrence: Occurrence) -> bool:
    """Editable by this person: they organize it, or it is their own event (no organizer and
    no attendees). Not a cancelled one, not one shown in part."""
    if occurrence.cancelled or occurrence.cut is not None:
        return False
    if occurrence.i_am_organizer:
        return True
    return occurrence.organizer is None and not occurrence.attendees


def can_move(occurrence: Occurrence) -> bool:
    """Moves and new lengths are for timed meetings (an all-day one is only renamed or
    cancelled here)."""
    return can_edit(occurrence) and not occurrence.all_day


def scopes_for(occurrence: Occurrence) -> tuple[Scope, ...]:
    """The scopes to ask about: none for a single event (it is THIS), three for a series."""
    if not occurrence.recurring or not occurrence.recurrence_id:
        return ()
    return (Scope.THIS, Scope.FOLLOWING, Scope.SERIES)


def edit_of(what: What, value: str, tz: ZoneInfo, today: date) -> EventEdit:
    """A quick pick's value (the typed form) as an edit: MOVE takes an ISO datetime, DURATION
    minutes, RENAME the title. Raises ValueError on anything else."""
    if what is What.MOVE:
        start = datetime.fromisoformat(value)
        if start.tzinfo is None:
            start = start.replace(tzinfo=tz)
        return Move(start)
    if what is What.DURATION:
        minutes = int(value)
        if not 0 < minutes <= MAX_MINUTES:
            raise ValueError("not a length")
        return Resize(minutes)
    if what is What.RENAME:
        title = " ".join(value.split())
        if not title:
            raise ValueError("an empty title")
        return Rename(title[:MAX_TITLE])
    return CancelMeeting()


def move_picks(
    occurrence: Occurrence,
    tz: ZoneInfo,
    now: datetime,
    *,
    busy: tuple[Busy, ...] = (),
    hours: WorkingHours | None = None,
    count: int = MOVE_PICKS,
) -> tuple[datetime, ...]:
    """Free half-hours to move `occurrence` to, as the wizard offers them: its day first,
    then the days after, each leaving its whole length free (the meeting itself does not
    count as busy) and never in the past."""
    length = occurrence.duration
    mine = Busy(occurrence.start, occurrence.end)
    others = tuple(b for b in busy if b != mine)
    day = occurrence.start.astimezone(tz).date()
    out: list[datetime] = []
    for ahead in range(MOVE_DAYS + 1):
        for start in free_half_hours(
            day + timedelta(days=ahead),
            tz,
            now=now,
            busy=_without(others, occurrence),
            hours=hours,
            duration=length,
        ):
            if start != occurrence.start:
                out.append(start)
        if len(out) >= count:
            break
    return tuple(out[:count])


def _without(busy: tuple[Busy, ...], occurrence: Occurrence) -> tuple[Busy, ...]:
    """Busy intervals with the meeting's own time cut out (merged intervals may hold it)."""
    out: list[Busy] = []
    for b in busy:
        if b.end <= occurrence.start or b.start >= occurrence.end:
            out.append(b)
            continue
        if b.start < occurrence.start:
            out.append(Busy(b.start, occurrence.start))
        if b.end > occurrence.end:
            out.append(Busy(occurrence.end, b.end))
    return tuple(out)


def typed_move(text: str, meeting_day: date, today: date, tz: ZoneInfo) -> datetime:
    """A typed new start: `15:30` (the meeting's own day), `завтра 15:30`, `5 Dec 10:00`,
    `пятница в 9`. The time is the last word or two; the rest is the date. Raises ParseError."""
    words = text.split()
    for count in (1, 2, 3):
        if len(words) < count:
            break
        try:
            at = parse_time(" ".join(words[-count:]))
        except ParseError:
            continue
        rest = " ".join(words[:-count]).strip(" ,")
        try:
            day = parse_date(rest, today=today) if rest else meeting_day
        except ParseError:
            continue  # "5 декабря в 10": the time is two words
        return datetime.combine(day, at, tz)
    raise ParseError(ParseErrorCode.TIME_FORMAT)
