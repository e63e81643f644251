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
from typing import AnyStr

from calendar_bot.domain.model import Cut, PartStat

MAX_OBJECT_CHARS = 1_000_000  # of the lines kept; an object beyond is read in part
MAX_LINE_CHARS = 16_384  # one unfolded line; a longer text value is shortened, others dropped
MAX_LINES = 20_000  # lines kept of one object (properties the bot never reads stop earlier)
MAX_READ_LINES = 50_000  # lines looked at, attendees beyond the listed ones included
MAX_UNUSED_LINES = 2_000  # properties the bot never reads (X-…, ATTACH, …) kept at most
MAX_EVENTS = 1_000  # VEVENT components of one object
MAX_LISTED_ATTENDEES = 200  # per event; beyond, attendees are counted (and "me" looked up)
MAX_OCCURRENCES = 500  # per event per horizon; a denser series is cut
MAX_RULE_STEPS = 50_000  # recurrence instances a rule may cost to reach the end of the horizon
MAX_SHRUNK_CHARS = 8_000_000  # an object in a CalDAV answer, under libxml2's text node limit
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
# Left by shrink_multistatus where it cut an object: it is marked TOO_BIG (an object can
# only mark itself with it).
TRUNCATED = OWN_PREFIX + "TRUNCATED"

_ADDRESS = re.compile(r":\s*(?:mailto:)?([^:;\s]+)\s*$", re.IGNORECASE)
_PARTSTAT = re.compile(r";PARTSTAT=\"?([A-Za-z-]+)", re.IGNORECASE)


class Budget:
    """CPU time left for one object, on the thread that reads it (a busy machine does not
    count against it; a hostile object does)."""

    def __init__(self, seconds: float = CPU_BUDGET) -> None:
        self._end = time.thread_time() + seconds

    def exceeded(self) -> bool:
        return time.thread_time() > self._end


def _unfolded(
    text: AnyStr,
    start: int,
    end: int,
    breaks: re.Pattern[AnyStr],
    line_starts: re.Pattern[AnyStr],
    blank: AnyStr,
) -> Iterator[tuple[AnyStr, bool]]:
    """The unfolded lines of text[start:end], each at most MAX_LINE_CHARS long, with a flag
    when it was longer. The rest of an overlong line is skipped by a regular-expression
    search, so a megabyte of folded attachment costs one scan and no copy."""
    pos = start
    while pos < end:
        parts: list[AnyStr] = []
        size = 0
        over = False
        while True:
            match = breaks.search(text, pos, end)
            stop = match.start() if match is not None else end
            room = MAX_LINE_CHARS - size
            if stop - pos > room:
                over = True
            if room > 0 and stop > pos:
                parts.append(text[pos : min(stop, pos + room)])
                size += min(stop - pos, room)
            if match is None:
                pos = end
                break
            if over:
                skip = line_starts.search(text, match.start(), end)
                pos = skip.end() if skip is not None else end
                break
            after = match.end()
            if after < end and text[after : after + 1] in (blank[:1], blank[1:]):
                pos = after + 1  # a folded continuation
                continue
            pos = after
            break
        yield blank[:0].join(parts), over


_BREAK = re.compile(r"\r\n|\n|\r")
_LINE_START = re.compile(r"[\n\r](?![ \t\n])")  # fast: it scans for one character


def logical_lines(text: str) -> Iterator[tuple[str, bool]]:
    """The unfolded lines of `text` (any line break), each at most MAX_LINE_CHARS long, with
    a flag when it was longer. Memory stays bounded by one line whatever the object's size."""
    return _unfolded(text, 0, len(text), _BREAK, _LINE_START, " \t")


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
    read: int = 0
    in_event: bool = False
    listed: int = 0
    stopped: bool = False

    def admit(self, line: str, overlong: bool) -> str | None:
        """The line to read (maybe shortened), or None to leave it out. After `stopped`
        turns true nothing more of the object is read."""
        self.read += 1
        if self.read % _CHECK_EVERY == 0 and self.budget.exceeded():
            self._stop(Cut.TOO_SLOW)
            return None
        if self.read > MAX_READ_LINES:
            self._stop(Cut.TOO_BIG)
            return None
        name = property_name(line)
        if name.startswith(OWN_PREFIX):
            if name == TRUNCATED:
                self.cut = self.cut or Cut.TOO_BIG
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


