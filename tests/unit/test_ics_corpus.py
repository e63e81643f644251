"""Every real-world iCalendar file in tests/data/ics parses, with expected occurrences.

Expectations were worked out by reading each file (zones, rules, overrides), not copied
from the code's output. Times are UTC; floating times are read in the `tz` given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from calendar_bot.caldav.expansion import occurrences_from_text
from calendar_bot.domain.model import EventStatus, Occurrence, PartStat, TimeWindow

CORPUS = Path(__file__).resolve().parents[1] / "data" / "ics"  # vendored: see SOURCES.md there
ALL_FILES = sorted(p.name for p in CORPUS.glob("*.ics"))

C, X = EventStatus.CONFIRMED, EventStatus.CANCELLED


def utc(text: str) -> datetime:
    """'2026-01-02 03:04' -> aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    file: str
    window: tuple[str, str]
    # (title, start UTC) of every occurrence in the window, in start order; None skips it
    expected: list[tuple[str, str]] | None = None
    count: int | None = None
    tz: str = "Europe/Moscow"
    email: str = ""
    check: Callable[[list[Occurrence]], None] = field(default=lambda occ: None)
    only_title: str = ""  # look only at occurrences with this title


def _statuses(*expected: EventStatus) -> Callable[[list[Occurrence]], None]:
    def check(occ: list[Occurrence]) -> None:
        assert [o.status for o in occ] == list(expected)

    return check


def _all(*checks: Callable[[list[Occurrence]], None]) -> Callable[[list[Occurrence]], None]:
    def check(occ: list[Occurrence]) -> None:
        for one in checks:
            one(occ)

    return check


