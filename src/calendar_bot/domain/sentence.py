"""One-sentence create (issue #17 item 2): a typed draft from what a person writes.

    завтра в 15 на 45 минут «Бюджет» с @ivanov и anna@example.com
    fri 2pm 30m Design review with @bob at Room 5

Pure: `now` and the person's zone are inputs. Hand-written, small and exact, reusing the
wizard's typed dates (`parsing.parse_date`) and the recurrence phrases (`recurrence`).

The sentence is read in passes, each taking the words it understands out of the text:
quoted title, links, attendees, recurrence, a relative start ("через 2 часа"), a duration
with "на"/"for", a time range, a time, a date, a duration without a preposition, video,
location. What is left is the title (command verbs such as "schedule"/"создай" and
dangling prepositions dropped).

Never guessed silently (each is an `Ambiguity` the summary card asks about):
- a bare hour 1..7 with no am/pm or part-of-day word ("в 3", "at 5"): 03:00 or 15:00?
  8..12 are read as morning/noon ("в 9" is 09:00, as the wizard reads it), 0 and 13..23
  are unambiguous; "в 3 дня", "7 вечера", "8 утра", "3pm", "03:00" settle it;
- an English date with "/" whose day and month could swap ("7/12"): 7 Dec or 12 Jul?
- a start in the past.
What is not said at all is listed in `missing`; a day left out when the time is said is
taken as the next such time (today or tomorrow) and listed in `assumed`, so the card can
mark it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from calendar_bot.domain import parsing
from calendar_bot.domain.recurrence import (
    NUMBER,
    NUMBER_WORDS,
    Recurrence,
    find_recurrence,
    first_on_or_after,
    number_value,
    weekday_of,
)


class Field(StrEnum):
    TITLE = "title"
    DATE = "date"
    TIME = "time"
    DURATION = "duration"


class AmbiguityKind(StrEnum):
    HOUR = "hour"  # options: two times (am, pm)
    DAY_MONTH = "day_month"  # options: two dates (day first, month first)
    PAST = "past"  # the start is before now; options: none


@dataclass(frozen=True, slots=True)
class Ambiguity:
    kind: AmbiguityKind
    fragment: str  # the words as typed
    options: tuple[date | time, ...] = ()


@dataclass(frozen=True, slots=True)
class VideoRequest:
    link: str | None = None  # a pasted link; None: make one from VIDEO_LINK_TEMPLATE


@dataclass(frozen=True, slots=True)
class MeetingDraft:
    """What the sentence says; every field may be missing. Times are the person's own."""

    title: str | None = None
    day: date | None = None
    at: time | None = None
    duration_minutes: int | None = None
    usernames: tuple[str, ...] = ()  # lower-case, without "@"
    emails: tuple[str, ...] = ()
    invalid_attendees: tuple[str, ...] = ()  # looked like addresses but are none, as typed
    location: str = ""
    recurrence: Recurrence | None = None
    video: VideoRequest | None = None
    assumed: tuple[Field, ...] = ()  # filled in rather than said (the day of "at 5pm")

    def start(self, zone: ZoneInfo) -> datetime | None:
        if self.day is None or self.at is None:
            return None
        return datetime.combine(self.day, self.at, zone).astimezone(UTC).astimezone(zone)

    def end(self, zone: ZoneInfo) -> datetime | None:
        start = self.start(zone)
        if start is None or self.duration_minutes is None:
            return None
        return (start.astimezone(UTC) + timedelta(minutes=self.duration_minutes)).astimezone(zone)


@dataclass(frozen=True, slots=True)
class SentenceParse:
    draft: MeetingDraft
    ambiguities: tuple[Ambiguity, ...] = ()
    missing: tuple[Field, ...] = ()
    understood: bool = False  # a date, time or duration was found: it reads as a meeting

    @property
    def complete(self) -> bool:
        return not self.ambiguities and not self.missing


# ---- the scanner: what is taken out of the text --------------------------------------------

_GONE = "\x1f"  # stands for taken characters: neither a word nor a space, so \b still works


