"""What people type into the create-meeting wizard: dates, times, durations, attendees.

Russian and English. Every function is pure: "today" is a parameter. Errors are
`ParseError` with a `ParseErrorCode`; the views map codes to catalog texts, so there is no
user-facing text here.

Decisions worth knowing:
- A weekday name ("пт", "friday") means the next such day strictly after today: on a Friday,
  "пт" is a week ahead. "Today" has its own word and quick-pick button, and the wizard refuses
  past start times anyway, so "the coming one" is the least surprising reading.
- "25.12" without a year is this year's date, or next year's once it has passed (today counts
  as not passed).
- "next friday" / "следующая пятница" is that day of next week (Monday-based): on a
  Wednesday, "friday" is in two days and "next friday" in nine; "в пятницу", "on friday",
  "this friday" are the plain weekday.
- "5 декабря", "5 dec", "december 5th" without a year: like "05.12".
- A bare number is hours for a time ("9" is 09:00) but minutes for a duration ("45");
  "2pm", "2:30 p.m.", "14-00", "в 14", "at 9" are times too; "12am" is midnight.

Hand-written rather than a library (dateparser): the wizard needs this small, exact set in
two languages, with "next friday" pinned to one meaning, and no second of import time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum


class ParseErrorCode(StrEnum):
    EMPTY = "empty"
    DATE_FORMAT = "date_format"
    DATE_INVALID = "date_invalid"  # well-formed but no such day (31.02)
    TIME_FORMAT = "time_format"
    TIME_OUT_OF_RANGE = "time_out_of_range"  # 24:00 and later, 60+ minutes
    DURATION_FORMAT = "duration_format"
    DURATION_OUT_OF_RANGE = "duration_out_of_range"  # outside 1..1440 minutes


class ParseError(ValueError):
    """Input that could not be understood; `code` says why (never the user's text itself)."""

    def __init__(self, code: ParseErrorCode) -> None:
        super().__init__(code.value)
        self.code = code


MAX_DURATION_MINUTES = 24 * 60

_WEEKDAYS: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("пн", "пон", "понед", "понедельник", "mo", "mon", "monday"),
        ("вт", "вто", "втор", "вторник", "tu", "tue", "tues", "tuesday"),
        ("ср", "сре", "среда", "среду", "we", "wed", "wednesday"),
        ("чт", "чет", "четв", "четверг", "th", "thu", "thur", "thurs", "thursday"),
        ("пт", "пят", "пятн", "пятница", "пятницу", "fr", "fri", "friday"),
        ("сб", "суб", "субб", "суббота", "субботу", "sa", "sat", "saturday"),
        ("вс", "вос", "воскр", "воскресенье", "su", "sun", "sunday"),
    )
):
    for _name in _names:
        _WEEKDAYS[_name] = _index

_RELATIVE_DAYS: dict[str, int] = {
    "сегодня": 0,
    "today": 0,
    "завтра": 1,
    "tomorrow": 1,
    "послезавтра": 2,
    "после завтра": 2,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
}

_NEXT_WORDS = ("следующий", "следующая", "следующую", "следующее", "след", "next")
_PLAIN_WORDS = ("в", "во", "on", "this", "этот", "эта", "эту", "это", "ближайший", "ближайшую")

