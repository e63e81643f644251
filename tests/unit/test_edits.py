"""The pure parts of changing one's own meeting: the iCalendar edits (caldav/edits.py), the
check against what the person saw, typed values, free times to move to, the payload."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from calendar_bot.caldav.edits import apply_edit
from calendar_bot.domain.availability import Busy, WorkingHours
from calendar_bot.domain.edits import (
    CancelMeeting,
    Move,
    Rename,
    Resize,
    Scope,
    What,
    can_edit,
    can_move,
    edit_of,
    move_picks,
    scopes_for,
    typed_move,
)
from calendar_bot.domain.model import Attendee, Occurrence
from calendar_bot.domain.parsing import ParseError
from calendar_bot.ports import ChangedMeanwhile, RuleTooComplex
from calendar_bot.services.meetings import meeting_error_code
from calendar_bot.views.payloads import OwnEdit

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 30, 6, tzinfo=UTC)

VTZ = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Moscow\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nTZNAME:MSK\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


def calendar(*events: str, tz: bool = True) -> str:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + (VTZ if tz else "")
    return head + "".join(events) + "END:VCALENDAR\r\n"


def vevent(*lines: str) -> str:
    return "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VEVENT\r\n"


MASTER = vevent(
    "UID:s",
    "DTSTAMP:20261101T000000Z",
    "DTSTART;TZID=Europe/Moscow:20261130T100000",
    "DTEND;TZID=Europe/Moscow:20261130T110000",
    "SUMMARY:Sync",
    "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6",
    "EXDATE;TZID=Europe/Moscow:20261209T100000",
    "SEQUENCE:2",
    "ORGANIZER:mailto:me@example.test",
)
OVERRIDE = vevent(
    "UID:s",
    "DTSTAMP:20261101T000000Z",
    "RECURRENCE-ID;TZID=Europe/Moscow:20261207T100000",
    "DTSTART;TZID=Europe/Moscow:20261207T150000",
    "DTEND;TZID=Europe/Moscow:20261207T160000",
    "SUMMARY:Sync (moved)",
    "SEQUENCE:3",
    "ORGANIZER:mailto:me@example.test",
)
SERIES = calendar(MASTER, OVERRIDE)


def occurrence(day: int, hour: int = 10, title: str = "Sync", rid_day: int = 0) -> Occurrence:
    start = datetime(2026, 11 if day > 20 else 12, day, hour, tzinfo=MSK).astimezone(UTC)
    rid = datetime(2026, 11 if (rid_day or day) > 20 else 12, rid_day or day, 10, tzinfo=MSK)
    return Occurrence(
        "/cal/",
        "s",
        rid.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ"),
        title,
        start,
        start + timedelta(hours=1),
        recurring=True,
        event_href="/cal/s.ics",
        organizer=Attendee("me@example.test"),
        i_am_organizer=True,
    )


def events(text: str) -> list[Any]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def master_of(text: str) -> Any:
    return next(e for e in events(text) if "RECURRENCE-ID" not in e)


def dates(event: Any, name: str) -> list[Any]:
    props = event.get(name)
    return [d.dt for p in (props if isinstance(props, list) else [props]) for d in p.dts]


def test_one_occurrence_moves_by_an_override_in_utc() -> None:
    out = apply_edit(
        SERIES, occurrence(2), Move(datetime(2026, 12, 2, 14, tzinfo=MSK)), Scope.THIS, NOW, MSK
    )
    added = [
        e
        for e in events(out.text)
        if str(e.get("RECURRENCE-ID", ""))
        and e["RECURRENCE-ID"].dt == datetime(2026, 12, 2, 7, tzinfo=UTC)
    ]
    (override,) = added
    assert override["DTSTART"].dt == datetime(2026, 12, 2, 11, tzinfo=UTC)
    assert override["DTEND"].dt == datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert "RRULE" not in override and int(override["SEQUENCE"]) == 3
    assert override["DTSTAMP"].dt == NOW
    assert int(master_of(out.text)["SEQUENCE"]) == 2  # the series itself is untouched
    assert out.new_series == ""


def test_cancel_one_occurrence_adds_an_exdate_in_the_masters_zone_and_drops_its_override() -> None:
    out = apply_edit(
        SERIES, occurrence(7, 15, "Sync (moved)"), CancelMeeting(), Scope.THIS, NOW, MSK
    )
    (master,) = events(out.text)
    assert dates(master, "EXDATE") == [
        datetime(2026, 12, 9, 10, tzinfo=MSK),
        datetime(2026, 12, 7, 10, tzinfo=MSK),
    ]
    assert int(master["SEQUENCE"]) == 3


def test_this_and_following_splits_count_exdates_and_overrides() -> None:
    out = apply_edit(
        SERIES, occurrence(2), Rename("New"), Scope.FOLLOWING, NOW, MSK, new_uid="n@bot"
    )
    (old,) = events(out.text)
    assert "COUNT" not in old["RRULE"]
    assert old["RRULE"]["UNTIL"] == [datetime(2026, 12, 2, 6, 59, 59, tzinfo=UTC)]
    assert "EXDATE" not in old and str(old["SUMMARY"]) == "Sync"
    new_events = events(out.new_series)
    new_master = next(e for e in new_events if "RECURRENCE-ID" not in e)
    assert str(new_master["UID"]) == "n@bot" and out.new_uid == "n@bot"
    assert new_master["DTSTART"].dt == datetime(2026, 12, 2, 10, tzinfo=MSK)
    assert new_master["RRULE"]["COUNT"] == [5]  # 6, less the one (Nov 30) before
    assert dates(new_master, "EXDATE") == [datetime(2026, 12, 9, 10, tzinfo=MSK)]
    (moved_override,) = [e for e in new_events if "RECURRENCE-ID" in e]
    assert str(moved_override["UID"]) == "n@bot"
    assert {str(e["SUMMARY"]) for e in new_events} == {"New"}
    assert "BEGIN:VTIMEZONE" in out.new_series


def test_this_and_following_from_the_first_is_the_whole_series() -> None:
    out = apply_edit(SERIES, occurrence(30), Rename("All"), Scope.FOLLOWING, NOW, MSK, new_uid="x")
    assert out.new_series == ""
    assert {str(e["SUMMARY"]) for e in events(out.text)} == {"All"}


def test_the_whole_series_moves_by_a_wall_clock_step_weekdays_and_all() -> None:
    # Wednesday Dec 2 10:00 -> Thursday Dec 3 12:00: a day and two hours later
    out = apply_edit(
        SERIES, occurrence(2), Move(datetime(2026, 12, 3, 12, tzinfo=MSK)), Scope.SERIES, NOW, MSK
    )
    master = master_of(out.text)
    assert master["DTSTART"].dt == datetime(2026, 12, 1, 12, tzinfo=MSK)
    assert master["DTSTART"].params["TZID"] == "Europe/Moscow"
    assert master["RRULE"]["BYDAY"] == ["TU", "TH"]
    assert dates(master, "EXDATE") == [datetime(2026, 12, 10, 12, tzinfo=MSK)]
    (override,) = [e for e in events(out.text) if "RECURRENCE-ID" in e]
    assert override["RECURRENCE-ID"].dt == datetime(2026, 12, 8, 12, tzinfo=MSK)
    assert override["DTSTART"].dt == datetime(2026, 12, 8, 17, tzinfo=MSK)
    assert {int(e["SEQUENCE"]) for e in events(out.text)} == {3, 4}


def test_resize_the_series_sets_every_end_from_its_own_start() -> None:
    out = apply_edit(SERIES, occurrence(30), Resize(20), Scope.SERIES, NOW, MSK)
    for event in events(out.text):
        assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=20)


def test_a_single_event_is_changed_in_place_whatever_the_scope() -> None:
    text = calendar(
        vevent(
            "UID:one",
            "DTSTAMP:20261101T000000Z",
            "DTSTART:20261205T100000Z",
            "DURATION:PT1H",
            "SUMMARY:One",
        ),
        tz=False,
    )
    seen = replace(
        occurrence(5),
        uid="one",
        recurrence_id="",
        recurring=False,
        start=datetime(2026, 12, 5, 10, tzinfo=UTC),
        end=datetime(2026, 12, 5, 11, tzinfo=UTC),
        title="One",
    )
    out = apply_edit(text, seen, Resize(90), Scope.SERIES, NOW, MSK)
    (event,) = events(out.text)
    assert "DURATION" not in event
    assert event["DTEND"].dt == datetime(2026, 12, 5, 11, 30, tzinfo=UTC)
    assert int(event["SEQUENCE"]) == 1
    cancelled = apply_edit(text, seen, CancelMeeting(), Scope.THIS, NOW, MSK)
    assert str(events(cancelled.text)[0]["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize(
    ("seen", "edit", "why"),
    [
        (occurrence(7, 15, "Sync (old name)"), Rename("x"), "renamed"),  # renamed meanwhile
        (occurrence(7, 11, "Sync (moved)"), Move(datetime(2026, 12, 7, 9, tzinfo=UTC)), "moved"),
        (occurrence(9), Rename("x"), "cancelled"),  # excluded meanwhile
        (occurrence(3), Resize(10), "moved"),  # no Thursday in a Mon/Wed series
    ],
)
def test_a_change_that_no_longer_fits_says_what_it_is_now(
    seen: Occurrence, edit: Any, why: str
) -> None:
    with pytest.raises(ChangedMeanwhile) as caught:
        apply_edit(SERIES, seen, edit, Scope.THIS, NOW, MSK)
    assert caught.value.facts.why == why


def test_what_someone_else_changed_elsewhere_does_not_stop_a_change() -> None:
    # the person saw the moved override's time; a rename of it is still theirs to make
    out = apply_edit(
        SERIES,
        occurrence(7, 15, "Sync (moved)"),
        Move(datetime(2026, 12, 7, 16, tzinfo=MSK)),
        Scope.THIS,
        NOW,
        MSK,
    )
    assert out.text


def test_typed_moves() -> None:
    day, today = date(2026, 12, 2), date(2026, 11, 30)
    assert typed_move("15:30", day, today, MSK) == datetime(2026, 12, 2, 15, 30, tzinfo=MSK)
    assert typed_move("завтра 9:00", day, today, MSK) == datetime(2026, 12, 1, 9, tzinfo=MSK)
    assert typed_move("5 Dec 10:00", day, today, MSK) == datetime(2026, 12, 5, 10, tzinfo=MSK)
    assert typed_move("5 декабря в 10", day, today, MSK) == datetime(2026, 12, 5, 10, tzinfo=MSK)
    with pytest.raises(ParseError):
        typed_move("when you can", day, today, MSK)


def test_edit_of_a_quick_pick() -> None:
    assert edit_of(What.DURATION, "45", MSK, NOW.date()) == Resize(45)
    assert edit_of(What.MOVE, "2026-12-02T14:00:00+03:00", MSK, NOW.date()) == Move(
        datetime(2026, 12, 2, 14, tzinfo=MSK)
    )
    assert edit_of(What.RENAME, "  New   title ", MSK, NOW.date()) == Rename("New title")
    for what, value in ((What.DURATION, "0"), (What.DURATION, "x"), (What.RENAME, " ")):
        with pytest.raises(ValueError):
            edit_of(what, value, MSK, NOW.date())


def test_who_may_change_what() -> None:
    mine = occurrence(2)
    assert can_edit(mine) and can_move(mine) and scopes_for(mine)
    invited = replace(mine, i_am_organizer=False, organizer=Attendee("boss@example.test"))
    assert not can_edit(invited)
    personal = replace(mine, organizer=None, i_am_organizer=False, recurring=False)
    assert can_edit(personal) and scopes_for(personal) == ()
    assert not can_edit(replace(personal, attendees=(Attendee("x@example.test"),)))
    assert can_edit(replace(mine, all_day=True)) and not can_move(replace(mine, all_day=True))


def test_move_picks_are_free_half_hours_from_the_meetings_day_on() -> None:
    meeting = occurrence(1, 10)  # Tue Dec 1, 10:00-11:00 Moscow
    busy = (
        Busy(datetime(2026, 12, 1, 10, tzinfo=MSK), datetime(2026, 12, 1, 12, tzinfo=MSK)),
        Busy(datetime(2026, 12, 1, 12, 30, tzinfo=MSK), datetime(2026, 12, 1, 18, tzinfo=MSK)),
    )
    hours = WorkingHours(time(9), time(18))
    picks = move_picks(meeting, MSK, NOW, busy=busy, hours=hours, count=4)
    local = [p.astimezone(MSK) for p in picks]
    # 9:00 and 9:30 (its own hour does not count as busy; 11-12 does), then the next day
    assert [(p.day, p.strftime("%H:%M")) for p in local] == [
        (1, "09:00"),
        (1, "09:30"),
        (2, "09:00"),
        (2, "09:30"),
    ]


def test_the_payload_round_trips() -> None:
    edit = OwnEdit("abc", What.MOVE, Scope.FOLLOWING, "2026-12-02T14:00:00+03:00")
    assert OwnEdit.unpack(edit.pack()) == edit
    assert OwnEdit.unpack({"ref": "abc"}) == OwnEdit("abc")
    with pytest.raises(ValueError):
        OwnEdit.unpack({"ref": "abc", "what": "explode"})
    with pytest.raises(ValueError):
        OwnEdit.unpack({})


def test_a_typed_value_is_awaited_for_a_while_only() -> None:
    from calendar_bot.handlers.own_meetings import EDIT_WAITS, pending
    from calendar_bot.records import ConversationState

    asked = ConversationState("u", "meeting.edit", {"ref": "r"}, "post", NOW)
    assert pending(asked, NOW + EDIT_WAITS)
    assert not pending(asked, NOW + EDIT_WAITS + timedelta(seconds=1))
    assert not pending(replace(asked, state="wizard"), NOW)
    assert not pending(None, NOW)


def monthly(rule: str) -> str:
    return calendar(
        vevent(
            "UID:s",
            "DTSTAMP:20261101T000000Z",
            "DTSTART;TZID=Europe/Moscow:20261202T100000",
            "DTEND;TZID=Europe/Moscow:20261202T110000",
            "SUMMARY:Sync",
            f"RRULE:{rule}",
            "ORGANIZER:mailto:me@example.test",
        )
    )


@pytest.mark.parametrize(
    ("rule", "moved"),
    [
        # the 2nd of every month at 10:00 -> the 4th at 12:30
        ("FREQ=MONTHLY;BYMONTHDAY=2", {"BYMONTHDAY": [4]}),
        ("FREQ=MONTHLY;BYMONTHDAY=2;BYHOUR=10;BYMINUTE=0", {"BYHOUR": [12], "BYMINUTE": [30]}),
        ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=2", {"BYMONTH": [12], "BYMONTHDAY": [4]}),
        ("FREQ=MONTHLY;BYDAY=WE", {"BYDAY": ["FR"]}),
    ],
)
def test_a_series_rule_follows_its_start_where_it_names_it(
    rule: str, moved: dict[str, list[object]]
) -> None:
    out = apply_edit(
        monthly(rule),
        occurrence(2),
        Move(datetime(2026, 12, 4, 12, 30, tzinfo=MSK)),
        Scope.SERIES,
        NOW,
        MSK,
    )
    master = master_of(out.text)
    assert master["DTSTART"].dt == datetime(2026, 12, 4, 12, 30, tzinfo=MSK)
    for part, values in moved.items():
        assert master["RRULE"][part] == values, part


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=MONTHLY;BYDAY=1WE",  # the first Wednesday: two days later is no "first Friday"
        "FREQ=MONTHLY;BYMONTHDAY=2,16",
        "FREQ=YEARLY;BYYEARDAY=336",
        "FREQ=MONTHLY;BYDAY=WE;BYSETPOS=1",
    ],
)
def test_a_series_rule_that_cannot_follow_refuses_the_move(rule: str) -> None:
    with pytest.raises(RuleTooComplex):
        apply_edit(
            monthly(rule),
            occurrence(2),
            Move(datetime(2026, 12, 4, 10, tzinfo=MSK)),
            Scope.SERIES,
            NOW,
            MSK,
        )
    # the same meeting alone still moves (an override)
    out = apply_edit(
        monthly(rule),
        occurrence(2),
        Move(datetime(2026, 12, 4, 10, tzinfo=MSK)),
        Scope.THIS,
        NOW,
        MSK,
    )
    assert any("RECURRENCE-ID" in e for e in events(out.text))


def test_a_refused_rule_is_told_as_such() -> None:
    assert meeting_error_code(RuleTooComplex("2TU")) == "rule"
