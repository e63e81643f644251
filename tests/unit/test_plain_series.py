"""A plain series expanded without recurring_ical_events gives exactly what it gives.

Each object is expanded twice, with the plain path (caldav/plain_series.py) and with it
turned off, over several windows; the occurrences must be equal field by field. On the
real-world corpus (tests/data/ics) and on generated series: zones with and without DST,
every frequency, intervals, COUNT and UNTIL, BYDAY / BYMONTHDAY / BYMONTH, EXDATEs in the
event's zone and in UTC, DTEND / DURATION / neither, relative and absolute alarms, and
DTSTART off the rule.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calendar_bot.caldav import expansion
from calendar_bot.caldav.ical import parse_object
from calendar_bot.caldav.plain_series import plain_master
from calendar_bot.domain.model import ExpansionScope, Occurrence, TimeWindow

CORPUS = Path(__file__).resolve().parents[1] / "data" / "ics"


def _both(
    text: str, window: TimeWindow, tz: str = "Europe/Moscow"
) -> tuple[list[Occurrence], list[Occurrence]]:
    parsed = parse_object(text, "x.ics")
    scope = ExpansionScope(window, "me@example.test", tz)
    fast = expansion.expand(parsed, scope, calendar_href="/c/", event_href="/c/x.ics")
    original = expansion.plain_master
    expansion.plain_master = lambda _calendar: None  # type: ignore[assignment]
    try:
        slow = expansion.expand(parsed, scope, calendar_href="/c/", event_href="/c/x.ics")
    finally:
        expansion.plain_master = original
    return fast, slow


def _windows(starts: list[datetime]) -> list[TimeWindow]:
    """Windows of 16 days around and after each start, as polls would see them."""
    out = []
    for start in starts:
        for offset in (-3, 0, 5, 40, 200, 400):
            begin = start + timedelta(days=offset, hours=offset % 7)
            out.append(TimeWindow(begin, begin + timedelta(days=16)))
    return out


def _starts_of(text: str) -> list[datetime]:
    parsed = parse_object(text, "x.ics")
    found = []
    for series in parsed.series:
        for event in series.calendar.walk("VEVENT"):
            value = getattr(event.get("DTSTART"), "dt", None)
            if isinstance(value, datetime):
                found.append(value if value.tzinfo else value.replace(tzinfo=UTC))
    return found[:3] or [datetime(2026, 1, 1, tzinfo=UTC)]


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.ics")))
def test_the_corpus_expands_the_same(name: str) -> None:
    text = (CORPUS / name).read_text(encoding="utf-8", errors="replace")
    for window in _windows(_starts_of(text)):
        fast, slow = _both(text, window)
        assert fast == slow, (name, window)


ZONES = ("UTC", "Europe/Moscow", "Europe/Berlin", "America/New_York", "Australia/Sydney")
RULES = (
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=2",
    "FREQ=DAILY;COUNT=10",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;COUNT=10",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;BYDAY=TU,TH;WKST=SU",
    "FREQ=WEEKLY;BYDAY=SA;COUNT=3",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "FREQ=MONTHLY;INTERVAL=3;COUNT=5",
)


def _generated(rng: random.Random) -> tuple[str, datetime]:
    zone = rng.choice(ZONES)
    # around the DST changes of both hemispheres, at times that fall into their gaps too
    day = datetime(2026, rng.choice((3, 4, 10, 11)), rng.randint(1, 28))
    start = day.replace(hour=rng.choice((0, 1, 2, 3, 9, 23)), minute=rng.choice((0, 30)))
    aware = start.replace(tzinfo=ZoneInfo(zone))
    stamp = start.strftime("%Y%m%dT%H%M%S")
    dtstart = f"DTSTART:{stamp}Z" if zone == "UTC" else f"DTSTART;TZID={zone}:{stamp}"
    rule = rng.choice(RULES)
    if "COUNT" not in rule and rng.random() < 0.4:
        until = (aware + timedelta(days=rng.randint(5, 120))).astimezone(UTC)
        rule += f";UNTIL={until.strftime('%Y%m%dT%H%M%SZ')}"
    length = timedelta(minutes=rng.choice((0, 30, 45, 90, 60 * 26)))
    lines = [dtstart, f"RRULE:{rule}"]
    ending = rng.choice(("dtend", "dtend-utc", "duration", "none"))
    if ending == "dtend":
        end = (start + length).strftime("%Y%m%dT%H%M%S")
        lines.append(f"DTEND:{end}Z" if zone == "UTC" else f"DTEND;TZID={zone}:{end}")
    elif ending == "dtend-utc":
        lines.append(f"DTEND:{(aware + length).astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}")
    elif ending == "duration":
        lines.append(f"DURATION:PT{int(length.total_seconds() // 60)}M")
    for k in range(rng.choice((0, 0, 1, 2))):
        skipped = aware + timedelta(days=7 * (k + 1))
        if rng.random() < 0.5:
            lines.append(f"EXDATE:{skipped.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}")
        elif zone != "UTC":
            lines.append(f"EXDATE;TZID={zone}:{skipped.strftime('%Y%m%dT%H%M%S')}")
    alarm = rng.choice(
        (
            "",
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n",
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER;RELATED=END:-PT5M\r\n"
            "END:VALARM\r\n",
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n"
            "TRIGGER;VALUE=DATE-TIME:20260301T080000Z\r\nEND:VALARM\r\n",
        )
    )
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        "UID:generated-1\r\nDTSTAMP:20260101T000000Z\r\n"
        + "".join(line + "\r\n" for line in lines)
        + "SUMMARY:Standup\r\nORGANIZER;CN=Boss:mailto:boss@example.test\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.test\r\n"
        "DESCRIPTION:Join https://telemost.yandex.ru/j/123\r\n"
        + alarm
        + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return text, aware


def test_generated_series_expand_the_same() -> None:
    rng = random.Random(20261203)
    plain = 0
    for _ in range(300):
        text, start = _generated(rng)
        if all(plain_master(s.calendar) is not None for s in parse_object(text).series):
            plain += 1
        for tz in ("Europe/Moscow", "America/New_York"):
            for window in _windows([start.astimezone(UTC)]):
                fast, slow = _both(text, window, tz)
                assert fast == slow, (text, window, tz)
    assert plain > 250  # nearly all of them took the plain path


def test_what_is_not_plain_is_left_to_recurring_ical_events() -> None:
    def master(*lines: str) -> str:
        body = "".join(line + "\r\n" for line in lines)
        return (
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n"
            + body
            + "END:VEVENT\r\nEND:VCALENDAR\r\n"
        )

    def is_plain(text: str) -> bool:
        (series,) = parse_object(text).series
        return plain_master(series.calendar) is not None

    assert is_plain(master("DTSTART:20260105T090000Z", "RRULE:FREQ=WEEKLY"))
    assert not is_plain(master("DTSTART:20260105T090000Z"))  # no rule
    assert not is_plain(master("DTSTART:20260105T090000", "RRULE:FREQ=WEEKLY"))  # floating
    assert not is_plain(master("DTSTART;VALUE=DATE:20260105", "RRULE:FREQ=WEEKLY"))  # all day
    assert not is_plain(
        master("DTSTART:20260105T090000Z", "RRULE:FREQ=WEEKLY", "RDATE:20260107T090000Z")
    )
    assert not is_plain(master("DTSTART:20260105T090000Z", "RRULE:FREQ=WEEKLY;BYSETPOS=1"))
    assert not is_plain(
        master("DTSTART:20260105T090000Z", "RRULE:FREQ=WEEKLY", "EXDATE;VALUE=DATE:20260112")
    )
    assert not is_plain(
        master("DTSTART:20260105T090000Z", "DTEND:20260105T080000Z", "RRULE:FREQ=WEEKLY")
    )
    assert not is_plain(
        master("DTSTART:20260105T090000Z", "RRULE:FREQ=WEEKLY;UNTIL=20260301")
    )  # UNTIL a date under a zoned start: recurring_ical_events mends it
