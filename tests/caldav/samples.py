"""Small iCalendar builders for the CalDAV tests (times in UTC unless a TZID is given)."""

from __future__ import annotations

from datetime import UTC, datetime

from calendar_bot.domain.model import TimeWindow

# The window most tests poll: a fortnight around the default test clock (Mon 2026-11-30).
WINDOW = TimeWindow(datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 12, 13, tzinfo=UTC))


def vcalendar(*events: str) -> str:
    body = "".join(events)
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n" + body + "END:VCALENDAR\r\n"


def vevent(
    uid: str,
    start: str,
    end: str,
    summary: str,
    *extra: str,
) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261101T000000Z",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        f"SUMMARY:{summary}",
        *extra,
        "END:VEVENT",
    ]
    return "\r\n".join(lines) + "\r\n"


def single(uid: str, summary: str, start: str = "20261201T100000Z", *extra: str) -> str:
    end = start[:9] + f"{int(start[9:11]) + 1:02d}" + start[11:]
    return vcalendar(vevent(uid, start, end, summary, *extra))


def weekly_series(uid: str, me: str, organizer: str = "boss@example.test") -> str:
    """Mondays 10:00Z from 2026-11-30, 4 times; the Dec 7 instance moved to 15:00Z and the
    Dec 14 one cancelled (both outside/inside the window as tests need), Dec 21 excluded."""
    people = (
        f"ORGANIZER;CN=Boss:mailto:{organizer}",
        f"ATTENDEE;CN=Me;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{me}",
        "ATTENDEE;CN=Other;PARTSTAT=ACCEPTED:mailto:other@example.test",
    )
    master = vevent(
        uid,
        "20261130T100000Z",
        "20261130T110000Z",
        "Weekly sync",
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "EXDATE:20261221T100000Z",
        "SEQUENCE:1",
        *people,
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:soon",
        "TRIGGER:-PT10M",
        "END:VALARM",
    )
    moved = vevent(
        uid,
        "20261207T150000Z",
        "20261207T160000Z",
        "Weekly sync (moved)",
        "RECURRENCE-ID:20261207T100000Z",
        "SEQUENCE:2",
        *people,
    )
    cancelled = vevent(
        uid,
        "20261214T100000Z",
        "20261214T110000Z",
        "Weekly sync",
        "RECURRENCE-ID:20261214T100000Z",
        "STATUS:CANCELLED",
        "SEQUENCE:2",
        *people,
    )
    return vcalendar(master, moved, cancelled)


def invite(uid: str, me: str, organizer: str = "boss@example.test") -> str:
    return single(
        uid,
        "Invitation",
        "20261202T090000Z",
        f"ORGANIZER;CN=Boss:mailto:{organizer}",
        f"ATTENDEE;CN=Me;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{me}",
        "ATTENDEE;CN=Other;PARTSTAT=ACCEPTED:mailto:other@example.test",
        "LOCATION:https://telemost.yandex.ru/j/12345",
    )


def moscow_daily(uid: str, me: str) -> str:
    """A daily series in Europe/Moscow (with its VTIMEZONE), as Mail.ru stores them."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:Europe/Moscow\r\nBEGIN:STANDARD\r\n"
        "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n"
        "TZNAME:MSK\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        + vevent(
            uid,
            "20261201T100000",
            "20261201T110000",
            "Daily MSK",
            "RRULE:FREQ=DAILY;COUNT=3",
            "ORGANIZER:mailto:boss@example.test",
            f"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{me}",
        )
        .replace("DTSTART:", "DTSTART;TZID=Europe/Moscow:")
        .replace("DTEND:", "DTEND;TZID=Europe/Moscow:")
        + "END:VCALENDAR\r\n"
    )
