"""One-sentence create: the parts the phrasing table does not pin one by one."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_bot.domain.sentence import AmbiguityKind, Field, parse_sentence

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=MSK)  # Wednesday
NIGHT = datetime(2026, 12, 2, 1, 30, tzinfo=MSK)


def parse(text: str, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return parse_sentence(text, now=now, zone=MSK)


def test_issue_example_ru_is_complete() -> None:
    result = parse("завтра в 15 на 45 минут «Бюджет» с @ivanov и anna@example.com")
    assert result.complete
    draft = result.draft
    assert draft.start(MSK) == datetime(2026, 12, 3, 15, 0, tzinfo=MSK)
    assert draft.end(MSK) == datetime(2026, 12, 3, 15, 45, tzinfo=MSK)
    assert (draft.usernames, draft.emails) == (("ivanov",), ("anna@example.com",))


@pytest.mark.parametrize("hour", range(1, 8))
@pytest.mark.parametrize("template", ["в {h} созвон", "sync at {h}", "завтра в {h} обед"])
def test_a_bare_small_hour_is_asked_about_never_guessed(hour: int, template: str) -> None:
    for now in (NOW, NIGHT):
        result = parse(template.format(h=hour), now)
        assert result.draft.at is None
        [ambiguity] = [a for a in result.ambiguities if a.kind is AmbiguityKind.HOUR]
        assert ambiguity.options == (time(hour), time(hour + 12))
        assert Field.TIME not in result.missing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("в 3 дня созвон", time(15)),
        ("в 3 ночи деплой", time(3)),
        ("в 7 утра пробежка", time(7)),
        ("в 7 вечера ужин", time(19)),
        ("в 03:00 деплой", time(3)),
        ("в 3:30 созвон", time(3, 30)),  # Russian H:MM is 24-hour
        ("at 3pm sync", time(15)),
        ("at 3am deploy", time(3)),
        ("вечером в 6 кино", time(18)),
        ("в 9 планёрка", time(9)),
        ("в 15 ретро", time(15)),
        ("в 14-00 ретро", time(14)),
        ("в полночь релиз", time(0)),
        ("at noon lunch", time(12)),
    ],
)
def test_settled_hours(text: str, expected: time) -> None:
    result = parse(text)
    assert result.draft.at == expected
    assert not [a for a in result.ambiguities if a.kind is AmbiguityKind.HOUR]


def test_english_h_mm_small_is_asked() -> None:
    result = parse("sync at 3:30")
    assert [a.kind for a in result.ambiguities] == [AmbiguityKind.HOUR]


def test_us_dates_with_slashes_are_asked_when_they_could_swap() -> None:
    result = parse("review 3/4 at 10am")
    [ambiguity] = result.ambiguities
    assert ambiguity.kind is AmbiguityKind.DAY_MONTH
    assert ambiguity.options == (date(2027, 4, 3), date(2027, 3, 4))
    assert parse("обзор 3/4 в 10:00").draft.day == date(2027, 4, 3)  # Russian: day first


def test_a_past_start_is_asked_about() -> None:
    result = parse("встреча сегодня в 9")
    assert [a.kind for a in result.ambiguities] == [AmbiguityKind.PAST]


def test_the_day_left_out_is_the_next_such_time_and_marked() -> None:
    assert parse("sync at 11am").draft.day == date(2026, 12, 2)
    result = parse("sync at 9am")
    assert result.draft.day == date(2026, 12, 3)
    assert result.draft.assumed == (Field.DATE,)


def test_nothing_recognised_is_not_a_meeting() -> None:
    result = parse("привет, как дела?")
    assert not result.understood
    assert set(result.missing) == {Field.DATE, Field.TIME, Field.DURATION}


def test_video_link_pasted_or_requested() -> None:
    assert parse("sync tomorrow 10am https://meet.example/x").draft.video is not None
    link = parse("sync tomorrow 10am https://meet.example/x").draft.video
    assert link is not None and link.link == "https://meet.example/x"
    requested = parse("созвон завтра в 10:00 с видеосвязью").draft
    assert requested.video is not None and requested.video.link is None
    assert requested.title == "созвон"


def test_another_zone_is_converted_to_the_persons() -> None:
    result = parse("call tomorrow 9am ET for 30m")
    assert result.draft.start(MSK) == datetime(2026, 12, 3, 17, 0, tzinfo=MSK)


names = st.from_regex(r"[a-z][a-z0-9]{2,10}", fullmatch=True)


@given(
    st.lists(names, min_size=1, max_size=4, unique=True),
    st.lists(names, max_size=3, unique=True),
    st.sampled_from(["с", "with", "и"]),
)
def test_attendees_are_all_kept_and_none_lands_in_the_title(
    users: list[str], mailboxes: list[str], joiner: str
) -> None:
    emails = [f"{m}@example.com" for m in mailboxes]
    people = " ".join([f"@{u}" for u in users] + emails)
    result = parse(f"Sync tomorrow 10:00 for 30m {joiner} {people}")
    assert list(result.draft.usernames) == users
    assert list(result.draft.emails) == emails
    assert result.draft.title == "Sync"


@given(
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45]),
    st.integers(1, 28),
    st.sampled_from([15, 30, 45, 60, 90, 120]),
)
def test_typed_forms_read_back(hour: int, minute: int, day: int, minutes: int) -> None:
    text = f"Ретро {day:02d}.01.2027 в {hour:02d}:{minute:02d} на {minutes} минут"
    result = parse(text)
    assert result.complete
    assert result.draft.day == date(2027, 1, day)
    assert result.draft.at == time(hour, minute)
    assert result.draft.duration_minutes == minutes
    assert result.draft.title == "Ретро"


_WORDS = [
    "в",
    "во",
    "at",
    "on",
    "с",
    "with",
    "и",
    "завтра",
    "tomorrow",
    "пятницу",
    "fri",
    "next",
    "3",
    "15",
    "7:30",
    "2pm",
    "14-00",
    "на",
    "for",
    "45",
    "минут",
    "1h",
    "30m",
    "час",
    "каждый",
    "every",
    "вторник",
    "until",
    "до",
    "1",
    "марта",
    "10",
    "раз",
    "@anna",
    "bob@example.com",
    "«Бюджет»",
    ",",
    "по",
    "будням",
    "other",
    "week",
    "вечера",
    "ночи",
    "12/15",
    "3/4",
    "21",
    "числа",
    "через",
    "in",
    "2",
    "часа",
    "Room",
    "переговорке",
    "видео",
    "https://x.example/z",
    "по",
    "Москве",
    "ET",
]


@given(st.lists(st.sampled_from(_WORDS), max_size=14).map(" ".join) | st.text(max_size=80))
def test_any_text_reads_without_error(text: str) -> None:
    result = parse(text)
    assert set(result.missing) <= set(Field)
    if result.draft.at is not None:
        assert not [a for a in result.ambiguities if a.kind is AmbiguityKind.HOUR]


def test_a_pasted_document_is_not_read() -> None:
    assert not parse("завтра в 15 " * 100).understood


def test_addresses_that_are_no_addresses_are_reported_not_dropped() -> None:
    draft = parse("Meet tomorrow 10:00 with emily@somewhere.111 and @bob").draft
    assert draft.invalid_attendees == ("emily@somewhere.111",)
    assert draft.usernames == ("bob",)
    assert draft.title == "Meet"
