"""iCalendar -> Occurrence details not covered by the corpus (pure, no server)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from calendar_bot.caldav.expansion import occurrences_from_text
from calendar_bot.caldav.ical import parse_object
from calendar_bot.domain.model import Occurrence, PartStat, TimeWindow
from tests.caldav.samples import vcalendar, vevent

WINDOW = TimeWindow(datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def one(text: str, **kw: str) -> list[Occurrence]:
    return occurrences_from_text(text, WINDOW, **kw)


def test_windows_zone_name_without_vtimezone() -> None:
    text = vcalendar(
        vevent("w", "20261201T100000", "20261201T110000", "MSK")
        .replace("DTSTART:", "DTSTART;TZID=Russian Standard Time:")
        .replace("DTEND:", "DTEND;TZID=Russian Standard Time:")
    )
    (o,) = one(text, default_tz="America/New_York")
    assert o.start == datetime(2026, 12, 1, 7, tzinfo=UTC)  # Moscow, not the user's zone


def test_x_alt_desc_only_when_there_is_no_description() -> None:
    html = "X-ALT-DESC;FMTTYPE=text/html:<p>Hello <b>there</b></p>"
    with_both = vcalendar(
        vevent("a", "20261201T100000Z", "20261201T110000Z", "A", "DESCRIPTION:Plain text", html)
    )
    only_alt = vcalendar(vevent("b", "20261201T100000Z", "20261201T110000Z", "B", html))
    assert one(with_both)[0].description == "Plain text"
    assert one(only_alt)[0].description == "Hello there"


def test_alarm_related_to_end_and_after_start_ignored() -> None:
    alarms = (
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER;RELATED=END:-PT90M\r\nEND:VALARM",
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:PT5M\r\nEND:VALARM",
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-P1D\r\nEND:VALARM",
    )
    (o,) = one(vcalendar(vevent("a", "20261201T100000Z", "20261201T110000Z", "A", *alarms)))
    assert o.alarm_minutes == (30, 1440)


def test_a_broken_event_is_skipped_and_the_others_parse(
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = vevent("good", "20261201T100000Z", "20261201T110000Z", "Good")
    broken = vevent(
        "broken", "20261202T100000Z", "20261202T110000Z", "Broken", "RRULE:FREQ=SOMETIMES"
    )
    with caplog.at_level(logging.WARNING):
        occ = one(vcalendar(good, broken), event_href="/cal/x.ics")
    assert [o.title for o in occ] == ["Good"]
    assert "broken" in caplog.text and "/cal/x.ics" in caplog.text


def test_garbage_never_raises() -> None:
    for junk in ("", "not a calendar", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", "\x00\xff" * 10):
        assert one(junk) == []
    assert parse_object("BEGIN:VEVENT\r\nEND:VEVENT").series[0].uid.startswith("nouid-")


def test_my_partstat_and_organizer_are_matched_case_insensitively() -> None:
    text = vcalendar(
        vevent(
            "p",
            "20261201T100000Z",
            "20261201T110000Z",
            "P",
            "ORGANIZER;CN=Me:MAILTO:Me@Mail.RU",
            "ATTENDEE;CN=Me;PARTSTAT=ACCEPTED:mailto:ME@mail.ru",
            "ATTENDEE;CN=Other;PARTSTAT=TENTATIVE:mailto:other@mail.ru",
        )
    )
    (o,) = one(text, user_email="me@MAIL.ru")
    assert o.i_am_organizer and o.my_partstat is PartStat.ACCEPTED
    assert [(a.email, a.name) for a in o.attendees] == [
        ("me@mail.ru", "Me"),
        ("other@mail.ru", "Other"),
    ]


def test_join_link_prefers_a_provider_in_conference_over_a_plain_url() -> None:
    text = vcalendar(
        vevent(
            "j",
            "20261201T100000Z",
            "20261201T110000Z",
            "J",
            "URL:https://intranet.example/meeting-page",
            "CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://telemost.yandex.ru/j/42",
            "DESCRIPTION:Agenda at https://docs.example/agenda",
        )
    )
    assert one(text)[0].join_url == "https://telemost.yandex.ru/j/42"


def test_multi_day_all_day_event_overlapping_the_window_start() -> None:
    text = vcalendar(
        "BEGIN:VEVENT\r\nUID:v\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20261030\r\n"
        "DTEND;VALUE=DATE:20261103\r\nSUMMARY:Vacation\r\nEND:VEVENT\r\n"
    )
    (o,) = one(text, default_tz="Europe/Moscow")
    assert o.all_day and o.start == datetime(2026, 10, 30, tzinfo=UTC)
    assert o.duration == timedelta(days=4)


def test_every_occurrence_of_a_series_carries_its_one_rule() -> None:
    master = vevent(
        "s", "20261130T090000Z", "20261130T093000Z", "Sync", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE"
    )
    moved = vevent(
        "s", "20261202T100000Z", "20261202T103000Z", "Sync", "RECURRENCE-ID:20261202T090000Z"
    )
    occ = one(vcalendar(master, moved))
    assert len(occ) > 2
    assert {o.rrule for o in occ} == {"FREQ=WEEKLY;BYDAY=MO,WE"}  # the override too
    two_rules = vevent(
        "t", "20261130T090000Z", "20261130T093000Z", "T", "RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY"
    )
    single = vevent("u", "20261130T090000Z", "20261130T093000Z", "U")
    assert {o.rrule for o in one(vcalendar(two_rules))} == {""}  # no one rule to put in words
    assert [o.rrule for o in one(vcalendar(single))] == [""]
