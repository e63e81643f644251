"""`calendar-bot sandbox --start-at HH:MM`: the demo's day at a chosen hour."""

from __future__ import annotations

from datetime import datetime, timedelta

from calendar_bot.sandbox.demo import DEMO_ZONE
from calendar_bot.sandbox.runner import clock_starting_at


def test_the_clock_starts_at_the_given_moscow_time_today_and_runs() -> None:
    clock = clock_starting_at("08:00")
    now = clock.now().astimezone(DEMO_ZONE)
    assert now.date() == datetime.now(DEMO_ZONE).date()
    assert timedelta(0) <= now - now.replace(hour=8, minute=0, second=0, microsecond=0)
    assert now - now.replace(hour=8, minute=0, second=0, microsecond=0) < timedelta(seconds=5)


def test_without_a_time_the_clock_is_real_time() -> None:
    clock = clock_starting_at(None)
    assert abs(clock.now() - datetime.now(DEMO_ZONE)) < timedelta(seconds=5)
