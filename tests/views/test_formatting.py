"""Dates, times, spans and Markdown escaping."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.domain.agenda import occurrence_days
from calendar_bot.views.formatting import (
    format_date,
    format_duration,
    format_span,
    format_when,
    md_cell,
    md_inline,
    md_quote,
)
from tests.views.samples import (
    MSK,
    TODAY,
    conference,
    holiday,
    late_release,
    standup,
)


def test_md_cell_keeps_a_table_row_intact() -> None:
    nasty = "A | B\nC\r\n|D|\t`code` *bold* [link](x)"
    cell = md_cell(nasty)
    assert "\n" not in cell and "\r" not in cell and "\t" not in cell
    # Every pipe left is escaped, so the row keeps its three columns.
    row = f"| 10:00 | {cell} | ✅ |"
    unescaped = [i for i, ch in enumerate(row) if ch == "|" and (i == 0 or row[i - 1] != "\\")]
    assert len(unescaped) == 4
    assert "\\*bold\\*" in cell and "\\`code\\`" in cell and "\\[link\\]" in cell


def test_md_cell_shortens_long_text() -> None:
    cell = md_cell("слово " * 200)
    assert len(cell) <= 200
    assert cell.endswith("…")


def test_md_inline_writes_backslash_lt_and_amp_as_entities() -> None:
    # Mattermost's web app (its fork of marked) would keep the backslash of "\\<" on screen,
    # and both of "\\\\" before a letter: entities show as the characters themselves
    # (tests/browser/test_sandbox_page.py renders these in Chromium with that parser).
    assert md_inline("a\\|b") == "a&#92;\\|b"
    assert md_inline("C:\\new <b>x</b> &lt; Q&A") == (
        "C:&#92;new &lt;b\\>x&lt;/b\\> &amp;lt; Q&amp;A"
    )


def test_md_quote_prefixes_every_line() -> None:
    assert md_quote("one\n\ntwo") == "> one\n>\n> two"


@pytest.mark.parametrize(("locale", "expected"), [("ru", "пт, 27 ноября"), ("en", "Fri, 27 Nov")])
def test_format_date(locale: str, expected: str) -> None:
    assert format_date(date(2026, 11, 27), locale, today=TODAY) == expected


def test_format_date_adds_the_year_when_not_this_year() -> None:
    assert format_date(date(2027, 1, 1), "ru", today=TODAY) == "пт, 1 января 2027"
    assert format_date(date(2027, 1, 1), "en", today=TODAY) == "Fri, 1 Jan 2027"


def test_span_of_a_meeting_crossing_midnight() -> None:
    release = late_release()
    assert occurrence_days(release, MSK) == (date(2026, 11, 27), date(2026, 11, 28))
    assert format_span(release, "ru", MSK, day=TODAY) == "пт 23:30 – сб 00:30"
    assert format_span(release, "en", MSK, day=TODAY) == "Fri 23:30 – Sat 00:30"
    assert (
        format_when(release, "ru", MSK, today=TODAY)
        == "пт, 27 ноября, 23:30 – сб, 28 ноября, 00:30"
    )


def test_the_same_meeting_in_another_time_zone_is_on_one_day() -> None:
    # 23:30-00:30 Moscow is 20:30-21:30 UTC: one day there.
    utc = ZoneInfo("UTC")
    assert format_span(late_release(), "en", utc, day=TODAY) == "20:30–21:30"


def test_span_of_a_timed_meeting_uses_the_users_zone() -> None:
    assert format_span(standup(), "ru", MSK) == "10:00–10:30"
    assert format_span(standup(), "ru", ZoneInfo("Asia/Yekaterinburg")) == "12:00–12:30"


def test_all_day_events_are_all_day_in_any_zone() -> None:
    # All-day dates must not shift with the user's offset (Los Angeles is behind UTC).
    la = ZoneInfo("America/Los_Angeles")
    assert occurrence_days(holiday(), la) == (date(2026, 11, 27), date(2026, 11, 27))
    assert format_span(holiday(), "ru", la) == "весь день"
    assert format_when(holiday(), "en", la, today=TODAY) == "Fri, 27 Nov, all day"
    assert format_span(conference(), "ru", MSK) == "весь день, 26 ноября – 28 ноября"
    assert format_when(conference(), "en", MSK, today=TODAY) == "Thu, 26 Nov – Sat, 28 Nov, all day"


@pytest.mark.parametrize(
    ("minutes", "ru", "en"),
    [(15, "15 мин", "15 min"), (60, "1 ч", "1 h"), (90, "1 ч 30 мин", "1 h 30 min")],
)
def test_format_duration(minutes: int, ru: str, en: str) -> None:
    assert format_duration(minutes, "ru") == ru
    assert format_duration(minutes, "en") == en


def test_calendar_text_is_shown_as_written() -> None:
    quoted = md_quote(
        "# Head\n```\n    code\n1. one\n- two\n===\n![p](https://t.example/p.png) @all a@b.example"
    )
    assert quoted.splitlines() == [
        "> \\# Head",
        "> \\`\\`\\`",
        "> code",  # no indented code block
        "> 1\\. one",
        "> \\- two",
        "> \\===",
        "> \\!\\[p\\](`https://t.example/p.png`) @\u200ball a@b.example",
    ]
    assert md_inline("[x](https://e.example/a_b) @channel") == (
        "\\[x\\](`https://e.example/a_b`) @\u200bchannel"
    )
