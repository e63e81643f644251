"""What a person types to find a time together (issue #17 item 1):

    find 1h with @anna @oleg this week
    найди час с @anna @oleg на этой неделе

A `FindRequest`: the duration (an hour when not said), the people, and the range of days to
search (the rest of this week when not said — or next week once this week's working days
are over). Pure: `today` is an input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from calendar_bot.domain import parsing
from calendar_bot.domain.recurrence import NUMBER_WORDS, weekday_of

DEFAULT_MINUTES = 60


@dataclass(frozen=True, slots=True)
class DayRange:
    first: date
    last: date  # inclusive

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(
            self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)
        )


@dataclass(frozen=True, slots=True)
class FindRequest:
    duration_minutes: int
    usernames: tuple[str, ...]
    emails: tuple[str, ...]
    days: DayRange
    duration_said: bool = True
    range_said: bool = True


_COMMAND = re.compile(
    r"^\s*(?:/calendar\s+)?(?:find(?:\s+(?:me|us))?(?:\s+(?:a|some))?(?:\s+(?:free\s+)?"
    r"(?:time|slot))?|найди(?:\s+(?:мне|нам))?(?:\s+(?:свободное\s+)?(?:время|слот|окно))?|"
    r"найти(?:\s+(?:свободное\s+)?(?:время|слот|окно))?|free\s+slot|свободное\s+время)\b",
    re.IGNORECASE,
)
_HOUR_WORDS = r"(?:an?\s+hour|one\s+hour|hour|час|один\s+час|часик)"
_HALF = r"(?:полчаса|half\s+an\s+hour|half-hour|30\s*минут)"
_WORD_NUMBER = "|".join(sorted((w for w in NUMBER_WORDS if len(w) > 2), key=len, reverse=True))
_RANGES = re.compile(
    r"\b(?:(?:на\s+)?(?:этой|текущей)\s+неделе|this\s+week|(?:на\s+)?следующей\s+неделе|"
    r"next\s+week|сегодня|today|завтра|tomorrow|послезавтра|day\s+after\s+tomorrow|"
    r"(?:в\s+)?ближайшие\s+(?P<n1>\d+|" + _WORD_NUMBER + r")\s+(?:дн\w*|days)|"
    r"(?:in\s+)?(?:the\s+)?next\s+(?P<n2>\d+|" + _WORD_NUMBER + r")\s+days|"
    r"(?:on\s+|в\s+|во\s+)?(?P<day>понедельник|вторник|среду|четверг|пятницу|субботу|"
    r"воскресенье|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tue|wed|thu|fri|sat|sun))\b",
    re.IGNORECASE,
)


class FindParseError(ValueError):
    pass


def is_find_request(text: str) -> bool:
    return _COMMAND.match(text) is not None


def parse_find_request(text: str, *, today: date) -> FindRequest:
    """The typed request; FindParseError when it is not one, names nobody, or leaves words
    it does not understand (they are never dropped silently)."""
    command = _COMMAND.match(text)
    if command is None:
        raise FindParseError("not a find request")
    rest = text[command.end() :].lower().replace("ё", "е")
    days, rest, range_said = _take_range(rest, today)
    minutes, rest, duration_said = _take_duration(rest)
    people = parsing.parse_attendees(
        re.sub(r"\b(?:with|для|со|с|and|и|for)\b", " ", rest, flags=re.IGNORECASE)
    )
    if people.invalid:
        raise FindParseError("words not understood")
    if not (people.usernames or people.emails):
        raise FindParseError("nobody named")
    return FindRequest(minutes, people.usernames, people.emails, days, duration_said, range_said)


def _take_range(rest: str, today: date) -> tuple[DayRange, str, bool]:
    match = _RANGES.search(rest)
    if match is None:
        return default_range(today), rest, False
    word = match[0].lower()
    number = match["n1"] or match["n2"]
    if number:
        count = int(number) if number.isdigit() else NUMBER_WORDS[number]
        found = DayRange(today, today + timedelta(days=max(1, count) - 1))
    elif match["day"]:
        day = today + timedelta(days=(weekday_of(match["day"]) - today.weekday()) % 7)
        found = DayRange(day, day)
    elif "след" in word or "next" in word:
        monday = today + timedelta(days=7 - today.weekday())
        found = DayRange(monday, monday + timedelta(days=6))
    elif "недел" in word or "week" in word:
        found = DayRange(today, today + timedelta(days=6 - today.weekday()))
    else:
        found = DayRange(*(parsing.parse_date(word, today=today),) * 2)
    return found, rest[: match.start()] + " " + rest[match.end() :], True


def default_range(today: date, around: date | None = None) -> DayRange:
    """The rest of this week; from Saturday on, next week. With `around` (a date the draft
    already has): the rest of that date's week from today."""
    if around is not None and around > today:
        monday = around - timedelta(days=around.weekday())
        return DayRange(max(today, monday), monday + timedelta(days=6))
    if today.weekday() >= 5:
        monday = today + timedelta(days=7 - today.weekday())
        return DayRange(monday, monday + timedelta(days=6))
    return DayRange(today, today + timedelta(days=6 - today.weekday()))


_DURATION_TOKEN = re.compile(
    rf"(?:\b(?:на|for)\s+)?(?:(?P<half>{_HALF})|(?P<oneandhalf>полтора\s+часа)|"
    rf"(?P<words>{_WORD_NUMBER})\s+(?P<wunit>час\w*|hours?|минут\w*|minutes?)|"
    rf"(?P<hour>{_HOUR_WORDS})|(?P<num>\d+(?:[.,]\d+)?\s*(?:h|hr|hrs|hours?|ч|час\w*|m|min|mins|"
    rf"minutes?|мин\w*|м)(?:\s*\d+\s*(?:m|min|мин\w*|м)?)?))(?![\w@])",
    re.IGNORECASE,
)


def _take_duration(rest: str) -> tuple[int, str, bool]:
    match = _DURATION_TOKEN.search(rest)
    if match is None:
        return DEFAULT_MINUTES, rest, False
    if match["half"]:
        minutes = 30
    elif match["oneandhalf"]:
        minutes = 90
    elif match["words"]:
        amount = NUMBER_WORDS[match["words"].lower()]
        minutes = amount * 60 if match["wunit"].lower().startswith(("час", "hour")) else amount
    elif match["hour"]:
        minutes = 60
    else:
        try:
            minutes = parsing.parse_duration(match["num"])
        except parsing.ParseError as exc:
            raise FindParseError("bad duration") from exc
    return minutes, rest[: match.start()] + " " + rest[match.end() :], True
