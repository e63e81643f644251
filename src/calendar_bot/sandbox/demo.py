"""The sandbox's demo accounts and the realistic week of meetings around "today" they start with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEMO_ZONE = ZoneInfo("Europe/Moscow")
VIDEO_LINK = "https://telemost.yandex.ru/j/4215837690"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str  # the Mattermost (web chat) password
    locale: str
    email: str  # also the CalDAV login, as on Mail.ru
    caldav_password: str
    first_name: str
    last_name: str

    def public(self) -> dict[str, str]:
        """What the sandbox prints: demo logins are meant to be shown."""
        return {
            "username": self.username,
            "password": self.password,
            "locale": self.locale,
            "caldav_username": self.email,
            "caldav_password": self.caldav_password,
        }


DEMO_USERS = (
    DemoUser(
        "alice", "alice-demo", "ru", "alice@sandbox.test", "alice-app-pass", "Алиса", "Смирнова"
    ),
    DemoUser("bob", "bob-demo", "en", "bob@sandbox.test", "bob-app-pass", "Bob", "Baker"),
)
ORGANIZER = ("carol@sandbox.test", "Carol Chen")


@dataclass(frozen=True)
class DemoCalendar:
    slug: str
    name: str
    color: str
    events: dict[str, str]  # resource name -> iCalendar text


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), DEMO_ZONE)


def _calendar(*events: list[str]) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//calendar-bot sandbox//EN"]
    for event in events:
        lines += event
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def _event(uid: str, summary: str, start: datetime, end: datetime, *extra: str) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"SUMMARY:{summary}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(end)}",
        *extra,
        "END:VEVENT",
    ]


def event_ics(uid: str, summary: str, start: datetime, end: datetime) -> str:
    """A plain one-off meeting, as the side panel adds it."""
    return _calendar(_event(uid, summary, start, end))


def _round_up(moment: datetime, minutes: int) -> datetime:
    moment = moment.replace(second=0, microsecond=0)
    return moment + timedelta(minutes=-moment.minute % minutes or minutes)


def demo_calendars(user: DemoUser, now: datetime) -> list[DemoCalendar]:
    """Two calendars of meetings around `now` (the sandbox clock), in Europe/Moscow."""
    local = now.astimezone(DEMO_ZONE)
    today = local.date()
    me = f"mailto:{user.email}"
    name = f"{user.first_name} {user.last_name}"
    attendee_me = f"ATTENDEE;CN={name};PARTSTAT=ACCEPTED:{me}"
    organizer_me = f"ORGANIZER;CN={name}:{me}"
    carol = f"ORGANIZER;CN={ORGANIZER[1]}:mailto:{ORGANIZER[0]}"

    first = today - timedelta(days=7)
    standup_start = _at(first, 10)
    moved_from = _at(today + timedelta(days=1), 10)
    cancelled = _at(today + timedelta(days=2), 10)
    standup = _calendar(
        _event(
            "sandbox-standup",
            "Daily stand-up",
            standup_start,
            standup_start + timedelta(minutes=15),
            "RRULE:FREQ=DAILY;COUNT=30",
            f"EXDATE:{_stamp(cancelled)}",
            organizer_me,
            attendee_me,
            "LOCATION:Room 3",
        ),
        _event(
            "sandbox-standup",
            "Daily stand-up",
            moved_from + timedelta(minutes=90),
            moved_from + timedelta(minutes=105),
            f"RECURRENCE-ID:{_stamp(moved_from)}",
            "SEQUENCE:1",
            organizer_me,
            attendee_me,
            "LOCATION:Room 3",
            "DESCRIPTION:Moved: the room is busy in the morning.",
        ),
    )
    all_day = _calendar(
        [
            "BEGIN:VEVENT",
            "UID:sandbox-offsite",
            "DTSTAMP:20260101T000000Z",
            "SUMMARY:Quarter planning day",
            f"DTSTART;VALUE=DATE:{today.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(today + timedelta(days=1)).strftime('%Y%m%d')}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    )
    review_start = _at(today, 14)
    review = _calendar(
        _event(
            "sandbox-design-review",
            "Design review",
            review_start,
            review_start + timedelta(hours=1),
            organizer_me,
            attendee_me,
            f"ATTENDEE;CN={ORGANIZER[1]};PARTSTAT=ACCEPTED:mailto:{ORGANIZER[0]}",
            f"LOCATION:{VIDEO_LINK}",
            f"DESCRIPTION:Agenda: the new onboarding flow.\\nJoin: {VIDEO_LINK}",
        )
    )
    invite_start = _at(today + timedelta(days=1), 16)
    invitation = _calendar(
        _event(
            "sandbox-budget-sync",
            "Budget sync",
            invite_start,
            invite_start + timedelta(minutes=30),
            carol,
            f"ATTENDEE;CN={ORGANIZER[1]};PARTSTAT=ACCEPTED:mailto:{ORGANIZER[0]}",
            f"ATTENDEE;CN={name};PARTSTAT=NEEDS-ACTION;RSVP=TRUE:{me}",
            "LOCATION:Room 5",
            "SEQUENCE:0",
        )
    )
    # Soon after start, so a reminder is one small fast-forward away.
    soon = _round_up(local + timedelta(minutes=30), 15)
    coffee = _calendar(
        _event("sandbox-coffee", "Coffee with Carol", soon, soon + timedelta(minutes=30), carol)
    )
    dentist_start = _at(today + timedelta(days=1), 19)
    dentist = _calendar(
        _event(
            "sandbox-dentist",
            "Dentist",
            dentist_start,
            dentist_start + timedelta(hours=1),
            "LOCATION:Smile Clinic, Tverskaya 7",
        )
    )
    return [
        DemoCalendar(
            "work",
            "Work",
            "#1e88e5ff",
            {
                "standup.ics": standup,
                "planning-day.ics": all_day,
                "design-review.ics": review,
                "budget-sync.ics": invitation,
                "coffee.ics": coffee,
            },
        ),
        DemoCalendar("personal", "Personal", "#43a047ff", {"dentist.ics": dentist}),
    ]