def _apple_ical15_orphan(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.recurring and o.recurrence_id == "20040315T173000Z"
    assert o.duration == timedelta(hours=2, minutes=15)


def _apple_ios(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.end == utc("2026-05-22 08:40")
    assert o.location == "Hauptstraße 1-5; 4041 Linz"
    assert o.description == "Passwesen\nAntrag auf ID Austria"
    assert not o.recurring and o.recurrence_id == ""


def _no_alarm(occ: list[Occurrence]) -> None:
    # absolute triggers in 1976: a stale copy, not a lead before the meeting
    assert all(o.alarm_minutes == () for o in occ)


def _apple_status(occ: list[Occurrence]) -> None:
    assert [o.status for o in occ] == [EventStatus.TENTATIVE, C, X, C]
    # the cancelled one's attendee has PARTSTAT=cancelled: unknown, read as NEEDS-ACTION
    assert occ[2].my_partstat is PartStat.NEEDS_ACTION
    assert occ[0].my_partstat is None  # the user is not invited to that one
    assert occ[2].organizer is not None and occ[2].organizer.email == "cancelled@example.com"


def _blackberry(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.all_day and o.end == utc("2012-08-15 00:00")
    assert o.my_partstat is PartStat.NEEDS_ACTION  # matched case-insensitively
    assert o.organizer is not None and o.organizer.email == "rembrand@daxlab.com"
    assert [a.name for a in o.attendees] == ["RembrandXS", "RembrandDX", "RembrandSB"]
    assert o.sequence == 2


def _confluence(occ: list[Occurrence]) -> None:
    assert all(o.all_day and o.duration == timedelta(days=1) for o in occ)
    assert [o.recurrence_id for o in occ] == ["20190207", "20190214", "20190321", "20190328"]
    assert occ[0].organizer is not None and occ[0].organizer.name == "Fred Bloggs"


def _rdate_only(occ: list[Occurrence]) -> None:
    assert len({o.uid for o in occ}) == 1 and occ[0].uid.startswith("nouid-")
    assert all(o.recurring and o.duration == timedelta(hours=2) for o in occ)
    assert occ[-1].start == utc("2014-07-05 19:00")
    assert occ[0].location == "mumble.openspeak.cc port: 64747"


def _davx5_daily(occ: list[Occurrence]) -> None:
    by_rid = {o.recurrence_id: o for o in occ}
    assert by_rid["20231225T180000Z"].start == utc("2023-12-25 21:15")
    assert by_rid["20231227T180000Z"].end == utc("2023-12-27 23:30")
    assert "20231222T180000Z" not in by_rid  # EXDATE


def _davx5_weekly(occ: list[Occurrence]) -> None:
    assert all(o.duration == timedelta(hours=1, minutes=30) for o in occ)
    assert occ[-1].recurrence_id == "20200204T151500Z"  # the RDATE past UNTIL


def _itip_cancel(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.status is X  # METHOD:CANCEL
    assert o.my_partstat is PartStat.ACCEPTED and o.sequence == 2
    assert o.organizer is not None and o.organizer.email == "organizer@no.where"


def _weekdays_only(occ: list[Occurrence]) -> None:
    assert all(o.start.weekday() < 5 for o in occ)
    assert occ[-1].start == utc("2015-07-22 08:00")
    assert len({o.uid for o in occ}) == 1  # no UID: one synthetic UID for the series


def _cdo_escapes(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.end == utc("2004-10-12 07:00")
    assert o.description == "How about this description?\n\n--meher"
    assert o.alarm_minutes == (15,)
    assert o.location == "Test Location"
    assert [a.email for a in o.attendees] == ["tendjoukian@yahoo.de", "meher.t@gmail.com"]


def _allday_moved(occ: list[Occurrence]) -> None:
    assert all(o.all_day for o in occ)
    assert [o.recurrence_id for o in occ] == [
        "20200402",
        "20200409",
        "20200416",  # moved to Apr 17; Exchange gave the RECURRENCE-ID as local midnight
        "20200423",
        "20200430",
    ]


def _blank_tzid(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.end == utc("2015-08-26 10:00")
    assert o.location == "17 Commerce Crescent,Eastgate"
    assert o.description == "This event has been changed"
    assert o.sequence == 1 and len(o.attendees) == 2


def _owa(occ: list[Occurrence]) -> None:
    # "(GMT+10:00) Canberra, Melbourne, Sydney" with no VTIMEZONE: AEDT, UTC+11 in October
    assert occ[0].end == utc("2020-10-28 04:00")


def _bluejeans(occ: list[Occurrence]) -> None:
    assert all(o.join_url == "https://bluejeans.com/7999979999" for o in occ)
    assert all(o.end - o.start == timedelta(minutes=30) for o in occ)


def _orphan_reply(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.recurring and o.recurrence_id == "20180428T080000Z"
    assert o.location == "Room 2"


def _bern(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.alarm_minutes == (15,) and o.location == "Room 101"


def _moscow_cyrillic(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.alarm_minutes == (15,)
    assert "Челов ек Тестовый" in [a.name for a in o.attendees] or any(
        a.name.startswith("Челов") for a in o.attendees
    )
    assert o.organizer is not None and o.organizer.name == "Chumakov Alexander"


def _weekly_override(occ: list[Occurrence]) -> None:
    moved = occ[1]
    # the override's RECURRENCE-ID says local midnight; it is the Apr 28 11:00 instance
    assert moved.recurrence_id == "20180428T080000Z"
    assert moved.alarm_minutes == ()  # the override has no VALARM of its own
    assert occ[0].alarm_minutes == (15,)
    assert occ[0].location == "Room 2"
    assert {a.email for a in occ[0].attendees} >= {"w5292c@outlook.com", "alnn@outlook.com"}


def _zoom_unescaped(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.join_url == "https://zoom.us/j/XXXXXXXXXXXX?pwd=XXXXXXXXXXXXX"
    assert o.alarm_minutes == (15,)
    assert o.description.startswith("Dear Team,")
    assert "Passcode: XXXXXXX" in o.description
    assert "Find your local number: https://zoom.us/u/XXXXXXX" in o.description


def _allday_daily_moved(occ: list[Occurrence]) -> None:
    assert [o.recurrence_id for o in occ] == ["20241027", "20241029", "20241028"]
    assert all(o.all_day and o.duration == timedelta(days=1) for o in occ)


def _meet(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.join_url == "https://meet.google.com/xxx-xxxx-xxx"
    assert o.my_partstat is PartStat.DECLINED
    assert o.end == utc("2022-03-01 18:30")


def _karaoke(occ: list[Occurrence]) -> None:
    assert [o.recurrence_id for o in occ] == [
        "20211126T203000Z",
        "20211231T203000Z",  # moved to Dec 17
        "20220128T203000Z",
    ]
    assert all(o.duration == timedelta(0) for o in occ)
    assert all("<a" not in o.description for o in occ)
    assert occ[0].join_url is None  # a link in the description, not a video call


def _zoom_html(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.join_url == (
        "https://videoconf-colibri.zoom.us/j/93800310242?pwd=K3FBUVJUV2hrTm1OR2RWb0ZabTJkZz09"
    )
    assert "<" not in o.description and "zoom.us/j/93800310242" in o.description
    assert o.end == utc("2020-09-21 12:00")


def _kde(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.join_url == "https://corp.kde.example/call/efi83r28"  # from CONFERENCE
    assert o.organizer is not None and o.organizer.name == "Daniel Vrátil"
    assert [a.email for a in o.attendees] == ["konqi@kde.example", "kate@kde.example"]


def _khal(occ: list[Occurrence]) -> None:
    assert occ[1].recurrence_id == "20140707T050000Z"
    assert occ[2].recurrence_id == "20140714T050000Z" and occ[2].status is X


def _korganizer(occ: list[Occurrence]) -> None:
    by_title = {o.title: o for o in occ}
    multi = by_title["Multi-Day Event"]
    assert multi.end == utc("2003-12-11 09:30") and multi.alarm_minutes == (2400,)
    two_day = by_title["Two-day all day event recurring twice every second month"]
    assert two_day.all_day and two_day.duration == timedelta(days=2)
    full = by_title["Full Info"]
    assert full.alarm_minutes == (120,) and full.location == "location"


def _thisandfuture_orphan(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.recurrence_id == "20050519T084500Z" and o.end == utc("2005-05-19 13:15")


def _groupwise(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.location == "CET Meeting Room"
    assert o.organizer is not None and o.organizer.email == "jane.doe@university.edu"
    assert o.attendees[0].email == "cet meeting room@university.edu"  # kept, not guessed


def _invalid_datetime(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.location == "中华人民共和国"
    assert o.attendees[0].name == "Cyrus Daboo"
    assert o.attendees[0].email == "opaque-token-1234@example.com"


def _holidays(occ: list[Occurrence]) -> None:
    assert all(o.all_day for o in occ)
    assert occ[1].end == utc("2026-01-06 00:00")  # Jan 2..5


def _floating_mozilla(occ: list[Occurrence]) -> None:
    assert occ[-1].all_day and not occ[0].all_day
    assert occ[0].end == utc("2004-05-10 15:00")


def _sabredav(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.all_day and o.end == utc("2018-08-11 00:00")
    assert o.join_url is None  # only a plain-http URL


def _ns_trains(occ: list[Occurrence]) -> None:
    assert [o.alarm_minutes for o in occ] == [(120,), (120,)]  # "PT-2H" read as -PT2H
    assert occ[0].end == utc("2023-02-03 17:06")
    assert occ[0].join_url is None  # the URL property: a ticket page, not a video call


def _standup(occ: list[Occurrence]) -> None:
    assert all(o.alarm_minutes == (5,) for o in occ)


def _outlook_allday(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.all_day and o.alarm_minutes == (1080,)
    assert o.location.startswith("The Exceptionally Long Named Meeting Room Whose Name Wraps")


def _point_event(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.end == o.start and o.title == ""


def _livemeeting(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.join_url is not None and o.join_url.startswith("https://www.livemeeting.com/cc/")
    assert o.alarm_minutes == (15,)


def _podio(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.location == "online"
    assert o.join_url is None  # a link to a Podio task, not a video call
    assert "<" not in o.description


def _thisandfuture(occ: list[Occurrence]) -> None:
    by_rid = {o.recurrence_id: o for o in occ}
    assert by_rid["20240915T120000Z"].end == utc("2024-09-15 19:00")
    assert by_rid["20240917T120000Z"].end == utc("2024-09-17 16:00")  # 7 h from THISANDFUTURE
    assert by_rid["20240914T090000Z"].start == utc("2024-09-14 06:00")  # the shifted RDATE
    assert len(by_rid) == len(occ)  # every instance keeps its own key


def _tb_absolute(occ: list[Occurrence]) -> None:
    (o,) = occ
    assert o.alarm_minutes == (1260,)  # absolute trigger the day before, 21 h


def _tb_moved(occ: list[Occurrence]) -> None:
    edited = [o for o in occ if o.title == "test7 - edited"]
    assert len(edited) == 1 and edited[0].location == "location"
    assert edited[0].recurrence_id == "20190319T030000Z"


def _tb_cancelled(occ: list[Occurrence]) -> None:
    assert occ[0].location == "Some place, Some where"


CASES: list[Case] = [
    Case(
        "apple-ical15-broken-vtimezone-duration-orphan-recurrence-id.ics",
        ("2003-10-29", "2003-10-30"),
        [("consulat Neerlandais", "2003-10-29 08:00")],
        check=lambda occ: None if occ[0].end == utc("2003-10-29 09:30") else pytest.fail("end"),
    ),
    Case(
        "apple-ical15-broken-vtimezone-duration-orphan-recurrence-id.ics",
        ("2004-03-15", "2004-03-16"),
        [("YES2", "2004-03-15 17:30")],
        check=_apple_ical15_orphan,
    ),
    Case(
        "apple-ios-structured-location-escaped-semicolon.ics",
        ("2026-01-01", "2027-01-01"),
        [("Antrag auf ID Austria", "2026-05-22 08:30")],
        check=_apple_ios,
    ),
    Case(
        "apple-macos-cyrillic-summary-lmt-offset-absolute-alarm.ics",
        ("2018-01-01", "2019-01-01"),
        [("ня — 2", "2018-04-20 09:00")],
        check=_no_alarm,
    ),
    Case(
        "apple-macos-status-tentative-cancelled-bad-partstat.ics",
        ("2022-07-01", "2022-07-10"),
        [
            ("Tentative", "2022-07-04 23:00"),
            ("Confirmed", "2022-07-05 16:00"),
            ("Cancelled", "2022-07-06 20:00"),
            ("No Status", "2022-07-07 16:00"),
        ],
        email="Cancelled@Example.com",
        check=_apple_status,
    ),
    Case(
        "blackberry-bis-request-allday-meeting.ics",
        ("2012-08-01", "2012-09-01"),
        [("Test meeting from BB", "2012-08-14 00:00")],
        email="REMBRAND@xs4all.nl",
        check=_blackberry,
    ),
    Case(
        "confluence-allday-weekly-exdates-nonstandard-props.ics",
        ("2019-02-01", "2019-03-31"),
        [
            ("WfH", "2019-02-07 00:00"),
            ("WfH", "2019-02-14 00:00"),
            ("WfH", "2019-03-21 00:00"),
            ("WfH", "2019-03-28 00:00"),
        ],
        check=_confluence,
    ),
    Case(
        "data-ical-rdate-only-series.ics",
        ("2013-01-01", "2015-01-01"),
        count=12,
        check=_rdate_only,
    ),
    Case(
        "davx5-daily-infinite-exdates-overrides-calendarserver.ics",
        ("2023-12-20", "2023-12-29"),
        [
            ("TV Room", "2023-12-20 18:00"),
            ("TV Room", "2023-12-21 18:00"),
            ("TV Room", "2023-12-23 18:00"),
            ("TV Room", "2023-12-24 18:00"),
            ("TV Room", "2023-12-25 21:15"),
            ("TV Room", "2023-12-26 18:00"),
            ("TV Room", "2023-12-27 20:30"),
            ("TV Room", "2023-12-28 18:00"),
        ],
        check=_davx5_daily,
    ),
    Case(
        "davx5-weekly-rdate-exdate-list-duration.ics",
        ("2019-10-01", "2020-03-01"),
        [
            ("Test", "2019-10-29 15:15"),
            ("Test", "2019-11-12 15:15"),
            ("Test", "2019-12-10 15:15"),
            ("Test", "2020-01-07 15:15"),
            ("Test", "2020-01-14 15:15"),
            ("Test", "2020-01-21 15:15"),
            ("Test", "2020-01-28 15:15"),
            ("Test", "2020-02-04 15:15"),
        ],
        check=_davx5_weekly,
    ),
    Case(
        "evolution-floating-time.ics",
        ("2007-01-27", "2007-01-28"),
        [("Nominal is 1200 to 1230 _GMT_ on 27 Jan 2007", "2007-01-27 12:00")],
        tz="Europe/London",
    ),
    Case(  # the same floating time, read in a Moscow user's zone
        "evolution-floating-time.ics",
        ("2007-01-27", "2007-01-28"),
        [("Nominal is 1200 to 1230 _GMT_ on 27 Jan 2007", "2007-01-27 09:00")],
    ),
    Case(
        "evolution-itip-cancel.ics",
        ("2017-03-01", "2017-04-01"),
        [("Invite (modified)", "2017-03-21 13:00")],
        email="USER@no.where",
        check=_itip_cancel,
    ),
    Case(
        "exchange-cdo-request-rrule-byday-with-spaces.ics",
        ("2015-07-01", "2015-08-01"),
        count=14,
        check=_weekdays_only,
    ),
    Case(
        "exchange-cdo-request-uppercase-N-escape-bad-trigger.ics",
        ("2004-10-01", "2004-11-01"),
        [("Now with descriptoin", "2004-10-12 05:30")],
        check=_cdo_escapes,
    ),
    Case(  # an orphan THISANDFUTURE override: its RDATE periods are not a series of its own
        "exchange-rdate-period-windows-tzid-thisandfuture.ics",
        ("2018-03-01", "2018-08-01"),
        [("Event", "2018-03-27 13:00")],
    ),
    Case(
        "exchange2010-allday-biweekly-moved-instances-gmt-standard-time.ics",
        ("2020-04-01", "2020-05-01"),
        [
            ("Refuse black bin", "2020-04-02 00:00"),
            ("Blue Recycle bin", "2020-04-09 00:00"),
            ("Refuse black bin", "2020-04-17 00:00"),
            ("Blue Recycle bin", "2020-04-23 00:00"),
            ("Refuse black bin", "2020-04-30 00:00"),
        ],
        tz="Europe/London",
        check=_allday_moved,
    ),
    Case(  # the blank TZID names a VTIMEZONE with offset +0000
        "exchange2010-blank-tzid.ics",
        ("2015-08-01", "2015-09-01"),
        [("", "2015-08-26 09:00")],
        check=_blank_tzid,
    ),
    Case(  # TZID given right, but its VTIMEZONE missing: the IANA name still resolves
        "exchange2010-evolution-roundtrip-lic-errors-missing-vtimezone.ics",
        ("2020-04-01", "2020-05-01"),
        [("Reoccur", "2020-04-26 12:00"), ("Reoccur", "2020-04-28 12:00")],
    ),
    Case(
        "exchange2010-owa-tzid-without-vtimezone-no-uid.ics",
        ("2020-10-28", "2020-10-29"),
        [("TEST Syd", "2020-10-28 02:30"), ("TEST", "2020-10-28 17:30")],
        check=_owa,
    ),
    Case(  # the event whose TZID swallowed its value in quotes is repaired
        "exchange2010-publish-windows-tz-names-exdate-list-broken-tzid.ics",
        ("2020-06-08", "2020-06-13"),
        [
            ("Log Yesterday's Jira time", "2020-06-09 07:00"),
            ("Log Yesterday's Jira time", "2020-06-10 07:00"),
            ("Log Yesterday's Jira time", "2020-06-11 07:00"),
            ("Log Yesterday's Jira time", "2020-06-12 07:00"),
        ],
    ),
    Case(  # Pacific Standard Time series: Jul 21 and 23 are EXDATEs
        "exchange2010-publish-windows-tz-names-exdate-list-broken-tzid.ics",
        ("2020-07-20", "2020-07-25"),
        [("Not the actual summary either", "2020-07-24 19:00")],
        only_title="Not the actual summary either",
        check=_bluejeans,
    ),
    Case(
        "exchange2010-reply-russian-standard-time-occurrence-accepted-ru.ics",
        ("2018-04-28", "2018-04-29"),
        [("Принято: NHR_2018-04-20_15-51_WEEKLY", "2018-04-28 09:00")],
        check=_orphan_reply,
    ),
    Case(
        "exchange2010-request-bern-dst-folded-dtstart-value.ics",
        ("2018-04-01", "2018-04-02"),
        [("Bern A1", "2018-04-01 11:00")],
        check=_bern,
    ),
    Case(
        "exchange2010-request-moscow-utc0300-tzid-cyrillic-attendee.ics",
        ("2018-03-11", "2018-03-12"),
        [("Test S2", "2018-03-11 17:00")],
        check=_moscow_cyrillic,
    ),
    Case(
        "exchange2010-request-russian-standard-time-single-occurrence.ics",
        ("2018-04-28", "2018-04-29"),
        [("NHR_2018-04-20_15-51_WEEKLY", "2018-04-28 09:00")],
        check=lambda occ: (
            None
            if occ[0].recurrence_id == "20180428T080000Z" and occ[0].alarm_minutes == (15,)
            else pytest.fail(repr(occ[0]))
        ),
    ),
    Case(
        "exchange2010-request-russian-standard-time-weekly-with-override.ics",
        ("2018-04-20", "2018-05-27"),
        [
            ("NHR_2018-04-20_15-51_WEEKLY", "2018-04-21 08:00"),
            ("NHR_2018-04-20_15-51_WEEKLY", "2018-04-28 09:00"),  # override, title inherited
            ("NHR_2018-04-20_15-51_WEEKLY", "2018-05-05 08:00"),
            ("NHR_2018-04-20_15-51_WEEKLY", "2018-05-12 08:00"),
            ("NHR_2018-04-20_15-51_WEEKLY", "2018-05-19 08:00"),
            ("NHR_2018-04-20_15-51_WEEKLY", "2018-05-26 08:00"),  # UNTIL is inclusive
        ],
        check=_weekly_override,
    ),
    # Floating DTSTART with a UTC UNTIL (an Exchange bug): recurring-ical-events compares
    # UNTIL as wall time, so the Oct 7 10:00 instance is past "08:00" and dropped.
    Case(
        "exchange2010-request-zoom-unescaped-multiline-description.ics",
        ("2024-09-01", "2024-11-01"),
        [("Team Meeting", "2024-09-23 08:00")],
        tz="Europe/Berlin",
        check=_zoom_unescaped,
    ),
    Case(
        "google-allday-daily-moved-instance-over-dst.ics",
        ("2024-10-26", "2024-11-01"),
        [
            ("test whole day moved", "2024-10-27 00:00"),
            ("test whole day moved", "2024-10-29 00:00"),
            ("test whole day moved", "2024-10-30 00:00"),
        ],
        tz="Europe/London",
        check=_allday_daily_moved,
    ),
    Case(  # two UID-less series; the empty EXDATE line of the second is dropped
        "google-empty-exdate-value-malformed.ics",
        ("2008-03-01", "2008-04-01"),
        count=40,
        tz="UTC",
        check=lambda occ: (
            None
            if all(o.start.day != 11 for o in occ) and len({o.uid for o in occ}) == 2
            else pytest.fail("EXDATE or UIDs wrong")
        ),
    ),
    Case(
        "google-four-alarms-email-and-display.ics",
        ("2024-10-01", "2024-11-01"),
        [("event with alarms", "2024-10-04 18:15")],
        check=lambda occ: (
            None
            if occ[0].alarm_minutes == (10, 14, 15)
            else pytest.fail(repr(occ[0].alarm_minutes))
        ),
    ),
    Case(
        "google-meet-invite-partstat-declined-comment-unfolded.ics",
        ("2022-03-01", "2022-03-02"),
        [("xxxxxxxxxxxxxxxx xxxxxxxx", "2022-03-01 17:00")],
        email="xxxxxx.xxxxxxxxxx@xxxxxxxxxxx.com",
        check=_meet,
    ),
    Case(
        "google-monthly-last-friday-override-before-master.ics",
        ("2021-11-01", "2022-02-01"),
        [
            ("Karaoke", "2021-11-26 20:30"),
            ("Karaoke", "2021-12-17 20:30"),
            ("Karaoke", "2022-01-28 20:30"),
        ],
        check=_karaoke,
    ),
    Case(
        "google-reply-to-exchange-invite.ics",
        ("2018-04-01", "2018-04-02"),
        [("Bern A1", "2018-04-01 11:00")],
    ),
    Case(
        "google-utc-events-x-wr-timezone-no-vtimezone.ics",
        ("2021-12-01", "2022-01-01"),
        [
            ("Google Calendar says this is noon to 1PM on 12/22/2021", "2021-12-22 17:00"),
            ("Google says this is 9PM to 10PM on 12/22/2021", "2021-12-23 02:00"),
        ],
    ),
    Case(  # CST from November; Nov 26 and 27 are EXDATEs
        "google-weekly-exdates-across-dst-chicago.ics",
        ("2020-11-23", "2020-11-28"),
        [("Event#1", "2020-11-23 14:15"), ("Event#1", "2020-11-24 14:15")],
        only_title="Event#1",
    ),
    Case(  # CDT in September: an hour earlier in UTC
        "google-weekly-exdates-across-dst-chicago.ics",
        ("2020-09-15", "2020-09-16"),
        [("Event#1", "2020-09-15 13:15")],
        only_title="Event#1",
    ),
    Case(
        "google-weekly-zoom-link-html-description.ics",
        ("2020-09-21", "2020-09-22"),
        [("MDS-t", "2020-09-21 10:30")],
        check=_zoom_html,
    ),
    Case(
        "google-yearly-exdate-moved-instance-apple-absolute-alarm.ics",
        ("2014-08-01", "2018-12-31"),
        [
            ("Vespers for the Feast of St. Joseph", "2014-08-02 01:30"),  # moved 30 min earlier
            ("Vespers for the Feast of St. Joseph", "2015-08-02 02:00"),
            ("Vespers for the Feast of St. Joseph", "2017-08-02 02:00"),  # 2016 is an EXDATE
            ("Vespers for the Feast of St. Joseph", "2018-08-02 02:00"),
        ],
        tz="America/Los_Angeles",
        check=_no_alarm,
    ),
    Case(
        "kde-conference-property-video-call.ics",
        ("2020-11-16", "2020-11-17"),
        [("Conference call with colleagues", "2020-11-16 14:00")],
        check=_kde,
    ),
    Case(
        "khal-moved-and-cancelled-instances-utc-recurrence-id.ics",
        ("2014-06-29", "2014-08-10"),
        [
            ("Arbeit", "2014-06-30 05:00"),
            ("Arbeit", "2014-07-07 07:00"),
            ("Arbeit", "2014-07-14 05:00"),
            ("Arbeit", "2014-07-21 05:00"),
            ("Arbeit", "2014-07-28 05:00"),
            ("Arbeit", "2014-08-04 05:00"),
        ],
        check=_all(_statuses(C, C, X, C, C, C), _khal),
    ),
    Case(
        "korganizer-multiday-alarms-attendee-chair-umlauts.ics",
        ("2003-12-08", "2003-12-14"),
        None,
        check=_korganizer,
    ),
    Case(
        "korganizer-thisandfuture-exception-without-master.ics",
        ("2005-05-01", "2005-06-01"),
        [("summaryException", "2005-05-19 09:45")],
        check=_thisandfuture_orphan,
    ),
    Case(
        "malformed-groupwise-mailto-with-space.ics",
        ("2008-12-01", "2009-01-01"),
        [("LT Team Meeting", "2008-12-17 07:30")],
        check=_groupwise,
    ),
    Case(  # "20131009T170000T": the stray T is dropped; floating, read in Moscow time
        "malformed-invalid-datetime-multilingual.ics",
        ("2013-10-01", "2013-11-01"),
        [("© äö — üß", "2013-10-09 13:00")],
        check=_invalid_datetime,
    ),
    Case(  # floating times despite the VTIMEZONE: the user's zone
        "malformed-leading-whitespace-floating-with-vtimezone.ics",
        ("2022-10-09", "2022-10-10"),
        [("Morgendienst", "2022-10-09 08:00")],
        tz="Europe/Berlin",
    ),
    Case(
        "malformed-sogo-geo-escaped-semicolon.ics",
        ("2022-10-01", "2022-11-01"),
        [("Summary", "2022-10-12 17:00")],
        check=lambda occ: (
            None
            if occ[0].location == "Some place" and occ[0].end == utc("2022-10-12 18:30")
            else pytest.fail(repr(occ[0]))
        ),
    ),
    Case(  # missing END lines are restored
        "malformed-truncated-missing-end.ics",
        ("2016-07-01", "2016-08-01"),
        [("Broken ICS END of VEVENT missing by accident", "2016-07-27 15:00")],
        check=lambda occ: (
            None if occ[0].end == utc("2016-07-27 20:30") else pytest.fail(repr(occ[0].end))
        ),
    ),
    Case(  # a bare VEVENT without DTSTART: nothing to show, nothing raised
        "malformed-vevent-fragment-cyrillic-escaped-param.ics",
        ("1990-01-01", "2030-01-01"),
        [],
    ),
    Case(
        "mozilla-russian-holidays-allday-yearly.ics",
        ("2026-01-01", "2026-01-10"),
        [
            ("Новый год", "2026-01-01 00:00"),
            ("Новогодние каникулы", "2026-01-02 00:00"),
            ("Рождество Христово", "2026-01-07 00:00"),
        ],
        check=_holidays,
    ),
    Case(
        "mozilla1-floating-times-allday-blank-lines.ics",
        ("2004-05-01", "2004-06-01"),
        [
            ("Dental Exam", "2004-05-10 13:00"),  # floating 09:00 in New York (EDT)
            ("Convivium at 2707 Anderson Dr, Raleigh, 27608", "2004-05-16 20:00"),
            ("Performance with Anne", "2004-05-23 17:00"),
            ("Yemassee Graduation", "2004-05-28 00:00"),
        ],  # the VTODO is not an event
        tz="America/New_York",
        check=_floating_mozilla,
    ),
    Case(  # VALUE=DATE with a TZID: still an all-day event
        "nextcloud-sabredav-multiday-allday-tzid-on-date.ics",
        ("2018-07-01", "2018-09-01"),
        [("Sommerferien Sachsen", "2018-07-02 00:00")],
        check=_sabredav,
    ),
    Case(
        "ns-international-train-ticket-bad-trigger-sign.ics",
        ("2023-02-01", "2023-03-01"),
        [
            ("Trip from Utrecht to Bruxelles Central/Brussel Centraal", "2023-02-03 14:15"),
            ("Trip from Bruxelles Central/Brussel Centraal to Utrecht", "2023-02-06 08:50"),
        ],
        check=_ns_trains,
    ),
    Case(
        "outlook-brasilia-nonascii-tzid-no-uid.ics",
        ("2017-05-11", "2017-05-12"),
        [("", "2017-05-11 16:30")],
        check=lambda occ: (
            None
            if occ[0].uid.startswith("nouid-") and occ[0].end == utc("2017-05-11 17:00")
            else pytest.fail(repr(occ[0]))
        ),
    ),
    Case(  # Sydney in March is UTC+11: 09:30 local is 22:30Z the day before
        "outlook2003-weekday-standup-localized-tzid.ics",
        ("2009-03-09", "2009-03-14"),
        [
            ("Standup", "2009-03-09 22:30"),
            ("Standup", "2009-03-10 22:30"),
            ("Standup", "2009-03-11 22:30"),
            ("Standup", "2009-03-12 22:30"),
        ],
        check=_standup,
    ),
    Case(
        "outlook2007-allday-x-alt-desc-html-tab-folding-resource-attendee.ics",
        ("2009-06-01", "2009-07-01"),
        [("Example Calendar Export that Blows Up DDay.iCal", "2009-06-21 00:00")],
        check=_outlook_allday,
    ),
    Case(  # a Cyrillic TZID with its VTIMEZONE (+06:00 in summer 2008); no DTEND, no SUMMARY
        "outlook2007-cyrillic-localized-tzid.ics",
        ("2008-05-30", "2008-05-31"),
        [("", "2008-05-30 09:00")],
        check=_point_event,
    ),
    Case(
        "outlook2007-livemeeting-link-x-alt-desc-html.ics",
        ("2007-03-01", "2007-04-01"),
        [("Session #6: Signature distribution overview", "2007-03-14 17:00")],
        check=_livemeeting,
    ),
    Case(
        "podio-html-altrep-x-alt-desc-trailing-garbage.ics",
        ("2022-02-01", "2022-03-01"),
        [('Termin 4353 und"so"', "2022-02-22 18:30")],
        check=_podio,
    ),
    Case(
        "thisandfuture-overrides-rdate-until-date.ics",
        ("2024-09-10", "2024-09-20"),
        [
            ("ORIGINAL EVENT", "2024-09-11 12:00"),
            ("MODIFIED EVENT", "2024-09-13 09:00"),  # THISANDFUTURE: 3 h earlier from here
            ("MODIFIED EVENT", "2024-09-14 06:00"),  # the RDATE, shifted by THISANDFUTURE
            ("MODIFIED EVENT", "2024-09-15 17:00"),  # a single override
            ("MODIFIED EVENT", "2024-09-17 09:00"),
            ("MODIFIED EVENT", "2024-09-19 09:00"),
        ],
        check=_thisandfuture,
    ),
    Case(
        "thunderbird-absolute-alarm-with-repeat.ics",
        ("2024-10-01", "2024-11-01"),
        [("event", "2024-10-04 10:00")],
        check=_tb_absolute,
    ),
    Case(
        "thunderbird-daily-moved-instances-dtend-and-duration.ics",
        ("2019-03-07", "2019-03-21"),
        [
            ("New Event", "2019-03-07 01:00"),
            ("New Event", "2019-03-08 00:00"),  # moved an hour earlier
            ("New Event", "2019-03-09 02:00"),  # moved an hour later
            ("New Event", "2019-03-10 01:00"),  # UNTIL is inclusive
            ("test7", "2019-03-18 03:00"),
            ("test7 - edited", "2019-03-19 03:00"),
            ("test7", "2019-03-20 03:00"),
        ],
        check=_tb_moved,
    ),
    Case(
        "thunderbird-weekly-exdates-across-dst-cancelled-instances.ics",
        ("2018-03-19", "2018-05-01"),
        [
            ("Cours Balboa", "2018-03-19 19:30"),
            ("Cours Balboa", "2018-03-26 18:30"),  # CEST from Mar 25
            ("Cours Balboa", "2018-04-23 18:30"),  # Apr 2, 9, 16 are EXDATEs
            ("Cours Balboa", "2018-04-30 18:30"),
        ],
        check=_all(_statuses(C, X, C, X), _tb_cancelled),
    ),
]


def _window(case: Case) -> TimeWindow:
    start, end = (datetime.fromisoformat(d).replace(tzinfo=UTC) for d in case.window)
    return TimeWindow(start, end)


def _read(name: str) -> str:
    return (CORPUS / name).read_bytes().decode("utf-8", errors="replace")


def test_the_corpus_is_in_the_repository() -> None:
    """All 59 files are vendored, and every case below names one of them."""
    assert len(ALL_FILES) == 59, f"expected the 59 vendored files in {CORPUS}"
    assert (CORPUS / "SOURCES.md").is_file()
    missing = sorted({case.file for case in CASES} - set(ALL_FILES))
    assert not missing


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_file_parses_without_raising(name: str) -> None:
    occ = occurrences_from_text(
        _read(name),
        TimeWindow(datetime(1990, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)),
        calendar_href="/cal/",
        event_href=f"/cal/{name}",
        user_email="someone@example.com",
        default_tz="Europe/Moscow",
    )
    for o in occ:
        assert o.start.tzinfo is not None and o.end >= o.start
        assert o.event_href == f"/cal/{name}" and o.uid
        assert "\\n" not in o.description and "\\," not in o.location
    keys = [o.key for o in occ]
    assert len(keys) == len(set(keys)), "occurrence keys must be unique"
    assert name in {c.file for c in CASES}, "every corpus file needs expectations below"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.file}@{c.window[0]}")
def test_expected_occurrences(case: Case) -> None:
    occ = occurrences_from_text(
        _read(case.file),
        _window(case),
        calendar_href="/cal/",
        event_href="/cal/x.ics",
        user_email=case.email,
        default_tz=case.tz,
    )
    if case.only_title:
        occ = [o for o in occ if o.title == case.only_title]
    if case.expected is not None:
        assert [(o.title, o.start) for o in occ] == [(t, utc(s)) for t, s in case.expected]
    if case.count is not None:
        assert len(occ) == case.count
    case.check(occ)