def _lower(text: str) -> str:
    """Lower case, "ё" as "е", one character for one: positions stay those of the text."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text).replace("ё", "е")


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.work = _lower(text)

    def find(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        return pattern.search(self.work)

    def finditer(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        return list(pattern.finditer(self.work))

    def take(self, start: int, end: int) -> None:
        self.work = self.work[:start] + _GONE * (end - start) + self.work[end:]

    def original(self, start: int, end: int) -> str:
        return self.text[start:end]

    def rest(self) -> str:
        """The untaken text, original case, taken runs as single spaces."""
        out = "".join(c if w != _GONE else _GONE for c, w in zip(self.text, self.work, strict=True))
        return re.sub(f"{_GONE}+", " ", out)


# ---- patterns ---------------------------------------------------------------------------------

_QUOTED = re.compile(r"[«\"“„]([^»\"”“„]+)[»\"”“]")
_URL = re.compile(r"https?://[^\s\x1f<>]+")
_EMAIL_LIKE = re.compile(r"[^\s\x1f,;<>()\"']+@[^\s\x1f,;<>()\"']+")
_USERNAME = re.compile(r"(?<![\w.@])@([a-z][a-z0-9._-]{0,21})(?![\w@])")
_ATTENDEE_CONNECTOR = re.compile(
    r"(?:\b(?:с|со|with|and|и|invite|пригласи\w*|для|for)|[,&+])[\s\x1f]*$"
)
_UNITS_H = r"(?:h|hr|hrs|hours?|ч|час|часа|часов)"
_UNITS_M = r"(?:m|min|mins|minutes?|мин|минут[аы]?|м)"
_DUR_NUMERIC = (
    rf"(?P<h>\d+(?:[.,]\d+)?)\s*{_UNITS_H}\.?(?:\s*(?P<hm>\d{{1,2}})\s*{_UNITS_M}?\.?)?"
    rf"|(?P<m>\d+)\s*{_UNITS_M}\.?"
)
_WORD_NUMBER = "|".join(sorted((w for w in NUMBER_WORDS if len(w) > 2), key=len, reverse=True))
_DUR_WORDS = (
    r"(?P<half>полчаса|half\s+an?\s+hour|half-hour|half\s+hour)"
    r"|(?P<oneandhalf>полтора\s+часа|an?\s+hour\s+and\s+a\s+half|one\s+and\s+a\s+half\s+hours?)"
    rf"|(?P<wh>{_WORD_NUMBER})\s+(?:hours?|час\w*)"
    rf"|(?P<wm>{_WORD_NUMBER})\s+(?:minutes?|минут\w*)"
    r"|(?P<hour>(?:an?\s+|one\s+|один\s+|1\s+)?(?:hour|час))"
)
_DURATION_PREP = re.compile(
    r"\b(?:на|for|длительностью|продолжительностью|duration|lasting)\s+"
    rf"(?:{_DUR_NUMERIC}|{_DUR_WORDS})(?![\w:])"
)
_DURATION_BARE = re.compile(rf"(?<![\w:.])(?:{_DUR_NUMERIC})(?![\w:])")
_DURATION_ADJ = re.compile(
    r"(?<![\w:.])(?P<n>\d+)[\s-](?P<unit>minute|min|hour|минутн\w*|часов\w*)(?![\w])"
    r"(?!\s+(?:warning|reminder|notice|heads-up|alert))"
)
_RELATIVE = re.compile(
    r"\b(?:через|in)\s+(?:(?P<n>" + NUMBER + r")\s+)?"
    r"(?P<unit>полчаса|half\s+an\s+hour|минут\w*|минуту|mins?|minutes?|час\w*|hours?|"
    r"дн\w*|день|days?|недел\w*|weeks?)\b"
)
_DAYPART = (
    r"(?P<part>утра|утром|дня|днем|вечера|вечером|ночи|ночью|in\s+the\s+morning|"
    r"in\s+the\s+afternoon|in\s+the\s+evening|at\s+night|tonight)"
)
_T12 = re.compile(
    r"(?:\b(?:at|в|@|around|около)\s*|(?<![\w:.]))(?P<h>\d{1,2})(?:[:.](?P<min>\d{2}))?"
    r"(?:\s*(?P<ap>[ap])\.?\s*m\b\.?|(?P<ap1>[ap])\b)"
)
_T_COLON = re.compile(
    r"(?:\b(?:в|во|at|к|около|around|@)\s*|(?<![\w:./]))(?P<h>\d{1,2}):(?P<min>\d{2})\b"
    rf"(?:\s*{_DAYPART})?"
)
_T_PREP_SEP = re.compile(
    r"\b(?:в|во|at|к)\s+(?P<h>\d{1,2})[.\-](?P<min>\d{2})\b(?![.\-]\d)" rf"(?:\s*{_DAYPART})?"
)
_MONTHS = parsing.MONTH_NAME_PATTERN
_T_HOURS = re.compile(
    r"\b(?:в|во|at|к|около|around|@)\s*(?P<h>\d{1,2})"
    r"(?:\s*(?:ч\b|час(?:а|ов)?\b|h\b|o'clock)(?:\s+(?P<min>\d{1,2})\s*(?:минут\w*|мин\b\.?))?)?"
    rf"(?:\s*{_DAYPART})?"
    rf"(?![\w:/\-]|[./]\d|\s*(?:числа|(?:{_MONTHS})\b|минут|мин\b|%))"
)
_T_DAYPART_ONLY = re.compile(rf"(?<![\w:.])(?P<h>\d{{1,2}})\s+{_DAYPART}\b")
_T_WORDS = re.compile(
    r"\b(?:(?:в|at)\s+)?(?P<word>полдень|noon|midday|полночь|midnight|час\s+дня|час)\b"
)
_ZONE_WORDS: dict[str, str] = {
    "по москве": "Europe/Moscow", "по московскому времени": "Europe/Moscow",
    "мск": "Europe/Moscow", "msk": "Europe/Moscow", "moscow time": "Europe/Moscow",
    "utc": "UTC", "gmt": "UTC", "pacific": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "eastern": "America/New_York", "et": "America/New_York", "est": "America/New_York",
    "edt": "America/New_York", "central": "America/Chicago", "cet": "Europe/Berlin",
    "cest": "Europe/Berlin", "london time": "Europe/London", "по лондону": "Europe/London",
}  # fmt: skip
_ZONE = re.compile(
    r"(?<![\w@])(?:time\s+)?(?P<zone>"
    + "|".join(sorted((re.escape(z) for z in _ZONE_WORDS), key=len, reverse=True))
    + r")(?:\s+time)?(?!\w)"
)
_RU_NUMBERS: dict[str, int] = {
    "ноль": 0, "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12,
    "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16,
    "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20,
    "тридцать": 30, "сорок": 40, "пятьдесят": 50,
}  # fmt: skip
_RU_HOUR_WORD = "|".join(
    sorted((w for w, n in _RU_NUMBERS.items() if 1 <= n <= 20), key=len, reverse=True)
)
_RU_MINUTE_WORD = "|".join(sorted(_RU_NUMBERS, key=len, reverse=True))
_T_SPELLED = re.compile(
    rf"\b(?:в|во)\s+(?P<hw>{_RU_HOUR_WORD})(?:\s+(?P<mw>(?:{_RU_MINUTE_WORD})"
    rf"(?:\s+(?:{_RU_MINUTE_WORD}))?))?(?:\s+час(?:а|ов)?)?(?:\s*{_DAYPART})?\b"
)


def _spelled_minutes(words: str) -> int | None:
    """ "ноль пять" 5, "пятнадцать" 15, "сорок пять" 45; None for what is no minute."""
    parts = [_RU_NUMBERS[w] for w in words.split()]
    if len(parts) == 2 and parts[0] == 0 and parts[1] < 10:
        return parts[1]
    if len(parts) == 2 and parts[0] >= 20 and parts[0] % 10 == 0 and 0 < parts[1] < 10:
        return parts[0] + parts[1]
    if len(parts) == 1 and 10 <= parts[0] < 60:
        return parts[0]
    return None


_FREE_DAYPART = re.compile(
    r"\b(?:утром|днем|вечером|ночью|tonight|in\s+the\s+(?:morning|afternoon|evening)|"
    r"(?:this\s+)?(?:morning|afternoon|evening))\b"
)
_RANGE_T = r"\d{1,2}(?:[:.]\d{2})?(?:\s*[ap]\.?m\.?)?"
_RANGE = re.compile(
    rf"(?:\b(?:from|с|со|between)\s+)?(?P<a>{_RANGE_T})\s*(?:-|–|—|\bto\b|\btill\b|\buntil\b|"
    rf"\bдо\b|\band\b)\s*(?P<b>{_RANGE_T})(?![\w:./])(?:\s*{_DAYPART})?"
)
_RELATIVE_DAY = re.compile(
    r"\b(?:послезавтра|после\s+завтра|(?:the\s+)?day\s+after\s+tomorrow|сегодня|today|"
    r"tonight|завтра|tomorrow|tmrw)\b"
)
_DAY_WORD = (
    r"(?:понедельник|вторник|сред[аеуы]|четверг|пятниц[аеуы]|суббот[аеуы]|воскресенье|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tues?|wed|thu(?:rs?)?|fri|sat|sun|пн|вт|ср|чт|пт|сб|вс)"
)
_WEEKDAY = re.compile(
    r"\b(?P<pre>(?:(?:в|во|on|this|next|coming|следующ\w+|эт[уоа]|ближайш\w+)\s+)*)"
    rf"(?P<day>{_DAY_WORD})\b\.?"
)
_WEEK_RANGE = re.compile(
    r"\b(?:(?:на\s+)?(?:этой|следующей)\s+неделе|(?:this|next)\s+week|на\s+неделе)\b"
)
_DAY_MONTH = re.compile(
    rf"\b(?:on\s+)?(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th|-?го|-?е)?\s+(?:of\s+)?(?:{_MONTHS})\b\.?"
    r"(?:,?\s+\d{4}\b(?:\s*(?:года|г\b\.?))?)?"
)
_MONTH_DAY = re.compile(
    rf"\b(?:on\s+)?(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?"
)
_NUMERIC_DATE = re.compile(
    r"(?<![\w:.])(?:on\s+)?(?P<d>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}([./])\d{1,2}(?:\2\d{2,4})?)"
    r"(?![\w:]|[./]\d)"
)
_DAY_OF_MONTH = re.compile(
    r"\b(?:(?P<ru>\d{1,2})(?:-?го)?\s+числа|(?:on\s+)?the\s+(?P<en>\d{1,2})(?:st|nd|rd|th))\b"
)
_VIDEO = re.compile(
    r"(?:\b(?:с|со|with|в|in|on|по|via|и|and|\+)\s+)?(?:\b(?:со?\s+)?ссылк\w*\s+на\s+видео\w*|"
    r"\bвидео\w*|\bvideo(?:\s*(?:call|link|conference|meeting|chat))?|\bzoom\w*|\bзум\w*|"
    r"\bjitsi|\bgoogle\s+meet|\bmeet\s+link|\bteams(?:\s+(?:call|meeting))?|\bтелемост\w*)\b"
)
_LOCATION_MARKED = re.compile(
    r"\b(?:location|place|where|место|адрес|где)\b\s*[:\-]?\s*(?P<loc>[^\x1f;]+)"
)
_LOCATION_RU = re.compile(
    r"\b(?:в|во|на)\s+(?P<loc>(?:переговорн\w*|переговорк\w*|комнат\w*|кабинет\w*|офис\w*|"
    r"зал\w*|аудитори\w*|кафе|ресторан\w*|столов\w*|кухн\w*)\b[^\x1f,;]*)"
)
_LOCATION_EN = re.compile(r"(?:\bat|\bin|@)\s+(?P<loc>(?:[A-Z0-9]|[Rr]oom\b)[^\x1f,;]*)")
_LEADING_COMMAND = re.compile(
    r"^(?:please\s+|пожалуйста\s+)?(?:schedule|add|create|book|set\s+up|put|plan|arrange|"
    r"organi[sz]e|make|new|создай|создать|добавь|добавить|запланируй|запланировать|поставь|"
    r"поставить|назначь|назначить|сделай|новая|новую|новое|новый|приходите\s+на|"
    r"приходи\s+на|come\s+to|join\s+(?:us\s+for)?)\b\s*(?:(?:an?|the|my)\b\s*)?",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"\b(?:начн[её]тся|состоится|состоятся|пройд[её]т|(?:нужно|надо)\s+будет|будет|нужно|надо)\b",
    re.IGNORECASE,
)
_EDGE = (
    r"(?:с|со|и|в|во|на|к|для|with|and|at|on|in|for|from|to|by|of|the|an?|due|starting|"
    r"beginning|начиная|"
    r"[,;:—–\-!?.&+])"
)
_EDGE_START = re.compile(rf"^(?:{_EDGE}(?:\s+|$)|[,;:—–\-!?.&+]\s*)", re.IGNORECASE)
_EDGE_END = re.compile(rf"(?:(?:^|\s){_EDGE}|[,;:—–\-!?.&+])$", re.IGNORECASE)


# ---- the parser -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Found:
    title: str | None = None
    day: date | None = None
    at: time | None = None
    start: datetime | None = None  # a relative start ("in 2 hours") sets day and time at once
    duration: int | None = None
    usernames: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    location: str = ""
    recurrence: Recurrence | None = None
    video: VideoRequest | None = None
    daypart: str | None = None
    zone: ZoneInfo | None = None  # "15:00 по Москве", "9:15 AM Pacific": the time's own zone
    ambiguities: list[Ambiguity] = field(default_factory=list)
    understood: bool = False


MAX_LENGTH = 500  # a sentence, not a pasted document: longer text is not read as a meeting


def parse_sentence(text: str, *, now: datetime, zone: ZoneInfo) -> SentenceParse:
    """Read one sentence into a draft, the ambiguities to ask about and what is missing."""
    if len(text) > MAX_LENGTH:
        return SentenceParse(MeetingDraft(), (), tuple(Field), understood=False)
    scan = _Scanner(text)
    local_now = now.astimezone(zone)
    today = local_now.date()
    english = not re.search("[а-яё]", text.lower())
    found = _Found()
    _quoted_title(scan, found)
    _links(scan, found)
    _attendees(scan, found)
    recurrence = find_recurrence(scan.work, today=today)
    if recurrence is not None:
        found.recurrence = recurrence.recurrence
        found.understood = True
        for start, end in recurrence.spans:
            scan.take(start, end)
    _relative(scan, found, local_now)
    _duration(scan, found, _DURATION_PREP)
    _time_range(scan, found)
    if found.at is None and found.start is None:
        _time(scan, found, english)
    _free_daypart(scan, found)
    _zone_word(scan, found)
    _date(scan, found, today, english)
    if found.duration is None:
        _duration(scan, found, _DURATION_BARE)
        _duration_adjective(scan, found)
    _video(scan, found)
    _location(scan, found)
    if found.title is None:
        found.title = _title(scan.rest())
    return _resolve(found, local_now, zone)


def _quoted_title(scan: _Scanner, found: _Found) -> None:
    if match := scan.find(_QUOTED):
        title = match[1].strip()
        if title:
            found.title = scan.original(match.start(1), match.end(1)).strip()
            scan.take(*match.span())


def _links(scan: _Scanner, found: _Found) -> None:
    if match := scan.find(_URL):
        found.video = VideoRequest(scan.original(*match.span()).rstrip(".,;)"))
        scan.take(*match.span())


def _attendees(scan: _Scanner, found: _Found) -> None:
    spans: list[tuple[int, int]] = []
    for match in scan.finditer(_EMAIL_LIKE):
        candidate = match[0].strip(".").removeprefix("mailto:")
        if candidate.startswith("@"):
            continue
        if not parsing.is_valid_email(candidate):
            if "." not in candidate.partition("@")[2]:
                continue  # "today@5p" is a time, not an address
            # never dropped and never left in the title: the card names it as not understood
            found.invalid.append(scan.original(*match.span()).strip("."))
            spans.append(match.span())
            continue
        if candidate not in found.emails:
            found.emails.append(candidate)
        spans.append(match.span())
    for start, end in spans:
        scan.take(start, end)
    for match in scan.finditer(_USERNAME):
        name = match[1].rstrip(".")
        if name not in found.usernames:
            found.usernames.append(name)
        spans.append(match.span())
        scan.take(*match.span())
    for start, _ in sorted(spans, reverse=True):  # "с", "with", "и", "," before each
        while connector := _ATTENDEE_CONNECTOR.search(scan.work[:start]):
            scan.take(connector.start(), start)
            start = connector.start()


def _relative(scan: _Scanner, found: _Found, local_now: datetime) -> None:
    match = scan.find(_RELATIVE)
    if match is None:
        return
    unit = match["unit"]
    amount = number_value(match["n"]) if match["n"] else 1
    base = local_now.replace(second=0, microsecond=0)
    if unit.startswith(("пол", "half")):
        delta = timedelta(minutes=30 * amount)
    elif unit.startswith(("мин", "min")):
        delta = timedelta(minutes=amount)
    elif unit.startswith(("час", "hour")):
        delta = timedelta(hours=amount)
    elif unit.startswith(("недел", "week")):
        found.day = base.date() + timedelta(weeks=amount)
        found.understood = True
        scan.take(*match.span())
        return
    else:
        found.day = base.date() + timedelta(days=amount)
        found.understood = True
        scan.take(*match.span())
        return
    found.start = base + delta
    found.understood = True
    scan.take(*match.span())


def _duration_minutes(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    if groups.get("h"):
        hours = float(groups["h"].replace(",", "."))
        minutes = hours * 60 + (int(groups["hm"]) if groups.get("hm") else 0)
    elif groups.get("m"):
        minutes = int(groups["m"])
    elif groups.get("half"):
        minutes = 30
    elif groups.get("oneandhalf"):
        minutes = 90
    elif groups.get("wh"):
        minutes = NUMBER_WORDS[groups["wh"]] * 60
    elif groups.get("wm"):
        minutes = NUMBER_WORDS[groups["wm"]]
    elif groups.get("hour"):
        minutes = 60
    else:
        return None
    if minutes != int(minutes) or not 1 <= minutes <= parsing.MAX_DURATION_MINUTES:
        return None
    return int(minutes)


def _duration(scan: _Scanner, found: _Found, pattern: re.Pattern[str]) -> None:
    if found.duration is not None:
        return
    for match in scan.finditer(pattern):
        minutes = _duration_minutes(match)
        if minutes is not None:
            found.duration = minutes
            found.understood = True
            scan.take(*match.span())
            return


def _duration_adjective(scan: _Scanner, found: _Found) -> None:
    """ "a 30-minute standup", "1-hour sync", "30-минутная встреча"."""
    if found.duration is not None:
        return
    if match := scan.find(_DURATION_ADJ):
        amount = int(match["n"])
        minutes = amount * 60 if match["unit"].startswith(("hour", "час")) else amount
        if 1 <= minutes <= parsing.MAX_DURATION_MINUTES:
            found.duration = minutes
            found.understood = True
            scan.take(*match.span())


def _hour_with(hour: int, minute: int, marker: str | None) -> tuple[int, int] | None:
    """A 12-hour reading settled by am/pm or a part-of-day word; None when out of range."""
    if marker in ("a", "am"):
        if not 1 <= hour <= 12:
            return None
        return hour % 12, minute
    if marker in ("p", "pm"):
        if not 1 <= hour <= 12:
            return None
        return hour % 12 + 12, minute
    return hour, minute


def _daypart_kind(part: str | None) -> str | None:
    if part is None:
        return None
    if part.startswith(("утр", "in the morning")) or part.endswith("morning"):
        return "morning"
    if part.startswith(("дн", "in the afternoon")) or part.endswith("afternoon"):
        return "day"
    if part.startswith(("вечер", "in the evening", "tonight")) or part.endswith("evening"):
        return "evening"
    return "night"


def _apply_daypart(hour: int, kind: str) -> int:
    if hour > 12:
        return hour
    if kind == "morning":
        return hour
    if kind == "day":
        return hour + 12 if hour < 8 else hour  # "в 3 дня" is 15:00, "12 дня" is noon
    if kind == "evening":
        return hour + 12 if hour < 12 else hour
    # night: "в 12 ночи" is midnight, "в 2 ночи" 02:00, "в 11 ночи" 23:00
    if hour == 12:
        return 0
    return hour + 12 if hour >= 8 else hour


def _set_time(
    found: _Found,
    hour: int,
    minute: int,
    *,
    settled: bool,
    part: str | None,
    fragment: str,
    leading_zero: bool = False,
) -> bool:
    if not (0 <= hour <= 24 and 0 <= minute < 60):
        return False
    kind = _daypart_kind(part) or found.daypart
    if part is not None:
        found.daypart = _daypart_kind(part)
    if not settled and kind is not None:
        hour = _apply_daypart(hour, kind)
        settled = True
    if hour == 24:
        hour = 0
    if not settled and not leading_zero and 1 <= hour <= 7:
        found.ambiguities.append(
            Ambiguity(AmbiguityKind.HOUR, fragment, (time(hour, minute), time(hour + 12, minute)))
        )
        found.understood = True
        return True
    found.at = time(hour % 24, minute)
    found.understood = True
    return True


def _time_range(scan: _Scanner, found: _Found) -> None:
    for match in scan.finditer(_RANGE):
        a, b = match["a"], match["b"]
        prefixed = bool(re.match(r"\s*(?:from|с|со|between)\b", match[0]))
        if not (prefixed or ":" in a or re.search("[ap]", a + b)):
            continue
        try:
            end_time = parsing.parse_time(b)
            first = parsing.parse_time(a) if re.search("[ap]", a) else None
        except parsing.ParseError:
            continue
        if first is None:
            # "6 to 8pm": the first takes the second's half of the day when it fits
            hour_min = re.match(r"(\d{1,2})(?:[:.](\d{2}))?", a)
            assert hour_min is not None
            hour, minute = int(hour_min[1]), int(hour_min[2] or 0)
            if re.search("[ap]", b) and hour < 12 and end_time.hour >= 12 and hour + 12 <= 23:
                hour += 12
            part = match["part"]
            if part is not None:
                kind = _daypart_kind(part)
                assert kind is not None
                hour = _apply_daypart(hour, kind)
                end_time = time(_apply_daypart(end_time.hour, kind), end_time.minute)
            if not (0 <= hour <= 23 and 0 <= minute < 60):
                continue
            first = time(hour, minute)
            if not prefixed and ":" not in a and 1 <= hour <= 7 and part is None:
                continue
        start_minutes = first.hour * 60 + first.minute
        end_minutes = end_time.hour * 60 + end_time.minute
        if end_minutes <= start_minutes:
            if end_minutes + 12 * 60 > start_minutes and end_time.hour < 12 and not part_of(b):
                end_minutes += 12 * 60  # "с 11 до 1": 11:00–13:00
            else:
                end_minutes += 24 * 60
        found.at = first
        if found.duration is None:
            found.duration = end_minutes - start_minutes
        found.understood = True
        scan.take(*match.span())
        return


def part_of(text: str) -> bool:
    return bool(re.search("[ap]", text))


def _time(scan: _Scanner, found: _Found, english: bool) -> None:
    if match := scan.find(_T12):
        marker = match["ap"] or match["ap1"]
        settled = _hour_with(int(match["h"]), int(match["min"] or 0), marker)
        if settled is not None:
            found.at = time(*settled)
            found.understood = True
            scan.take(*match.span())
            return
    for pattern in (_T_COLON, _T_PREP_SEP, _T_HOURS, _T_DAYPART_ONLY):
        for match in scan.finditer(pattern):
            hour, minute = int(match["h"]), int(match.groupdict().get("min") or 0)
            # Russian "7:20" is a 24-hour time; an English one may be 7:20 pm
            colon = pattern is not _T_HOURS and pattern is not _T_DAYPART_ONLY
            ok = _set_time(
                found,
                hour,
                minute,
                settled=hour > 12 or hour == 0 or (colon and not english),
                part=match.groupdict().get("part"),
                fragment=scan.original(*match.span()).strip(),
                leading_zero=match["h"].startswith("0"),
            )
            if ok:
                scan.take(*match.span())
                return
    if match := scan.find(_T_SPELLED):
        hour = _RU_NUMBERS[match["hw"]]
        spelled = _spelled_minutes(match["mw"]) if match["mw"] else 0
        if spelled is not None and _set_time(
            found,
            hour,
            spelled,
            settled=hour > 12 or bool(match["mw"]),  # "в десять пятнадцать" is 10:15
            part=match["part"],
            fragment=scan.original(*match.span()).strip(),
        ):
            scan.take(*match.span())
            return
    if match := scan.find(_T_WORDS):
        word = match["word"]
        hour = {"полдень": 12, "noon": 12, "midday": 12, "полночь": 0, "midnight": 0}.get(word, 13)
        found.at = time(hour)
        found.understood = True
        scan.take(*match.span())


def _zone_word(scan: _Scanner, found: _Found) -> None:
    if found.at is None:
        return
    if match := scan.find(_ZONE):
        found.zone = ZoneInfo(_ZONE_WORDS[match["zone"]])
        scan.take(*match.span())


def _free_daypart(scan: _Scanner, found: _Found) -> None:
    for match in scan.finditer(_FREE_DAYPART):
        word = re.sub(r"^this\s+", "", match[0])
        kind = _daypart_kind(word)
        if word == "tonight":
            found.daypart = "evening"
            continue  # a day word as well: the date pass reads it
        found.daypart = found.daypart or kind
        scan.take(*match.span())
    for ambiguity in list(found.ambiguities):  # "в 3 … вечером" settles "в 3"
        if ambiguity.kind is AmbiguityKind.HOUR and found.daypart is not None:
            first = ambiguity.options[0]
            assert isinstance(first, time)
            found.ambiguities.remove(ambiguity)
            found.at = time(_apply_daypart(first.hour, found.daypart), first.minute)


def _date(scan: _Scanner, found: _Found, today: date, english: bool) -> None:
    if found.day is not None or found.start is not None:
        return
    if match := scan.find(_RELATIVE_DAY):
        word = match[0]
        if word == "tonight":
            found.daypart = found.daypart or "evening"
            word = "today"
        found.day = parsing.parse_date(re.sub(r"\s+", " ", word), today=today)
        found.understood = True
        scan.take(*match.span())
        return
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if match := scan.find(pattern):
            fragment = re.sub(r"^(?:on\s+)?(?:the\s+)?", "", match[0].rstrip("."))
            fragment = re.sub(r",?\s*(?:года|г\.?)$", "", fragment).replace(",", "")
            try:
                found.day = parsing.parse_date(fragment, today=today)
            except parsing.ParseError:
                continue
            found.understood = True
            scan.take(*match.span())
            return
    if match := scan.find(_WEEKDAY):
        prefix = match["pre"]
        nxt = re.search(r"\b(?:next|следующ\w+)\b", prefix)
        day_index = weekday_of(match["day"])
        canonical = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day_index]
        found.day = parsing.parse_date(f"next {canonical}" if nxt else canonical, today=today)
        found.understood = True
        scan.take(*match.span())
        return
    if match := scan.find(_NUMERIC_DATE):
        text = match["d"]
        try:
            found.day = parsing.parse_date(text, today=today)
        except parsing.ParseError:
            if not (english and "/" in text):
                return
            month_first = text.split("/")
            try:  # "12/15": no 12th of a 15th month, so December 15 (US order)
                found.day = parsing.parse_date(
                    "/".join([month_first[1], month_first[0], *month_first[2:]]), today=today
                )
            except parsing.ParseError:
                return
            found.understood = True
            scan.take(*match.span())
            return
        found.understood = True
        scan.take(*match.span())
        parts = re.split(r"[./]", text)
        if english and "/" in text and len(parts) >= 2:
            first, second = int(parts[0]), int(parts[1])
            if first != second and first <= 12 and second <= 12:
                swapped = "/".join([parts[1], parts[0], *parts[2:]])
                try:
                    other = parsing.parse_date(swapped, today=today)
                except parsing.ParseError:
                    return
                found.ambiguities.append(
                    Ambiguity(AmbiguityKind.DAY_MONTH, text, (found.day, other))
                )
                found.day = None
        return
    if match := scan.find(_DAY_OF_MONTH):
        number = int(match["ru"] or match["en"])
        try:
            found.day = parsing.parse_date(f"{number}.{today.month}", today=today)
        except parsing.ParseError:
            return
        if found.day.month != today.month:  # passed this month: next month's, not next year's
            month = today.month % 12 + 1
            year = today.year + (today.month == 12)
            try:
                found.day = date(year, month, number)
            except ValueError:
                return
        found.understood = True
        scan.take(*match.span())
        return
    if match := scan.find(_WEEK_RANGE):
        scan.take(*match.span())  # a week is not a day: the date stays missing


def _video(scan: _Scanner, found: _Found) -> None:
    if match := scan.find(_VIDEO):
        if found.video is None:
            found.video = VideoRequest()
        scan.take(*match.span())


def _location(scan: _Scanner, found: _Found) -> None:
    work_with_case = "".join(
        c if w != _GONE else _GONE for c, w in zip(scan.text, scan.work, strict=True)
    )
    for pattern, source in (
        (_LOCATION_MARKED, scan.work),
        (_LOCATION_RU, scan.work),
        (_LOCATION_EN, work_with_case),
    ):
        if match := pattern.search(source):
            location = scan.original(match.start("loc"), match.end("loc"))
            location = _strip_edges(location)
            if location:
                found.location = location
                scan.take(match.start(), match.start("loc") + len(location))
                return


def _strip_edges(text: str) -> str:
    value = " ".join(text.split())
    while True:
        before = value
        value = _EDGE_START.sub("", value).strip()
        value = _EDGE_END.sub("", value).strip()
        if value == before:
            return value


def _title(rest: str) -> str | None:
    value = " ".join(rest.split())
    value = re.sub(r"\s+([,;:!?.])", r"\1", value)
    previous = None
    while previous != value:
        previous = value
        value = _strip_edges(value)
        value = _LEADING_COMMAND.sub("", value).strip()
    value = _FILLER.sub(" ", value)
    value = _strip_edges(re.sub(r"\s+([,;:!?.])", r"\1", " ".join(value.split())))
    return value or None


def _resolve(found: _Found, local_now: datetime, zone: ZoneInfo) -> SentenceParse:
    assumed: list[Field] = []
    day, at = found.day, found.at
    if found.start is not None:
        day, at = found.start.date(), found.start.time()
    hour_ambiguous = any(a.kind is AmbiguityKind.HOUR for a in found.ambiguities)
    date_ambiguous = any(a.kind is AmbiguityKind.DAY_MONTH for a in found.ambiguities)
    if day is None and at is not None and not date_ambiguous:
        today = local_now.date()
        candidate = datetime.combine(today, at, found.zone or zone)
        day = today if candidate > local_now else today + timedelta(days=1)
        if found.recurrence is not None:  # "every Tuesday at 10": the first Tuesday
            day = first_on_or_after(found.recurrence, day)
        assumed.append(Field.DATE)
    if found.zone is not None and day is not None and at is not None:
        # said in another zone: the draft keeps the person's own wall time
        moment = datetime.combine(day, at, found.zone).astimezone(zone)
        day, at = moment.date(), moment.time()
    ambiguities = list(found.ambiguities)
    if day is not None and at is not None:
        start = datetime.combine(day, at, zone).astimezone(UTC)
        if start < local_now.astimezone(UTC).replace(second=0, microsecond=0):
            ambiguities.append(Ambiguity(AmbiguityKind.PAST, f"{day.isoformat()} {at:%H:%M}"))
    elif day is not None and day < local_now.date():
        ambiguities.append(Ambiguity(AmbiguityKind.PAST, day.isoformat()))
    missing: list[Field] = []
    if not found.title:
        missing.append(Field.TITLE)
    if day is None and not date_ambiguous:
        missing.append(Field.DATE)
    if at is None and not hour_ambiguous:
        missing.append(Field.TIME)
    if found.duration is None:
        missing.append(Field.DURATION)
    draft = MeetingDraft(
        title=found.title,
        day=day,
        at=at,
        duration_minutes=found.duration,
        usernames=tuple(found.usernames),
        emails=tuple(found.emails),
        invalid_attendees=tuple(found.invalid),
        location=found.location,
        recurrence=found.recurrence,
        video=found.video,
        assumed=tuple(assumed),
    )
    return SentenceParse(draft, tuple(ambiguities), tuple(missing), found.understood)
