"""Reminders: due once, on time, late but not stale, never for what the user does not attend."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_bot.domain.model import EventStatus, Occurrence, PartStat, UserSettings
from calendar_bot.domain.notice_keys import idempotency_key, reminder_key
from calendar_bot.domain.notices import reminder_notice
from calendar_bot.domain.reminders import (
    Reminder,
    due_reminders,
)

START = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
DEFAULTS = UserSettings()
MINUTE = timedelta(minutes=1)


def key_of(reminder: Reminder) -> str:
    """The outbox key the reminder service gives this reminder."""
    return idempotency_key(reminder.user_id, reminder_notice(reminder))


def occ(uid: str = "m", start: datetime = START, **fields: object) -> Occurrence:
    return Occurrence(
        calendar_href="/cal/",
        uid=uid,
        recurrence_id="",
        title="Meeting",
        start=start,
        end=start + timedelta(hours=1),
        **fields,  # type: ignore[arg-type]
    )


def tick(
    occurrences: list[Occurrence],
    now: datetime,
    *,
    last: datetime | None = None,
    settings_: UserSettings = DEFAULTS,
) -> list[Reminder]:
    return due_reminders(
        occurrences,
        settings_,
        last_tick=last if last is not None else now - MINUTE,
        now=now,
        user_id="u1",
    )


def leads(reminders: list[Reminder]) -> list[int]:
    return [r.lead for r in reminders]


def test_default_reminders_fire_fifteen_minutes_before_and_at_start() -> None:
    meeting = occ()
    assert leads(tick([meeting], START - timedelta(minutes=16))) == []
    before = tick([meeting], START - timedelta(minutes=15))
    assert leads(before) == [15]
    assert before[0].fire_at == START - timedelta(minutes=15)
    assert not before[0].late
    assert leads(tick([meeting], START - timedelta(minutes=14))) == []
    at_start = tick([meeting], START)
    assert leads(at_start) == [0]
    assert at_start[0].fire_at == START
    assert leads(tick([meeting], START + MINUTE)) == []


def test_every_minute_tick_over_a_day_fires_each_reminder_exactly_once() -> None:
    meetings = [
        occ("a"),
        occ("b", START + timedelta(minutes=7)),
        occ("c", START + timedelta(hours=3)),
    ]
    moment = START - timedelta(hours=2)
    fired: list[Reminder] = []
    while moment < START + timedelta(hours=5):
        fired.extend(tick(meetings, moment + MINUTE, last=moment))
        moment += MINUTE
    assert sorted((r.occurrence.uid, r.lead) for r in fired) == [
        ("a", 0),
        ("a", 15),
        ("b", 0),
        ("b", 15),
        ("c", 0),
        ("c", 15),
    ]
    assert not any(r.late for r in fired)


def test_tick_a_few_seconds_late_is_not_late() -> None:
    due = tick([occ()], START - timedelta(minutes=15) + timedelta(seconds=20))
    assert leads(due) == [15]
    assert not due[0].late


def test_after_downtime_what_has_not_started_is_sent_late() -> None:
    meeting = occ()
    now = START - timedelta(minutes=5)
    due = tick([meeting], now, last=START - timedelta(hours=3))
    assert leads(due) == [15]
    assert due[0].late


def test_after_downtime_a_meeting_in_progress_gets_only_its_start_notice_marked_late() -> None:
    meeting = occ()  # 10:00-11:00; the bot was away from 09:00 to 10:05
    due = tick([meeting], START + timedelta(minutes=5), last=START - timedelta(hours=1))
    assert leads(due) == [0]  # "starts in 15 minutes" after the start is noise
    assert due[0].late


def test_a_tick_fifteen_minutes_late_still_sends_the_start_notice() -> None:
    meeting = occ()  # a sandbox fast-forward from 09:58 to 10:13 in one tick
    due = tick([meeting], START + timedelta(minutes=13), last=START - timedelta(minutes=2))
    assert leads(due) == [0]
    assert due[0].late


def test_no_start_notice_once_the_meeting_is_over() -> None:
    meeting = occ()
    assert tick([meeting], START + timedelta(hours=1), last=START - timedelta(hours=2)) == []


def test_at_start_reminder_is_on_time_within_its_minute() -> None:
    meeting = occ()
    slightly_late = tick(
        [meeting], START + timedelta(seconds=59), last=START - timedelta(minutes=3)
    )
    assert leads(slightly_late) == [0]  # the 15-minute one is stale: the meeting has begun
    assert not slightly_late[0].late


def test_a_zero_length_meeting_keeps_a_minute_for_its_start_notice() -> None:
    point = replace(occ(), end=START)
    assert leads(tick([point], START + timedelta(seconds=59), last=START - MINUTE)) == [0]
    assert tick([point], START + MINUTE, last=START - timedelta(minutes=3)) == []


def test_first_tick_without_a_previous_one_looks_back_one_minute() -> None:
    meeting = occ()
    got = due_reminders([meeting], DEFAULTS, last_tick=None, now=START - timedelta(minutes=15))
    assert leads(got) == [15]
    missed = due_reminders([meeting], DEFAULTS, last_tick=None, now=START - timedelta(minutes=13))
    assert missed == []


def test_event_alarms_add_leads_and_duplicates_collapse() -> None:
    meeting = occ(alarm_minutes=(15, 60, -5))
    fired = tick([meeting], START - MINUTE, last=START - timedelta(hours=2))
    fired += tick([meeting], START, last=START - MINUTE)
    assert sorted(leads(fired)) == [0, 15, 60]
    assert len({key_of(r) for r in fired}) == 3


def test_user_leads_are_configurable() -> None:
    custom = UserSettings(reminder_leads=(30,))
    fired = tick([occ()], START - MINUTE, last=START - timedelta(hours=2), settings_=custom)
    assert sorted(leads(fired)) == [30]
    assert tick([occ()], START, settings_=custom) == []  # no "at the start" unless asked
    at_start = UserSettings(reminder_leads=(0,))
    fired = tick([occ()], START, last=START - timedelta(hours=2), settings_=at_start)
    assert leads(fired) == [0]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": EventStatus.CANCELLED},
        {"my_partstat": PartStat.DECLINED},
    ],
)
def test_cancelled_and_declined_get_no_reminders(fields: dict[str, object]) -> None:
    assert tick([occ(**fields)], START, last=START - timedelta(hours=2)) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "partstat", [None, PartStat.ACCEPTED, PartStat.TENTATIVE, PartStat.NEEDS_ACTION]
)
def test_other_answers_still_get_reminders(partstat: PartStat | None) -> None:
    assert leads(tick([occ(my_partstat=partstat)], START)) == [0]


def test_all_day_events_get_none_by_default() -> None:
    day = datetime(2026, 12, 1, tzinfo=UTC)
    all_day = replace(occ(start=day), end=day + timedelta(days=1), all_day=True)
    assert tick([all_day], day, last=day - timedelta(days=1)) == []


def test_all_day_reminders_count_from_local_midnight_when_asked() -> None:
    day = datetime(2026, 12, 1, tzinfo=UTC)
    all_day = replace(occ(start=day), end=day + timedelta(days=1), all_day=True)
    wanted = UserSettings(timezone="Europe/Moscow", reminder_leads=(0,), remind_all_day=True)
    moscow_midnight = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    fired = tick([all_day], moscow_midnight, settings_=wanted)
    assert leads(fired) == [0]
    assert fired[0].start == moscow_midnight


def test_moved_meeting_is_reminded_again_at_its_new_time() -> None:
    meeting = occ()
    first = tick([meeting], START - timedelta(minutes=15))
    moved = replace(meeting, start=START + timedelta(hours=1), end=START + timedelta(hours=2))
    second = tick([moved], START + timedelta(minutes=45))
    assert leads(first) == leads(second) == [15]
    assert key_of(first[0]) != key_of(second[0])


def test_idempotency_key_is_stable_and_per_user() -> None:
    meeting = occ()
    one = tick([meeting], START)[0]
    again = tick([replace(meeting, title="Renamed")], START)[0]
    assert key_of(one) == key_of(again)
    other_user = due_reminders(
        [meeting], DEFAULTS, last_tick=START - MINUTE, now=START, user_id="u2"
    )
    assert key_of(other_user[0]) != key_of(one)


def test_idempotency_key_does_not_collide_on_separators() -> None:
    first = occ("a:b")
    second = replace(occ("a"), calendar_href="/cal/:b")
    assert reminder_key("u", first.key, START, 0) != reminder_key("u", second.key, START, 0)


def test_thousands_of_occurrences_are_cheap() -> None:
    meetings = [occ(f"m{i}", START + timedelta(minutes=7 * i)) for i in range(5000)]
    began = time.perf_counter()
    for minute in range(10):
        now = START + timedelta(minutes=minute)
        tick(meetings, now)
    assert time.perf_counter() - began < 2.0


# ---- properties --------------------------------------------------------------------------

_minutes = st.integers(min_value=-300, max_value=600)


@st.composite
def meetings(draw: st.DrawFn) -> list[Occurrence]:
    count = draw(st.integers(min_value=0, max_value=6))
    return [
        occ(
            f"m{i}",
            START + timedelta(minutes=draw(_minutes)),
            alarm_minutes=tuple(draw(st.lists(st.sampled_from([0, 5, 15, 30, 60]), max_size=3))),
        )
        for i in range(count)
    ]


@settings(max_examples=200)
@given(meetings(), st.lists(st.integers(min_value=1, max_value=90), min_size=1, max_size=12))
def test_any_tick_schedule_fires_each_reminder_at_most_once(
    occurrences: list[Occurrence], gaps: list[int]
) -> None:
    moment = START - timedelta(hours=2)
    fired: list[Reminder] = []
    for gap in gaps:
        now = moment + timedelta(minutes=gap)
        batch = tick(occurrences, now, last=moment)
        for reminder in batch:
            assert moment < reminder.fire_at <= now
            end = reminder.start + max(reminder.occurrence.duration, MINUTE)
            assert now < (end if reminder.lead == 0 else reminder.start)
            assert reminder.late == (now - reminder.fire_at > MINUTE)
        fired.extend(batch)
        moment = now
    keys = [key_of(r) for r in fired]
    assert len(keys) == len(set(keys))
    assert len({(r.occurrence.key, r.start, r.lead) for r in fired}) == len(fired)


@settings(max_examples=25)
@given(meetings())
def test_minute_ticks_miss_nothing_that_fires_while_running(occurrences: list[Occurrence]) -> None:
    moment = START - timedelta(hours=12)
    fired = set()
    while moment < START + timedelta(hours=11):
        fired |= {
            (r.occurrence.uid, r.lead) for r in tick(occurrences, moment + MINUTE, last=moment)
        }
        moment += MINUTE
    expected = {(o.uid, lead) for o in occurrences for lead in {15, 0, *o.alarm_minutes}}
    assert fired == expected
