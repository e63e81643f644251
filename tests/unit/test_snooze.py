"""Snoozing a reminder (domain/snooze.py): which choices a reminder offers, and when each
fires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from calendar_bot.domain.snooze import SnoozeChoice, fires_at, offered

START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def before(minutes: float) -> datetime:
    return START - timedelta(minutes=minutes)


def test_each_choice_fires_on_a_minute_mark_before_the_start() -> None:
    now = before(15) + timedelta(seconds=20)  # clicked at 08:45:20
    assert fires_at(SnoozeChoice.IN_5, now, START) == before(10)
    assert fires_at(SnoozeChoice.IN_10, now, START) == before(5)
    assert fires_at(SnoozeChoice.BEFORE_1, now, START) == before(1)
    assert fires_at(SnoozeChoice.AT_START, now, START) == START
    # Two clicks in the same minute: the same moment (one outbox row).
    assert fires_at(SnoozeChoice.IN_5, now + timedelta(seconds=30), START) == before(10)


def test_what_would_fire_after_the_start_or_not_after_now_is_not_offered() -> None:
    assert offered(before(15), START) == (
        SnoozeChoice.IN_5,
        SnoozeChoice.IN_10,
        SnoozeChoice.BEFORE_1,
        SnoozeChoice.AT_START,
    )
    assert offered(before(7), START) == (
        SnoozeChoice.IN_5,
        SnoozeChoice.BEFORE_1,
        SnoozeChoice.AT_START,
    )
    assert offered(before(3), START) == (SnoozeChoice.BEFORE_1, SnoozeChoice.AT_START)
    assert offered(before(1), START) == (SnoozeChoice.AT_START,)
    assert offered(START, START) == ()
    assert fires_at(SnoozeChoice.IN_10, before(5), START) is None
    assert fires_at(SnoozeChoice.BEFORE_1, before(1), START) is None
    assert fires_at(SnoozeChoice.AT_START, START + timedelta(minutes=1), START) is None
