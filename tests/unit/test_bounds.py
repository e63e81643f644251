"""What one calendar object may cost (caldav/limits.py, caldav/density.py), as pure logic:
rules judged before expanding, the first instance of each day of a cut series, the line
gate, the shrinking of oversize calendar data, and what a cut event means downstream
(reminders, the one notice, the views)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil import rrule as du
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_bot.caldav.davxml import calendar_data, parse_multistatus
from calendar_bot.caldav.density import day_firsts, judge
from calendar_bot.caldav.expansion import occurrences_from_text
from calendar_bot.caldav.limits import (
    MAX_EVENTS,
    MAX_LISTED_ATTENDEES,
    MAX_OBJECT_CHARS,
    Budget,
    shrink_multistatus,
)
from calendar_bot.caldav.repair import repair
from calendar_bot.domain.cuts import newly_cut
from calendar_bot.domain.model import Attendee, Cut, Occurrence, PartStat, UserSettings
from calendar_bot.domain.notice_codec import decode
from calendar_bot.domain.notice_keys import idempotency_key
from calendar_bot.domain.notices import CutEvents, reminder_notice
from calendar_bot.domain.reminders import due_reminders
from calendar_bot.services.context import sync_window
from calendar_bot.services.cut_notices import cut_item
from calendar_bot.views import meetings, notifications
from calendar_bot.views.settings import RAW_MAX_CHARS, raw_xml
from calendar_bot.views.split import POST_LIMIT
from tests.support import hostile

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
WINDOW = sync_window(NOW)
MSK = ZoneInfo("Europe/Moscow")


def master(rule: str, start: datetime = NOW - timedelta(days=3)) -> icalendar.cal.Component:
    cal = icalendar.Calendar.from_ical(hostile._wrap("u", start, f"RRULE:{rule}"))
    [event] = cal.walk("VEVENT")
    return event


# ---- judging a rule before expanding it -----------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "cut"),
    [
        ("FREQ=SECONDLY", Cut.EVERY_SECOND),
        ("FREQ=SECONDLY;COUNT=1000000", Cut.EVERY_SECOND),
        ("FREQ=MINUTELY", Cut.EVERY_MINUTE),
        ("FREQ=MINUTELY;INTERVAL=15", Cut.EVERY_MINUTE),  # 1,700 in the horizon
        ("FREQ=HOURLY;INTERVAL=1", None),  # 408 in the horizon: shown in full
        ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0,10,20,30,40,50", Cut.TOO_OFTEN),
        ("FREQ=DAILY", None),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", None),
        ("FREQ=MINUTELY;BYHOUR=9;BYMINUTE=0", None),  # daily at 09:00, written oddly
        ("FREQ=MINUTELY;COUNT=100", None),
        ("FREQ=SECONDLY;UNTIL=20261101T000000Z", None),  # over before the horizon
    ],
)
def test_rules_are_judged_from_their_parts(rule: str, cut: Cut | None) -> None:
    assert judge(master(rule), WINDOW.start, WINDOW.end, UTC) is cut


def test_a_long_walk_from_an_old_start_is_judged_too() -> None:
    # few instances in the horizon, but hundreds of thousands to walk through to get there
    old = master("FREQ=HOURLY", datetime(1990, 1, 1, tzinfo=UTC))
    assert judge(old, WINDOW.start, WINDOW.end, UTC) is Cut.EVERY_HOUR
    # a daily meeting since 1970 is not
    daily = master("FREQ=DAILY", datetime(1970, 1, 1, 9, tzinfo=UTC))
    assert judge(daily, WINDOW.start, WINDOW.end, UTC) is None


def test_the_first_instance_of_each_local_day_of_a_cut_series() -> None:
    firsts = day_firsts(master("FREQ=SECONDLY"), WINDOW.start, WINDOW.end, MSK, Budget())
    local = [f.astimezone(MSK) for f in firsts]
    assert len(local) == 17  # the horizon touches 17 Moscow days
    assert all(moment.time().isoformat() == "00:00:00" for moment in local[1:])
    assert local[0] == WINDOW.start.astimezone(MSK)  # 03:00: the horizon starts at UTC midnight


def brute_firsts(rule: str, start: datetime, days: list[datetime]) -> list[datetime]:
    """The reference: the rule walked from its own start (cheap only for a near start)."""
    walk = du.rrulestr(rule, dtstart=start)
    out = []
    for day in days:
        moment = walk.after(day, inc=True)
        if moment is not None and moment < day + timedelta(days=1):
            out.append(moment)
    return out


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    freq=st.sampled_from(["SECONDLY", "MINUTELY", "HOURLY"]),
    interval=st.sampled_from([1, 2, 3, 5, 7, 15, 30]),
    hours=st.lists(st.integers(0, 23), max_size=3, unique=True),
    minutes=st.lists(st.integers(0, 59), max_size=3, unique=True),
    offset=st.integers(0, 86_399),
    count=st.one_of(st.none(), st.integers(1, 5_000)),
)
def test_day_firsts_agree_with_walking_the_rule(
    freq: str, interval: int, hours: list[int], minutes: list[int], offset: int, count: int | None
) -> None:
    start = WINDOW.start - timedelta(days=1) + timedelta(seconds=offset)
    parts = [f"FREQ={freq}", f"INTERVAL={interval}"]
    if hours:
        parts.append("BYHOUR=" + ",".join(map(str, hours)))
    if (minutes and freq != "HOURLY") or (minutes and freq == "HOURLY"):
        parts.append("BYMINUTE=" + ",".join(map(str, minutes)))
    if count is not None:
        parts.append(f"COUNT={count}")
    rule = ";".join(parts)
    end = WINDOW.start + timedelta(days=3)
    got = day_firsts(master(rule, start), WINDOW.start, end, UTC, Budget())
    days = [WINDOW.start + timedelta(days=d) for d in range(3)]
    try:
        expected = brute_firsts(rule, start, days)
    except ValueError:  # BY… parts no instance satisfies
        expected = []
    if count is not None and (hours or minutes):
        assert set(got) <= set(expected)  # no shortcut is vouched for: shown when cheap
    else:
        assert got == expected, rule


# ---- reading an object within bounds --------------------------------------------------------


def test_attendees_beyond_the_listed_ones_are_counted_and_my_answer_found() -> None:
    me = "me@example.test"
    text = hostile.attendees("u", NOW + timedelta(days=1), count=5_000, me=me)
    repaired = repair(text)
    assert repaired.cut is None
    assert repaired.text.count("ATTENDEE") == MAX_LISTED_ATTENDEES
    [occurrence] = occurrences_from_text(text, WINDOW, user_email=me)
    assert occurrence.attendees_total == 5_001
    assert len(occurrence.attendees) == MAX_LISTED_ATTENDEES
    assert occurrence.my_partstat is PartStat.NEEDS_ACTION
    assert occurrence.cut is None


def test_an_attachment_is_dropped_silently_a_long_text_shortened_a_long_rule_cut() -> None:
    text = hostile.attach("u", NOW + timedelta(days=1), megabytes=1).replace(
        "END:VEVENT", "DESCRIPTION:" + "x" * 40_000 + "\r\nEND:VEVENT"
    )
    [occurrence] = occurrences_from_text(text, WINDOW)
    assert occurrence.cut is None and 10_000 < len(occurrence.description) <= 16_384
    broken = hostile._wrap("u", NOW + timedelta(days=1), "RRULE:FREQ=DAILY;BYSETPOS=" + "1," * 9000)
    assert repair(broken).cut is Cut.TOO_BIG


def test_own_marker_properties_from_outside_are_dropped() -> None:
    text = hostile._wrap("u", NOW + timedelta(days=1), "X-CALENDAR-BOT-ATTENDEES:999999")
    [occurrence] = occurrences_from_text(text, WINDOW)
    assert occurrence.attendees_total == 0


def test_too_many_events_in_one_object_are_read_in_part() -> None:
    events = "\r\n".join(
        hostile._wrap(f"u{i}", NOW + timedelta(days=1))
        .split("\r\n", 3)[3]
        .rsplit("END:VCALENDAR")[0]
        for i in range(MAX_EVENTS + 5)
    )
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{events}END:VCALENDAR\r\n"
    occurrences = occurrences_from_text(text, WINDOW)
    assert len(occurrences) == MAX_EVENTS
    assert {o.cut for o in occurrences} == {Cut.TOO_BIG}


def multistatus(text: str, *, cdata: bool = False) -> bytes:
    inner = f"<![CDATA[{text}]]>".encode() if cdata else escape(text, {"\r": "&#13;"}).encode()
    return (
        b'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
        b'xmlns:C="urn:ietf:params:xml:ns:caldav"><d:response><d:href>/c/a.ics</d:href>'
        b'<d:propstat><d:prop><d:getetag>"1"</d:getetag><C:calendar-data>'
        + inner
        + b"</C:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
        b"</d:response></d:multistatus>"
    )


@pytest.mark.parametrize("cdata", [False, True])
def test_an_oversize_object_is_shrunk_before_the_xml_parser_sees_it(cdata: bool) -> None:
    text = hostile.attach("u", NOW + timedelta(days=1), megabytes=12).replace(
        "END:VEVENT", "LOCATION:after the attachment <&> é\r\nEND:VEVENT"
    )
    body = multistatus(text, cdata=cdata)
    assert len(shrink_multistatus(body)) < MAX_OBJECT_CHARS // 10
    data = calendar_data(parse_multistatus(body).responses[0])
    [occurrence] = occurrences_from_text(data, WINDOW)
    assert occurrence.location == "after the attachment <&> é"


def test_a_normal_answer_is_not_touched() -> None:
    body = multistatus(hostile._wrap("u", NOW))
    assert shrink_multistatus(body) is body


def test_an_object_cut_while_shrinking_is_marked() -> None:
    body = multistatus(hostile.many_lines("u", NOW + timedelta(days=1), count=100_000))
    data = calendar_data(parse_multistatus(body).responses[0])
    [occurrence] = occurrences_from_text(data, WINDOW)
    assert occurrence.cut is Cut.TOO_BIG


# ---- what a cut means downstream ------------------------------------------------------------


def cut_days() -> list[Occurrence]:
    return occurrences_from_text(
        hostile.rrule("spam", NOW, "FREQ=MINUTELY"), WINDOW, default_tz="Europe/Moscow"
    )


def test_a_cut_series_is_reminded_once_per_lead_not_once_a_day() -> None:
    occurrences = cut_days()
    assert len(occurrences) > 10 and all(o.cut is Cut.EVERY_MINUTE for o in occurrences)
    keys: set[str] = set()
    for occurrence in occurrences:
        for before in (10, 0):  # a tick when "in 15 minutes" is due, one at the start
            due = due_reminders(
                [occurrence],
                UserSettings(reminder_leads=(15, 0)),
                last_tick=occurrence.start - timedelta(hours=1),
                now=occurrence.start - timedelta(minutes=before),
                user_id="u1",
            )
            keys |= {idempotency_key(r.user_id, reminder_notice(r)) for r in due}
    assert len(keys) == 2  # one per lead: the outbox sends each once


def test_the_person_is_told_once_per_cut_event() -> None:
    occurrences = cut_days()
    first = cut_item("u1", "/cal/", [], occurrences)
    assert first is not None
    notice = decode(first.kind, first.payload)
    assert isinstance(notice, CutEvents)
    assert [(e.title, e.cut) for e in notice.events] == [("Spam", Cut.EVERY_MINUTE)]
    assert cut_item("u1", "/cal/", occurrences, occurrences) is None
    assert newly_cut(occurrences[:1], occurrences) == []
    again = cut_item("u1", "/cal/", [], list(reversed(occurrences)))
    assert again is not None and again.idempotency_key == first.idempotency_key
    text = notifications.cut_notice([(e.title, e.cut) for e in notice.events], "en").text
    assert text.startswith("⚠️ 1 event could not be shown in full: it repeats every minute.")
    ru = notifications.cut_notice([("Спам", Cut.EVERY_SECOND)] * 2, "ru").text
    assert "2 события не удалось показать полностью: оно повторяется каждую секунду" in ru


def test_details_card_counts_attendees_and_says_why_it_is_cut() -> None:
    many = tuple(Attendee(f"p{i}@example.test") for i in range(MAX_LISTED_ATTENDEES))
    occurrence = Occurrence(
        "/cal/", "u", "", "Town hall", NOW, NOW + timedelta(hours=1),
        attendees=many, attendee_count=20_001, cut=Cut.TOO_BIG,
    )  # fmt: skip
    card = meetings.meeting_details(occurrence, "en", MSK, NOW).text
    assert "Attendees (20001):" in card and "…and 19961 more" in card
    assert "⚠️ Shown in part: it is too big" in card
    assert len(card) < POST_LIMIT // 2


def test_raw_view_of_a_huge_answer_is_a_few_posts() -> None:
    xml = multistatus(hostile.attach("u", NOW, megabytes=2)).decode()
    parts = raw_xml("Work", xml, "en")
    assert 1 <= len(parts) <= RAW_MAX_CHARS // POST_LIMIT + 1
    assert "more lines are not shown" in parts[-1].text
    one_line = raw_xml("Work", "<a>" + "x" * 100_000 + "</a>", "en")
    assert len(one_line) == 1 and "more characters" in one_line[0].text


def test_an_event_with_thousands_of_dates_is_cut_too() -> None:
    moments = [WINDOW.start + timedelta(minutes=10 * i) for i in range(2_000)]
    text = hostile._wrap(
        "u", WINDOW.start, *(f"RDATE:{hostile.stamp(m)}" for m in moments), summary="Dates"
    )
    occurrences = occurrences_from_text(text, WINDOW, default_tz="UTC")
    assert {o.cut for o in occurrences} == {Cut.TOO_OFTEN}
    # the first date of each day the dates reach (2,000 x 10 minutes: 14 days)
    assert [o.start for o in occurrences] == [WINDOW.start + timedelta(days=d) for d in range(14)]


def test_reading_stops_when_the_objects_cpu_budget_is_spent() -> None:
    text = hostile.attendees("u", NOW + timedelta(days=1), count=1_000)
    assert repair(text, Budget(seconds=0)).cut is Cut.TOO_SLOW
    assert repair(text, Budget()).cut is None
