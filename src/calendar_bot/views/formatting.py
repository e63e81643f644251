"""Small text helpers shared by the views: dates, times, spans, statuses, Markdown escaping.

Dates and times are written from the catalogs' own weekday and month tables, never through
the process locale, so output does not depend on the machine.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from calendar_bot.domain.agenda import all_day_dates, occurrence_days
from calendar_bot.domain.links import url_spans
from calendar_bot.domain.model import Attendee, Occurrence, PartStat
from calendar_bot.i18n import t, tn

_WHITESPACE = re.compile(r"\s+")
# Characters that would start emphasis, code, links, images, headings, hashtags,
# strike-through or HTML, or break a table cell, or start an entity.
_MD_SPECIAL = re.compile(r"([\\`*_~\[\]|<>!#&])")
# Mattermost's web app (its fork of marked) keeps the backslash of `\<` on screen, and both
# backslashes of `\\` before a letter; an HTML entity shows as the character itself there and
# in the mobile app. `&` too, so a title's own `&lt;` stays as written.
_MD_ENTITIES = {"\\": "&#92;", "<": "&lt;", "&": "&amp;"}
# What starts a block when it opens a line: a list, a setext heading underline, a rule.
_MD_LINE_START = re.compile(r"^(\d*)([-+=.)])")
# @name at the start of a word: a mention (@all, @channel, @here notify everyone).
_MENTION = re.compile(r"(?<![\w@.+-])@(?=[\w.-])")
_ZERO_WIDTH_SPACE = "\u200b"

MAX_CELL = 200  # characters of a title in a table cell: a table stays readable
MAX_INLINE = 500


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def no_mentions(text: str) -> str:
    """`@name` shown as written but mentioning nobody (a zero-width space after the @)."""
    return _MENTION.sub("@" + _ZERO_WIDTH_SPACE, text)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(1)
    return _MD_ENTITIES.get(char) or "\\" + char


def _escape_text(text: str) -> str:
    return no_mentions(_MD_SPECIAL.sub(_escape_char, text))


def _escape(text: str) -> str:
    """Everything shown as written; a URL as code: visible, copyable, not a live link and
    not an image or preview fetched when the post is viewed."""
    out: list[str] = []
    done = 0
    for start, end in url_spans(text):
        out += [_escape_text(text[done:start]), f"`{text[start:end]}`"]
        done = end
    out.append(_escape_text(text[done:]))
    return "".join(out)


def md_inline(text: str, limit: int = MAX_INLINE) -> str:
    """Text from outside (a calendar's title, name, location) shown as written inside one
    line of Markdown: no formatting, link, image or mention of its own."""
    flat = _WHITESPACE.sub(" ", text).strip()
    return _escape(_shorten(flat, limit))


def md_cell(text: str, limit: int = MAX_CELL) -> str:
    """User text safe inside a Markdown table cell: no newlines, pipes escaped."""
    return md_inline(text, limit)


def md_quote(text: str) -> str:
    """Multi-line text from outside (a description) as a block quote, shown as written:
    each line escaped like `md_inline`, no heading, list, rule or indented code of its own."""
    text = text.strip()
    lines = [_MD_LINE_START.sub(r"\1\\\2", _escape(line.strip())) for line in text.splitlines()]
    return "\n".join(f"> {line}" if line else ">" for line in lines or [""])


def md_url(url: str) -> str:
    """A URL shown as itself and linked to itself (an autolink takes no Markdown inside)."""
    return f"<{url}>" if url and not any(c in url for c in "<> \t\n") else md_inline(url)


def title_of(occurrence_title: str, locale: str) -> str:
    return occurrence_title.strip() or t(locale, "common.untitled")


def format_time(moment: datetime | time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_date(day: date, locale: str, *, today: date | None = None) -> str:
    """`пт, 27 ноября` / `Fri, 27 Nov`; the year is added when it is not `today`'s."""
    weekday = t(locale, f"date.weekday.{day.weekday()}")
    month = t(locale, f"date.month.{day.month}")
    if today is not None and day.year != today.year:
        return t(
            locale, "date.format_year", weekday=weekday, day=day.day, month=month, year=day.year
        )
    return t(locale, "date.format", weekday=weekday, day=day.day, month=month)


def weekday_short(day: date, locale: str) -> str:
    return t(locale, f"date.weekday.{day.weekday()}")


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


def format_span(
    occurrence: Occurrence, locale: str, tz: ZoneInfo, *, day: date | None = None
) -> str:
    """A meeting's time for a list of `day`: `10:00–11:00`; `пт 23:30 – сб 00:30` across days.

    Without `day` a timed meeting on one day shows just its times (the caller shows the date).
    """
    if occurrence.all_day:
        first, last = all_day_dates(occurrence)
        if first == last:
            return t(locale, "time.all_day")
        return t(
            locale,
            "time.all_day_range",
            start=_day_month(first, locale),
            end=_day_month(last, locale),
        )
    start = local(occurrence.start, tz)
    end = local(occurrence.end, tz)
    first, last = occurrence_days(occurrence, tz)
    if first == last and (day is None or day == first):
        return f"{format_time(start)}–{format_time(end)}"
    if (last - first).days < 7:
        return (
            f"{weekday_short(start.date(), locale)} {format_time(start)} – "
            f"{weekday_short(end.date(), locale)} {format_time(end)}"
        )
    return (
        f"{_day_month(start.date(), locale)} {format_time(start)} – "
        f"{_day_month(end.date(), locale)} {format_time(end)}"
    )


def _day_month(day: date, locale: str) -> str:
    return t(locale, "date.day_month", day=day.day, month=t(locale, f"date.month.{day.month}"))


def format_when(
    occurrence: Occurrence, locale: str, tz: ZoneInfo, *, today: date | None = None
) -> str:
    """A meeting's full time with its date: `пт, 27 ноября, 10:00–11:00`."""
    if occurrence.all_day:
        first, last = all_day_dates(occurrence)
        if first == last:
            return t(locale, "time.on_day_all_day", date=format_date(first, locale, today=today))
        return t(
            locale,
            "time.range_all_day",
            start=format_date(first, locale, today=today),
            end=format_date(last, locale, today=today),
        )
    start = local(occurrence.start, tz)
    end = local(occurrence.end, tz)
    first, last = occurrence_days(occurrence, tz)
    if first == last:
        return t(
            locale,
            "time.on_day",
            date=format_date(start.date(), locale, today=today),
            start=format_time(start),
            end=format_time(end),
        )
    return t(
        locale,
        "time.across_days",
        start_date=format_date(start.date(), locale, today=today),
        start=format_time(start),
        end_date=format_date(end.date(), locale, today=today),
        end=format_time(end),
    )


def format_duration(minutes: int, locale: str) -> str:
    """`15 мин`, `1 ч`, `1 ч 30 мин` / `15 min`, `1 h`, `1 h 30 min`."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return t(locale, "duration.minutes", minutes=rest)
    if not rest:
        return t(locale, "duration.hours", hours=hours)
    return t(locale, "duration.hours_minutes", hours=hours, minutes=rest)


def format_lead(minutes: int, locale: str) -> str:
    """A reminder lead or the time left: whole days as days (`1 день` / `1 day`), the rest as
    format_duration."""
    days, rest = divmod(minutes, 24 * 60)
    if days and not rest:
        return tn(locale, "plural.days", days)
    return format_duration(minutes, locale)


_STATUS_KEYS = {
    PartStat.ACCEPTED: "status.accepted",
    PartStat.TENTATIVE: "status.tentative",
    PartStat.DECLINED: "status.declined",
    PartStat.NEEDS_ACTION: "status.needs_action",
    PartStat.DELEGATED: "status.delegated",
}


def partstat_label(partstat: PartStat, locale: str) -> str:
    return t(locale, _STATUS_KEYS[partstat])


def my_status(occurrence: Occurrence, locale: str) -> str:
    """The user's own standing: organizer, their PARTSTAT, or a dash when not invited."""
    if occurrence.i_am_organizer:
        return t(locale, "status.organizer")
    if occurrence.my_partstat is None:
        return t(locale, "status.none")
    return partstat_label(occurrence.my_partstat, locale)


def person(attendee: Attendee) -> str:
    """A person for Markdown: `Name (email)` or whichever of them exists."""
    name = md_inline(attendee.name, 120)
    email = md_inline(attendee.email, 254)
    if name and email and attendee.name.strip().lower() != attendee.email:
        return f"{name} ({email})"
    return name or email


def minutes_count(count: int, locale: str) -> str:
    return tn(locale, "plural.minutes", count)
