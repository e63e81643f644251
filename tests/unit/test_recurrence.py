"""Recurring meetings: phrases -> typed rule -> RRULE text -> the dates the project's own
expansion (caldav.ical, over recurring_ical_events) gives back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_bot.caldav.expansion import occurrences_from_text
from calendar_bot.domain.model import TimeWindow
from calendar_bot.domain.parsing import ParseError
from calendar_bot.domain.recurrence import (
    WEEKDAYS,
    Frequency,
    Recurrence,
    find_recurrence,
    first_on_or_after,
    from_rrule,
    parse_recurrence,
)

TODAY = date(2026, 12, 2)  # a Wednesday
MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("каждый день", Recurrence(Frequency.DAILY)),
        ("ежедневно", Recurrence(Frequency.DAILY)),
        ("every day", Recurrence(Frequency.DAILY)),
        ("daily", Recurrence(Frequency.DAILY)),
        ("каждые 2 дня", Recurrence(Frequency.DAILY, interval=2)),
        ("по будням", Recurrence(Frequency.WEEKLY, weekdays=WEEKDAYS)),
        ("по рабочим дням", Recurrence(Frequency.WEEKLY, weekdays=WEEKDAYS)),
        ("каждый будний день", Recurrence(Frequency.WEEKLY, weekdays=WEEKDAYS)),
        ("every weekday", Recurrence(Frequency.WEEKLY, weekdays=WEEKDAYS)),
        ("weekdays", Recurrence(Frequency.WEEKLY, weekdays=WEEKDAYS)),
        ("каждый вторник", Recurrence(Frequency.WEEKLY, weekdays=(1,))),
        ("каждую среду", Recurrence(Frequency.WEEKLY, weekdays=(2,))),
        ("каждое воскресенье", Recurrence(Frequency.WEEKLY, weekdays=(6,))),
        ("по вторникам", Recurrence(Frequency.WEEKLY, weekdays=(1,))),
        ("по понедельникам и средам", Recurrence(Frequency.WEEKLY, weekdays=(0, 2))),
        ("every tuesday", Recurrence(Frequency.WEEKLY, weekdays=(1,))),
        ("every mon and wed", Recurrence(Frequency.WEEKLY, weekdays=(0, 2))),
        ("every monday, wednesday and friday", Recurrence(Frequency.WEEKLY, weekdays=(0, 2, 4))),
        ("on mondays", Recurrence(Frequency.WEEKLY, weekdays=(0,))),
        ("weekly", Recurrence(Frequency.WEEKLY)),
        ("еженедельно", Recurrence(Frequency.WEEKLY)),
        ("каждую неделю", Recurrence(Frequency.WEEKLY)),
        ("every other week", Recurrence(Frequency.WEEKLY, interval=2)),
        ("every other week on friday", Recurrence(Frequency.WEEKLY, interval=2, weekdays=(4,))),
        ("every other thursday", Recurrence(Frequency.WEEKLY, interval=2, weekdays=(3,))),
        ("biweekly", Recurrence(Frequency.WEEKLY, interval=2)),
        ("every 3 weeks", Recurrence(Frequency.WEEKLY, interval=3)),
        ("раз в две недели", Recurrence(Frequency.WEEKLY, interval=2)),
        ("каждые 2 недели", Recurrence(Frequency.WEEKLY, interval=2)),
        (
            "every mon and wed until 1 march",
            Recurrence(Frequency.WEEKLY, weekdays=(0, 2), until=date(2027, 3, 1)),
        ),
        ("каждый вторник до 1 марта", Recurrence(Frequency.WEEKLY, 1, (1,), date(2027, 3, 1))),
        ("по будням 10 раз", Recurrence(Frequency.WEEKLY, weekdays=WEEKDAYS, count=10)),
        ("daily 10 times", Recurrence(Frequency.DAILY, count=10)),
        ("every tuesday for 10 weeks", Recurrence(Frequency.WEEKLY, weekdays=(1,), count=10)),
        (
            "every day until the end of june",
            Recurrence(Frequency.DAILY, until=date(2027, 6, 30)),
        ),
        ("каждый день до 31.12", Recurrence(Frequency.DAILY, until=date(2026, 12, 31))),
    ],
)
def test_phrases(text: str, expected: Recurrence) -> None:
    assert parse_recurrence(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["через неделю", "завтра", "every month", "10 times", "", "по"])
def test_not_a_recurrence(text: str) -> None:
    with pytest.raises(ParseError):
        parse_recurrence(text, today=TODAY)


def test_words_left_over_are_refused() -> None:
    with pytest.raises(ParseError):
        parse_recurrence("каждый вторник и ещё что-то", today=TODAY)


def test_found_inside_a_sentence_with_its_spans() -> None:
    text = "планёрка каждый вторник в 10 до 1 марта"
    found = find_recurrence(text, today=TODAY)
    assert found is not None
    assert found.recurrence == Recurrence(Frequency.WEEKLY, 1, (1,), date(2027, 3, 1))
    assert [text[a:b] for a, b in found.spans] == ["каждый вторник", "до 1 марта"]


def test_rrule_text() -> None:
    rule = Recurrence(Frequency.WEEKLY, interval=2, weekdays=(0, 2), until=date(2027, 3, 1))
    assert rule.to_rrule(MSK) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20270301T205959Z"
    assert rule.to_rrule() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;UNTIL=20270301"
    assert Recurrence(Frequency.DAILY, count=5).to_rrule(MSK) == "FREQ=DAILY;COUNT=5"


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=MONTHLY",
        "FREQ=WEEKLY;BYDAY=2FR",
        "FREQ=YEARLY;BYMONTH=3",
        "FREQ=WEEKLY;BYSETPOS=1",
        "FREQ=DAILY;COUNT=2;UNTIL=20270101",
        "garbage",
        "FREQ=DAILY;FREQ=WEEKLY",
    ],
)
def test_rules_the_bot_does_not_offer_are_not_half_read(text: str) -> None:
    assert from_rrule(text, MSK) is None


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValueError):
        Recurrence(Frequency.DAILY, weekdays=(1,))
    with pytest.raises(ValueError):
        Recurrence(Frequency.WEEKLY, until=date(2027, 1, 1), count=3)
    with pytest.raises(ValueError):
        Recurrence(Frequency.WEEKLY, interval=0)


recurrences = st.builds(
    Recurrence,
    frequency=st.sampled_from(Frequency),
    interval=st.integers(1, 8),
    weekdays=st.just(()),
    until=st.none(),
    count=st.none() | st.integers(1, 50),
).flatmap(
    lambda r: st.builds(
        lambda days, until: Recurrence(
            r.frequency,
            r.interval,
            tuple(sorted(days)) if r.frequency is Frequency.WEEKLY else (),
            until if r.count is None else None,
            r.count,
        ),
        st.sets(st.integers(0, 6), max_size=7),
        st.none() | st.dates(date(2027, 1, 1), date(2030, 12, 31)),
    )
)


@given(recurrences, st.sampled_from(["Europe/Moscow", "America/New_York", "Asia/Kolkata", "UTC"]))
def test_rrule_round_trip(rule: Recurrence, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    assert from_rrule(rule.to_rrule(zone), zone) == rule
    assert from_rrule("RRULE:" + rule.to_rrule(), None) == rule


def _expand(rule: Recurrence, start: datetime, days: int = 400) -> list[datetime]:
    first = datetime.combine(first_on_or_after(rule, start.date()), start.time(), MSK)
    ics = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//test//EN",
            "BEGIN:VEVENT",
            "UID:r1",
            "DTSTAMP:20261201T000000Z",
            f"DTSTART;TZID=Europe/Moscow:{first:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/Moscow:{first + timedelta(minutes=30):%Y%m%dT%H%M%S}",
            f"RRULE:{rule.to_rrule(MSK)}",
            "SUMMARY:x",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    window = TimeWindow(start.astimezone(UTC), start.astimezone(UTC) + timedelta(days=days))
    return [o.start.astimezone(MSK) for o in occurrences_from_text(ics, window)]


def _dates(moments: list[datetime]) -> list[date]:
    return [m.date() for m in moments]


START = datetime(2026, 12, 2, 10, 0, tzinfo=MSK)


def test_expands_every_tuesday_until_1_march_inclusive() -> None:
    rule = parse_recurrence("каждый вторник до 1 марта", today=TODAY)
    got = _expand(rule, START)
    assert got[0] == datetime(2026, 12, 8, 10, 0, tzinfo=MSK)
    assert all(m.weekday() == 1 and m.time() == time(10) for m in got)
    assert got[-1].date() == date(2027, 2, 23)
    assert len(got) == 12


def test_expands_until_includes_the_last_day() -> None:
    rule = parse_recurrence("every mon and wed until 1 march", today=TODAY)
    got = _dates(_expand(rule, START))
    assert got[0] == date(2026, 12, 2)
    assert got[-1] == date(2027, 3, 1)  # a Monday: kept
    assert {d.weekday() for d in got} == {0, 2}


def test_expands_weekdays_ten_times() -> None:
    rule = parse_recurrence("по будням 10 раз", today=TODAY)
    got = _dates(_expand(rule, START))
    assert got == [
        date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7),
        date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 11),
        date(2026, 12, 14), date(2026, 12, 15),
    ]  # fmt: skip


def test_expands_every_other_week() -> None:
    rule = parse_recurrence("every other week 4 times", today=TODAY)
    got = _dates(_expand(rule, START))
    assert got == [date(2026, 12, 2), date(2026, 12, 16), date(2026, 12, 30), date(2027, 1, 13)]


def test_expands_daily_across_the_dst_change_in_another_zone() -> None:
    # the wall time stays 10:00 in the zone of DTSTART; Moscow has no DST, so check counts
    rule = parse_recurrence("каждый день 5 раз", today=TODAY)
    got = _expand(rule, START)
    assert [m.time() for m in got] == [time(10)] * 5
    assert _dates(got) == [date(2026, 12, 2) + timedelta(days=n) for n in range(5)]


@given(recurrences.filter(lambda r: r.count is not None and r.count <= 20))
def test_count_gives_that_many_occurrences(rule: Recurrence) -> None:
    got = _expand(rule, START, days=20 * 7 * 8 + 14)
    assert len(got) == rule.count
    if rule.weekdays:
        assert {m.weekday() for m in got} <= set(rule.weekdays)
