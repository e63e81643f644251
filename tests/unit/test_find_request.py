"""`find 1h with @anna @oleg this week` and its Russian and other variants."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from calendar_bot.domain.find_request import (
    DayRange,
    FindParseError,
    default_range,
    is_find_request,
    parse_find_request,
)

WED = date(2026, 12, 2)
THIS_WEEK = DayRange(WED, date(2026, 12, 6))
NEXT_WEEK = DayRange(date(2026, 12, 7), date(2026, 12, 13))


@pytest.mark.parametrize(
    ("text", "minutes", "usernames", "emails", "days"),
    [
        ("find 1h with @anna @oleg this week", 60, ("anna", "oleg"), (), THIS_WEEK),
        ("найди час с @anna @oleg на этой неделе", 60, ("anna", "oleg"), (), THIS_WEEK),
        (
            "Find 30m with @anna tomorrow",
            30,
            ("anna",),
            (),
            DayRange(date(2026, 12, 3), date(2026, 12, 3)),
        ),
        ("найди время для @anna и @oleg на следующей неделе", 60, ("anna", "oleg"), (), NEXT_WEEK),
        ("find a time with @anna, bob@example.com", 60, ("anna",), ("bob@example.com",), THIS_WEEK),
        (
            "найди полчаса с @oleg в пятницу",
            30,
            ("oleg",),
            (),
            DayRange(date(2026, 12, 4), date(2026, 12, 4)),
        ),
        ("find 45 min for @a.b next week", 45, ("a.b",), (), NEXT_WEEK),
        (
            "find 2 hours with @anna in the next 3 days",
            120,
            ("anna",),
            (),
            DayRange(WED, date(2026, 12, 4)),
        ),
        ("найди полтора часа с @anna", 90, ("anna",), (), THIS_WEEK),
        ("найди 1ч30 с @anna сегодня", 90, ("anna",), (), DayRange(WED, WED)),
        (
            "найди слот на 45 минут с @anna в ближайшие 2 дня",
            45,
            ("anna",),
            (),
            DayRange(WED, date(2026, 12, 3)),
        ),
        (
            "/calendar find an hour with @Anna on monday",
            60,
            ("anna",),
            (),
            DayRange(date(2026, 12, 7), date(2026, 12, 7)),
        ),
    ],
)
def test_requests(
    text: str, minutes: int, usernames: tuple[str, ...], emails: tuple[str, ...], days: DayRange
) -> None:
    assert is_find_request(text)
    request = parse_find_request(text, today=WED)
    assert request.duration_minutes == minutes
    assert request.usernames == usernames
    assert request.emails == emails
    assert request.days == days


def test_what_was_not_said_is_marked() -> None:
    request = parse_find_request("find time with @anna", today=WED)
    assert not request.duration_said and not request.range_said


@pytest.mark.parametrize(
    "text",
    ["find 1h this week", "найди час с Анной", "find 1h with @anna blah", "hello @anna"],
)
def test_refused(text: str) -> None:
    with pytest.raises(FindParseError):
        parse_find_request(text, today=WED)


def test_default_range_from_saturday_is_next_week() -> None:
    assert default_range(date(2026, 12, 5)) == NEXT_WEEK
    assert default_range(WED) == THIS_WEEK
    assert len(NEXT_WEEK.days) == 7


def test_the_range_around_a_drafted_date_is_that_dates_week_from_today() -> None:
    friday_next_week = NEXT_WEEK.first + timedelta(days=4)
    assert default_range(WED, friday_next_week) == NEXT_WEEK
    assert default_range(WED, WED + timedelta(days=1)) == THIS_WEEK  # this week: from today
    assert default_range(WED, WED) == THIS_WEEK
    assert default_range(WED, WED - timedelta(days=2)) == THIS_WEEK  # a past date: ignored
