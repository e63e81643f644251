"""The wizard's repeat, calendar and find-a-time questions and its video link (issue #17),
as pure logic: the machine, the state's round trip, the VEVENT written, the link detected."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import icalendar
import pytest

from calendar_bot.caldav.writes import build_event
from calendar_bot.domain.links import find_join_link
from calendar_bot.domain.model import NewEvent, UserSettings
from calendar_bot.domain.recurrence import Frequency, Recurrence
from calendar_bot.domain.video import ROOM_LENGTH, video_link
from calendar_bot.domain.wizard import (
    Create,
    CreateEvent,
    Edit,
    FindTime,
    Prompt,
    SetVideo,
    Skip,
    Step,
    Text,
    WizardError,
    WizardState,
    drafted,
    step,
)
from calendar_bot.storage.codec import settings_from_json, settings_to_json

TZ = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 30, 7, 20, tzinfo=UTC)  # 10:20 in Moscow, a Monday
TUESDAY = date(2026, 12, 1)


def summary(**changes: object) -> WizardState:
    state = WizardState(
        step=Step.CONFIRM,
        started_at=NOW,
        title="Sync",
        date=TUESDAY,
        time=time(10),
        duration=30,
        attendees=(("bob@example.test", "Bob"),),
        handles=("bob",),
    )
    return replace(state, **changes)  # type: ignore[arg-type]


def go(state: WizardState, *inputs: object) -> tuple[WizardState, list[object]]:
    effects: list[object] = []
    for event in inputs:
        state, effects = step(state, event, now=NOW, tz=TZ)  # type: ignore[arg-type]
        effects = list(effects)
    return state, effects


# ---- repeat --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "rule", "first"),
    [
        (
            "по понедельникам и средам до 1 марта",
            Recurrence(Frequency.WEEKLY, weekdays=(0, 2), until=date(2027, 3, 1)),
            date(2026, 12, 2),  # Tuesday's meeting moves to the rule's first day
        ),
        ("every 2 weeks 10 times", Recurrence(Frequency.WEEKLY, interval=2, count=10), TUESDAY),
        ("каждый день", Recurrence(Frequency.DAILY), TUESDAY),
        (
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
            Recurrence(Frequency.WEEKLY, weekdays=(0, 1, 2, 3, 4)),
            TUESDAY,
        ),
    ],
)
def test_repeat_typed_or_picked_returns_to_the_summary(
    typed: str, rule: Recurrence, first: date
) -> None:
    state, effects = go(summary(), Edit(Step.REPEAT), Text(typed))
    assert state.step is Step.CONFIRM and effects == [Prompt(Step.CONFIRM)]
    assert state.recurrence == rule and state.date == first


def test_repeat_errors_keep_the_question_and_skip_removes_it() -> None:
    state, effects = go(summary(), Edit(Step.REPEAT), Text("every blue moon"))
    assert effects == [Prompt(Step.REPEAT, WizardError.REPEAT_FORMAT)]
    state, effects = go(state, Text("daily until 1 november"))  # the past (next 1 Nov is far)
    assert state.step is Step.CONFIRM  # 1 November is read as next year's
    state, effects = go(state, Edit(Step.REPEAT), Text("каждый день до 30.11.2026"))
    assert effects == [Prompt(Step.REPEAT, WizardError.REPEAT_ENDS_BEFORE)]
    state, _ = go(state, Skip())
    assert state.step is Step.CONFIRM and state.recurrence is None


@pytest.mark.parametrize(
    ("rule", "typed", "after", "first"),
    [
        # one chosen day follows the date: every Tuesday, moved to Thursday: every Thursday
        (
            Recurrence(Frequency.WEEKLY, weekdays=(1,)),
            "03.12.2026",
            Recurrence(Frequency.WEEKLY, weekdays=(3,)),
            date(2026, 12, 3),
        ),
        # several days are kept; the first meeting is the first of them from the date
        (
            Recurrence(Frequency.WEEKLY, weekdays=(0, 2)),
            "03.12.2026",
            Recurrence(Frequency.WEEKLY, weekdays=(0, 2)),
            date(2026, 12, 7),
        ),
        (  # on weekdays, a Saturday chosen: Monday
            Recurrence(Frequency.WEEKLY, weekdays=(0, 1, 2, 3, 4)),
            "05.12.2026",
            Recurrence(Frequency.WEEKLY, weekdays=(0, 1, 2, 3, 4)),
            date(2026, 12, 7),
        ),
        (Recurrence(Frequency.DAILY), "05.12.2026", Recurrence(Frequency.DAILY), date(2026, 12, 5)),
    ],
)
def test_a_date_changed_after_the_repeat_keeps_the_first_meeting_one_of_the_rules(
    rule: Recurrence, typed: str, after: Recurrence, first: date
) -> None:
    state, effects = go(summary(recurrence=rule), Edit(Step.DATE), Text(typed))
    assert effects == [Prompt(Step.CONFIRM)]
    assert state.recurrence == after and state.date == first
    (created,) = go(state, Create())[1]
    assert isinstance(created, CreateEvent)
    assert created.event.start.astimezone(TZ).date() == first


def test_a_date_after_the_repeats_end_is_refused() -> None:
    rule = Recurrence(Frequency.DAILY, until=date(2026, 12, 5))
    state, effects = go(summary(recurrence=rule), Edit(Step.DATE), Text("10.12.2026"))
    assert effects == [Prompt(Step.DATE, WizardError.REPEAT_ENDS_BEFORE)]
    assert state.date == TUESDAY and state.recurrence == rule


def test_create_carries_the_rrule_with_until_in_utc() -> None:
    rule = Recurrence(Frequency.WEEKLY, weekdays=(1,), until=date(2027, 3, 1))
    _, effects = go(
        summary(recurrence=rule, video="https://meet.jit.si/x1", calendar="/c/"), Create()
    )
    (created,) = effects
    assert isinstance(created, CreateEvent)
    assert created.event.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270301T205959Z"
    assert created.event.video_url == "https://meet.jit.si/x1"
    assert created.event.calendar_href == "/c/"


def test_state_round_trip_keeps_the_new_fields() -> None:
    state = summary(
        recurrence=Recurrence(Frequency.WEEKLY, interval=2, count=10),
        calendar="/cal/home/",
        video="https://meet.jit.si/abc",
    )
    again = WizardState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state
    old = {k: v for k, v in state.to_dict().items() if k not in ("recurrence", "video")}
    assert WizardState.from_dict(old).recurrence is None  # a draft stored before: no repeat


# ---- calendar, video -----------------------------------------------------------------------


def test_calendar_choice_returns_to_the_summary() -> None:
    state, effects = go(summary(), Edit(Step.CALENDAR), Text("/cal/home/"))
    assert state.calendar == "/cal/home/" and effects == [Prompt(Step.CONFIRM)]


def test_video_is_set_and_removed_on_the_summary_only() -> None:
    state, effects = go(summary(), SetVideo("https://meet.jit.si/r"))
    assert state.video == "https://meet.jit.si/r" and effects == [Prompt(Step.CONFIRM)]
    state, _ = go(state, SetVideo(""))
    assert state.video == ""
    _, effects = go(summary(step=Step.TITLE), SetVideo("https://x.example/r"))
    assert effects == [Prompt(Step.TITLE, WizardError.UNEXPECTED_INPUT)]


def test_a_pasted_link_on_the_location_step_is_the_video_link() -> None:
    state, _ = go(summary(step=Step.LOCATION, editing=True), Text(" https://zoom.us/j/123 "))
    assert state.location == state.video == "https://zoom.us/j/123"
    state, _ = go(summary(step=Step.LOCATION, editing=True), Text("Room 5"))
    assert state.video == "" and state.location == "Room 5"


def test_video_link_from_the_template() -> None:
    assert video_link("https://meet.jit.si/{room}", "abc") == "https://meet.jit.si/abc"
    assert video_link("", "abc") == ""
    assert ROOM_LENGTH >= 16


# ---- find a time ---------------------------------------------------------------------------


def test_find_needs_attendees_and_a_date_time_or_summary_step() -> None:
    _, effects = go(summary(attendees=()), FindTime())
    assert effects == [Prompt(Step.CONFIRM, WizardError.UNEXPECTED_INPUT)]
    _, effects = go(summary(step=Step.TITLE), FindTime())
    assert effects == [Prompt(Step.TITLE, WizardError.UNEXPECTED_INPUT)]
    state, effects = go(summary(), FindTime())
    assert state.step is Step.FIND and effects == [Prompt(Step.FIND)]


def test_a_found_slot_fills_date_and_time_and_returns_to_the_summary() -> None:
    state, effects = go(summary(), FindTime(), Text("2026-12-03T15:30"))
    assert (state.date, state.time) == (date(2026, 12, 3), time(15, 30))
    assert effects == [Prompt(Step.CONFIRM)] and not state.editing
    _, effects = go(summary(), FindTime(), Text("2026-11-30T09:00"))  # over already
    assert effects == [Prompt(Step.FIND, WizardError.START_IN_PAST)]
    state, effects = go(summary(), FindTime(), Skip())  # back, nothing changed
    assert state == summary() and effects == [Prompt(Step.CONFIRM)]


def test_a_sentence_missing_its_day_finds_one_and_goes_to_the_summary() -> None:
    state = drafted(
        NOW,
        title="Sync",
        day=None,
        at=None,
        duration=30,
        attendees=(("bob@example.test", "Bob"),),
        location="",
        asking=(Step.DATE, Step.TIME),
        handles=("bob",),
    )
    state, effects = go(state, FindTime(), Text("2026-12-01T11:00"))
    assert state.step is Step.CONFIRM and state.asking == () and effects == [Prompt(Step.CONFIRM)]


# ---- what is written, and read back ---------------------------------------------------------


def test_the_vevent_carries_rrule_zone_and_video() -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=TZ)
    event = NewEvent(
        "Sync",
        start,
        start.replace(hour=11),
        description="Agenda",
        rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270301T205959Z",
        video_url="https://video.corp.example/r/abc",
    )
    text = build_event(event, "u@calendar-bot", "me@example.test", NOW, "Europe/Moscow")
    cal = icalendar.Calendar.from_ical(text)
    (vevent,) = cal.walk("VEVENT")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Moscow"
    assert cal.walk("VTIMEZONE")  # Mail.ru wants the zone with its TZID
    assert vevent["RRULE"].to_ical().decode() == "FREQ=WEEKLY;UNTIL=20270301T205959Z;BYDAY=TU"
    assert str(vevent["DESCRIPTION"]) == "https://video.corp.example/r/abc\n\nAgenda"
    assert str(vevent["URL"]) == "https://video.corp.example/r/abc"
    # The Join button finds it though the host is no known provider: it is the conference.
    assert find_join_link(str(vevent["URL"]), conference=str(vevent["CONFERENCE"])) == (
        "https://video.corp.example/r/abc"
    )


def test_a_single_meeting_stays_in_utc() -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=TZ)
    text = build_event(
        NewEvent("One", start, start.replace(hour=11)), "u", "", NOW, "Europe/Moscow"
    )
    assert "DTSTART:20261201T070000Z" in text and "VTIMEZONE" not in text


def test_the_last_calendar_is_kept_in_the_settings_json() -> None:
    settings = UserSettings(last_calendar="/cal/home/")
    data = settings_to_json(settings)
    assert settings_from_json(data, locale="ru", timezone="Europe/Moscow").last_calendar == (
        "/cal/home/"
    )
    data.pop("last_calendar")
    assert settings_from_json(data, locale="ru", timezone="UTC").last_calendar == ""


def test_a_found_slot_carries_the_usernames_and_old_buttons_still_read() -> None:
    from calendar_bot.views.payloads import FoundSlot

    slot = FoundSlot(NOW, 60, (("bob@example.test", "Bob"),), ("bob",))
    assert FoundSlot.unpack(slot.pack()) == slot
    old = {k: v for k, v in slot.pack().items() if k != "who"}
    assert FoundSlot.unpack(old).handles == ()
