"""Each user's horizon moves once a day at a minute of its own, so midnight UTC does not
re-read every calendar at once, and it always covers the day before and the days ahead."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from calendar_bot.services.context import HORIZON_DAYS, WINDOW_SPAN, sync_window, window_phase

DAY = timedelta(days=1)


def test_the_horizon_covers_the_day_before_and_the_days_ahead_whatever_the_phase() -> None:
    base = datetime(2026, 12, 1, tzinfo=UTC)
    for phase_minutes in (0, 1, 359, 720, 1439):
        phase = timedelta(minutes=phase_minutes)
        for step in range(0, 48 * 60, 37):
            moment = base + timedelta(minutes=step, seconds=13)
            window = sync_window(moment, phase)
            assert window.start <= moment - DAY < window.start + DAY
            assert window.end > moment + timedelta(days=HORIZON_DAYS)
            assert window.end - window.start == WINDOW_SPAN
            assert (window.start - phase).time() == datetime.min.time()


def test_the_horizon_moves_at_midnight_plus_the_phase() -> None:
    phase = timedelta(hours=7, minutes=5)
    shift = datetime(2026, 12, 1, 7, 5, tzinfo=UTC)
    before = sync_window(shift - timedelta(seconds=1), phase)
    assert sync_window(shift - timedelta(hours=23), phase) == before
    after = sync_window(shift, phase)
    assert after.start == before.start + DAY
    # phase 0 is the old horizon: aligned to midnight UTC
    midnight = datetime(2026, 12, 1, tzinfo=UTC)
    assert sync_window(midnight + timedelta(hours=5)).start == midnight - DAY


def test_phases_spread_users_over_the_day() -> None:
    per_minute = Counter(window_phase(f"user{i:05d}") for i in range(10_000))
    assert all(timedelta(0) <= p < DAY for p in per_minute)
    assert all(p.seconds % 60 == 0 for p in per_minute)
    assert len(per_minute) > 1400  # nearly every minute of the day has some
    assert max(per_minute.values()) < 30  # about 7 a minute, never a crowd
    assert window_phase("alice") == window_phase("alice")


def test_a_snapshot_from_before_the_phases_keeps_its_horizon_until_midnight() -> None:
    """Upgraded users (no window_start) keep the midnight-aligned horizon their snapshot was
    stored with until it moves anyway: an upgrade re-reads no calendar."""
    from calendar_bot.services.sync import current_window, stored_window
    from calendar_bot.storage.repositories import StoredUser

    polled = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    user = StoredUser("u", "", "", "", "", "", last_poll_at=polled)
    assert stored_window(user) == sync_window(polled)
    assert current_window(user, polled + timedelta(hours=10)) == sync_window(polled)
    after = datetime(2026, 12, 2, 0, 1, tzinfo=UTC)
    assert current_window(user, after) == sync_window(after, window_phase("u"))
    stored = replace(user, window_start=sync_window(after, window_phase("u")).start)
    assert stored_window(stored) == current_window(stored, after + timedelta(minutes=1))
