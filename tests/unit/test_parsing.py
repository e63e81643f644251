"""Parsing what people type into the wizard, in Russian and English."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_bot.domain.parsing import (
    AttendeeTokens,
    ParseError,
    ParseErrorCode,
    format_date,
    format_duration,
    format_time,
    is_skip_word,
    is_valid_email,
    parse_attendees,
    parse_date,
    parse_duration,
    parse_time,
)

TODAY = date(2026, 11, 27)  # a Friday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25.12.2026", date(2026, 12, 25)),
        ("1.2.2027", date(2027, 2, 1)),
        ("25.12.26", date(2026, 12, 25)),
        ("25/12/2026", date(2026, 12, 25)),
        ("25-12-2026", date(2026, 12, 25)),
        ("25.12", date(2026, 12, 25)),
        ("25/12", date(2026, 12, 25)),
        ("27.11", date(2026, 11, 27)),  # today is not "past"
        ("26.11", date(2027, 11, 26)),  # yesterday's date means next year
        ("01.01", date(2027, 1, 1)),
        ("29.02", date(2028, 2, 29)),  # no 29 February in 2026/2027: the next one
        ("2026-12-25", date(2026, 12, 25)),
        ("  2026-12-25  ", date(2026, 12, 25)),
        ("сегодня", TODAY),
        ("Сегодня", TODAY),
        ("today", TODAY),
        ("завтра", TODAY + timedelta(days=1)),
        ("Tomorrow", TODAY + timedelta(days=1)),
        ("послезавтра", TODAY + timedelta(days=2)),
        ("day after tomorrow", TODAY + timedelta(days=2)),
        ("пн", date(2026, 11, 30)),
        ("понедельник", date(2026, 11, 30)),
        ("mon", date(2026, 11, 30)),
        ("Monday", date(2026, 11, 30)),
        ("вт", date(2026, 12, 1)),
        ("tue", date(2026, 12, 1)),
        ("ср", date(2026, 12, 2)),
        ("среда", date(2026, 12, 2)),
        ("wed", date(2026, 12, 2)),
        ("чт", date(2026, 12, 3)),
        ("thursday", date(2026, 12, 3)),
        ("пт", date(2026, 12, 4)),  # on a Friday, "Friday" is the coming one, a week ahead
        ("пятница", date(2026, 12, 4)),
        ("пятницу", date(2026, 12, 4)),
        ("fri", date(2026, 12, 4)),
        ("friday", date(2026, 12, 4)),
        ("сб", date(2026, 11, 28)),
        ("sat", date(2026, 11, 28)),
        ("вс", date(2026, 11, 29)),
        ("воскресенье", date(2026, 11, 29)),
        ("sun", date(2026, 11, 29)),
        ("Вс.", date(2026, 11, 29)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", ParseErrorCode.EMPTY),
        ("   ", ParseErrorCode.EMPTY),
        ("31.02.2027", ParseErrorCode.DATE_INVALID),
        ("32.01", ParseErrorCode.DATE_INVALID),
        ("15.13.2026", ParseErrorCode.DATE_INVALID),
        ("2026-02-30", ParseErrorCode.DATE_INVALID),
        ("29.02.2027", ParseErrorCode.DATE_INVALID),
        ("завтрa", ParseErrorCode.DATE_FORMAT),  # a Latin "a" at the end
        ("next week", ParseErrorCode.DATE_FORMAT),
        ("25", ParseErrorCode.DATE_FORMAT),
        ("25.12.202", ParseErrorCode.DATE_FORMAT),
        ("12:30", ParseErrorCode.DATE_FORMAT),
    ],
)
def test_parse_date_rejects(text: str, code: ParseErrorCode) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(text, today=TODAY)
    assert caught.value.code is code


def test_weekday_is_always_within_the_next_seven_days() -> None:
    for offset in range(7):
        today = TODAY + timedelta(days=offset)
        for name in ("пн", "вт", "ср", "чт", "пт", "сб", "вс"):
            result = parse_date(name, today=today)
            assert 1 <= (result - today).days <= 7


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_formatted_dates_round_trip(value: date) -> None:
    assert parse_date(format_date(value), today=TODAY) == value
    assert parse_date(value.isoformat(), today=TODAY) == value


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31)))
def test_day_month_without_year_is_never_in_the_past(today: date) -> None:
    target = today + timedelta(days=40)
    result = parse_date(f"{target.day}.{target.month}", today=today)
    assert result >= today
    assert (result.day, result.month) == (target.day, target.month)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", time(9, 30)),
        ("9:30", time(9, 30)),
        ("9:05", time(9, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("9", time(9, 0)),
        ("09", time(9, 0)),
        ("17", time(17, 0)),
        ("930", time(9, 30)),
        ("0930", time(9, 30)),
        ("1745", time(17, 45)),
        ("9.30", time(9, 30)),
        ("9ч", time(9, 0)),
        ("9 ч", time(9, 0)),
        ("9h", time(9, 0)),
        ("9H", time(9, 0)),
        ("9ч30", time(9, 30)),
        ("9h30", time(9, 30)),
        (" 14:00 ", time(14, 0)),
    ],
)
def test_parse_time_accepts(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", ParseErrorCode.EMPTY),
        ("24:00", ParseErrorCode.TIME_OUT_OF_RANGE),
        ("24", ParseErrorCode.TIME_OUT_OF_RANGE),
        ("2400", ParseErrorCode.TIME_OUT_OF_RANGE),
        ("25:10", ParseErrorCode.TIME_OUT_OF_RANGE),
        ("9:60", ParseErrorCode.TIME_OUT_OF_RANGE),
        ("960", ParseErrorCode.TIME_OUT_OF_RANGE),
        ("9:5", ParseErrorCode.TIME_FORMAT),
        ("12345", ParseErrorCode.TIME_FORMAT),
        ("noon", ParseErrorCode.TIME_FORMAT),
        ("9:30:00", ParseErrorCode.TIME_FORMAT),
        ("-9", ParseErrorCode.TIME_FORMAT),
    ],
)
def test_parse_time_rejects(text: str, code: ParseErrorCode) -> None:
    with pytest.raises(ParseError) as caught:
        parse_time(text)
    assert caught.value.code is code


@given(st.times())
def test_formatted_times_round_trip(value: time) -> None:
    minute = value.replace(second=0, microsecond=0)
    assert parse_time(format_time(minute)) == minute
    assert parse_time(minute.strftime("%H%M")) == minute
    assert parse_time(f"{minute.hour}.{minute.minute:02d}") == minute


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45", 45),
        ("1", 1),
        ("1440", 1440),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1ч30", 90),
        ("1 ч 30 мин", 90),
        ("1:30", 90),
        ("0:45", 45),
        ("1.5h", 90),
        ("1,5ч", 90),
        ("1.5 hours", 90),
        ("0.25h", 15),
        ("90m", 90),
        ("90 min", 90),
        ("90 мин", 90),
        ("90 мин.", 90),
        ("30 минут", 30),
        ("2ч", 120),
        ("2 часа", 120),
        ("1 час", 60),
        ("1 hour", 60),
        ("24h", 1440),
    ],
)
def test_parse_duration_accepts(text: str, expected: int) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", ParseErrorCode.EMPTY),
        ("0", ParseErrorCode.DURATION_OUT_OF_RANGE),
        ("0m", ParseErrorCode.DURATION_OUT_OF_RANGE),
        ("1441", ParseErrorCode.DURATION_OUT_OF_RANGE),
        ("25h", ParseErrorCode.DURATION_OUT_OF_RANGE),
        ("1.5", ParseErrorCode.DURATION_FORMAT),
        ("1.5h30", ParseErrorCode.DURATION_FORMAT),
        ("0.01h", ParseErrorCode.DURATION_FORMAT),
        ("1:75", ParseErrorCode.DURATION_FORMAT),
        ("half an hour", ParseErrorCode.DURATION_FORMAT),
        ("-30", ParseErrorCode.DURATION_FORMAT),
        ("h", ParseErrorCode.DURATION_FORMAT),
    ],
)
def test_parse_duration_rejects(text: str, code: ParseErrorCode) -> None:
    with pytest.raises(ParseError) as caught:
        parse_duration(text)
    assert caught.value.code is code


@given(st.integers(min_value=1, max_value=1440))
def test_formatted_durations_round_trip(minutes: int) -> None:
    assert parse_duration(format_duration(minutes)) == minutes
    assert parse_duration(str(minutes)) == minutes
    assert parse_duration(f"{minutes // 60}:{minutes % 60:02d}") == minutes


@given(st.text(max_size=30))
def test_parsers_fail_only_with_typed_errors(text: str) -> None:
    for parse in (parse_time, parse_duration, lambda t: parse_date(t, today=TODAY)):
        try:
            parse(text)
        except ParseError as exc:
            assert isinstance(exc.code, ParseErrorCode)


def test_attendees_split_on_every_separator() -> None:
    tokens = parse_attendees("@Alice, bob@Example.com;@carol\n dave@example.org  @alice")
    assert tokens == AttendeeTokens(
        usernames=("alice", "carol"),
        emails=("bob@example.com", "dave@example.org"),
        invalid=(),
    )


def test_attendees_report_invalid_tokens_as_typed() -> None:
    tokens = parse_attendees("@alice, bob@, not-an-email, eve@example.com, @@x, a@b")
    assert tokens.usernames == ("alice",)
    assert tokens.emails == ("eve@example.com",)
    assert tokens.invalid == ("bob@", "not-an-email", "@@x", "a@b")


def test_attendees_accept_mailto_and_angle_brackets() -> None:
    tokens = parse_attendees("<Boss@Example.com> mailto:x@y.org")
    assert tokens.emails == ("boss@example.com", "x@y.org")
    assert not tokens.invalid


def test_attendees_empty_text() -> None:
    assert parse_attendees("  ,; \n").empty
    assert not parse_attendees("@a").empty


@pytest.mark.parametrize(
    "value",
    ["a@b.co", "first.last+tag@sub.example.com", "x_y@mail.ru", "user@почта.рф", "o'neil@ex.org"],
)
def test_valid_emails(value: str) -> None:
    assert is_valid_email(value)


@pytest.mark.parametrize(
    "value",
    ["a@b", "@b.com", "a@.com", "a..b@c.com", ".a@c.com", "a@c..com", "a b@c.com", "a@-c.com"],
)
def test_invalid_emails(value: str) -> None:
    assert not is_valid_email(value)


@given(
    st.lists(
        st.from_regex(r"[a-z][a-z0-9]{0,8}@[a-z]{1,8}\.(com|ru|org)", fullmatch=True),
        max_size=6,
    ),
    st.sampled_from([",", ";", " ", "\n", ", "]),
)
def test_attendee_emails_survive_any_separator(emails: list[str], separator: str) -> None:
    tokens = parse_attendees(separator.join(emails))
    assert tokens.emails == tuple(dict.fromkeys(emails))
    assert tokens.invalid == ()


@given(st.text(max_size=60))
def test_no_attendee_token_is_dropped_silently(text: str) -> None:
    tokens = parse_attendees(text)
    pieces = [p for p in text.replace(",", " ").replace(";", " ").split() if p]
    accounted = len(set(tokens.usernames)) + len(set(tokens.emails)) + len(tokens.invalid)
    assert accounted <= len(pieces)
    assert bool(pieces) == (not tokens.empty)


@pytest.mark.parametrize("text", ["-", "нет", "Никого", "skip", "None", "пропустить", " no "])
def test_skip_words(text: str) -> None:
    assert is_skip_word(text)


@pytest.mark.parametrize("text", ["", "noon", "нету встречи", "@alice"])
def test_not_skip_words(text: str) -> None:
    assert not is_skip_word(text)


@pytest.mark.parametrize("text", ["²", "١٢:٣٠", "１２", "9:3٠"])
def test_unicode_digits_are_a_format_error_not_a_crash(text: str) -> None:
    for parse in (parse_time, parse_duration, lambda t: parse_date(t, today=TODAY)):
        with pytest.raises(ParseError):
            parse(text)


# ---- dates and times as people write them (TODAY is Friday 27 Nov 2026) -----------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("в пятницу", date(2026, 12, 4)),  # the plain weekday: the coming one
        ("on friday", date(2026, 12, 4)),
        ("this Friday", date(2026, 12, 4)),
        ("во вторник", date(2026, 12, 1)),
        ("next friday", date(2026, 12, 4)),  # Friday of next week
        ("next monday", date(2026, 11, 30)),
        ("следующий понедельник", date(2026, 11, 30)),
        ("в следующую пятницу", date(2026, 12, 4)),
        ("следующая среда", date(2026, 12, 2)),
        ("5 декабря", date(2026, 12, 5)),
        ("1 января", date(2027, 1, 1)),
        ("27 ноября", date(2026, 11, 27)),  # today is not past
        ("26 ноября", date(2027, 11, 26)),
        ("5-го декабря", date(2026, 12, 5)),
        ("5 дек.", date(2026, 12, 5)),
        ("5 Dec", date(2026, 12, 5)),
        ("December 5th", date(2026, 12, 5)),
        ("dec 5, 2027", date(2027, 12, 5)),
        ("the 3rd of march", date(2027, 3, 3)),
        ("3rd of March 2027", date(2027, 3, 3)),
        ("29 февраля", date(2028, 2, 29)),
    ],
)
def test_parse_date_as_people_write_it(text: str, expected: date) -> None:
    assert parse_date(text.removeprefix("the "), today=TODAY) == expected


def test_next_weekday_is_in_next_week() -> None:
    wednesday = date(2026, 12, 2)
    assert parse_date("friday", today=wednesday) == date(2026, 12, 4)
    assert parse_date("next friday", today=wednesday) == date(2026, 12, 11)
    assert parse_date("следующую пятницу", today=wednesday) == date(2026, 12, 11)
    assert parse_date("следующий понедельник", today=wednesday) == date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("32 декабря", ParseErrorCode.DATE_INVALID),
        ("31 февраля 2027", ParseErrorCode.DATE_INVALID),
        ("next week", ParseErrorCode.DATE_FORMAT),
        ("5 смарта", ParseErrorCode.DATE_FORMAT),
        ("в", ParseErrorCode.DATE_FORMAT),
    ],
)
def test_parse_date_as_people_write_it_rejects(text: str, code: ParseErrorCode) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(text, today=TODAY)
    assert caught.value.code is code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14-00", time(14, 0)),
        ("2pm", time(14, 0)),
        ("2 PM", time(14, 0)),
        ("2:30pm", time(14, 30)),
        ("2.30 p.m.", time(14, 30)),
        ("11am", time(11, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("в 14", time(14, 0)),
        ("в 9:30", time(9, 30)),
        ("at 9", time(9, 0)),
    ],
)
def test_parse_time_as_people_write_it(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["13pm", "0am", "2:75pm"])
def test_twelve_hour_times_out_of_range(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_time(text)
    assert caught.value.code is ParseErrorCode.TIME_OUT_OF_RANGE
