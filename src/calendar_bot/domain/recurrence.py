"""Recurring meetings: a typed rule, its RRULE text, and the ru/en phrases people type.

Only what the wizard offers (issue #17 item 4): daily (or every N days), on weekdays, weekly
on chosen days, every N weeks; ending never, on a date, or after N meetings. Anything else
(monthly, yearly, "every 2nd Friday") is not a `Recurrence`: `from_rrule` says None rather
than half-reading a rule the bot could not write back unchanged.

Decisions worth knowing:
- `until` is a day in the person's zone, inclusive: "until 1 march" keeps a 1 March meeting.
  In RRULE text it becomes the UTC instant of that day's end (RFC 5545 3.3.10: UNTIL is UTC
  when DTSTART has a TZID), or a DATE for all-day events.
- "через неделю" is NOT read as "every other week": in Russian it is first "in a week"
  (a date). "раз в две недели", "каждые 2 недели", "every other week", "biweekly" are.
- A weekly rule without chosen days repeats on the start's weekday (BYDAY is left out).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from calendar_bot.domain import parsing


class Frequency(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"


WEEKDAYS = (0, 1, 2, 3, 4)  # Monday..Friday
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_COUNT = 1000
MAX_INTERVAL = 52


@dataclass(frozen=True, slots=True)
class Recurrence:
    frequency: Frequency
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # 0 = Monday; WEEKLY only; () = the start's weekday
    until: date | None = None  # inclusive, a day in the person's zone
    count: int | None = None  # how many meetings in all

    def __post_init__(self) -> None:
        if not 1 <= self.interval <= MAX_INTERVAL:
            raise ValueError("interval out of range")
        if self.until is not None and self.count is not None:
            raise ValueError("until and count are exclusive (RFC 5545)")
        if self.count is not None and not 1 <= self.count <= MAX_COUNT:
            raise ValueError("count out of range")
        if self.frequency is Frequency.DAILY and self.weekdays:
            raise ValueError("weekdays go with WEEKLY")
        if tuple(sorted(set(self.weekdays))) != self.weekdays or any(
            not 0 <= d <= 6 for d in self.weekdays
        ):
            raise ValueError("weekdays must be sorted, unique, 0..6")

    @property
    def on_weekdays(self) -> bool:
        """ "По будням" / "every weekday"."""
        return self.frequency is Frequency.WEEKLY and self.weekdays == WEEKDAYS

    def with_end(self, *, until: date | None = None, count: int | None = None) -> Recurrence:
        return Recurrence(self.frequency, self.interval, self.weekdays, until, count)

    def to_rrule(self, zone: ZoneInfo | None = None) -> str:
        """The RRULE value (without "RRULE:"). With `zone`, UNTIL is the UTC end of the
        `until` day there (for timed events); without, a DATE (for all-day events)."""
        parts = [f"FREQ={self.frequency.value}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.weekdays:
            parts.append("BYDAY=" + ",".join(_BYDAY[d] for d in self.weekdays))
        if self.until is not None:
            if zone is None:
                parts.append(f"UNTIL={self.until:%Y%m%d}")
            else:
                end = datetime.combine(self.until, time(23, 59, 59), zone).astimezone(UTC)
                parts.append(f"UNTIL={end:%Y%m%dT%H%M%SZ}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)


def from_rrule(text: str, zone: ZoneInfo | None = None) -> Recurrence | None:
    """A `Recurrence` from RRULE text, or None when the rule is not one the bot offers."""
    value = text.strip().removeprefix("RRULE:")
    fields: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, item = part.partition("=")
        if not sep or key.upper() in fields:
            return None
        fields[key.upper()] = item.upper()
    known = {"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT", "WKST"}
    if not fields.keys() <= known:
        return None
    try:
        frequency = Frequency(fields.get("FREQ", ""))
        interval = int(fields.get("INTERVAL", "1"))
        weekdays: tuple[int, ...] = ()
        if "BYDAY" in fields:
            weekdays = tuple(sorted({_BYDAY.index(d) for d in fields["BYDAY"].split(",")}))
        until = _read_until(fields["UNTIL"], zone) if "UNTIL" in fields else None
        count = int(fields["COUNT"]) if "COUNT" in fields else None
        return Recurrence(frequency, interval, weekdays, until, count)
    except ValueError:  # an unknown FREQ, a BYDAY like "2FR", numbers out of range
        return None


def _read_until(value: str, zone: ZoneInfo | None) -> date:
    if re.fullmatch(r"\d{8}", value):
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    match = re.fullmatch(r"(\d{8})T(\d{6})(Z?)", value)
    if not match:
        raise ValueError("bad UNTIL")
    moment = datetime.strptime(match[1] + match[2], "%Y%m%d%H%M%S")
    if match[3] and zone is not None:
        return moment.replace(tzinfo=UTC).astimezone(zone).date()
    return moment.date()


# ---- phrases ------------------------------------------------------------------------------

NUMBER_WORDS: dict[str, int] = {
    "один": 1, "одну": 1, "одна": 1, "одного": 1, "two": 2, "one": 1, "a": 1, "an": 1,
    "два": 2, "две": 2, "двух": 2, "three": 3, "три": 3, "трех": 3, "four": 4, "четыре": 4,
    "five": 5, "пять": 5, "six": 6, "шесть": 6, "seven": 7, "семь": 7, "eight": 8,
    "восемь": 8, "nine": 9, "девять": 9, "ten": 10, "десять": 10, "twelve": 12,
    "двенадцать": 12,
}  # fmt: skip
NUMBER = r"(?:\d{1,4}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"


def number_value(token: str) -> int:
    return int(token) if token.isdigit() else NUMBER_WORDS[token]


_DAY_STEMS: dict[str, int] = {
    "понедельник": 0, "вторник": 1, "сред": 2, "четверг": 3, "пятниц": 4, "суббот": 5,
    "воскресень": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6, "пн": 0, "вт": 1, "ср": 2, "чт": 3, "пт": 4, "сб": 5, "вс": 6,
}  # fmt: skip
# A weekday in any case form: "вторник", "вторникам", "среду", "средам", "mondays".
_DAY_WORD = (
    r"(?:понедельник\w*|вторник\w*|сред[аеуы]\w*|четверг\w*|пятниц\w*|суббот\w*|"
    r"воскресень\w*|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|"
    r"mon|tues?|wed|thu(?:rs?)?|fri|sat|sun|пн|вт|ср|чт|пт|сб|вс)"
)
_DAY_LIST = rf"{_DAY_WORD}(?:\s*(?:,|и|and|&|/)\s*{_DAY_WORD})*"


def weekday_of(word: str) -> int:
    word = word.lower().replace("ё", "е")
    for stem in sorted(_DAY_STEMS, key=len, reverse=True):
        if word.startswith(stem) and (len(stem) > 3 or word == stem or word.rstrip("s") == stem):
            return _DAY_STEMS[stem]
    raise ValueError(word)


def _weekday_list(text: str) -> tuple[int, ...]:
    words = re.findall(_DAY_WORD, text)
    return tuple(sorted({weekday_of(w) for w in words}))


_EVERY = r"(?:каждый|каждую|каждое|каждые|каждых|every|each)"
_OTHER = r"(?:other|second|alternate)"

# Base rules, most specific first. Each gives (frequency, interval, weekdays or None).
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (rf"\b(?:по\s+будн\w*|по\s+рабочим\s+дням|{_EVERY}\s+будн\w+\s+день|"
         rf"в\s+будни|{_EVERY}\s+(?:work\s*day|weekday)|(?:on\s+)?weekdays)\b", "weekdays"),
        (rf"\b{_EVERY}\s+{_OTHER}\s+(?P<days>{_DAY_LIST})\b", "other_days"),
        (rf"\b{_EVERY}\s+{_OTHER}\s+week\b(?:\s+on\s+(?P<days>{_DAY_LIST}))?", "other_week"),
        (r"\b(?:раз\s+в\s+(?P<n1>" + NUMBER + r")\s+недел\w*|"
         rf"{_EVERY}\s+(?P<n2>{NUMBER})\s+(?:недел\w*|weeks?)|biweekly|fortnightly)\b"
         rf"(?:\s+(?:on|по|в|во)\s+(?P<days>{_DAY_LIST}))?", "n_weeks"),
        (rf"\b(?:{_EVERY}\s+(?P<days>{_DAY_LIST})|по\s+(?P<days2>{_DAY_LIST})|"
         r"on\s+(?P<days3>(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
         r"(?:\s*(?:,|and|&)\s*(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|"
         r"sundays))*))\b", "days"),
        (rf"\b(?:{_EVERY}\s+(?P<n>{NUMBER})\s+(?:дн\w*|days?))\b", "n_days"),
        (rf"\b(?:{_EVERY}\s+(?:день|day)|ежедневно|daily|раз\s+в\s+день)\b", "daily"),
        (rf"\b(?:{_EVERY}\s+(?:неделю|week)|еженедельно|weekly|раз\s+в\s+неделю)\b"
         rf"(?:\s+(?:on|по|в|во)\s+(?P<days>{_DAY_LIST}))?", "weekly"),
    )
)  # fmt: skip

_MONTH = parsing.MONTH_NAME_PATTERN  # the month names parse_date reads
_DATE_TEXT = (
    rf"(?:\d{{1,2}}(?:st|nd|rd|th|-?го)?\s+(?:of\s+)?(?:{_MONTH})\.?(?:\s+\d{{4}})?"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    r"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?)"
)
_UNTIL = re.compile(rf"\b(?:until|till|through|до|по)\s+(?P<date>{_DATE_TEXT})(?!\w)")
_UNTIL_MONTH_END = re.compile(
    rf"\b(?:until|till|through)\s+(?:the\s+)?end\s+of\s+(?P<en>{_MONTH})\b"
    rf"|\bдо\s+конца\s+(?P<ru>{_MONTH})\b"
)
_COUNT = re.compile(
    rf"\b(?:(?P<n>{NUMBER})\s+(?:times|раз(?:а)?|occurrences|встреч\w*)"
    rf"|for\s+(?P<w>{NUMBER})\s+(?P<unit>weeks|days|недел\w*|дн\w*))(?!\w)"
)


@dataclass(frozen=True, slots=True)
class RecurrenceMatch:
    recurrence: Recurrence
    spans: tuple[tuple[int, int], ...]  # where in the text it was said


def find_recurrence(text: str, *, today: date) -> RecurrenceMatch | None:
    """The recurrence said somewhere in `text` (lower-cased, as the sentence parser keeps it),
    with the spans it took, or None. An end ("until …", "10 times") alone is no recurrence."""
    low = text.lower().replace("ё", "е")
    for pattern, kind in _RULES:
        match = pattern.search(low)
        if match is None:
            continue
        recurrence = _base(kind, match)
        spans = [match.span()]
        end = _find_end(low, recurrence, today)
        if end is not None:
            recurrence, span = end
            spans.append(span)
        return RecurrenceMatch(recurrence, tuple(sorted(spans)))
    return None


def _base(kind: str, match: re.Match[str]) -> Recurrence:
    groups = match.groupdict()
    days_text = next((groups[g] for g in ("days", "days2", "days3") if groups.get(g)), None)
    days = _weekday_list(days_text) if days_text else ()
    if kind == "weekdays":
        return Recurrence(Frequency.WEEKLY, weekdays=WEEKDAYS)
    if kind == "daily":
        return Recurrence(Frequency.DAILY)
    if kind == "n_days":
        return Recurrence(Frequency.DAILY, interval=number_value(groups["n"]))
    if kind in ("other_week", "other_days"):
        return Recurrence(Frequency.WEEKLY, interval=2, weekdays=days)
    if kind == "n_weeks":
        raw = groups.get("n1") or groups.get("n2")
        return Recurrence(Frequency.WEEKLY, interval=number_value(raw) if raw else 2, weekdays=days)
    return Recurrence(Frequency.WEEKLY, weekdays=days)


def _find_end(
    low: str, recurrence: Recurrence, today: date
) -> tuple[Recurrence, tuple[int, int]] | None:
    if match := _UNTIL_MONTH_END.search(low):
        month = parsing.MONTH_NUMBERS[match["en"] or match["ru"]]
        year = today.year + (month < today.month)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return recurrence.with_end(until=last), match.span()
    if match := _UNTIL.search(low):
        try:
            until = parsing.parse_date(match["date"], today=today)
        except parsing.ParseError:
            return None
        return recurrence.with_end(until=until), match.span()
    if match := _COUNT.search(low):
        if match["n"]:
            return recurrence.with_end(count=number_value(match["n"])), match.span()
        # "for 10 weeks": as many meetings as weeks when one a week
        periods = number_value(match["w"])
        per_period = max(1, len(recurrence.weekdays))
        unit_is_week = match["unit"].startswith(("week", "недел"))
        if unit_is_week != (recurrence.frequency is Frequency.WEEKLY):
            return None
        count = periods * per_period // recurrence.interval
        return recurrence.with_end(count=max(1, count)), match.span()
    return None


def parse_recurrence(text: str, *, today: date) -> Recurrence:
    """The whole of `text` as a recurrence (the wizard's typed answer); ParseError if it is
    not one, or if words are left over."""
    found = find_recurrence(text, today=today)
    if found is None:
        raise parsing.ParseError(parsing.ParseErrorCode.EMPTY)
    low = text.lower()
    rest = list(low)
    for start, end in found.spans:
        rest[start:end] = " " * (end - start)
    if re.sub(r"[\s,.;:()—-]|\b(?:and|и|repeat|повторять)\b", "", "".join(rest)):
        raise parsing.ParseError(parsing.ParseErrorCode.DATE_FORMAT)
    return found.recurrence


def follow_date(recurrence: Recurrence, day: date) -> Recurrence:
    """The rule after its first meeting moved to `day`: a weekly rule on one chosen day
    follows it to its weekday ("every Tuesday", moved to a Thursday: every Thursday), as
    calendar apps do; a rule on several days keeps them (first_on_or_after then picks the
    first of them from `day`)."""
    if len(recurrence.weekdays) != 1 or recurrence.weekdays == (day.weekday(),):
        return recurrence
    return replace(recurrence, weekdays=(day.weekday(),))


def first_on_or_after(recurrence: Recurrence, day: date) -> date:
    """The first day at or after `day` that the rule's days allow (a weekly rule on Mon/Wed
    started on a Tuesday begins on Wednesday): DTSTART should be an occurrence."""
    if not recurrence.weekdays:
        return day
    for ahead in range(7):
        candidate = day + timedelta(days=ahead)
        if candidate.weekday() in recurrence.weekdays:
            return candidate
    return day  # unreachable: weekdays is non-empty
