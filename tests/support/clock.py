"""A controllable clock for tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calendar_bot.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    """Frozen at a Monday morning; move it with clock.advance() / clock.set()."""
    return ManualClock(datetime(2026, 11, 30, 6, 0, tzinfo=UTC))
