"""Local days, a day's meetings, now-and-next and the once-a-day digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calendar_bot.domain.agenda import (
    day_bounds,
    digest_due,
    next_digest_at,
    now_and_next,
    occurrences_on,
    week_agenda,
    week_days,
)
from calendar_bot.domain.model import EventStatus, Occurrence

MSK = ZoneInfo("Europe/Moscow")
DAY = date(2026, 11, 30)


def timed(uid: str, start: datetime, minutes: int = 60, **fields: object) -> Occurrence:
    return Occurrence(
        calendar_href="/c/",
        uid=uid,
        recurrence_id="",
        title=uid,
        start=start,
        end=start + timedelta(minutes=minutes),
        **fields,  # type: ignore[arg-type]
    )


def all_day(uid: str, first: date, days: int = 1) -> Occurrence:
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return replace(timed(uid, start), end=start + timedelta(days=days), all_day=True)


def uids(items: list[Occurrence] | tuple[Occurrence, ...]) -> list[str]:
    return [o.uid for o in items]


def test_day_bounds_are_local_midnights() -> None:
    bounds = day_bounds(DAY, "Europe/Moscow")
    assert bounds.start == datetime(2026, 11, 30, tzinfo=MSK)
    assert bounds.end == datetime(2026, 12, 1, tzinfo=MSK)
    assert bounds.start.astimezone(UTC) == datetime(2026, 11, 29, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2027, 3, 14), 23), (date(2027, 11, 7), 25), (date(2027, 6, 1), 24)],
)
def test_day_bounds_follow_dst(day: date, hours: int) -> None:
    bounds = day_bounds(day, ZoneInfo("America/New_York"))
    assert bounds.end - bounds.start == timedelta(hours=hours)


def test_occurrences_on_a_day() -> None:
    local = datetime(2026, 11, 30, 0, 0, tzinfo=MSK)
    items = [
        timed("late", local + timedelta(hours=18)),
        timed("early", local + timedelta(hours=9)),
        timed("overnight", local - timedelta(hours=1), minutes=120),  # from the day before
        timed("ends-at-midnight", local - timedelta(hours=1), minutes=60),
        timed("tomorrow", local + timedelta(hours=24)),
        timed("cancelled", local + timedelta(hours=10), status=EventStatus.CANCELLED),
        all_day("holiday", DAY),
        all_day("trip", DAY - timedelta(days=2), days=3),
        all_day("trip-over", DAY - timedelta(days=2), days=2),
    ]
    assert uids(occurrences_on(items, DAY, MSK)) == [
        "trip",
        "holiday",
        "overnight",
        "early",
        "late",
    ]


def test_a_meeting_of_no_length_at_midnight_is_on_that_day() -> None:
    midnight = datetime(2026, 11, 30, 0, 0, tzinfo=MSK)
    mark = timed("mark", midnight, minutes=0)
    assert uids(occurrences_on([mark], DAY, MSK)) == ["mark"]
    assert occurrences_on([mark], DAY - timedelta(days=1), MSK) == []


def test_meetings_at_one_time_are_ordered_by_title_as_written_then_by_key() -> None:
    nine = datetime(2026, 11, 30, 9, 0, tzinfo=MSK)
    items = [
        replace(timed("b", nine), title="review"),
        replace(timed("a", nine), title="review"),
        replace(timed("c", nine), title="Standup"),
    ]
    assert uids(occurrences_on(items, DAY, MSK)) == ["c", "a", "b"]


def test_all_day_events_keep_their_dates_in_any_zone() -> None:
    holiday = all_day("holiday", DAY)
    for zone in ("Pacific/Honolulu", "Asia/Tokyo", "UTC"):
        assert uids(occurrences_on([holiday], DAY, zone)) == ["holiday"]
        assert occurrences_on([holiday], DAY + timedelta(days=1), zone) == []


def test_now_and_next() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=MSK)
    items = [
        timed("running", now - timedelta(minutes=30)),
        timed("done", now - timedelta(hours=3)),
        timed("soon", now + timedelta(minutes=30)),
        timed("tonight", now + timedelta(hours=9)),
        timed("tomorrow", now + timedelta(hours=13)),
        all_day("holiday", DAY),
    ]
    result = now_and_next(items, now.astimezone(UTC), MSK)
    assert uids(result.now) == ["running"]
    assert uids(result.next) == ["soon", "tonight"]
    assert uids(result.all_day) == ["holiday"]


def test_week_days_and_agenda() -> None:
    assert week_days(DAY) == [DAY + timedelta(days=n) for n in range(7)]
    items = [timed("a", datetime(2026, 12, 2, 10, tzinfo=MSK))]
    agenda = week_agenda(items, DAY, MSK)
    assert [day for day, _ in agenda] == week_days(DAY)
    assert [uids(meetings) for _, meetings in agenda] == [[], [], ["a"], [], [], [], []]


def test_digest_due_once_a_day_from_the_hour() -> None:
    before = datetime(2026, 11, 30, 8, 59, tzinfo=MSK)
    on_time = datetime(2026, 11, 30, 9, 0, tzinfo=MSK)
    afternoon = datetime(2026, 11, 30, 15, 0, tzinfo=MSK)
    assert digest_due(before, MSK, 9, None) is None
    assert digest_due(on_time, MSK, 9, None) == DAY
    assert digest_due(on_time, "Europe/Moscow", 9, DAY - timedelta(days=1)) == DAY
    assert digest_due(on_time, MSK, 9, DAY) is None
    assert digest_due(afternoon, MSK, 9, DAY - timedelta(days=3)) == DAY  # late, still today's
    next_morning = datetime(2026, 12, 1, 8, 0, tzinfo=MSK)
    assert digest_due(next_morning, MSK, 9, None) is None  # yesterday's is never sent


def test_digest_uses_the_users_local_day() -> None:
    moment = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already 1 December in Moscow
    assert digest_due(moment, MSK, 2, None) == date(2026, 12, 1)  # 02:30 there
    assert digest_due(moment, MSK, 3, None) is None
    assert digest_due(moment, MSK, 0, None) == date(2026, 12, 1)
    assert digest_due(moment, "UTC", 9, None) == DAY


def test_next_digest_at() -> None:
    assert next_digest_at(datetime(2026, 11, 30, 5, tzinfo=UTC), MSK, 9) == datetime(
        2026, 11, 30, 6, tzinfo=UTC
    )
    assert next_digest_at(datetime(2026, 11, 30, 6, tzinfo=UTC), MSK, 9) == datetime(
        2026, 12, 1, 6, tzinfo=UTC
    )


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(min_value=0, max_value=23),
    st.sampled_from(["Europe/Moscow", "America/New_York", "Asia/Kolkata", "UTC"]),
)
def test_digest_fires_exactly_once_per_day_over_minute_ticks(
    start: datetime, hour: int, zone: str
) -> None:
    moment = start.replace(second=0, microsecond=0)
    sent: list[date] = []
    expected: set[date] = set()
    last: date | None = None
    for _ in range(0, 3 * 24 * 60, 20):
        due = digest_due(moment, zone, hour, last)
        if due is not None:
            sent.append(due)
            last = due
        local = moment.astimezone(ZoneInfo(zone))
        if local.hour >= hour:
            expected.add(local.date())
        moment += timedelta(minutes=20)
    assert sent == sorted(expected)  # each day whose hour came, once, in order
    assert len(sent) >= 2