_OPEN_DATA = re.compile(rb"<(?:[\w.-]+:)?calendar-data\b[^>]*?(?<!/)>")
_CLOSE_DATA = re.compile(rb"</(?:[\w.-]+:)?calendar-data\s*>")
_CDATA = (b"<![CDATA[", b"]]>")


_BYTES_BREAK = re.compile(rb"(?:&#13;|&#x[dD];|\r)?\n|\r(?!\n)")
_BYTES_LINE_START = re.compile(rb"[\n\r](?![ \t\n])")


def _whole_end(line: bytes) -> bytes:
    """A shortened line without a cut character, entity or escape at its end."""
    amp = line.rfind(b"&", -12)
    if amp >= 0 and b";" not in line[amp:]:
        line = line[:amp]
    return line.decode("utf-8", errors="ignore").encode().rstrip(b"\\")


def shrink_multistatus(body: bytes) -> bytes:
    """A multistatus answer whose calendar objects over MAX_OBJECT_CHARS are shrunk before
    it is parsed: overlong lines of properties that are not shortened text are left out,
    and the object is cut at MAX_SHRUNK_CHARS. An inline attachment of megabytes then costs
    one pass over its bytes, not a text node over the XML parser's limit and copies of it."""
    if len(body) <= MAX_OBJECT_CHARS:
        return body

    pieces: list[bytes] = []
    done = pos = 0
    while (opening := _OPEN_DATA.search(body, pos)) is not None:
        start = opening.end()
        closing = _CLOSE_DATA.search(body, start)
        if closing is None:
            break
        end, pos = closing.start(), closing.end()
        if end - start > MAX_OBJECT_CHARS:
            pieces += [body[done:start], _shrunk(body, start, end)]
            done = end
    return body if not pieces else b"".join([*pieces, body[done:]])


def _shrunk(body: bytes, start: int, end: int) -> bytes:
    """The calendar data in body[start:end], shrunk (see shrink_multistatus). Lines of a
    sane length are kept as they are (one regular-expression step each); only overlong
    ones are unfolded, to be shortened or left out. Past MAX_READ_LINES lines or
    MAX_SHRUNK_CHARS, the rest is cut and the object marked (TRUNCATED)."""
    cdata = body.startswith(_CDATA[0], start) and body.endswith(_CDATA[1], start, end)
    if cdata:
        start, end = start + len(_CDATA[0]), end - len(_CDATA[1])
    newline = b"\r\n" if cdata else b"&#13;\n"
    out: list[bytes] = []
    size = 0
    line_start = start
    starts = _BYTES_LINE_START.finditer(body, start, end)
    for _ in range(MAX_READ_LINES):
        match = next(starts, None)
        line_end = match.end() if match is not None else end
        if line_end - line_start > MAX_LINE_CHARS:
            kept = _shortened(body, line_start, line_end)
            piece = kept + newline if kept is not None else b""
        else:
            piece = body[line_start:line_end]
        line_start = line_end
        size += len(piece)
        if size > MAX_SHRUNK_CHARS:
            break
        out.append(piece)
        if match is None:
            break
    if line_start < end:
        out.append(newline + TRUNCATED.encode() + b":1" + newline)
    data = b"".join(out)
    if cdata:
        return _CDATA[0] + data.replace(b"]]>", b"]] >") + _CDATA[1]
    return data.replace(b"\r", b"&#13;")


def _shortened(body: bytes, start: int, end: int) -> bytes | None:
    """An overlong logical line unfolded and shortened, or None when it is to be left out."""
    for line, overlong in _unfolded(body, start, end, _BYTES_BREAK, _BYTES_LINE_START, b" \t"):
        if not overlong:
            return line
        name = property_name(line[:80].decode("utf-8", errors="replace"))
        return _whole_end(line) if name in SHORTENED_PROPERTIES else None
    return None
