"""Quiet hours and working days (issue 18, item 3), the pure part.

Quiet hours are whole local hours [start, end) in the person's zone, across midnight when
start > end (22–08). A change notice found inside them is held until their end: every notice
held through one night is due at the same moment, so delivery posts them as one post (rows
due in one minute are joined, services/delivery.py), and the outbox makes it once, across
restarts. A reminder of a meeting that starts inside them comes only if the person asked
(`quiet_reminders`). The digest comes only on working days when the person chose so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from calendar_bot.domain.model import UserSettings
from calendar_bot.domain.zones import as_zone


def _inside(hour: int, start: int, end: int) -> bool:
    return start <= hour < end if start < end else hour >= start or hour < end


def in_quiet_hours(moment: datetime, settings: UserSettings) -> bool:
    """Whether `moment` falls inside the person's quiet hours (never, when they are off)."""
    if settings.quiet_hours is None:
        return False
    start, end = settings.quiet_hours
    return _inside(moment.astimezone(as_zone(settings.timezone)).hour, start, end)


def quiet_until(moment: datetime, settings: UserSettings) -> datetime | None:
    """The end of the quiet hours `moment` falls in (UTC), or None when it is outside them."""
    if not in_quiet_hours(moment, settings):
        return None
    assert settings.quiet_hours is not None
    start, end = settings.quiet_hours
    tz = as_zone(settings.timezone)
    local = moment.astimezone(tz)
    day = local.date()
    if start > end and local.hour >= start:  # the evening part: it ends tomorrow morning
        day += timedelta(days=1)
    return datetime.combine(day, dtime(end), tz).astimezone(UTC)


def quiet_reminder_skipped(start: datetime, settings: UserSettings) -> bool:
    """A reminder of a meeting starting at `start` that the person does not want: it starts
    inside their quiet hours and they did not ask for reminders then."""
    return not settings.quiet_reminders and in_quiet_hours(start, settings)


def digest_wanted_on(day: date, settings: UserSettings) -> bool:
    """Whether the digest of the person's local `day` is sent at all."""
    return not settings.digest_work_days_only or day.weekday() in settings.work_days
