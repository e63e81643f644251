"""The demo calendar has every kind of meeting the sandbox promises, around "today"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events

from calendar_bot.sandbox.demo import DEMO_USERS, DEMO_ZONE, VIDEO_LINK, demo_calendars


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 26, 9, 0, tzinfo=UTC),  # midday in Moscow
        datetime(2026, 11, 26, 20, 50, tzinfo=UTC),  # 23:50 in Moscow: "soon" is tomorrow
    ],
)
def test_demo_week_has_every_kind_of_meeting(now: datetime) -> None:
    user = DEMO_USERS[1]
    calendars = demo_calendars(user, now)
    assert [c.slug for c in calendars] == ["work", "personal"]
    assert all(c.events for c in calendars)  # something in the second calendar too

    today = now.astimezone(DEMO_ZONE).date()
    work = calendars[0].events
    parsed = {name: icalendar.Calendar.from_ical(ics) for name, ics in work.items()}
    window = (now - timedelta(days=2), now + timedelta(days=4))

    standups = recurring_ical_events.of(parsed["standup.ics"]).between(*window)
    starts = {e.decoded("DTSTART").astimezone(DEMO_ZONE) for e in standups}
    assert datetime.combine(today, datetime.min.time(), DEMO_ZONE).replace(hour=10) in starts
    tomorrow = today + timedelta(days=1)
    moved = [s for s in starts if s.date() == tomorrow]
    assert [(s.hour, s.minute) for s in moved] == [(11, 30)]  # the moved instance
    assert not [s for s in starts if s.date() == today + timedelta(days=2)]  # the cancelled one

    all_day = parsed["planning-day.ics"].walk("VEVENT")[0]
    assert all_day.decoded("DTSTART") == today

    review = parsed["design-review.ics"].walk("VEVENT")[0]
    assert VIDEO_LINK in str(review.get("LOCATION"))

    invitation = parsed["budget-sync.ics"].walk("VEVENT")[0]
    mine = [a for a in invitation.get("ATTENDEE") if str(a).lower() == f"mailto:{user.email}"]
    assert [str(a.params["PARTSTAT"]) for a in mine] == ["NEEDS-ACTION"]
    assert user.email not in str(invitation.get("ORGANIZER"))

    coffee = parsed["coffee.ics"].walk("VEVENT")[0].decoded("DTSTART")
    assert timedelta(minutes=30) <= coffee - now <= timedelta(minutes=45)
