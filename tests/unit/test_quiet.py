"""Quiet hours and working days (issue 18, item 3), the pure rules; several leads per person
(item 2) from the snapshot on the minute, each once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.domain.model import Occurrence, UserSettings
from calendar_bot.domain.quiet import (
    digest_wanted_on,
    in_quiet_hours,
    quiet_reminder_skipped,
    quiet_until,
)
from calendar_bot.domain.reminder_index import next_reminder
from calendar_bot.domain.reminders import due_reminders

MSK = ZoneInfo("Europe/Moscow")
NIGHT = UserSettings(timezone="Europe/Moscow", quiet_hours=(22, 8))


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


@pytest.mark.parametrize(
    ("moment", "until"),
    [
        (msk(30, 21, 59), None),
        (msk(30, 22), msk(30, 8) + timedelta(days=1)),  # evening: tomorrow 08:00
        (msk(30, 23, 30), msk(30, 8) + timedelta(days=1)),
        (msk(30, 3), msk(30, 8)),  # after midnight: this morning
        (msk(30, 7, 59), msk(30, 8)),
        (msk(30, 8), None),
        (msk(30, 12), None),
    ],
)
def test_quiet_until_the_end_of_the_night(moment: datetime, until: datetime | None) -> None:
    got = quiet_until(moment, NIGHT)
    assert got == (until.astimezone(UTC) if until else None)
    assert in_quiet_hours(moment, NIGHT) is (until is not None)


def test_quiet_hours_within_one_day_and_off() -> None:
    nap = UserSettings(timezone="UTC", quiet_hours=(13, 15))
    noon = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
    assert quiet_until(noon, nap) == datetime(2026, 11, 30, 15, tzinfo=UTC)
    assert quiet_until(noon.replace(hour=15), nap) is None
    assert quiet_until(msk(30, 23), UserSettings(timezone="Europe/Moscow")) is None


def test_every_change_of_one_night_is_due_at_the_same_moment() -> None:
    moments = [msk(30, 22, 5), msk(30, 23, 59), msk(30, 2, 0) + timedelta(days=1)]
    assert {quiet_until(m, NIGHT) for m in moments} == {(msk(30, 8) + timedelta(days=1))}


def _meeting(start: datetime, uid: str = "m") -> Occurrence:
    return Occurrence("/c/", uid, "", uid, start, start + timedelta(minutes=30))


def test_reminders_of_meetings_starting_in_quiet_hours_only_if_asked() -> None:
    early = _meeting(msk(30, 7, 30), "early")  # starts inside quiet hours
    later = _meeting(msk(30, 8, 30), "later")  # its 1 h reminder fires inside, it starts after
    settings = UserSettings(timezone="Europe/Moscow", quiet_hours=(22, 8), reminder_leads=(60, 0))
    assert quiet_reminder_skipped(early.start, settings)
    assert not quiet_reminder_skipped(later.start, settings)
    fired = [
        (r.occurrence.uid, r.lead)
        for minute in range(6 * 60, 9 * 60)
        for now in [msk(30, 0) + timedelta(minutes=minute)]
        for r in due_reminders([early, later], settings, last_tick=None, now=now)
    ]
    assert fired == [("later", 60), ("later", 0)]
    asked = UserSettings(
        timezone="Europe/Moscow", quiet_hours=(22, 8), reminder_leads=(60, 0), quiet_reminders=True
    )
    fired = [
        (r.occurrence.uid, r.lead)
        for minute in range(6 * 60, 9 * 60)
        for now in [msk(30, 0) + timedelta(minutes=minute)]
        for r in due_reminders([early, later], asked, last_tick=None, now=now)
    ]
    assert fired == [("early", 60), ("early", 0), ("later", 60), ("later", 0)]


def test_digest_on_working_days_only_if_chosen() -> None:
    saturday, monday = date(2026, 12, 5), date(2026, 11, 30)
    assert digest_wanted_on(saturday, UserSettings())
    only = UserSettings(digest_work_days_only=True)
    assert not digest_wanted_on(saturday, only) and digest_wanted_on(monday, only)
    six = UserSettings(digest_work_days_only=True, work_days=(0, 1, 2, 3, 4, 5))
    assert digest_wanted_on(saturday, six)


def test_several_leads_each_on_its_minute_once_and_the_index_reaches_each() -> None:
    """1 day, 1 h, 10 min and at the start: four reminders, each at its minute, once; the
    reminder index moves from one to the next."""
    meeting = _meeting(msk(30, 12))
    settings = UserSettings(timezone="Europe/Moscow", reminder_leads=(1440, 60, 10, 0))
    fired: list[tuple[datetime, int]] = []
    now = msk(29, 11)
    while now <= msk(30, 12, 5):
        fired += [
            (r.fire_at, r.lead) for r in due_reminders([meeting], settings, last_tick=None, now=now)
        ]
        now += timedelta(minutes=1)
    assert fired == [
        (msk(29, 12), 1440),
        (msk(30, 11), 60),
        (msk(30, 11, 50), 10),
        (msk(30, 12), 0),
    ]
    marks = [msk(29, 11)]
    while (after := next_reminder(meeting, settings, marks[-1])) is not None:
        marks.append(after)
    assert marks[1:] == [f for f, _ in fired]
