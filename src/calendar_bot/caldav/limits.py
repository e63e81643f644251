"""What one calendar object may cost the bot, and the line reader that holds it to that.

Anyone who can send an invitation decides what the bot parses, so every object is read
within fixed bounds, whatever its size: long lines are shortened or dropped before parsing,
only so many lines, events and listed attendees are read (the others are counted), and
reading and expanding run on a CPU time budget. What is cut is marked (`domain.model.Cut`),
never silently dropped: the person is told once which events are shown in part.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from calendar_bot.domain.model import Cut, PartStat

MAX_OBJECT_CHARS = 1_000_000  # of the lines kept; an object beyond is read in part
MAX_LINE_CHARS = 16_384  # one unfolded line; a longer text value is shortened, others dropped
MAX_LINES = 20_000  # lines read of one object (properties the bot never reads stop earlier)
MAX_UNUSED_LINES = 2_000  # properties the bot never reads (X-…, ATTACH, …) kept at most
MAX_EVENTS = 1_000  # VEVENT components of one object
MAX_LISTED_ATTENDEES = 200  # per event; beyond, attendees are counted (and "me" looked up)
MAX_OCCURRENCES = 500  # per event per horizon; a denser series is cut
MAX_RULE_STEPS = 50_000  # recurrence instances a rule may cost to reach the end of the horizon
CPU_BUDGET = 1.0  # seconds of CPU per object, for repair + parse + expansion
_CHECK_EVERY = 256  # lines between two looks at the clock

# Properties the bot reads (anything else only costs memory and time).
USED_PROPERTIES = frozenset(
    {
        "BEGIN",
        "END",
        "VERSION",
        "PRODID",
        "METHOD",
        "UID",
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
        "RECURRENCE-ID",
        "SEQUENCE",
        "STATUS",
        "URL",
        "TRIGGER",
        "ACTION",
        "TZID",
        "TZNAME",
        "TZOFFSETFROM",
        "TZOFFSETTO",
        "CONFERENCE",
        "X-ALT-DESC",
        "X-WR-TIMEZONE",
        "X-GOOGLE-CONFERENCE",
        "X-MICROSOFT-SKYPETEAMSMEETINGURL",
        "X-MICROSOFT-ONLINEMEETINGCONFLINK",
    }
)
# Text values worth keeping shortened rather than dropping when too long.
SHORTENED_PROPERTIES = frozenset({"SUMMARY", "DESCRIPTION", "LOCATION", "X-ALT-DESC", "COMMENT"})
# Our own marker property: whatever an object brings under this name is dropped.
OWN_PREFIX = "X-CALENDAR-BOT-"
ATTENDEE_COUNT = OWN_PREFIX + "ATTENDEES"

_BREAK = re.compile(r"\r\n|\n|\r")
_ADDRESS = re.compile(r":\s*(?:mailto:)?([^:;\s]+)\s*$", re.IGNORECASE)
_PARTSTAT = re.compile(r";PARTSTAT=\"?([A-Za-z-]+)", re.IGNORECASE)


class Budget:
    """CPU time left for one object, on the thread that reads it (a busy machine does not
    count against it; a hostile object does)."""

    def __init__(self, seconds: float = CPU_BUDGET) -> None:
        self._end = time.thread_time() + seconds

    def exceeded(self) -> bool:
        return time.thread_time() > self._end


def logical_lines(text: str) -> Iterator[tuple[str, bool]]:
    """The unfolded lines of `text` (any line break), each at most MAX_LINE_CHARS long, with
    a flag when it was longer. Memory stays bounded by one line whatever the object's size."""
    parts: list[str] = []
    size = 0
    over = False
    started = False
    pos = 0
    breaks = _BREAK.finditer(text)
    while pos <= len(text):
        match = next(breaks, None)
        end = match.start() if match is not None else len(text)
        if started and end > pos and text[pos] in " \t":
            pos += 1  # a folded continuation
        elif started:
            yield "".join(parts), over
            parts, size, over = [], 0, False
        started = True
        room = MAX_LINE_CHARS - size
        if end - pos > room:
            over = True
        if room > 0:
            piece = text[pos : min(end, pos + room)]
            parts.append(piece)
            size += len(piece)
        if match is None:
            break
        pos = match.end()
    if started:
        yield "".join(parts), over


def property_name(line: str) -> str:
    cut = len(line)
    for sep in (";", ":"):
        index = line.find(sep)
        if 0 <= index < cut:
            cut = index
    return line[:cut].strip().upper()


@dataclass(slots=True)
class ExtraAttendees:
    """The attendees of one event beyond the listed ones: how many, and their answers."""

    count: int = 0
    partstats: dict[str, PartStat] = field(default_factory=dict)

    def add(self, line: str) -> None:
        self.count += 1
        address = _ADDRESS.search(line)
        if address is None:
            return
        partstat = _PARTSTAT.search(line)
        try:
            value = PartStat(partstat.group(1).upper()) if partstat else PartStat.NEEDS_ACTION
        except ValueError:
            value = PartStat.NEEDS_ACTION
        self.partstats.setdefault(address.group(1).strip().lower(), value)


@dataclass(slots=True)
class LineGate:
    """Decides, line by line, what of an object is read: see the module docstring.

    `extra[i]` holds the attendees left out of the i-th VEVENT; `cut` says why the object is
    read in part (None: in full, or only with properties the bot never reads left out)."""

    budget: Budget
    cut: Cut | None = None
    extra: dict[int, ExtraAttendees] = field(default_factory=dict)
    kept: int = 0
    unused: int = 0
    chars: int = 0
    events: int = 0
    in_event: bool = False
    listed: int = 0
    stopped: bool = False

    def admit(self, line: str, overlong: bool) -> str | None:
        """The line to read (maybe shortened), or None to leave it out. After `stopped`
        turns true nothing more of the object is read."""
        if self.kept % _CHECK_EVERY == 0 and self.kept and self.budget.exceeded():
            self._stop(Cut.TOO_SLOW)
            return None
        name = property_name(line)
        if name.startswith(OWN_PREFIX):
            return None
        used = name in USED_PROPERTIES
        if overlong:
            if name not in SHORTENED_PROPERTIES:
                if used:
                    self.cut = self.cut or Cut.TOO_BIG
                return None
            line = line.rstrip("\\")
        if name == "BEGIN" and line[6:].strip().upper() == "VEVENT":
            if self.events >= MAX_EVENTS:
                self._stop(Cut.TOO_BIG)
                return None
            self.events += 1
            self.in_event, self.listed = True, 0
        elif name == "END" and line[4:].strip().upper() == "VEVENT":
            self.in_event = False
        elif name == "ATTENDEE" and self.in_event:
            self.listed += 1
            if self.listed > MAX_LISTED_ATTENDEES:
                self.extra.setdefault(self.events - 1, ExtraAttendees()).add(line)
                return None
        if not used:
            if self.unused >= MAX_UNUSED_LINES:
                return None
            self.unused += 1
        if self.kept >= MAX_LINES or self.chars + len(line) > MAX_OBJECT_CHARS:
            self._stop(Cut.TOO_BIG)
            return None
        self.kept += 1
        self.chars += len(line) + 2
        return line

    def _stop(self, why: Cut) -> None:
        self.stopped = True
        self.cut = self.cut or why
