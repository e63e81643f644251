"""Find a time together, quick picks and conflict checks: pure, over free/busy only."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_bot.domain.availability import (
    Busy,
    WorkingHours,
    busy_from,
    free_half_hours,
    merge,
    next_free_half_hours,
    own_conflicts,
)
from calendar_bot.domain.model import EventStatus, Occurrence, PartStat
from calendar_bot.domain.slots import Person, conflicts_at, day_bounds, find_slots

MSK = ZoneInfo("Europe/Moscow")
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 2, 10, 10, tzinfo=MSK)  # Wednesday 10:10


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = MSK) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=zone)


def busy(day: int, h1: float, h2: float) -> Busy:
    return Busy(at(day, int(h1), int(h1 % 1 * 60)), at(day, int(h2), int(h2 % 1 * 60)))


def test_busy_holds_nothing_but_times() -> None:
    assert [f.name for f in fields(Busy)] == ["start", "end"]


def test_the_earliest_free_hour_for_everyone_comes_first() -> None:
    me = Person("me", MSK, busy=(busy(2, 10.5, 12),))
    anna = Person("anna", MSK, busy=(busy(2, 12, 14),))
    oleg = Person("oleg", MSK, busy=(busy(2, 14, 15.5),))
    start, end = day_bounds(date(2026, 12, 2), date(2026, 12, 6), MSK)
    found = find_slots([me, anna, oleg], duration=timedelta(hours=1), start=start, end=end, now=NOW)
    assert found.unknown == ()
    assert [s.start for s in found.slots] == [
        at(2, 15, 30),
        at(2, 16, 30),
        at(2, 17, 30),
        at(3, 9),
        at(3, 10),
    ]
    assert all(s.free_for_all for s in found.slots)
    # none overlaps another, none outside 09-19, none in the past
    for one in found.slots:
        assert one.start >= NOW and one.end - one.start == timedelta(hours=1)
        assert time(9) <= one.start.astimezone(MSK).time() and one.end.astimezone(
            MSK
        ).time() <= time(19)


def test_when_nobody_is_free_together_the_fewest_conflicts_are_named() -> None:
    day = [busy(3, 9, 19)]
    me = Person("me", MSK, busy=())
    anna = Person("anna", MSK, busy=tuple(day))
    oleg = Person("oleg", MSK, busy=(busy(3, 9, 12),))
    start, end = day_bounds(date(2026, 12, 3), date(2026, 12, 3), MSK)
    found = find_slots(
        [me, anna, oleg], duration=timedelta(hours=1), start=start, end=end, now=NOW, limit=3
    )
    assert [s.conflicts for s in found.slots] == [("anna",), ("anna",), ("anna",)]
    assert [s.start for s in found.slots] == [at(3, 12), at(3, 13), at(3, 14)]


def test_unknown_availability_is_named_not_guessed() -> None:
    me = Person("me", MSK, busy=(busy(2, 11, 12),))
    ghost = Person("ghost", MSK, busy=None)
    start, end = day_bounds(date(2026, 12, 2), date(2026, 12, 2), MSK)
    found = find_slots([me, ghost], duration=timedelta(minutes=30), start=start, end=end, now=NOW)
    assert found.unknown == ("ghost",)
    assert all("ghost" not in s.conflicts for s in found.slots)
    assert found.slots[0].start == at(2, 10, 30)


def test_each_person_is_held_to_their_own_hours_and_zone() -> None:
    me = Person("me", MSK)
    nina = Person("nina", NY)  # 09:00 New York is 17:00 Moscow
    start, end = day_bounds(date(2026, 12, 3), date(2026, 12, 3), MSK)
    found = find_slots([me, nina], duration=timedelta(hours=1), start=start, end=end, now=NOW)
    assert [s.start for s in found.slots] == [at(3, 17), at(3, 18)][: len(found.slots)]
    assert found.slots and found.slots[0].start == at(3, 17)


def test_no_common_hours_says_so() -> None:
    me = Person("me", MSK, hours=WorkingHours(time(9), time(12)))
    nina = Person("nina", NY, hours=WorkingHours(time(9), time(12)))
    start, end = day_bounds(date(2026, 12, 3), date(2026, 12, 4), MSK)
    found = find_slots([me, nina], duration=timedelta(hours=1), start=start, end=end, now=NOW)
    assert found.slots == () and found.outside_hours


def test_working_hours_are_configurable_and_weekends_off() -> None:
    me = Person("me", MSK, hours=WorkingHours(time(10), time(11), frozenset({5})))
    start, end = day_bounds(date(2026, 12, 2), date(2026, 12, 6), MSK)
    found = find_slots([me], duration=timedelta(minutes=30), start=start, end=end, now=NOW)
    assert [s.start for s in found.slots] == [at(5, 10), at(5, 10, 30)]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 2), st.integers(16, 40), st.integers(1, 8)),
        max_size=12,
    ),
    st.sampled_from([30, 45, 60, 90]),
)
def test_slots_are_sound(raw: list[tuple[int, int, int, int]], minutes: int) -> None:
    people = [Person(k, MSK, busy=()) for k in ("me", "anna", "oleg")]
    intervals: dict[str, list[Busy]] = {p.key: [] for p in people}
    for day, who, half_hour, length in raw:
        begin = at(2 + day, 0) + timedelta(minutes=30 * half_hour)
        intervals[people[who].key].append(Busy(begin, begin + timedelta(minutes=30 * length)))
    people = [Person(p.key, MSK, busy=tuple(intervals[p.key])) for p in people]
    start, end = day_bounds(date(2026, 12, 2), date(2026, 12, 6), MSK)
    found = find_slots(people, duration=timedelta(minutes=minutes), start=start, end=end, now=NOW)
    assert len(found.slots) <= 5
    for slot in found.slots:
        assert slot.start >= NOW
        assert set(slot.conflicts) == set(conflicts_at(slot.start, slot.end, people))
    for a in found.slots:
        for b in found.slots:
            assert a is b or not (a.start < b.end and b.start < a.end)
    ranks = [(len(s.conflicts), s.start) for s in found.slots]
    assert ranks == sorted(ranks)
    if found.slots and found.slots[0].conflicts:
        # nobody-free-at-once is only claimed when no free-for-all slot existed
        cursor = at(2, 10, 30)
        while cursor + timedelta(minutes=minutes) <= end:
            hours_ok = WorkingHours().contains(cursor, cursor + timedelta(minutes=minutes), MSK)
            if hours_ok:
                assert conflicts_at(cursor, cursor + timedelta(minutes=minutes), people)
            cursor += timedelta(minutes=30)


def test_quick_picks_are_free_sorted_in_hours_and_never_past() -> None:
    taken = (busy(2, 11, 12), busy(2, 13.5, 14))
    picks = free_half_hours(date(2026, 12, 2), MSK, now=NOW, busy=taken)
    assert picks[0] == at(2, 10, 30)
    assert at(2, 11) not in picks and at(2, 11, 30) not in picks and at(2, 13, 30) not in picks
    assert picks[-1] == at(2, 18, 30)
    assert list(picks) == sorted(picks)
    assert free_half_hours(date(2026, 12, 5), MSK, now=NOW) == ()  # Saturday
    longer = free_half_hours(
        date(2026, 12, 2), MSK, now=NOW, busy=taken, duration=timedelta(hours=1)
    )
    assert at(2, 10, 30) not in longer and at(2, 13) not in longer and at(2, 12) in longer


def test_next_free_half_hours_run_into_the_next_working_day() -> None:
    late = datetime(2026, 12, 4, 18, 40, tzinfo=MSK)  # Friday evening
    assert next_free_half_hours(late, MSK, count=3) == (at(7, 9), at(7, 9, 30), at(7, 10))


def _occ(uid: str, start: datetime, hours: float, **kw: object) -> Occurrence:
    return Occurrence(
        calendar_href="/c/",
        uid=uid,
        recurrence_id="",
        title=f"secret {uid}",
        start=start,
        end=start + timedelta(hours=hours),
        **kw,  # type: ignore[arg-type]
    )


def test_own_conflicts_count_accepted_organised_and_personal_only() -> None:
    items = [
        _occ("own", at(3, 10), 1),
        _occ("accepted", at(3, 10, 30), 1, my_partstat=PartStat.ACCEPTED),
        _occ("declined", at(3, 10), 1, my_partstat=PartStat.DECLINED),
        _occ("pending", at(3, 10), 1, my_partstat=PartStat.NEEDS_ACTION),
        _occ("organised", at(3, 10), 1, my_partstat=PartStat.NEEDS_ACTION, i_am_organizer=True),
        _occ("cancelled", at(3, 10), 1, status=EventStatus.CANCELLED),
        _occ("allday", datetime(2026, 12, 3, tzinfo=UTC), 24, all_day=True),
        _occ("later", at(3, 12), 1),
    ]
    got = own_conflicts(at(3, 10), at(3, 11), items)
    assert [o.uid for o in got] == ["organised", "own", "accepted"]  # by start, then uid
    assert busy_from(items) == (Busy(at(3, 10), at(3, 11, 30)), Busy(at(3, 12), at(3, 13)))


def test_merge_joins_touching_and_overlapping() -> None:
    assert merge([busy(2, 12, 13), busy(2, 10, 11), busy(2, 11, 11.5), busy(2, 12.5, 12.75)]) == (
        busy(2, 10, 11.5),
        busy(2, 12, 13),
    )


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        Busy(datetime(2026, 12, 2, 10), datetime(2026, 12, 2, 11))