_MONTHS: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("января", "январь", "янв", "january", "jan"),
        ("февраля", "февраль", "фев", "february", "feb"),
        ("марта", "март", "мар", "march", "mar"),
        ("апреля", "апрель", "апр", "april", "apr"),
        ("мая", "май", "may"),
        ("июня", "июнь", "июн", "june", "jun"),
        ("июля", "июль", "июл", "july", "jul"),
        ("августа", "август", "авг", "august", "aug"),
        ("сентября", "сентябрь", "сен", "сент", "september", "sep", "sept"),
        ("октября", "октябрь", "окт", "october", "oct"),
        ("ноября", "ноябрь", "ноя", "нояб", "november", "nov"),
        ("декабря", "декабрь", "дек", "december", "dec"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _index
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
# For the sentence and recurrence readers, which find dates inside longer text.
MONTH_NUMBERS: dict[str, int] = _MONTHS
MONTH_NAME_PATTERN = _MONTH_NAME
_DAY = r"(\d{1,2})(?:st|nd|rd|th|-?е|-?го)?"
_DAY_MONTH = re.compile(rf"{_DAY}\s+(?:of\s+)?({_MONTH_NAME})\.?(?:\s+(\d{{4}}))?")
_MONTH_DAY = re.compile(rf"({_MONTH_NAME})\.?\s+{_DAY}(?:,?\s+(\d{{4}}))?")

_DMY = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})", re.ASCII)
_DM = re.compile(r"(\d{1,2})[./](\d{1,2})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)


def _normalize(text: str) -> str:
    return " ".join(text.strip().lower().replace("ё", "е").split())


def parse_date(text: str, *, today: date) -> date:
    """A calendar day from `DD.MM.YYYY`, `DD.MM.YY`, `DD.MM`, `DD/MM`, ISO, words or weekdays."""
    value = _normalize(text).rstrip(".")
    if not value:
        raise ParseError(ParseErrorCode.EMPTY)
    if value in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[value])
    if value in _WEEKDAYS:
        ahead = (_WEEKDAYS[value] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    first, _, rest = value.partition(" ")
    if first in _NEXT_WORDS and rest in _WEEKDAYS:
        next_monday = today + timedelta(days=7 - today.weekday())
        return next_monday + timedelta(days=_WEEKDAYS[rest])
    if first in _PLAIN_WORDS and rest:
        return parse_date(rest, today=today)
    if match := _DAY_MONTH.fullmatch(value):
        return _day_of_month(int(match[1]), _MONTHS[match[2]], match[3], today)
    if match := _MONTH_DAY.fullmatch(value):
        return _day_of_month(int(match[2]), _MONTHS[match[1]], match[3], today)
    if match := _ISO.fullmatch(value):
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _DMY.fullmatch(value):
        year = int(match[3])
        if len(match[3]) == 2:
            year += 2000
        return _make_date(year, int(match[2]), int(match[1]))
    if match := _DM.fullmatch(value):
        return _day_of_month(int(match[1]), int(match[2]), None, today)
    raise ParseError(ParseErrorCode.DATE_FORMAT)


def _day_of_month(day: int, month: int, year: str | None, today: date) -> date:
    """A day and month, in `year` or else the next time it comes (today included)."""
    if year is not None:
        return _make_date(int(year), month, day)
    candidate = _make_date(today.year, month, day, leap_fallback=True)
    if candidate < today:
        candidate = _make_date(today.year + 1, month, day, leap_fallback=True)
    return candidate


def _make_date(year: int, month: int, day: int, *, leap_fallback: bool = False) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        # "29.02" without a year: the next year that has it, rather than an error.
        if leap_fallback and (month, day) == (2, 29):
            for next_year in range(year + 1, year + 9):
                try:
                    return date(next_year, 2, 29)
                except ValueError:
                    continue
        raise ParseError(ParseErrorCode.DATE_INVALID) from None


_TIME_SEPARATED = re.compile(r"(\d{1,2})\s*[:.\-hч]\s*(\d{2})(?:\s*(?:m|мин|м))?", re.ASCII)
_TIME_12H = re.compile(r"(\d{1,2})(?:\s*[:.]\s*(\d{2}))?\s*([ap])\.?\s*m\.?", re.ASCII)
_TIME_PREFIXES = ("в ", "во ", "at ", "к ")
_TIME_HOURS = re.compile(r"(\d{1,2})\s*(?:h|ч|час|часа|часов|o'clock)?", re.ASCII)
_TIME_COMPACT = re.compile(r"(\d{1,2})(\d{2})", re.ASCII)


def parse_time(text: str) -> time:
    """A time of day: `HH:MM`, `H:MM`, `14-00`, `9`, `930`, `0930`, `9.30`, `9ч`, `9h`, `9h30`,
    `2pm`, `2:30 p.m.`, with an optional `в`/`at` before it."""
    value = _normalize(text)
    for prefix in _TIME_PREFIXES:
        value = value.removeprefix(prefix)
    if not value:
        raise ParseError(ParseErrorCode.EMPTY)
    if match := _TIME_12H.fullmatch(value):
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12:
            raise ParseError(ParseErrorCode.TIME_OUT_OF_RANGE)
        hour = hour % 12 + (12 if match[3] == "p" else 0)
    elif match := _TIME_SEPARATED.fullmatch(value):
        hour, minute = int(match[1]), int(match[2])
    elif match := _TIME_HOURS.fullmatch(value):
        hour, minute = int(match[1]), 0
    elif (match := _TIME_COMPACT.fullmatch(value)) and len(value) in (3, 4):
        hour, minute = int(match[1]), int(match[2])
    else:
        raise ParseError(ParseErrorCode.TIME_FORMAT)
    if hour >= 24 or minute >= 60:
        raise ParseError(ParseErrorCode.TIME_OUT_OF_RANGE)
    return time(hour, minute)


_HOUR_UNITS = r"(?:h|hr|hrs|hour|hours|ч|час|часа|часов)"
_MINUTE_UNITS = r"(?:m|min|mins|minute|minutes|м|мин|минута|минуты|минут)"
_NUMBER = r"\d+(?:\.\d+)?"
_DURATION_HM = re.compile(r"(\d+):(\d{2})", re.ASCII)
_DURATION_UNITS = re.compile(
    rf"(?:(?P<hours>{_NUMBER})\s*{_HOUR_UNITS}\.?)?\s*"
    rf"(?:(?P<minutes>\d+)\s*(?P<unit>{_MINUTE_UNITS})?\.?)?",
    re.ASCII,  # \d must not take "²" or other Unicode digits int() cannot read
)


def parse_duration(text: str) -> int:
    """Minutes in 1..1440 from `45`, `1h30`, `1ч30`, `1:30`, `1.5h`, `90m`, `90 мин`, `1 час`."""
    value = _normalize(text).replace(",", ".")
    if not value:
        raise ParseError(ParseErrorCode.EMPTY)
    if value.isascii() and value.isdigit():
        minutes = int(value)
    elif match := _DURATION_HM.fullmatch(value):
        if int(match[2]) >= 60:
            raise ParseError(ParseErrorCode.DURATION_FORMAT)
        minutes = int(match[1]) * 60 + int(match[2])
    elif (match := _DURATION_UNITS.fullmatch(value)) and (match["hours"] or match["unit"]):
        hours_text, minutes_text = match["hours"], match["minutes"]
        if hours_text and "." in hours_text and minutes_text:
            raise ParseError(ParseErrorCode.DURATION_FORMAT)  # "1.5h30" means nothing sure
        total = float(hours_text) * 60 if hours_text else 0.0
        total += int(minutes_text) if minutes_text else 0
        if total != int(total):
            raise ParseError(ParseErrorCode.DURATION_FORMAT)  # fractions of a minute
        minutes = int(total)
    else:
        raise ParseError(ParseErrorCode.DURATION_FORMAT)
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise ParseError(ParseErrorCode.DURATION_OUT_OF_RANGE)
    return minutes


@dataclass(frozen=True, slots=True)
class AttendeeTokens:
    """A typed attendee list, split: nothing is dropped without being reported in `invalid`."""

    usernames: tuple[str, ...] = ()  # lower-case, without "@"; the service resolves them
    emails: tuple[str, ...] = ()  # validated, lower-case
    invalid: tuple[str, ...] = ()  # tokens as typed

    @property
    def empty(self) -> bool:
        return not (self.usernames or self.emails or self.invalid)


_SEPARATORS = re.compile(r"[\s,;]+")
# Mattermost usernames: letters, digits, ".", "-", "_", starting with a letter (max 22).
_USERNAME = re.compile(r"@([a-z][a-z0-9._-]{0,21})")
_EMAIL = re.compile(
    r"(?P<local>[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63})"
)


def is_valid_email(value: str) -> bool:
    return len(value) <= 254 and _EMAIL.fullmatch(value.lower()) is not None


def parse_attendees(text: str) -> AttendeeTokens:
    """Split free text into `@username`s and e-mails; separators: comma, semicolon, spaces."""
    usernames: list[str] = []
    emails: list[str] = []
    invalid: list[str] = []
    for raw in _SEPARATORS.split(text.strip()):
        if not raw:
            continue
        token = raw.strip("<>()\"'")
        lowered = token.lower()
        if lowered.startswith("mailto:"):
            lowered = lowered[len("mailto:") :]
        if (match := _USERNAME.fullmatch(lowered.rstrip("."))) and "@" not in lowered[1:]:
            name = match[1].rstrip(".")
            if name not in usernames:
                usernames.append(name)
        elif is_valid_email(lowered):
            if lowered not in emails:
                emails.append(lowered)
        else:
            invalid.append(raw)
    return AttendeeTokens(tuple(usernames), tuple(emails), tuple(invalid))


_SKIP_WORDS = frozenset(
    {"-", "—", "нет", "никого", "пропустить", "пропуск", "no", "none", "nobody", "skip"}
)


def is_skip_word(text: str) -> bool:
    """A typed "nothing here" (for optional steps), as if the Skip button was pressed."""
    return _normalize(text).rstrip(".!") in _SKIP_WORDS


def format_date(value: date) -> str:
    """The canonical typed form, `DD.MM.YYYY`; `parse_date` reads it back."""
    return value.strftime("%d.%m.%Y")


def format_time(value: time) -> str:
    """The canonical typed form, `HH:MM`; `parse_time` reads it back."""
    return value.strftime("%H:%M")


def format_duration(minutes: int) -> str:
    """A compact typed form (`1h30`, `45m`, `2h`); `parse_duration` reads it back."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"
